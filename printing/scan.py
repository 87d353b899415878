"""Reading certificate QR codes back: from a photo or scan (zxing-cpp) or a PDF (pypdfium2)."""

from __future__ import annotations

from pathlib import Path

from judging.errors import InputError

PDF_DPI = 200  # a QR of version 13 in 36 mm has 0.5 mm modules: 4 pixels each at 200 dpi
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})


def _decode(image: object) -> list[str]:
    import zxingcpp

    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    codes = zxingcpp.read_barcodes(image, formats=qr_only)
    return [c.text for c in codes if c.valid]


def qr_texts_in_image(path: str | Path) -> list[str]:
    """Every QR code text in a photo or scan (empty when none is found)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            image = ImageOps.exif_transpose(im).convert("L")
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(f"cannot read the image: {exc} / 无法读取图片", file=str(path)) from None
    found = _decode(image)
    if not found and max(image.size) > 2400:  # a large phone photo: try it smaller too
        image.thumbnail((2000, 2000))
        found = _decode(image)
    return found


def qr_texts_in_pdf(path: str | Path | bytes, dpi: int = PDF_DPI) -> list[tuple[int, list[str]]]:
    """(page number from 1, QR texts on it) for every page of a PDF."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(path if isinstance(path, bytes) else str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise InputError(f"cannot read the PDF: {exc} / 无法读取PDF",
                         file=None if isinstance(path, bytes) else str(path)) from None
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            out.append((i + 1, _decode(bitmap.to_pil())))
            bitmap.close()
            page.close()
    finally:
        doc.close()
    return out


def is_pdf(path: Path) -> bool:
    if path.suffix.lower() == ".pdf":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False
