"""Commands for the organisers' spreadsheets: scheme toml/export, marks export, file checks.

``jiangxin scheme toml SHEET`` (no sign-in) turns a marking-scheme sheet into ``[[event.module]]``
TOML; ``scheme export`` and ``marks export`` write workbooks from a contest; ``competitors
check`` (and ``theory``/``times``/``marks check``) show what an import would refuse, writing
nothing. The work itself is in db/files/spreadsheets.py, shared with the app's import screen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from cli import commands
from cli.commands import _open


def cmd_scheme_toml(args: argparse.Namespace) -> int:
    from db.files.scheme_sheet import read_scheme_sheet
    from db.files.spreadsheets import scheme_toml

    modules = read_scheme_sheet(args.sheet)
    sys.stdout.write(scheme_toml(modules, args.event_id))
    return 0


def cmd_scheme_export(args: argparse.Namespace) -> int:
    from db.files.spreadsheets import export_scheme

    c = _open(args)
    n = export_scheme(c, args.event, args.out)
    print(f"wrote {args.out}: {n} aspects of {args.event} / 已导出评分标准")
    return 0


def cmd_marks_export(args: argparse.Namespace) -> int:
    from db.files.spreadsheets import export_marks

    c = _open(args)
    n = export_marks(c, args.event, args.out)
    print(f"wrote {args.out}: {n} marks of {args.event} / 已导出评分明细")
    return 0


def _check(kind: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        from db.files.spreadsheets import preview_import

        c = _open(args)
        preview = preview_import(c, kind, args.file)
        for p in preview.problems:
            where = ", ".join(x for x in (p.file, f"row {p.row} (第{p.row}行)"
                                          if p.row is not None else None,
                                          f"field {p.field}" if p.field else None) if x)
            print(f"{where}: {p.message}", file=sys.stderr)
        if preview.problems:
            bad = len({p.row for p in preview.problems if p.row is not None})
            print(f"jiangxin: {args.file}: {len(preview.problems)} problem(s) in {bad} row(s) of "
                  f"{len(preview.rows)}; nothing would be imported / 有问题, 不会导入",
                  file=sys.stderr)
            return 2
        print(f"{args.file}: {len(preview.rows)} rows, no problems; the import would give: "
              f"{_outcome(preview.outcome)} / 检查通过")
        return 0
    return handler


def _outcome(outcome: Any) -> str:
    if isinstance(outcome, dict):
        return ", ".join(f"{k} {v}" for k, v in outcome.items())
    return str(outcome)


def _subcommands(sub: Any, name: str) -> Any:
    """The subcommand group of an existing command (e.g. ``marks``, which has ``import``)."""
    from cli.commands import GROUPS

    return GROUPS[name]


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    scheme = sub.add_parser("scheme", help="marking schemes as spreadsheets").add_subparsers(
        dest="sub", required=True)
    sp = cmd("toml", cmd_scheme_toml, "print the [[event.module]] TOML of a scheme sheet",
             parent=scheme, needs_db=False, writes=False)
    sp.add_argument("sheet", help="the marking-scheme sheet (.xlsx, .xls, .et, .ods or .csv)")
    sp.add_argument("--event-id", help="say which event the tables belong to")
    sp = cmd("export", cmd_scheme_export, "write an event's marking scheme as .xlsx",
             parent=scheme)
    sp.add_argument("--event", required=True)
    sp.add_argument("--out", required=True)
    sp = cmd("export", cmd_marks_export, "the chief judge's full marks workbook (.xlsx)",
             parent=_subcommands(sub, "marks"))
    sp.add_argument("--event", required=True)
    sp.add_argument("--out", required=True)
    for kind in ("competitors", "theory", "times", "marks"):
        cmd("check", _check(kind), f"show what importing a {kind} file would refuse; "
            "writes nothing", parent=_subcommands(sub, kind)).add_argument("file")


commands.EXTENSIONS.append(register)
