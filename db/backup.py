"""Consistent copies of the contest file through SQLite's online backup."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from db.contest import Contest
from judging.errors import StorageError


def backup_to(c: Contest, directory: str | Path, *, label: str = "manual") -> Path:
    """Copy the contest into ``directory`` (made if needed) while it may be in use."""
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = d / f"{c.path.stem}-{stamp}-{label}.jxdb"
        tmp = target.with_suffix(".part")
        dest = sqlite3.connect(str(tmp))
        try:
            c.db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
        tmp.replace(target)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"{d}: backup failed / 备份失败: {exc}") from exc
    return target
