"""PDF pages on screen and on paper: a scrolling preview and printing through QPrinter.

pdfium is not thread-safe, so every use of pypdfium2 in the app goes through :data:`PDFIUM`
(a lock): the preview renders on the GUI thread, printing and QR decoding on workers.
Printing renders each page at the printer's resolution (at most :data:`MAX_PRINT_DPI`) and
paints it over the whole paper; the page orientation follows the PDF's first page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from ui.qt import (
    QImage,
    QLabel,
    QLayout,
    QPageLayout,
    QPageSize,
    QPainter,
    QPixmap,
    QPrinter,
    QRect,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
)

PDFIUM = threading.RLock()
MAX_PRINT_DPI = 600


def _qimage(page: object, scale: float, grey: bool = False) -> QImage:
    bitmap = page.render(scale=scale, grayscale=grey)  # type: ignore[attr-defined]
    pil = bitmap.to_pil().convert("L" if grey else "RGB")
    bitmap.close()
    data = pil.tobytes()
    fmt = QImage.Format.Format_Grayscale8 if grey else QImage.Format.Format_RGB888
    bpl = pil.width * (1 if grey else 3)
    return QImage(data, pil.width, pil.height, bpl, fmt).copy()  # copy: own the bytes


def page_count(pdf: Path | bytes) -> int:
    import pypdfium2 as pdfium

    with PDFIUM:
        doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            return len(doc)
        finally:
            doc.close()


def render_pages(pdf: Path | bytes, dpi: float = 72, limit: int | None = None) -> list[QImage]:
    """The pages as images at ``dpi`` (the first ``limit`` pages only, if given)."""
    import pypdfium2 as pdfium

    with PDFIUM:
        doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            n = len(doc) if limit is None else min(limit, len(doc))
            return [_qimage(doc[i], dpi / 72) for i in range(n)]
        finally:
            doc.close()


def first_page_landscape(pdf: Path) -> bool:
    import pypdfium2 as pdfium

    with PDFIUM:
        doc = pdfium.PdfDocument(str(pdf))
        try:
            w, h = doc[0].get_size()
        finally:
            doc.close()
    return bool(w > h)


def prepare_printer(printer: QPrinter, pdf: Path) -> None:
    """A4, orientation of the document, the whole paper as the painting area."""
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if first_page_landscape(pdf)
                               else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)


def print_pdf(printer: QPrinter, pdf: Path,
              progress: Callable[[int, int], None] | None = None) -> int:
    """Paint every page of ``pdf`` on ``printer`` (any thread); returns the pages printed.

    Copies: when the printer cannot make them itself (e.g. PDF output), pages are repeated.
    """
    import pypdfium2 as pdfium

    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be opened / 无法打开打印机")
    printed = 0
    try:
        with PDFIUM:
            doc = pdfium.PdfDocument(str(pdf))
            try:
                n = len(doc)
                total = n * copies
                for copy in range(copies):
                    for i in range(n):
                        if printed:
                            printer.newPage()
                        image = _qimage(doc[i], dpi / 72)
                        paper = printer.paperRect(QPrinter.Unit.DevicePixel).toRect()
                        target = _fit(image.width(), image.height(), paper)
                        painter.drawImage(target, image)
                        printed += 1
                        if progress:
                            progress(copy * n + i + 1, total)
            finally:
                doc.close()
    finally:
        painter.end()
    return printed


def _fit(w: int, h: int, area: QRect) -> QRect:
    scale = min(area.width() / w, area.height() / h)
    tw, th = int(w * scale), int(h * scale)
    return QRect(area.x() + (area.width() - tw) // 2, area.y() + (area.height() - th) // 2,
                 tw, th)


class PdfPreview(QScrollArea):
    """Pages of a PDF one under the other, scaled to the width of the view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.inner = QWidget()
        self.inner.setStyleSheet("background: #6b7280;")
        self.pages = QVBoxLayout(self.inner)
        self.pages.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages.setSpacing(12)
        # the pages are added later: let the layout grow the page column (else they overlap)
        self.pages.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setWidget(self.inner)
        self.labels: list[QLabel] = []
        self.note = QLabel()
        self.note.setStyleSheet("color: white;")
        self.pages.addWidget(self.note)

    def clear(self) -> None:
        for label in self.labels:
            self.pages.removeWidget(label)
            label.deleteLater()
        self.labels = []
        self.note.setText("")

    def show_pdf(self, pdf: Path | bytes, *, limit: int = 30, width: int | None = None) -> int:
        """Show up to ``limit`` pages; returns the number shown."""
        self.clear()
        total = page_count(pdf)
        images = render_pages(pdf, dpi=96, limit=limit)
        width = width or max(320, self.viewport().width() - 40)
        for image in images:
            label = QLabel()
            pix = QPixmap.fromImage(image)
            if pix.width() > width:
                pix = pix.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            label.setPixmap(pix)
            label.setFixedSize(pix.size())
            label.setStyleSheet("border: 1px solid #374151; background: white;")
            self.pages.addWidget(label)
            self.labels.append(label)
        self.pages.removeWidget(self.note)
        self.pages.addWidget(self.note)
        if total > len(images):
            self.note.setText(f"… 另有 {total - len(images)} 页 / {total - len(images)} more "
                              "pages")
        return len(images)
