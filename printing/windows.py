"""Windows printing: the print-ready PDF played into the printer's GDI device context.

Windows has no system PDF spooler a program can rely on (Edge and WPS open a window), so the
pages go through GDI, one at a time, with only the standard library (ctypes) and pdfium:

- the printer's DEVMODE carries the copies, collation, orientation and paper size (A4 and A3
  by their DMPAPER numbers, the 16开 sizes as a custom size in tenths of a millimetre);
- each page is placed on the whole sheet (the device context starts at the printable area,
  so its physical offset is subtracted: 套打 positions stay exact);
- where pypdfium2 exposes ``FPDF_RenderPage`` (pdfium's own GDI output, vector text and
  paths, as Chrome prints) the page is drawn with it; otherwise pdfium renders the page at
  the printer's resolution in bands of :data:`BAND_ROWS` rows handed to StretchDIBits, so
  at most one band (about 10 MB at 600 dpi) is in memory, never a page or the document;
- a cancel between pages aborts the document (AbortDoc): nothing half-printed is left
  queued.

Written against the Win32 API; the Linux CI cannot run it (docs/install.md says how it was
checked on Windows).
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judging.errors import InputError

if TYPE_CHECKING:
    from printing.spool import Cancel, PrintJob, PrintResult, Progress

BAND_ROWS = 512
DMPAPER = {"A4": 9, "A3": 8, "A5": 11}
# DEVMODE fields (wingdi.h)
DM_ORIENTATION, DM_PAPERSIZE, DM_PAPERLENGTH, DM_PAPERWIDTH = 0x1, 0x2, 0x4, 0x8
DM_COPIES, DM_COLLATE = 0x100, 0x8000
DM_IN_BUFFER, DM_OUT_BUFFER = 8, 2
LOGPIXELSX, LOGPIXELSY = 88, 90
PHYSICALOFFSETX, PHYSICALOFFSETY = 112, 113
FPDF_ANNOT, FPDF_PRINTING = 0x01, 0x800
SRCCOPY, DIB_RGB_COLORS = 0x00CC0020, 0


def _dll(name: str) -> Any:
    return getattr(ctypes, "WinDLL")(name, use_last_error=True)  # noqa: B009 (Windows only)


class _DOCINFOW(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_int), ("lpszDocName", ctypes.c_wchar_p),
                ("lpszOutput", ctypes.c_wchar_p), ("lpszDatatype", ctypes.c_wchar_p),
                ("fwType", ctypes.c_uint32)]


class _BITMAPINFOHEADER(ctypes.Structure):
    _fields_ = [("biSize", ctypes.c_uint32), ("biWidth", ctypes.c_int32),
                ("biHeight", ctypes.c_int32), ("biPlanes", ctypes.c_uint16),
                ("biBitCount", ctypes.c_uint16), ("biCompression", ctypes.c_uint32),
                ("biSizeImage", ctypes.c_uint32), ("biXPelsPerMeter", ctypes.c_int32),
                ("biYPelsPerMeter", ctypes.c_int32), ("biClrUsed", ctypes.c_uint32),
                ("biClrImportant", ctypes.c_uint32)]


class _PRINTER_INFO_4W(ctypes.Structure):
    _fields_ = [("pPrinterName", ctypes.c_wchar_p), ("pServerName", ctypes.c_wchar_p),
                ("Attributes", ctypes.c_uint32)]


# offsets into DEVMODEW (the public part is fixed: 32 WCHAR device name, then the fields)
_DM_FIELDS, _DM_ORIENTATION, _DM_PAPERSIZE, _DM_PAPERLENGTH, _DM_PAPERWIDTH = 72, 76, 78, 80, 82
_DM_COPIES, _DM_COLLATE = 86, 100


def printers() -> list[str]:
    spool = _dll("winspool.drv")
    needed, count = ctypes.c_uint32(), ctypes.c_uint32()
    flags = 0x2 | 0x4  # PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS
    spool.EnumPrintersW(flags, None, 4, None, 0, ctypes.byref(needed), ctypes.byref(count))
    if not needed.value:
        return []
    buf = ctypes.create_string_buffer(needed.value)
    if not spool.EnumPrintersW(flags, None, 4, buf, needed, ctypes.byref(needed),
                               ctypes.byref(count)):
        return []
    infos = ctypes.cast(buf, ctypes.POINTER(_PRINTER_INFO_4W))
    return [str(infos[i].pPrinterName) for i in range(count.value)]


def default_printer() -> str | None:
    spool = _dll("winspool.drv")
    size = ctypes.c_uint32(0)
    spool.GetDefaultPrinterW(None, ctypes.byref(size))
    if not size.value:
        return None
    buf = ctypes.create_unicode_buffer(size.value)
    return buf.value if spool.GetDefaultPrinterW(buf, ctypes.byref(size)) else None


def _devmode(name: str, job: PrintJob, landscape: bool) -> Any:
    spool = _dll("winspool.drv")
    handle = ctypes.c_void_p()
    if not spool.OpenPrinterW(name, ctypes.byref(handle), None):
        raise InputError(f"no printer called {name!r} / 找不到打印机", field="--printer")
    try:
        size = spool.DocumentPropertiesW(None, handle, name, None, None, 0)
        if size <= 0:
            raise InputError(f"the driver of {name!r} gives no settings / 打印机驱动异常",
                             field="--printer")
        dm = ctypes.create_string_buffer(size)
        spool.DocumentPropertiesW(None, handle, name, dm, None, DM_OUT_BUFFER)

        def put(offset: int, ctype: Any, value: int) -> None:
            ctype.from_buffer(dm, offset).value = value

        fields = ctypes.c_uint32.from_buffer(dm, _DM_FIELDS)
        put(_DM_ORIENTATION, ctypes.c_int16, 2 if landscape else 1)
        put(_DM_COPIES, ctypes.c_int16, job.copies)
        put(_DM_COLLATE, ctypes.c_int16, 1)
        fields.value |= DM_ORIENTATION | DM_COPIES | DM_COLLATE
        if job.paper is not None:
            if job.paper.key in DMPAPER:
                put(_DM_PAPERSIZE, ctypes.c_int16, DMPAPER[job.paper.key])
                fields.value |= DM_PAPERSIZE
            else:  # custom size, tenths of a millimetre, portrait
                put(_DM_PAPERSIZE, ctypes.c_int16, 256)  # DMPAPER_USER
                put(_DM_PAPERLENGTH, ctypes.c_int16, round(job.paper.height_mm * 10))
                put(_DM_PAPERWIDTH, ctypes.c_int16, round(job.paper.width_mm * 10))
                fields.value |= DM_PAPERSIZE | DM_PAPERLENGTH | DM_PAPERWIDTH
        spool.DocumentPropertiesW(None, handle, name, dm, dm, DM_IN_BUFFER | DM_OUT_BUFFER)
        return dm
    finally:
        spool.ClosePrinter(handle)


def print_pdf(ready: Path, job: PrintJob, pages: int, progress: Progress | None,
              cancel: Cancel | None) -> PrintResult:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from printing.spool import PrintCancelled, PrintResult

    name = job.printer or default_printer()
    if not name:
        raise InputError("no printer chosen and no default printer / 未选择打印机",
                         field="--printer")
    doc = pdfium.PdfDocument(str(ready))
    gdi = _dll("gdi32")
    try:
        w0, h0 = doc[0].get_size()
        dm = _devmode(name, job, landscape=w0 > h0)
        gdi.CreateDCW.restype = ctypes.c_void_p  # a handle: not truncated to a C int
        handle = gdi.CreateDCW("WINSPOOL", name, None, dm)
        if not handle:
            raise InputError(f"cannot open the printer {name!r} / 无法打开打印机",
                             field="--printer")
        hdc = ctypes.c_void_p(handle)
        info = _DOCINFOW(ctypes.sizeof(_DOCINFOW), job.title, None, None, 0)
        if gdi.StartDocW(hdc, ctypes.byref(info)) <= 0:
            gdi.DeleteDC(hdc)
            raise InputError(f"the printer {name!r} refused the job / 打印机拒绝了任务",
                             field="--printer")
        dpi_x, dpi_y = gdi.GetDeviceCaps(hdc, LOGPIXELSX), gdi.GetDeviceCaps(hdc, LOGPIXELSY)
        off_x = gdi.GetDeviceCaps(hdc, PHYSICALOFFSETX)
        off_y = gdi.GetDeviceCaps(hdc, PHYSICALOFFSETY)
        vector = hasattr(raw, "FPDF_RenderPage")
        try:
            for i in range(pages):
                if cancel is not None and cancel.is_set():
                    gdi.AbortDoc(hdc)
                    raise PrintCancelled("printing cancelled / 已取消打印")
                page = doc[i]
                w, h = page.get_size()
                px, py = round(w / 72 * dpi_x), round(h / 72 * dpi_y)
                gdi.StartPage(hdc)
                if vector:
                    raw.FPDF_RenderPage(hdc, page.raw, -off_x, -off_y, px, py, 0,
                                        FPDF_ANNOT | FPDF_PRINTING)
                else:
                    _bands(gdi, raw, hdc, page, px, py, off_x, off_y)
                gdi.EndPage(hdc)
                page.close()
                if progress is not None:
                    progress(i + 1, pages)
            gdi.EndDoc(hdc)
        finally:
            gdi.DeleteDC(hdc)
    finally:
        doc.close()
    return PrintResult(pages, job.copies, name, spool_bytes=ready.stat().st_size,
                       details={"dpi": dpi_x, "gdi": "vector" if vector else "bands"})


def _bands(gdi: Any, raw: Any, hdc: Any, page: Any, px: int, py: int, off_x: int,
           off_y: int) -> None:
    """Render ``page`` at px × py device pixels, BAND_ROWS rows at a time."""
    header = _BITMAPINFOHEADER(ctypes.sizeof(_BITMAPINFOHEADER), px, 0, 1, 32, 0, 0, 0, 0,
                               0, 0)
    for top in range(0, py, BAND_ROWS):
        rows = min(BAND_ROWS, py - top)
        bitmap = raw.FPDFBitmap_Create(px, rows, 0)
        try:
            raw.FPDFBitmap_FillRect(bitmap, 0, 0, px, rows, 0xFFFFFFFF)
            raw.FPDF_RenderPageBitmap(bitmap, page.raw, 0, -top, px, py, 0,
                                      FPDF_ANNOT | FPDF_PRINTING)
            header.biHeight = -rows  # top-down rows, as pdfium writes them
            buffer = raw.FPDFBitmap_GetBuffer(bitmap)
            gdi.StretchDIBits(hdc, -off_x, top - off_y, px, rows, 0, 0, px, rows, buffer,
                              ctypes.byref(header), DIB_RGB_COLORS, SRCCOPY)
        finally:
            raw.FPDFBitmap_Destroy(bitmap)
