"""Printing to a real CUPS queue (cups-pdf) and reading what came out of the printer.

Checks what a hall cares about: the page count for a range and copies, the paper size, that
the pages stay vector (embedded fonts, no page images, text that extracts), that the QR codes
on the printed pages still verify, and the 套打 calibration page with a remembered offset.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from db.keys.certificate_check import check_text, keys_from_contest
from db.store.contest import Contest
from printing import printer_settings, spool
from printing.calibration import calibration_page, corrected_offset
from printing.paper import MM, PAPERS, paper
from printing.scan import qr_texts_in_pdf
from tests.conftest import cli, copy_db
from tests.print_queue import Queue, cups_queue  # noqa: F401 (the fixture)

SERIAL = re.compile(r"[A-Z]+-\d{4}(?:-[A-Z0-9]+)+-\d{4}")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory,
                 example_cache: Callable[[str], Path]) -> tuple[Path, Path]:
    """(contest, its certificates PDF), made once."""
    base = tmp_path_factory.mktemp("cups")
    db = base / "venue.db"
    copy_db(example_cache("decrypted"), db)
    pdf = base / "certificates.pdf"
    assert cli("certificates", "--out", pdf, "--db", db, who="admin") == 0
    assert len(pdfium.PdfDocument(pdf)) >= 4
    return db, pdf


@pytest.fixture(autouse=True)
def private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIANGXIN_CONFIG", str(tmp_path / "config" / "jiangxin.ini"))


def serials(pdf: Path) -> list[str]:
    """The serial numbers in the order of the pages (Latin text survives cups-pdf)."""
    out = []
    for i in range(len(pdfium.PdfDocument(pdf))):
        text = subprocess.run(["pdftotext", "-f", str(i + 1), "-l", str(i + 1), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        found = SERIAL.search(text)
        assert found, f"no serial number on page {i + 1} of {pdf.name}"
        out.append(found.group(0))
    return out


def sizes_mm(pdf: Path) -> list[tuple[float, float]]:
    doc = pdfium.PdfDocument(pdf)
    return [tuple(sorted(round(v / MM) for v in doc[i].get_size())) for i in range(len(doc))]


def print_via_cups(queue: Queue, monkeypatch: pytest.MonkeyPatch, job: spool.PrintJob) -> Path:
    monkeypatch.setenv("CUPS_SERVER", queue.server)
    result = spool.send(job)
    assert result.job_id and result.job_id.startswith(queue.name)
    return queue.wait_for(result.job_id)


def test_page_range_and_copies_come_out_as_vector_pages(
        cups_queue: Queue, certificates: tuple[Path, Path],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    db, pdf = certificates
    printed = print_via_cups(cups_queue, monkeypatch,
                             spool.PrintJob(pdf, printer=cups_queue.name, pages=[2, 3], copies=2))
    source = serials(pdf)
    # pages 2 and 3, twice, collated
    assert serials(printed) == [source[1], source[2], source[1], source[2]]
    assert sizes_mm(printed) == [(210, 297)] * 4  # A4, as the document
    fonts = subprocess.run(["pdffonts", str(printed)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSerifSC" in fonts and "NotoSansSC" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]
               if "NotoS" in line)  # embedded
    images = subprocess.run(["pdfimages", "-list", str(printed)], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    assert images == []  # nothing was turned into a bitmap
    # what came out of the printer still verifies from a 150 dpi scan
    keys = keys_from_contest(Contest.open(db))
    texts = [t for _page, found in qr_texts_in_pdf(printed, dpi=150) for t in found]
    assert len(texts) == 4
    assert all(check_text(t, keys).status == "genuine" for t in texts)


def test_paper_size_is_honoured(cups_queue: Queue, certificates: tuple[Path, Path],  # noqa: F811
                                monkeypatch: pytest.MonkeyPatch) -> None:
    _db, pdf = certificates
    for key, expected in (("big16K", (210, 285)), ("A3", (297, 420))):
        printed = print_via_cups(cups_queue, monkeypatch, spool.PrintJob(
            pdf, printer=cups_queue.name, pages=[1], paper=paper(key)))
        assert sizes_mm(printed) == [expected], key


def test_the_command_line_prints_a_range(cups_queue: Queue,  # noqa: F811
                                         certificates: tuple[Path, Path],
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _db, pdf = certificates
    monkeypatch.setenv("CUPS_SERVER", cups_queue.server)
    assert cli("print", pdf, "--printer", cups_queue.name, "--pages", "2-3") == 0
    out = capsys.readouterr().out
    job = re.search(r"\((\S+-\d+)\)", out).group(1)
    printed = cups_queue.wait_for(job)
    assert serials(printed) == serials(pdf)[1:3]
    # a range beyond the document, or an unknown queue: exit 2, nothing queued
    assert cli("print", pdf, "--printer", cups_queue.name, "--pages", "2-99") == 2
    assert cli("print", pdf, "--printer", "no-such-printer") == 2
    err = capsys.readouterr().err
    assert "--pages" in err and "--printer" in err and cups_queue.name in err
    pending = subprocess.run(["lpstat", "-o"], capture_output=True, text=True,
                             env=cups_queue.env()).stdout
    assert pending.strip() == ""


def _cross_a(pdf: Path) -> tuple[float, float]:
    """Where the label of cross A starts, in mm from the sheet's left and top edges."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    m = re.search(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">A</word>',
                  bbox)
    assert m, bbox[:2000]
    return float(m.group(1)) / MM, float(m.group(2)) / MM


