"""Opening the contest database: pragmas, migrations, transactions and known storage errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from db.store.schema import MIGRATIONS, SCHEMA_NAMES
from judging.errors import StorageError


def _app_version() -> str:
    """The installed package's version (pyproject.toml's, carried into the bundle's metadata)."""
    from importlib import metadata

    try:
        return metadata.version("jiangxin")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


APP_VERSION = _app_version()


def now_iso() -> str:
    """UTC time with microseconds: sorts as text, unique enough within one device."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def new_uid() -> str:
    """A globally unique id for every row that may leave the venue."""
    return uuid.uuid4().hex


def _configure(conn: sqlite3.Connection) -> None:
    # Small pages: a mark commit touches ~6 B-tree pages (the row, its indexes, the audit
    # record, two cache rows); with 1 KiB pages its WAL write and fsync are a quarter of the
    # default's (mark commit p99 2.0 -> 1.1 ms here). Only takes effect on a new, empty file.
    conn.execute("PRAGMA page_size = 1024")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if mode and str(mode[0]).lower() != "wal":  # e.g. a read-only medium
        pass
    conn.execute("PRAGMA synchronous = FULL")


def connect(path: str | Path, *, create: bool = False) -> sqlite_utils.Database:
    """Open (or create) a contest database with the project's pragmas and migrations.

    Refuses a file written by a newer version, and backs up before migrating an older one.
    """
    p = Path(path)
    if not create and not p.exists():
        err = StorageError(f"{p}: no such contest file / 找不到赛事数据库文件")
        err.exit_code = 2  # bad input (a mistyped path), not a bug
        raise err
    if not create and not writable(p):
        return _connect_read_only(p)
    try:
        conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
        _configure(conn)
        db = sqlite_utils.Database(conn)
        _check_version(db, p)
        pending = MIGRATIONS.pending(db)
        if pending and not create and "_sqlite_migrations" in db.table_names():
            _backup_before_migration(db, p)
        MIGRATIONS.apply(db)
    except sqlite3.Error as exc:
        raise storage_error(exc, p) from exc
    return db


def writable(p: Path) -> bool:
    """Can SQLite write here (the file, and its folder for the -wal and -shm files)?"""
    return os.access(p, os.W_OK) and os.access(p.parent, os.W_OK)


def _connect_read_only(p: Path) -> sqlite_utils.Database:
    """A contest on a read-only medium (a write-protected USB stick, a CD): readable, and
    every write refused in plain words."""
    try:
        uri = f"file:{quote(str(p.resolve()))}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        _check_version(db, p)
        if MIGRATIONS.pending(db):
            raise StorageError(f"{p}: the contest file is read-only and needs an upgrade; copy "
                               "it to a writable folder first "
                               "/ 文件只读且需升级，请先复制到可写位置")
    except sqlite3.Error as exc:
        raise storage_error(exc, p) from exc
    return db


def _check_version(db: sqlite_utils.Database, path: Path) -> None:
    if "_sqlite_migrations" not in db.table_names():
        if db.table_names():
            raise StorageError(f"{path}: not a Jiangxin contest file / 不是匠心赛事数据库")
        return
    applied = {m.name for m in MIGRATIONS.applied(db)}
    unknown = applied - set(SCHEMA_NAMES)
    if unknown:
        raise StorageError(
            f"{path}: written by a newer version of Jiangxin ({', '.join(sorted(unknown))}); "
            "please update the application / 该文件由更新版本的匠心写入，请升级软件")


def _backup_before_migration(db: sqlite_utils.Database, path: Path) -> None:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.before-migration-{stamp}{path.suffix}")
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()


class Checkpointer:
    """Moves WAL checkpoints off the commit path: the writer's connection stops checkpointing
    (``wal_autocheckpoint = 0``) and this daemon thread, with its own connection, copies the
    WAL back into the database every few seconds (PASSIVE: it never blocks a writer).

    Without it, every ~1,000 WAL pages one unlucky commit pays for the whole checkpoint —
    the 99th percentile of typing a mark. ``stop()`` ends with a full checkpoint.
    """

    def __init__(self, db: sqlite_utils.Database, path: Path, interval_s: float = 5.0) -> None:
        self.path = path
        self.interval_s = interval_s
        self._stop = threading.Event()
        db.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread = threading.Thread(target=self._run, name="jiangxin-checkpoint",
                                        daemon=True)
        self._thread.start()

    def _checkpoint(self, mode: str) -> None:
        try:
            con = sqlite3.connect(str(self.path), timeout=5)
            try:
                con.execute("PRAGMA synchronous = FULL")
                con.execute(f"PRAGMA wal_checkpoint({mode})")
            finally:
                con.close()
        except sqlite3.Error:
            pass  # busy or read-only: the next round (or the next open) will do it

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._checkpoint("PASSIVE")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._checkpoint("PASSIVE")


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction (BEGIN IMMEDIATE: one writer, no upgrade deadlocks).

    Nested use becomes a savepoint. Storage errors become StorageError in plain words.
    """
    conn = db.conn
    try:
        if conn.in_transaction:
            name = f"sp_{uuid.uuid4().hex}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield db
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise storage_error(exc, db_path(db)) from exc


def _no_space(path: Path | None, margin: int = 1 << 20) -> bool:
    """Is the drive of ``path`` (nearly) full?"""
    import shutil

    if path is None:
        return False
    try:
        return shutil.disk_usage(path.parent if path.suffix else path).free < margin
    except OSError:
        return False


def db_path(db: sqlite_utils.Database) -> Path | None:
    """The file behind a connection (for messages), if it can be read."""
    try:
        row = db.conn.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return None
    return Path(row[2]) if row and row[2] else None


def storage_error(exc: BaseException, path: Path | None) -> StorageError:
    """Plain words for disk-full, read-only, corrupt and locked databases."""
    msg = str(exc).lower()
    where = f"{path}: " if path else ""
    code = getattr(exc, "sqlite_errorcode", None)
    if ("disk i/o error" in msg or code == sqlite3.SQLITE_IOERR) and _no_space(path):
        msg += " full"  # SQLite says "disk I/O error" when the disk filled up under it
    if "full" in msg or code == sqlite3.SQLITE_FULL or getattr(exc, "errno", None) == errno.ENOSPC:
        text = ("the disk is full; nothing more was saved. Free space or save to another "
                "drive / 磁盘已满")
    elif "readonly" in msg or "read-only" in msg or code == sqlite3.SQLITE_READONLY:
        text = "the contest file is read-only; nothing was saved / 赛事文件只读，未保存"
    elif "malformed" in msg or "not a database" in msg or code in (sqlite3.SQLITE_CORRUPT,
                                                                    sqlite3.SQLITE_NOTADB):
        text = ("the contest file is damaged; restore the latest backup "
                "/ 赛事文件已损坏，请从最近的备份恢复")
    elif "locked" in msg or "busy" in msg:
        text = ("the contest file is busy in another window or program; try again "
                "/ 赛事文件正被其他程序使用")
    elif "disk i/o error" in msg or code == sqlite3.SQLITE_IOERR:
        text = ("the drive could not be written or read (I/O error); nothing more was saved. "
                "Check the drive or save to another one / 磁盘读写错误，未保存")
    elif "unable to open" in msg:
        text = "the contest file cannot be opened / 无法打开赛事文件"
    else:
        err = StorageError(f"{where}database error: {exc}")
        err.exit_code = 1
        return err
    return StorageError(f"{where}{text} ({exc})")
