"""Is the contest file on disk still the one this connection writes to?

SQLite in WAL mode keeps a connection's writes in ``<file>-wal`` and its shared index in
``<file>-shm`` until a checkpoint copies them into the file. Two things break that under an
open connection, and both were seen at a venue (issue 17: a confirmed publication lost):

- **The file is replaced** (a restore, a copy over it, a sync tool): the connection keeps
  writing to the old, now nameless file; nobody opening the name will ever see those writes.
- **Its -wal and -shm are deleted** by another program's last connection closing. SQLite only
  does that when it believes it is the last user of the file, which it judges by POSIX locks;
  those locks belong to the *process*, and closing *any* descriptor of the file in the process
  drops them all (sqlite.org/howtocorrupt.html §2.2). A Qt file dialog showing the contest's
  folder does exactly that: it opens each file to guess its type (see ``ui/files.py``). The
  next ``jiangxin`` command then checkpoints, deletes the -wal and -shm, and exits; the app
  writes on into the deleted -wal, its later commits vanish when it stops, and the next
  connection of its own sees a -shm that no longer matches: "disk I/O error".

While a connection is open neither may happen legitimately, so :class:`FileIdentity` records
the identity (device and inode) of the file and its two companions at open, and
:meth:`FileIdentity.problem` says in words what changed. :class:`db.store.contest.Contest`
checks before every write (refusing it) and after every commit (so that a write is never
acknowledged when it is not on disk), and the app checks once a second and reopens.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from judging.errors import StorageError

Stamp = tuple[int, int]


class FileChanged(StorageError):
    """The contest file was replaced, or its -wal/-shm deleted, under an open connection.

    Nothing more may be written through that connection: the caller reopens the file.
    ``saved``: False when the operation that found it wrote nothing, None when it may or may
    not be on disk (the change was found after its commit)."""

    def __init__(self, message: str, *, saved: bool | None = None) -> None:
        super().__init__(message)
        self.saved = saved


def _stamp(p: Path) -> Stamp | None:
    try:
        st = os.stat(p)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


@dataclass(frozen=True)
class FileIdentity:
    """Device and inode of the contest file and of its -wal and -shm, when it was opened."""

    path: Path
    db: Stamp | None
    wal: Stamp | None
    shm: Stamp | None

    @classmethod
    def of(cls, path: str | Path) -> FileIdentity:
        p = Path(path)
        return cls(p, _stamp(p), _stamp(_companion(p, "-wal")), _stamp(_companion(p, "-shm")))

    def problem(self) -> str | None:
        """What changed, in words (Chinese first), or None while the file is still ours."""
        if self.db is None:
            return None
        now = _stamp(self.path)
        if now is None:
            return (f"赛事文件 {self.path.name} 已被移走或删除 / the contest file "
                    f"{self.path.name} was moved or deleted")
        if now != self.db:
            return (f"赛事文件 {self.path.name} 已被其他程序替换（例如从备份恢复或复制覆盖）"
                    f" / the contest file {self.path.name} was replaced by another program "
                    "(a restore, or a copy over it)")
        for name, then in (("-wal", self.wal), ("-shm", self.shm)):
            if then is not None and _stamp(_companion(self.path, name)) != then:
                return (f"赛事文件的日志 {self.path.name}{name} 被另一个程序删除或替换"
                        f" / the contest file's journal {self.path.name}{name} was deleted or "
                        "replaced by another program")
        return None


def _companion(p: Path, suffix: str) -> Path:
    return p.with_name(p.name + suffix)


def refusal(problem: str, *, after_commit: bool) -> FileChanged:
    """The error for a write that found the file changed (before, or after its commit)."""
    if after_commit:
        text = (f"{problem}。刚才的操作可能没有保存到磁盘；程序将重新打开该文件，请核对后重做。"
                " / What you just did may not be on disk; the file is being reopened: check "
                "and do it again.")
        return FileChanged(text, saved=None)
    text = (f"{problem}。本次操作未保存；程序将重新打开该文件，请核对后重做。 / Nothing was "
            "saved; the file is being reopened: check and do it again.")
    return FileChanged(text, saved=False)


def close_stale(conn: sqlite3.Connection, path: Path) -> None:
    """Close a connection whose file changed under it, without its cleanup on close.

    A last connection's close normally checkpoints its -wal into the file and deletes the
    -wal and -shm *by name*; after the file was replaced those names belong to the new file
    (another program may be using them), and after a deletion the stale -wal must not be
    copied over newer pages. So, where the SQLite library can be reached (POSIX builds), the
    connection is told to keep its -wal (``SQLITE_FCNTL_PERSIST_WAL``) and not to checkpoint
    on close (``SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE``) before it is closed."""
    try:
        _keep_files_on_close(conn, path)
    except Exception:  # noqa: BLE001 - best effort: the close below still happens
        pass
    try:
        conn.close()
    except sqlite3.Error:
        pass  # the stale connection may report the damage it found; it is gone either way


_FCNTL_PERSIST_WAL = 10
_DBCONFIG_NO_CKPT_ON_CLOSE = 1006


def _keep_files_on_close(conn: sqlite3.Connection, path: Path) -> None:
    import ctypes
    import sys

    if sys.platform == "win32" or sys.implementation.name != "cpython":
        return  # Windows locks are per handle: a stale close cannot mistake itself for the last
    lib = ctypes.CDLL(_sqlite_module_file())
    # CPython's connection object starts with PyObject_HEAD, then ``sqlite3 *db``.
    handle = ctypes.c_void_p.from_address(id(conn) + 2 * ctypes.sizeof(ctypes.c_void_p)).value
    if not handle:
        return
    lib.sqlite3_db_filename.restype = ctypes.c_char_p
    lib.sqlite3_db_filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    name = lib.sqlite3_db_filename(handle, b"main")
    if not name or os.path.basename(os.fsdecode(name)) != path.name:
        return  # not the handle we think it is: leave it alone
    on = ctypes.c_int(1)
    lib.sqlite3_file_control.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                         ctypes.c_void_p]
    lib.sqlite3_file_control(handle, b"main", _FCNTL_PERSIST_WAL, ctypes.byref(on))
    lib.sqlite3_db_config.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                      ctypes.c_void_p]
    lib.sqlite3_db_config(handle, _DBCONFIG_NO_CKPT_ON_CLOSE, 1, None)


def _sqlite_module_file() -> str:
    import _sqlite3

    return str(_sqlite3.__file__)
