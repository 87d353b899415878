"""Looking after the contest file: `jiangxin check` (integrity at open) and `jiangxin restore`."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import commands
from judging.errors import InputError, NotAllowed, StorageError


def _backup_folder(db: Path) -> Path:
    """Where this contest's rolling backups are: its chosen folder when the file can still
    say, else the default beside it."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'backup_folder'").fetchone()
        finally:
            con.close()
        if row and row[0]:
            return Path(row[0])
    except sqlite3.Error:
        pass
    return db.parent / "jiangxin-backups"


def cmd_check(args: argparse.Namespace) -> int:
    from db.backups import check_file

    db = Path(args.db)
    if not db.exists():
        raise InputError("no such contest file / 找不到赛事文件", file=str(db))
    health = check_file(db, quick=not args.full, backup_folder=_backup_folder(db))
    if health.ok:
        print(f"{db}: intact / 完好")
        return 0
    for p in health.problems[:20]:
        print(p, file=sys.stderr)
    print(health.advice, file=sys.stderr)
    if health.good_backup:
        print(f"jiangxin restore {health.good_backup} --db {db} --user NAME --pin PIN",
              file=sys.stderr)
    return 3


def _authorise_from(backup: Path, user: str, pin: str) -> None:
    """The contest in the backup knows its admins and chief judges: check the PIN there."""
    from db.auth import check_pin

    try:
        con = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT role, pin_hash FROM users WHERE name = ?",
                              [user]).fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise StorageError(f"{backup}: cannot be read / 无法读取: {exc}") from exc
    if row is None or not check_pin(pin, row[1]):
        raise NotAllowed(f"wrong user or PIN for {user!r} / 用户名或PIN错误")
    if row[0] not in ("admin", "chief"):
        raise NotAllowed(f"{user} ({row[0]}) may not restore / 当前角色无此权限")


def cmd_restore(args: argparse.Namespace) -> int:
    from db.backups import restore_from_backup

    user = args.user or os.environ.get("JIANGXIN_USER")
    pin = args.pin or os.environ.get("JIANGXIN_PIN")
    if not user or not pin:
        raise NotAllowed("sign in with --user NAME --pin PIN / 请提供用户名和PIN")
    backup = Path(args.backup)
    if not backup.exists():
        raise InputError("no such backup / 找不到备份文件", file=str(backup))
    _authorise_from(backup, user, pin)
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
