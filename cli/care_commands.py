"""Looking after the contest file: `jiangxin check` (integrity at open) and `jiangxin restore`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import commands
from judging.errors import InputError


def cmd_check(args: argparse.Namespace) -> int:
    from db.store.backups import backup_folder_for, check_file

    db = Path(args.db)
    if not db.exists():
        raise InputError("no such contest file / 找不到赛事文件", file=str(db))
    health = check_file(db, quick=not args.full, backup_folder=backup_folder_for(db))
    if health.ok:
        print(f"{db}: intact / 完好")
        if health.advice:
            print(health.advice)
        return 0
    for p in health.problems[:20]:
        print(p, file=sys.stderr)
    print(health.advice, file=sys.stderr)
    if health.good_backup:
        print(f"jiangxin restore {health.good_backup} --db {db} --user NAME --pin PIN",
              file=sys.stderr)
    return 3


def cmd_restore(args: argparse.Namespace) -> int:
    from db.store.backups import authorise_restore, restore_from_backup

    user, pin = commands._credentials(args)
    backup = Path(args.backup)
    if not backup.exists():
        raise InputError("no such backup / 找不到备份文件", file=str(backup))
    authorise_restore(backup, user, pin)
    kept = restore_from_backup(backup, args.db)
    print(f"restored {args.db} from {backup}" + (f"; the replaced file is kept as {kept}"
                                                  if kept else ""))
    return 0


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    sp = cmd("check", cmd_check, "check the contest file's integrity and audit chain",
             writes=False)
    sp.add_argument("--full", action="store_true", help="a full integrity check (slower)")
    sp = cmd("restore", cmd_restore, "put a checked backup in place of the contest file")
    sp.add_argument("backup", help="the backup file (.jxdb)")


commands.EXTENSIONS.append(register)
