"""jiangxin print: a PDF to a print queue as vector pages; 套打 calibration and offsets."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import commands
from judging.errors import InputError


def _pair(text: str, field: str) -> tuple[float, float]:
    try:
        a, b = (float(x) for x in text.replace("，", ",").split(","))
    except ValueError:
        raise InputError(f"{text!r}: give two numbers in mm, like 1.5,-2 / 应为两个毫米数",
                         field=field) from None
    return a, b


def cmd_print(args: argparse.Namespace) -> int:
    from printing import printer_settings as ps
    from printing import spool
    from printing.paper import paper

    if args.list:
        default = spool.default_printer()
        remembered = ps.all_offsets()
        for name in spool.printers():
            dx, dy = remembered.get(name, (0.0, 0.0))
            mark = " (default / 默认)" if name == default else ""
            print(f"{name}{mark}  套打 offset right {dx:g} mm, down {dy:g} mm")
        return 0
    if args.set_offset or args.measured:
        if args.file or args.calibration:
            raise InputError("--set-offset and --measured stand alone (with --printer)",
                             field="--set-offset" if args.set_offset else "--measured")
        if args.set_offset:
            dx, dy = _pair(args.set_offset, "--set-offset")
        else:
            from printing.calibration import corrected_offset

            dx, dy = corrected_offset(ps.offsets(args.printer),
                                      _pair(args.measured, "--measured"))
        where = ps.set_offsets(args.printer, dx, dy)
        print(f"{args.printer or 'default printer'}: 套打 offset right {dx:g} mm, down "
              f"{dy:g} mm, remembered in {where} / 已保存偏移")
        return 0
    chosen = paper(args.paper) if args.paper else None
    if args.offset and args.preprinted:
        raise InputError("--offset or --preprinted, not both", field="--offset")
    offset = (_pair(args.offset, "--offset") if args.offset
              else ps.offsets(args.printer) if args.preprinted or args.calibration
              else (0.0, 0.0))
    with tempfile.TemporaryDirectory(prefix="jiangxin-cal-") as tmp:
        if args.calibration:
            if args.file:
                raise InputError("--calibration prints its own page; give no FILE",
                                 field="--calibration")
            from printing.calibration import calibration_page
            from printing.paper import PAPERS

            source = calibration_page(Path(tmp) / "calibration.pdf", chosen or PAPERS["A4"],
                                      landscape=not args.portrait, current=offset,
                                      printer=args.printer or "")
            chosen = chosen or PAPERS["A4"]
        elif not args.file:
            raise InputError("give the PDF to print (or --calibration, --list) / 请指定PDF文件",
                             field="FILE")
        else:
            source = Path(args.file)
        count = spool.page_count(source)
        job = spool.PrintJob(source, printer=args.printer,
                             pages=spool.parse_pages(args.pages, count), copies=args.copies,
                             paper=chosen, offset_mm=offset, title=source.name,
                             to_file=Path(args.to) if args.to else None)

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

        result = spool.send(job, progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    job_id = f" ({result.job_id})" if result.job_id else ""
    print(f"sent {result.pages} page(s) × {result.copies} to {result.destination}{job_id} "
          f"/ 已送打印 {result.sheets} 页")
    return 0


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    sp = cmd("print", cmd_print, "send a PDF to a printer as vector pages (套打: calibration, "
             "offsets)", needs_db=False, writes=False)
    sp.add_argument("file", nargs="?", help="the PDF (certificates, forms)")
    sp.add_argument("--printer", help="the print queue (default: the system's default)")
    sp.add_argument("--pages", help="page range, e.g. 2-3 or 1,4-6 (default: all)")
    sp.add_argument("--copies", type=int, default=1)
    sp.add_argument("--paper", help="A4, A3, A5, 16K (正16开 185×260), big16K (大16开 "
                    "210×285), 8K, big8K (default: the document's own size)")
    sp.add_argument("--to", metavar="OUT.pdf", help="write what would be printed to a file")
    sp.add_argument("--preprinted", action="store_true",
                    help="套打: apply this printer's remembered offset")
    sp.add_argument("--offset", metavar="DX,DY", help="move the print right/down by mm")
    sp.add_argument("--calibration", action="store_true",
                    help="print the 套打 calibration page (on --paper)")
    sp.add_argument("--portrait", action="store_true", help="calibration page upright")
    sp.add_argument("--measured", metavar="X,Y",
                    help="cross A measured at X,Y mm on the calibration page: remember the "
                         "corrected offset for --printer")
    sp.add_argument("--set-offset", metavar="DX,DY", help="remember this offset for --printer")
    sp.add_argument("--list", action="store_true", help="the printers and their offsets")


commands.EXTENSIONS.append(register)
