"""The competition as a workbook: ``jiangxin template [--from FILE.toml] --out FILE.xlsx``.

``jiangxin init FILE.xlsx`` (cli/commands.py) reads the workbook through
:func:`competition_text`, which runs the competition file's own validation and names every
problem by sheet, row and column. The work is in db/files/workbook.py (writing) and
db/files/workbook_read.py (reading), shared with the app's 新建赛事 wizard.
"""

from __future__ import annotations

import argparse
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli import commands
from judging.errors import InputError, InputErrors

WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def is_workbook(path: Path) -> bool:
    """True for a spreadsheet (by its first bytes), False for a competition file's text."""
    try:
        with path.open("rb") as f:
            return f.read(4).startswith(WORKBOOK_MAGIC)
    except OSError:
        return False


def competition_text(path: Path, user: str | None, pin: str | None) -> str:
    """The workbook as competition-file text, checked as the TOML is; problems by sheet and row."""
    from db.files.workbook_read import read_workbook
    from judging.scheme import load_competition

    read = read_workbook(path, admin=user, admin_pin=pin)
    try:
        load_competition(read.toml, str(path))
    except InputErrors as exc:
        raise InputErrors([read.locate(e, str(path)) for e in exc.errors]) from None
    except InputError as exc:
        raise read.locate(exc, str(path)) from None
    return read.toml


def cmd_template(args: argparse.Namespace) -> int:
    from db.files.workbook import blank_competition, write_workbook

    if args.from_file:
        source = Path(args.from_file)
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8-sig"), parse_float=Decimal)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", file=str(source)) from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML: {exc}", file=str(source)) from None
    else:
        data = blank_competition()
    out = Path(args.out)
    if out.exists():
        raise InputError(f"{out} exists already; choose a new file (文件已存在)", file=str(out))
    write_workbook(data, out)
    print(f"wrote {out}: sheets 赛事, 赛项, {len(data.get('event', []))} 评分表, 人员 "
          "(PINs left for each person to type) / 已生成赛事工作簿")
    return 0


def register(sub: Any, cmd: Any) -> None:
    sp = cmd("template", cmd_template, "write the competition as a workbook to edit (.xlsx)",
             needs_db=False, writes=False)
    sp.add_argument("--from", dest="from_file", metavar="COMPETITION.toml",
                    help="the competition file to start from (its PINs are not written)")
    sp.add_argument("--out", required=True, metavar="FILE.xlsx")


commands.EXTENSIONS.append(register)
