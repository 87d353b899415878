"""Sending a PDF to a printer as vector pages: page range, copies, paper size, 套打 offsets.

The job is first made *print-ready*: the chosen pages copied (pdfium, their text and drawings
stay vector), each page scaled to the chosen paper and centred, then moved by the printer's
套打 offset. Then, by platform:

- Linux and macOS: the print-ready PDF goes to the CUPS queue with ``lp`` (copies, collation
  and the paper as CUPS options); the printer's driver rasterises it at its own resolution.
- Windows: :mod:`printing.windows` plays the pages into the printer's GDI device context one
  at a time (pdfium renders each page at the printer's resolution, nothing more in memory).
- A destination ending in ``.pdf`` (the "print to file" choice) gets the print-ready PDF.

Nothing here imports Qt: the command ``jiangxin print`` and the app share it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from judging.errors import InputError, JiangxinError
from printing.paper import MM, Paper, paper_for_size

Progress = Callable[[int, int], None]


class Cancel(Protocol):
    def is_set(self) -> bool: ...


class PrintCancelled(JiangxinError):
    """The user stopped the job before it reached the printer (exit 130, like Ctrl+C)."""

    exit_code = 130


@dataclass(frozen=True)
class PrintJob:
    pdf: Path
    printer: str | None = None  # None: the system's default printer
    pages: Sequence[int] | None = None  # 1-based page numbers; None: every page
    copies: int = 1
    paper: Paper | None = None  # None: the document's own page size
    offset_mm: tuple[float, float] = (0.0, 0.0)  # 套打: right, down
    title: str = "Jiangxin"
    to_file: Path | None = None  # print to this PDF file instead of a printer


@dataclass
class PrintResult:
    pages: int  # pages per copy
    copies: int
    destination: str
    job_id: str | None = None
    spool_bytes: int = 0  # the size of what was handed to the spooler
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def sheets(self) -> int:
        return self.pages * self.copies


def parse_pages(text: str | None, count: int) -> list[int] | None:
    """``"2-3,5"`` → [2, 3, 5] (1-based); None or empty → None (every page)."""
    if text is None or not text.strip():
        return None
    out: list[int] = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
        if not m:
            raise InputError(f"{part!r} is not a page or a range like 2-3 / 页码格式应如 2-3",
                             field="--pages")
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        if first < 1 or last < first:
            raise InputError(f"{part!r}: pages count from 1, the first before the last "
                             "/ 页码从1开始", field="--pages")
        if last > count:
            raise InputError(f"{part!r}: the document has {count} pages / 文档只有{count}页",
                             field="--pages")
        out.extend(range(first, last + 1))
    return out


def page_count(pdf: Path) -> int:
    doc = _open_pdf(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def _open_pdf(pdf: Path) -> Any:
    import pypdfium2 as pdfium

    if not Path(pdf).is_file():
        raise InputError("no such file / 文件不存在", file=str(pdf))
    try:
        return pdfium.PdfDocument(str(pdf))
    except pdfium.PdfiumError as exc:
        raise InputError(f"not a readable PDF ({exc}) / 不是有效的PDF文件", file=str(pdf)) from None


def print_ready(job: PrintJob, out: Path, progress: Progress | None = None,
                cancel: Cancel | None = None) -> int:
    """Write the pages of ``job`` as they go to the printer; returns the number of pages.

    The pages are copied whole (one set of fonts for all of them), then each page's content
    is transformed in place: scaled to fit the paper, centred, moved by the offset. Nothing
    is rasterised.
    """
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    src = _open_pdf(job.pdf)
    dest = pdfium.PdfDocument.new()
    try:
        n = len(src)
        pages = list(job.pages) if job.pages else list(range(1, n + 1))
        bad = [p for p in pages if not 1 <= p <= n]
        if bad:
            raise InputError(f"page {bad[0]} is not in the document ({n} pages) / 页码超出",
                             field="--pages")
        dest.import_pages(src, [p - 1 for p in pages])
        dx, dy = job.offset_mm
        for i in range(len(pages)):
            if cancel is not None and cancel.is_set():
                raise PrintCancelled("printing cancelled / 已取消打印")
            page = dest[i]
            w, h = page.get_size()
            if job.paper is not None or dx or dy:
                pw, ph = job.paper.oriented(w > h) if job.paper is not None else (w, h)
                s = min(pw / w, ph / h)
                tx = (pw - w * s) / 2 + dx * MM
                ty = (ph - h * s) / 2 - dy * MM  # PDF y goes up; dy is measured downwards
                matrix = pdfium.PdfMatrix().scale(s, s).translate(tx, ty).to_raw()
                clip = raw.FS_RECTF(0, ph, pw, 0)
                raw.FPDFPage_TransFormWithClip(page.raw, ctypes.byref(matrix),
                                               ctypes.byref(clip))
                page.set_mediabox(0, 0, pw, ph)
                page.set_cropbox(0, 0, pw, ph)
            page.close()
            if progress is not None:
                progress(i + 1, len(pages))
        out.parent.mkdir(parents=True, exist_ok=True)
        dest.save(str(out))
        return len(pages)
    finally:
        dest.close()
        src.close()


# ---------------------------------------------------------------------------- destinations

def printers() -> list[str]:
    """The print queues this computer knows (CUPS or Windows)."""
    if sys.platform == "win32":
        from printing import windows

        return windows.printers()
    if not shutil.which("lpstat"):
        return []
    run = subprocess.run(["lpstat", "-e"], capture_output=True, text=True)
    return [line.strip() for line in run.stdout.splitlines() if line.strip()]


def default_printer() -> str | None:
    if sys.platform == "win32":
        from printing import windows

        return windows.default_printer()
    if not shutil.which("lpstat"):
        return None
    run = subprocess.run(["lpstat", "-d"], capture_output=True, text=True)
    m = re.search(r":\s*(\S+)\s*$", run.stdout.strip())
    return m.group(1) if m and "no system default" not in run.stdout else None


def send(job: PrintJob, progress: Progress | None = None,
         cancel: Cancel | None = None) -> PrintResult:
    """Print ``job``; progress(done, total) per page. Raises PrintCancelled when cancelled."""
    if job.copies < 1 or job.copies > 999:
        raise InputError(f"copies must be 1 to 999, not {job.copies} / 份数应为1至999",
                         field="--copies")
    with tempfile.TemporaryDirectory(prefix="jiangxin-print-") as tmp:
        ready = Path(tmp) / "print.pdf"
        if job.to_file is not None:
            n = print_ready(job, ready, progress, cancel)
            _copies_into_file(ready, job.to_file, job.copies)
            return PrintResult(n, job.copies, str(job.to_file),
                               spool_bytes=job.to_file.stat().st_size)
        if sys.platform == "win32":
            from printing import windows

            n = print_ready(job, ready)
            return windows.print_pdf(ready, job, n, progress, cancel)
        n = print_ready(job, ready, progress, cancel)
        if cancel is not None and cancel.is_set():
            raise PrintCancelled("printing cancelled / 已取消打印")
        return _cups_send(ready, job, n)


def _copies_into_file(ready: Path, out: Path, copies: int) -> None:
    if copies == 1:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ready, out)
        return
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(ready))
    dest = pdfium.PdfDocument.new()
    try:
        for _ in range(copies):  # collated: 1 2 3, 1 2 3
            dest.import_pages(src)
        dest.save(str(out))
    finally:
        dest.close()
        src.close()


def _cups_send(ready: Path, job: PrintJob, pages: int) -> PrintResult:
    if not shutil.which("lp"):
        raise InputError("no print system here: CUPS's lp command is missing (Debian: apt-get "
                         "install cups-client) / 未找到打印系统", field="--printer")
    cmd = ["lp", "-t", job.title, "-n", str(job.copies), "-o", "collate=true"]
    if job.printer:
        cmd += ["-d", job.printer]
    cmd += ["-o", f"media={_media(job.paper, ready)}"]
    cmd += ["--", str(ready)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=_c_locale())
    if run.returncode != 0:
        known = printers()
        hint = f" (printers: {', '.join(known)})" if known else " (no printer is set up)"
        raise InputError(f"the print system refused the job: {run.stderr.strip()}{hint} "
                         "/ 打印系统拒绝了任务", field="--printer")
    m = re.search(r"request id is (\S+)", run.stdout)
    return PrintResult(pages, job.copies, job.printer or (default_printer() or "default"),
                       job_id=m.group(1) if m else None, spool_bytes=ready.stat().st_size)


def _media(chosen: Paper | None, ready: Path) -> str:
    """The CUPS media: the chosen paper, else the document's own page size (not the queue's
    default, which would put a 16开 page on A4)."""
    if chosen is not None:
        return chosen.cups_media
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(ready))
    try:
        w, h = doc.get_page_size(0)
    finally:
        doc.close()
    known = paper_for_size(w, h)
    if known is not None:
        return known.cups_media
    short, long_ = sorted((w / MM, h / MM))
    return f"Custom.{short:.0f}x{long_:.0f}mm"


def cancel_job(job_id: str) -> bool:
    """Withdraw a job from the CUPS queue (after it was sent); True when CUPS took it back."""
    if sys.platform == "win32" or not shutil.which("cancel"):
        return False
    return subprocess.run(["cancel", job_id], capture_output=True).returncode == 0


def _c_locale() -> dict[str, str]:
    return dict(os.environ, LC_ALL="C", LANG="C")
