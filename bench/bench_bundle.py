"""The bundle and printing (issue 13): bundle size, cold start of the bundle, and printing 100
certificates as vector pages against the bitmap path the app used before, side by side.

    .venv/bin/python bench/bench_bundle.py [--n 100] [--runs 5] [--queue NAME] [--write]

- bundle: the folder dist/jiangxin (build it first: python3 scripts/bootstrap.py bundle), its
  size, file count and zipped size; its start: `jiangxin --version` and `--screenshot` of the
  demo (QT_QPA_PLATFORM=offscreen) from a bare environment, the first run after dropping the
  OS file cache (as root; otherwise the first run after copying the folder) and the median of
  the next runs; the same from source (.venv python main.py) for comparison.
- printing N certificates, each way in a fresh process (peak memory = that process's maximum
  resident set): *vector*, printing.spool making the print-ready PDF that goes to the queue;
  *bitmap*, the app's former path (ui/pdf_view.print_pdf before issue 13: every page rendered
  by pdfium at the printer's resolution, 600 dpi, and painted through QPrinter, whose output
  is what the queue received). With --queue, the vector job also goes to that CUPS queue (the
  time until lp has accepted it).

--write puts the figures into docs/performance-bundle.md and its section of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DIST = ROOT / "dist" / "jiangxin"


# ------------------------------------------------------------------ printing, in a child process

def _bitmap(pdf: Path, out: Path, dpi: int) -> dict[str, float]:
    """The former app path, verbatim in substance: render each page, paint it on QPrinter."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pypdfium2 as pdfium
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication([])
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(dpi)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    printer.setFullPage(True)
    start = time.perf_counter()
    painter = QPainter()
    assert painter.begin(printer)
    doc = pdfium.PdfDocument(str(pdf))
    for i in range(len(doc)):
        if i:
            printer.newPage()
        bitmap = doc[i].render(scale=dpi / 72)
        pil = bitmap.to_pil().convert("RGB")
        bitmap.close()
        image = QImage(pil.tobytes(), pil.width, pil.height, pil.width * 3,
                       QImage.Format.Format_RGB888).copy()
        paper = printer.paperRect(QPrinter.Unit.DevicePixel).toRect()
        scale = min(paper.width() / image.width(), paper.height() / image.height())
        tw, th = int(image.width() * scale), int(image.height() * scale)
        painter.drawImage(QRect(paper.x() + (paper.width() - tw) // 2,
                                paper.y() + (paper.height() - th) // 2, tw, th), image)
    doc.close()
    painter.end()
    return {"seconds": time.perf_counter() - start}


def _vector(pdf: Path, out: Path, queue: str | None) -> dict[str, float]:
    from printing import spool

    start = time.perf_counter()
    pages = spool.print_ready(spool.PrintJob(pdf), out)
    figures = {"seconds": time.perf_counter() - start, "pages": pages}
    if queue:
        start = time.perf_counter()
        result = spool.send(spool.PrintJob(pdf, printer=queue))
        figures["queue_seconds"] = time.perf_counter() - start
        figures["queue_job"] = result.job_id or ""  # type: ignore[assignment]
    return figures


def _peak_mib() -> float:
    """This process's peak resident memory. Linux: VmHWM (ru_maxrss survives exec, so a
    child would report its parent's peak); elsewhere ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(way: str, pdf: Path, out: Path, dpi: int, queue: str | None) -> None:
    base = _peak_mib()
    figures = _vector(pdf, out, queue) if way == "vector" else _bitmap(pdf, out, dpi)
    figures["peak_mib"] = _peak_mib()
    figures["start_mib"] = base
    figures["spool_bytes"] = out.stat().st_size
    print(json.dumps(figures))


def certificates_pdf(n: int, out: Path) -> Path:
    from bench_certificates import make_certs

    from db.keys import signing
    from printing import certificates

    private, _public = signing.generate_key()
    signed = [signing.sign_certificate(c, private) for c in make_certs(n)]
    certificates.render_certificates(signed, None, out)
    return out


def printing_figures(n: int, dpi: int, queue: str | None) -> dict[str, object]:
    d = Path(tempfile.mkdtemp(prefix="jx-bench-print-"))
    try:
        pdf = certificates_pdf(n, d / "certificates.pdf")
        out: dict[str, object] = {"n": n, "dpi": dpi, "pdf_bytes": pdf.stat().st_size}
        for way in ("vector", "bitmap"):
            cmd = [sys.executable, __file__, "--child", way, str(pdf), str(d / f"{way}.pdf"),
                   "--dpi", str(dpi)] + (["--queue", queue] if queue and way == "vector" else [])
            run = subprocess.run(cmd, capture_output=True, text=True, env=dict(
                os.environ, QT_QPA_PLATFORM="offscreen"))
            if run.returncode:
                raise SystemExit(run.stderr[-2000:])
            out[way] = json.loads(run.stdout.strip().splitlines()[-1])
            print(way, out[way], flush=True)
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ the bundle

def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def _zipped(folder: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "jiangxin.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    z.write(p, p.relative_to(folder.parent))
        return target.stat().st_size


def _drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def _time(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def bundle_figures(runs: int) -> dict[str, object]:
    exe = DIST / "jiangxin"
    if not exe.exists():
        return {"error": "no bundle: python3 scripts/bootstrap.py bundle"}
    size, files = _size(DIST)
    out: dict[str, object] = {"bytes": size, "files": files, "zip_bytes": _zipped(DIST)}
    d = Path(tempfile.mkdtemp(prefix="jx-bench-bundle-"))
    try:
        usb = d / "usb" / "jiangxin"
        shutil.copytree(DIST, usb, symlinks=True)
        bare = {"JIANGXIN_CONFIG": str(d / "c" / "j.ini"), "JIANGXIN_DATA": str(d / "data")}
        subprocess.run([str(usb / "jiangxin"), "demo", "--db", str(d / "demo.jxdb"),
                        "--size", "60"], env=bare, cwd=d, check=True, capture_output=True)
        shot = dict(bare, QT_QPA_PLATFORM="offscreen")
        src_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **bare)
        cases = {
            "bundle --version": ([str(usb / "jiangxin"), "--version"], bare),
            "bundle window (--screenshot)": ([str(usb / "jiangxin"), "--db", str(d / "demo.jxdb"),
                                              "--screenshot", str(d / "s.png")], shot),
            "source --version": ([sys.executable, str(ROOT / "main.py"), "--version"], src_env),
            "source window (--screenshot)": ([sys.executable, str(ROOT / "main.py"), "--db",
                                              str(d / "demo.jxdb"), "--screenshot",
                                              str(d / "s.png")], src_env),
        }
        timings: dict[str, dict[str, float | bool]] = {}
        for name, (cmd, env) in cases.items():
            dropped = _drop_caches()
            first = _time(cmd, env, d)
            rest = [_time(cmd, env, d) for _ in range(runs)]
            timings[name] = {"cold": first, "cold_cache_dropped": dropped,
                             "warm_median": statistics.median(rest)}
            print(name, timings[name], flush=True)
        out["start"] = timings
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------ the document

def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def document(bundle: dict[str, object], printing: dict[str, object], when: str) -> str:
    import platform

    lines = ["# Bundle and printing (issue 13)", "",
             f"Measured by `bench/bench_bundle.py` on {when}, {platform.machine()}, "
             f"{os.cpu_count()} CPUs shared with other work, Linux {platform.release()}, "
             f"Python {platform.python_version()}. Figures wander by ±30 % here; rerun on the "
             "venue laptop.", ""]
    if "error" not in bundle:
        lines += ["## The bundle", "",
                  "| figure | measured |", "| --- | --- |",
                  f"| dist/jiangxin (Linux x86-64) | {_mib(bundle['bytes'])} in "  # type: ignore[arg-type]
                  f"{bundle['files']} files |",
                  f"| zipped (deflate) | {_mib(bundle['zip_bytes'])} |", ""]  # type: ignore[arg-type]
        lines += ["| start | first run (OS file cache dropped) | median of the next runs |",
                  "| --- | --- | --- |"]
        for name, t in bundle["start"].items():  # type: ignore[union-attr]
            cold = f"{t['cold']:.2f} s" + ("" if t["cold_cache_dropped"] else " (cache not "
                                            "dropped)")
            lines.append(f"| {name} | {cold} | {t['warm_median']:.2f} s |")
        lines += ["", "The window figure is the whole `--screenshot` run: start, open the 60-"
                  "competitor demo, build and render the main window at 1280×800, write the "
                  "PNG, exit.", ""]
    v, b = printing["vector"], printing["bitmap"]  # type: ignore[index]
    n = printing["n"]
    lines += [f"## Printing {n} certificates", "",
              f"One signed certificate per page, A4 landscape (the PDF: "
              f"{_mib(printing['pdf_bytes'])}).", "",  # type: ignore[arg-type]
              "| | vector (now) | bitmap (before) |", "| --- | --- | --- |",
              f"| time to the spooler | {v['seconds']:.2f} s | {b['seconds']:.1f} s |",
              f"| spool size (what the queue receives) | {_mib(v['spool_bytes'])} | "
              f"{_mib(b['spool_bytes'])} |",
              f"| peak memory of the printing process | {v['peak_mib']:.0f} MiB | "
              f"{b['peak_mib']:.0f} MiB |",
              f"| the bare Python process, for comparison | {v['start_mib']:.0f} MiB | "
              f"{b['start_mib']:.0f} MiB |", ""]
    if "queue_seconds" in v:
        lines += [f"Handing the vector job to a real CUPS queue (cups-pdf) with `lp` took "
                  f"{v['queue_seconds']:.2f} s more for the {n} pages.", ""]
    lines += [f"Vector: `printing.spool.print_ready` (the pages copied by pdfium, fonts once; "
              "what goes to `lp`, or to GDI page by page on Windows). Bitmap: the app's former "
              f"`print_pdf`, each page rendered by pdfium at {printing['dpi']} dpi and painted "
              "through QPrinter (on Linux Qt hands CUPS a PDF of page images; on Windows the "
              "GDI spool of such pages is of the same order, not measured here), measured to "
              "a QPrinter PDF file. Both spools grow with the count (1,000 certificates: about "
              "ten times); the bitmap path's memory is that of the biggest page images, the "
              "vector path's that of the PDF itself.",
              "",
              f"Reproduce: `python3 scripts/bootstrap.py bundle && .venv/bin/python "
              f"bench/bench_bundle.py --n {n} --write`."]
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    docs = ROOT / "docs"
    (docs / "performance-bundle.md").write_text(text, encoding="utf-8")
    perf = docs / "performance.md"
    body = perf.read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    lines[0] = "## " + lines[0][2:] + " (from performance-bundle.md)"
    section = "\n".join(line if not line.startswith("## ") or i == 0 else "#" + line
                        for i, line in enumerate(lines))
    marker = "(from performance-bundle.md)"
    if marker in body:  # replace our section, up to the next top-level section
        start = body[:body.index(marker)].rfind("\n## ") + 1
        tail = body[start:]
        nxt = tail.find("\n## ", 1)
        body = body[:start] + section + "\n" + (tail[nxt:] if nxt != -1 else "")
    else:
        body = body.rstrip("\n") + "\n\n" + section + "\n"
    perf.write_text(body, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--dpi", type=int, default=600)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--queue", help="also send the vector job to this CUPS queue")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--child", nargs=3, metavar=("WAY", "PDF", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], Path(a.child[1]), Path(a.child[2]), a.dpi, a.queue)
        return 0
    import datetime as dt

    printing = printing_figures(a.n, a.dpi, a.queue)
    bundle = bundle_figures(a.runs)
    Path(tempfile.gettempdir(), "jiangxin-bench-bundle.json").write_text(
        json.dumps({"printing": printing, "bundle": bundle}))
    text = document(bundle, printing, dt.date.today().isoformat())
    print(text)
    if a.write:
        write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
