"""PDF pages on screen: a scrolling preview (printing is ui/print_job.py, as vector PDF).

pdfium is not thread-safe, so every use of pypdfium2 in the app goes through :data:`PDFIUM`
(a lock): the preview renders on the GUI thread, QR decoding on workers.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ui.qt import QImage, QLabel, QLayout, QPixmap, QScrollArea, Qt, QVBoxLayout, QWidget

PDFIUM = threading.RLock()


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
