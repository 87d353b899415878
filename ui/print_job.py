"""The app's side of printing: the system's print dialog, then printing.spool on a thread.

The dialog only chooses: the printer, the page range, the copies and the paper (or a PDF
file). The pages then go to the print queue as vector PDF (printing.spool), never painted as
bitmaps through QPainter. ``PrintRunner`` reports progress and can be cancelled between pages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from printing import spool
from printing.paper import MM, Paper, paper_for_size
from ui.qt import (
    QAbstractPrintDialog,
    QDialog,
    QObject,
    QPageLayout,
    QPageSize,
    QPrintDialog,
    QPrinter,
    QRunnable,
    QSizeF,
    QThreadPool,
    QTimer,
    QWidget,
    Signal,
    qconnect,
)


def document_size(pdf: Path) -> tuple[float, float]:
    """(width, height) in points of the first page."""
    import pypdfium2 as pdfium

    from ui.pdf_view import PDFIUM

    with PDFIUM:
        doc = pdfium.PdfDocument(str(pdf))
        try:
            w, h = doc.get_page_size(0)
        finally:
            doc.close()
    return float(w), float(h)


def prepare_printer(printer: QPrinter, pdf: Path) -> None:
    """The document's paper and orientation as the dialog's starting point, all pages."""
    w, h = document_size(pdf)
    known = paper_for_size(w, h)
    if known is not None and known.key in ("A4", "A3", "A5"):
        size = QPageSize(getattr(QPageSize.PageSizeId, known.key))
    elif known is not None:
        size = QPageSize(QSizeF(known.width_mm, known.height_mm), QPageSize.Unit.Millimeter,
                         known.zh)
    else:
        size = QPageSize(QSizeF(min(w, h), max(w, h)), QPageSize.Unit.Point, "")
    printer.setPageSize(size)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if w > h
                               else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setFromTo(1, spool.page_count(pdf))
    printer.setPrintRange(QPrinter.PrintRange.AllPages)


def job_from_printer(printer: QPrinter, pdf: Path, *, offset_mm: tuple[float, float] = (0, 0),
                     title: str = "Jiangxin") -> spool.PrintJob:
    """What the print dialog chose, as a print job for ``pdf``."""
    pages: list[int] | None = None
    if printer.printRange() == QPrinter.PrintRange.PageRange:
        ranges = printer.pageRanges().toRangeList()  # "1,3-5" as typed in the dialog
        if ranges:
            pages = [n for r in ranges for n in range(r.from_, r.to + 1)]
        elif printer.fromPage() > 0:
            pages = list(range(printer.fromPage(), max(printer.fromPage(), printer.toPage()) + 1))
    rect = printer.pageLayout().fullRect(QPageLayout.Unit.Point)
    chosen = paper_for_size(rect.width(), rect.height())
    doc_w, doc_h = document_size(pdf)
    if chosen is None:
        size = printer.pageLayout().pageSize().size(QPageSize.Unit.Millimeter)
        chosen = Paper("custom", "自定义", "custom", round(min(size.width(), size.height()), 1),
                       round(max(size.width(), size.height()), 1))
    same = (abs(min(doc_w, doc_h) - chosen.width_mm * MM) < 2
            and abs(max(doc_w, doc_h) - chosen.height_mm * MM) < 2)
    chosen_paper = None if same else chosen  # None: the document's own size
    to_file = None
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        to_file = Path(printer.outputFileName())
    return spool.PrintJob(pdf, printer=printer.printerName() or None, pages=pages,
                          copies=max(1, printer.copyCount()), paper=chosen_paper,
                          offset_mm=offset_mm, title=title, to_file=to_file)


def print_dialog(printer: QPrinter, parent: QWidget | None, title: str) -> QPrintDialog:
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    options = QAbstractPrintDialog.PrintDialogOption
    dialog.setOptions(options.PrintPageRange | options.PrintToFile | options.PrintCollateCopies
                      | options.PrintShowPageSize)
    dialog.setMinMax(1, max(1, printer.toPage()))
    return dialog


def open_dialog(dialog: QPrintDialog) -> None:
    """Show the dialog window-modally without blocking (QPrintDialog.open() in PySide6 is the
    two-argument overload only: calling it bare was issue 17's TypeError)."""
    QDialog.open(dialog)


class _Signals(QObject):
    progressed = Signal(int, int)
    succeeded = Signal(object)  # spool.PrintResult
    failed = Signal(object)  # the exception
    finished = Signal()


class _Run(QRunnable):
    def __init__(self, job: spool.PrintJob, signals: _Signals, cancel: threading.Event) -> None:
        super().__init__()
        self.job, self.signals, self.cancel = job, signals, cancel

    def run(self) -> None:  # pool thread: no widgets here
        try:
            result = spool.send(self.job, self.signals.progressed.emit, self.cancel)
        except BaseException as exc:  # noqa: BLE001 - reported on the GUI thread
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.signals.finished.emit()


class PrintRunner(QObject):
    """One print job at a time off the GUI thread: progress per page, cancel between pages."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._signals: _Signals | None = None
        self.busy = False

    def start(self, job: spool.PrintJob,
              on_done: Callable[[spool.PrintResult], None] | None = None) -> None:
        if self.busy:
            raise RuntimeError("a print job is already running")
        self.busy = True
        self._cancel = threading.Event()
        signals = _Signals()  # lives on the GUI thread; queued to it from the pool
        qconnect(signals.progressed, self.progressed.emit)
        qconnect(signals.succeeded, self._succeeded)
        qconnect(signals.failed, self._failed)
        self._signals = signals
        if on_done is not None:
            qconnect(signals.succeeded, on_done)
        run = _Run(job, signals, self._cancel)
        # on the next turn of the event loop: a cancel clicked right after starting is seen
        QTimer.singleShot(0, lambda: QThreadPool.globalInstance().start(run))

    def cancel(self) -> None:
        self._cancel.set()

    def _succeeded(self, result: object) -> None:
        self.busy = False
        self.succeeded.emit(result)

    def _failed(self, exc: object) -> None:
        self.busy = False
        self.failed.emit(exc)
