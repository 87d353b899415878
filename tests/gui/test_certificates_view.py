"""证书打印: winners with their issue state, issuing on a worker with progress, preview,
printing through QPrinter (to a PDF file here), reprint, revoke, template, forms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtPrintSupport import QPrinter

from db.keys.certificate_check import check_text, keys_from_contest
from db.ops import certificates as certs
from tests.conftest import qr_texts
from ui.certificates import CertificatesScreen
from ui.screens import SCREENS, screen_class
from ui.state import AppState


@pytest.fixture
def screen(qtbot, signed_in: Callable[[str], AppState]) -> CertificatesScreen:
    state = signed_in("admin")
    w = CertificatesScreen(state)
    state.changed.connect(w.refresh)  # as the main window does
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def issue_all(qtbot, w: CertificatesScreen) -> list:
    w.pin.setText("0000")
    with qtbot.waitSignal(w.issued, timeout=60_000) as sig:
        w.issue_btn.click()
    qtbot.waitUntil(lambda: not w.busy)
    return list(sig.args[0])


def select(w: CertificatesScreen, rows: list[int]) -> None:
    sm = w.table.selectionModel()
    sm.clearSelection()
    for r in rows:
        sm.select(w.proxy.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                  | QItemSelectionModel.SelectionFlag.Rows)



def test_registry_entry() -> None:
    spec = next(s for s in SCREENS if s.key == "certificates")
    assert screen_class(spec) is CertificatesScreen and spec.roles == frozenset({"admin"})


def test_lists_winners_not_issued_then_issues_them_with_progress(
        qtbot, screen: CertificatesScreen, qtmodeltester) -> None:
    w = screen
    qtmodeltester.check(w.model)
    qtmodeltester.check(w.log_model)
    rows = w.model.rows
    assert rows and all(s.state == certs.NOT_ISSUED for s in rows)
    assert "未颁发" in w.model.data(w.model.index(0, 5))
    assert w.issue_btn.isEnabled() and f"（{len(rows)}）" in w.issue_btn.text()
    seen: list[tuple[int, int]] = []
    w.progress.valueChanged.connect(lambda v: seen.append((v, w.progress.maximum())))
    issued = issue_all(qtbot, w)
    assert len(issued) == len(rows)
    assert seen and seen[-1] == (len(rows), len(rows))  # the bar reached the end
    assert not w.progress.isVisible()
    assert all(s.state == certs.ISSUED for s in w.model.rows)
    assert "已颁发" in w.model.data(w.model.index(0, 5))
    assert not w.issue_btn.isEnabled()  # nothing left to issue
    assert w.pdf is not None and len(w.preview.labels) == len(rows)
    assert w.pin.text() == ""  # the PIN is not kept
    # the PDF in the preview is what was recorded, and every QR verifies
    keys = keys_from_contest(w.state.contest)
    texts = qr_texts(w.pdf)
    assert texts == [c.qr_text for c in issued]
    assert all(check_text(t, keys).status == "genuine" for t in texts)


def test_wrong_pin_fails_and_records_nothing(qtbot, screen: CertificatesScreen) -> None:
    w = screen
    w.pin.setText("9999")
    with qtbot.waitSignal(w.task_failed, timeout=30_000) as sig:
        w.issue_btn.click()
    qtbot.waitUntil(lambda: not w.busy)
    assert "PIN" in sig.args[0]
    assert certs.issued_rows(w.state.contest) == []
    assert all(s.state == certs.NOT_ISSUED for s in w.model.rows)


def test_print_through_qprinter_to_a_pdf_file(qtbot, screen: CertificatesScreen,
                                              tmp_path: Path) -> None:
    w = screen
    issued = issue_all(qtbot, w)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    printer.setResolution(200)
    from ui.print_job import prepare_printer

    prepare_printer(printer, w.pdf)
    with qtbot.waitSignal(w.printed, timeout=60_000) as sig:
        w.print_to(printer)
    assert sig.args[0] == len(issued)
    doc = pdfium.PdfDocument(out)
    assert len(doc) == len(issued)
    width, height = doc[0].get_size()
    assert width > height  # landscape A4 (842 x 595 pt)
    assert abs(width - 842) < 3 and abs(height - 595) < 3
    # the printed pages still scan at 150 dpi and verify
    keys = keys_from_contest(w.state.contest)
    texts = qr_texts(out)
    assert len(texts) == len(issued)
    assert all(check_text(t, keys).status == "genuine" for t in texts)


def test_copies_are_printed(qtbot, screen: CertificatesScreen, tmp_path: Path) -> None:
    w = screen
    issue_all(qtbot, w)
    select(w, [0])
    w.reason.setText("损坏 damaged")
    w.pin.setText("0000")
    with qtbot.waitSignal(w.reprinted, timeout=60_000):
        w.reprint_btn.click()
    qtbot.waitUntil(lambda: not w.busy)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "copies.pdf"
    printer.setOutputFileName(str(out))
    printer.setCopyCount(3)
    with qtbot.waitSignal(w.printed, timeout=60_000) as sig:
        w.print_to(printer)
    expected = 1 if printer.supportsMultipleCopies() else 3
    assert sig.args[0] == expected == len(pdfium.PdfDocument(out))


def test_reprint_is_marked_duplicate_and_needs_a_reason(
        qtbot, screen: CertificatesScreen) -> None:
    w = screen
    issue_all(qtbot, w)
    select(w, [1])
    target = w.model.rows[1]
    w.pin.setText("0000")
    with qtbot.waitSignal(w.task_failed, timeout=30_000) as failed:
        w.reprint_btn.click()  # no reason
    qtbot.waitUntil(lambda: not w.busy)
    assert "reason" in failed.args[0] or "原因" in failed.args[0]
    select(w, [1])
    w.reason.setText("证书遗失 lost")
    w.pin.setText("0000")
    with qtbot.waitSignal(w.reprinted, timeout=60_000) as sig:
        w.reprint_btn.click()
    qtbot.waitUntil(lambda: not w.busy)
    [dup] = sig.args[0]
    assert dup.duplicate and dup.serial == target.serial
    row = next(s for s in w.model.rows if s.serial == target.serial)
    assert row.prints == 2 and row.state == certs.ISSUED
    assert len(w.preview.labels) == 1
    text = pdfium.PdfDocument(w.pdf)[0].get_textpage().get_text_range()
    assert "补发" in text
    log = certs.print_log(w.state.contest)
    assert [e.kind for e in log].count("duplicate") == 1
    assert next(e for e in log if e.kind == "duplicate").reason == "证书遗失 lost"
    # the print log tab, newest first
    assert w.log_model.rowCount() == len(log)
    assert w.log_model.data(w.log_model.index(0, 1)) == "补发"
    assert w.log_model.data(w.log_model.index(0, 5)) == "证书遗失 lost"


def test_revoke_selected_with_a_reason(qtbot, screen: CertificatesScreen) -> None:
    w = screen
    issue_all(qtbot, w)
    select(w, [0])
    serial = w.model.rows[0].serial
    w.reason.setText("冒名顶替")
    with qtbot.waitSignal(w.revoked) as sig:
        w.revoke_btn.click()
    assert sig.args == [serial]
    row = next(s for s in w.model.rows if s.serial == serial)
    assert row.state == certs.REVOKED
    assert "已撤销" in w.model.data(w.model.index(w.model.rows.index(row), 5))


def test_save_pdf_and_forms(qtbot, screen: CertificatesScreen, tmp_path: Path) -> None:
    w = screen
    for kind in ("marking", "summary", "draw", "checkin", "results"):
        with qtbot.waitSignal(w.pdf_ready):
            out = w.make_form(kind, "GJQG")
        assert out is not None and out.exists()
        assert len(w.preview.labels) >= 1
    assert "SHA-256" in w.status.text()
    saved = w.save_pdf(tmp_path / "results.pdf")
    assert saved is not None and len(pdfium.PdfDocument(saved)) >= 1


def test_template_is_saved_with_the_contest(qtbot, screen: CertificatesScreen) -> None:
    w = screen
    w.orientation.setCurrentIndex(w.orientation.findData("portrait"))
    for i in range(w.wording.rowCount()):
        if w.wording.item(i, 0).text() == "一等奖":
            w.wording.item(i, 1).setText("在{competition}中勇夺{award}。")
    with qtbot.waitSignal(w.template_saved):
        w.save_template_btn.click()
    tpl = certs.template(w.state.contest)
    assert tpl.orientation == "portrait" and "勇夺" in tpl.wording["一等奖"]
    issue_all(qtbot, w)
    page = pdfium.PdfDocument(w.pdf)[0]
    width, height = page.get_size()
    assert height > width


def test_the_chief_judge_prints_paper_forms(qtbot, signed_in: Callable[[str], AppState],
                                            tmp_path: Path) -> None:
    # issue 17: `jiangxin forms` is the chief's too, the app had the forms for the organiser
    from ui.paper_forms_view import PaperFormsScreen
    from ui.print_job import prepare_printer

    state = signed_in("裁判长")  # the demo's chief judge
    w = PaperFormsScreen(state)
    state.changed.connect(w.refresh)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    visible = [w.tabs.tabText(i) for i in range(w.tabs.count()) if w.tabs.isTabVisible(i)]
    assert visible == ["纸质表格"] and w.tabs.currentWidget().isAncestorOf(w.form_btn)
    assert not w.issue_btn.isVisible()  # certificates are the organiser's
    w.form_kind.setCurrentIndex(w.form_kind.findData("marking"))
    with qtbot.waitSignal(w.pdf_ready):
        w.form_btn.click()
    assert w.pdf is not None and len(w.preview.labels) >= 1
    # 打印… to a PDF printer, the print dialog's path
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "forms-printed.pdf"
    printer.setOutputFileName(str(out))
    prepare_printer(printer, w.pdf)
    with qtbot.waitSignal(w.printed, timeout=60_000):
        w.print_to(printer)
    assert len(pdfium.PdfDocument(out)) == len(pdfium.PdfDocument(w.pdf)) >= 1


def test_the_encryption_officer_prints_the_draw_sheet_for_the_envelope(
        qtbot, example_db) -> None:
    # before decryption the draw sheet ties names to lots: the officer's alone (paper_forms.py)
    from tests.conftest import USERS
    from ui.paper_forms_view import PaperFormsScreen

    state = AppState()
    state.open(example_db("locked"))  # sealed: not decrypted
    state.sign_in(*USERS["encryption"])
    w = PaperFormsScreen(state)
    qtbot.addWidget(w)
    w.show()
    kinds = [w.form_kind.itemData(i) for i in range(w.form_kind.count())]
    assert kinds == ["draw"]  # the one form the officer prints
    with qtbot.waitSignal(w.pdf_ready):
        w.form_btn.click()
    assert w.pdf is not None and len(pdfium.PdfDocument(w.pdf)) >= 1
    assert not w.print_btn.isHidden()