def test_calibration_page_and_the_remembered_offset(
        cups_queue: Queue, certificates: tuple[Path, Path],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    sixteen = PAPERS["16K"]
    page = calibration_page(tmp_path / "cal.pdf", sixteen, landscape=False)
    plain = print_via_cups(cups_queue, monkeypatch, spool.PrintJob(page, printer=cups_queue.name))
    assert sizes_mm(plain) == [(185, 260)]
    x0, y0 = _cross_a(plain)
    assert abs(x0 - 22.5) < 0.6 and abs(y0 - 17.5) < 1.5  # label beside the cross at 20, 20
    # the printer put cross A at 21.5 mm from the left and 18.0 mm from the top: remember
    dx, dy = corrected_offset((0.0, 0.0), (21.5, 18.0))
    assert (dx, dy) == (-1.5, 2.0)
    printer_settings.set_offsets(cups_queue.name, dx, dy)
    saved = json.loads(printer_settings.settings_path().read_text(encoding="utf-8"))
    assert saved["printers"][cups_queue.name] == {"dx_mm": -1.5, "dy_mm": 2.0}
    # the command line applies it to the calibration page and to a 套打 print
    assert cli("print", "--calibration", "--paper", "16K", "--portrait",
               "--printer", cups_queue.name) == 0
    job = sorted(cups_queue.out.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    monkeypatch.setenv("CUPS_SERVER", cups_queue.server)
    result = spool.send(spool.PrintJob(page, printer=cups_queue.name,
                                       offset_mm=printer_settings.offsets(cups_queue.name)))
    moved = cups_queue.wait_for(result.job_id)
    x1, y1 = _cross_a(moved)
    assert abs((x1 - x0) - dx) < 0.2 and abs((y1 - y0) - dy) < 0.2
    assert len(job) >= 1


def test_preprinted_layout_prints_only_the_variable_text(
        certificates: tuple[Path, Path], tmp_path: Path) -> None:
    db, _pdf = certificates
    out = tmp_path / "taoda.pdf"
    serial = serials(_pdf)[0]
    assert cli("certificates", "--preprinted", "--reprint", serial, "--reason", "套打",
               "--out", out, "--db", db, who="admin") == 0
    text = pdfium.PdfDocument(out)[0].get_textpage().get_text_range()
    full = pdfium.PdfDocument(_pdf)[0].get_textpage().get_text_range()
    assert "荣 誉 证 书".replace(" ", "") not in text.replace(" ", "")
    assert "荣" in full and serial in text
    assert "（盖章）" not in text
    # the name and the wording are there
    name_line = next(line for line in full.splitlines() if "同志" in line)
    assert name_line.strip() in text
