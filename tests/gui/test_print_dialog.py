"""打印…: the print button opens the system's print dialog and prints (issue 17's TypeError),
as vector pages, with the dialog's page range and copies; progress and cancel; 套打 with a
calibration page and the offsets remembered for the printer on this laptop."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QComboBox, QLineEdit, QRadioButton, QSpinBox

from printing import printer_settings
from printing.paper import MM
from tests.gui.test_certificates_view import issue_all, screen  # noqa: F401 (fixture)
from ui.certificates import CertificatesScreen

SERIAL = re.compile(r"[A-Z]+-\d{4}(?:-[A-Z0-9]+)+-\d{4}")


def to_file(dialog: QPrintDialog, out: Path, pages: tuple[int, int] | None = None,
            copies: int = 1) -> None:
    """Choose "print to file" in the dialog as a user would, then press OK."""
    combo = dialog.findChild(QComboBox, "printers")
    assert combo is not None
    combo.setCurrentIndex(combo.count() - 1)  # the last entry: Print to File (PDF)
    name = dialog.findChild(QLineEdit, "filename")
    assert name is not None
    name.setText(str(out))
    if pages is not None:
        dialog.findChild(QRadioButton, "printRange").setChecked(True)
        dialog.findChild(QSpinBox, "from").setValue(pages[0])
        dialog.findChild(QSpinBox, "to").setValue(pages[1])
    dialog.findChild(QSpinBox, "copies").setValue(copies)
    dialog.accept()


def page_serials(pdf: Path) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    return [SERIAL.search(doc[i].get_textpage().get_text_range()).group(0)
            for i in range(len(doc))]


def words(pdf: Path, word: str) -> list[tuple[float, float]]:
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(float(x), float(y)) for x, y in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>' + re.escape(word) + "</word>", bbox)]


def test_print_button_opens_the_dialog_and_prints_vector_pages(
        qtbot, screen: CertificatesScreen, tmp_path: Path) -> None:  # noqa: F811
    w = screen
    issued = issue_all(qtbot, w)
    assert len(issued) >= 4
    w.print_btn.click()  # was: TypeError: open expected 2 arguments, got 0
    dialog = w.print_dialog
    assert isinstance(dialog, QPrintDialog) and dialog.isVisible()
    out = tmp_path / "printed.pdf"
    steps: list[tuple[int, int]] = []
    w.runner.progressed.connect(lambda d, n: steps.append((d, n)))
    with qtbot.waitSignal(w.printed, timeout=60_000) as sig:
        to_file(dialog, out, pages=(2, 3), copies=2)
    assert sig.args[0] == 4  # 2 pages × 2 copies
    assert page_serials(out) == (page_serials(w.pdf)[1:3]) * 2
    assert steps[-1] == (2, 2)
    assert not w.cancel_print_btn.isVisible() and w.print_btn.isEnabled()
    doc = pdfium.PdfDocument(out)
    width, height = doc[0].get_size()
    assert abs(width - 842) < 2 and abs(height - 595) < 2  # landscape A4, as issued
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "NotoSerifSC" in fonts
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert images == []  # vector: no page was turned into a bitmap


def test_cancel_stops_before_anything_is_printed(qtbot, screen: CertificatesScreen,  # noqa: F811
                                                 tmp_path: Path) -> None:
    w = screen
    issue_all(qtbot, w)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "never.pdf"
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(w.print_cancelled, timeout=30_000):
        w.print_to(printer)
        assert w.cancel_print_btn.isVisible()
        w.cancel_print_btn.click()
    assert not out.exists()
    assert "取消" in w.status.text() and not w.runner.busy
    with qtbot.waitSignal(w.printed, timeout=60_000):  # and the next job runs normally
        w.print_to(printer)
    assert out.exists()


def test_preprinted_stock_with_calibration_and_offsets(
        qtbot, screen: CertificatesScreen, tmp_path: Path) -> None:  # noqa: F811
    w = screen
    w.preprinted.setChecked(True)
    issue_all(qtbot, w)
    assert w.pdf_preprinted
    text = pdfium.PdfDocument(w.pdf)[0].get_textpage().get_text_range()
    assert "荣" not in text.split("同志")[0]  # no heading: the stock has it
    # calibrate the printer (here: printing to a file, i.e. the default entry)
    w.cal_paper.setCurrentIndex(w.cal_paper.findData("16K"))
    dialog = w.print_calibration()
    cal = tmp_path / "calibration.pdf"
    with qtbot.waitSignal(w.printed, timeout=60_000):
        to_file(dialog, cal)
    size = sorted(round(v / MM) for v in pdfium.PdfDocument(cal)[0].get_size())
    assert size == [185, 260]
    w.cal_x.setValue(21.5)  # cross A measured 1.5 mm too far right, 2 mm too high
    w.cal_y.setValue(18.0)
    w.cal_save_btn.click()
    assert printer_settings.offsets(w.last_printer) == (-1.5, 2.0)
    assert "-1.5" in w.cal_status.text()
    # the 套打 print is moved by the remembered offset; the preview PDF is not
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "taoda.pdf"
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(w.printed, timeout=60_000):
        w.print_to(printer)
    serial = page_serials(w.pdf)[0]
    (x0, y0), = words(w.pdf, serial) or words(w.pdf, f"证书编号：{serial}")
    (x1, y1), = words(out, serial) or words(out, f"证书编号：{serial}")
    assert abs((x1 - x0) / MM - (-1.5)) < 0.1 and abs((y1 - y0) / MM - 2.0) < 0.1
