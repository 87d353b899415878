"""Rolling automatic backups, restoring from one, and the integrity check at open.

The organiser chooses a folder (a USB stick, say). :class:`AutoBackup` writes a consistent
copy there through SQLite's online backup (:func:`backup_to`):

- every ``interval_s`` seconds while marks change (the app calls :meth:`AutoBackup.changed`
  with the change set of every operation, and :meth:`AutoBackup.tick` from a timer),
- at every lock (:meth:`AutoBackup.at_lock`), before every import
  (:meth:`AutoBackup.before_import`) and on exit (:meth:`AutoBackup.on_exit`).

Copies go to one sub-folder per contest (``<file stem>-<contest uid>``), so that several
contests can share a stick, and are thinned (:func:`thin`) to the newest ``keep_recent``, the
newest of each day, and every lock copy. Nothing is deleted that the rules keep, and a
backup is never written over: each is written to ``.part`` and renamed when whole.

:func:`check_file` is the integrity check at open (``PRAGMA quick_check`` or
``integrity_check`` and the audit chain), read-only; when the file is damaged its
:attr:`Health.advice` names the way forward, normally the newest good backup, which
:func:`restore_from_backup` puts in place after checking it, keeping the damaged file aside.

Threads: every function here opens its own connection from a path where it needs one, so
backups and checks may run on a worker thread (docs/architecture.md: long work off the GUI thread).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from db.store import audit
from db.store.changes import Done
from judging.errors import StorageError

if TYPE_CHECKING:
    from db.store.contest import Contest

SUFFIX = ".jxdb"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<label>[a-z][a-z0-9-]*)"
                   + re.escape(SUFFIX) + "$")
LABELS = ("auto", "lock", "before-import", "exit", "manual", "before-restore")


# ---- the policy -------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupPolicy:
    """Where and how often; how many copies to keep."""

    folder: Path
    interval_s: float = 300.0
    keep_recent: int = 10
    keep_daily: bool = True
    keep_labels: tuple[str, ...] = ("lock",)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    when: dt.datetime
    label: str


def contest_folder(policy_folder: Path, db_path: Path, contest_uid: str | None) -> Path:
    """The sub-folder of one contest: ``<file stem>-<first 8 of the contest uid>``."""
    tag = (contest_uid or "nouid")[:8]
    return Path(policy_folder) / f"{db_path.stem}-{tag}"


def list_backups(folder: str | Path) -> list[BackupInfo]:
    """The backups in a contest's folder, newest first (unfinished ``.part`` files left out)."""
    out = []
    d = Path(folder)
    if not d.is_dir():
        return []
    for p in d.iterdir():
        m = _NAME.match(p.name)
        if not m or not p.is_file():
            continue
        when = dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S-%f")
        out.append(BackupInfo(p, when, m["label"]))
    out.sort(key=lambda b: (b.when, b.path.name), reverse=True)
    return out


def thin(folder: str | Path, policy: BackupPolicy, *, now: float | None = None) -> list[Path]:
    """Delete the copies the policy does not keep; returns what was deleted.

    Kept: the newest ``keep_recent``; the newest of each calendar day (``keep_daily``); every
    copy whose label is in ``keep_labels``. Unfinished ``.part`` files older than an hour
    (left by a backup that was killed) go too.
    """
    backups = list_backups(folder)
    keep: set[Path] = {b.path for b in backups[:max(policy.keep_recent, 1)]}
    if policy.keep_daily:
        seen_days: set[dt.date] = set()
        for b in backups:  # newest first: the first of a day is its newest
            if b.when.date() not in seen_days:
                seen_days.add(b.when.date())
                keep.add(b.path)
    keep |= {b.path for b in backups if b.label in policy.keep_labels}
    deleted = []
    for b in backups:
        if b.path not in keep:
            b.path.unlink(missing_ok=True)
            deleted.append(b.path)
    t = time.time() if now is None else now
    for part in Path(folder).glob("*.part"):
        try:
            if t - part.stat().st_mtime > 3600:
                part.unlink()
                deleted.append(part)
        except OSError:
            pass
    return deleted


def take_backup(db_path: str | Path, policy: BackupPolicy, label: str) -> Path:
    """One consistent copy of the contest file into its folder, then thinning.

    Opens its own connection, so it may run on a worker thread while the app writes.
    """
    from db.store.contest import Contest

    if label not in LABELS:
        raise ValueError(f"unknown backup label {label!r}")
    c = Contest.open(db_path)
    try:
        target = contest_folder(policy.folder, c.path, c.meta("contest_uid"))
        path = backup_to(c, target, label=label)
    finally:
        c.close()
    try:
        thin(target, policy)
    except OSError:
        pass  # a copy that could not be deleted is not a reason to fail the backup
    return path


class AutoBackup:
    """The rolling backups of one open contest; the app owns one per contest window.

    ``clock`` is injectable for tests. Failures raise StorageError (the stick was pulled, it
    is full): the app shows the message and carries on; the contest file is never touched.
    """

    def __init__(self, db_path: str | Path, policy: BackupPolicy,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db_path = Path(db_path)
        self.policy = policy
        self.clock = clock
        self.last_backup: float | None = None
        self.dirty = False
        self.written: list[Path] = []
        self.in_flight = False  # a copy is being taken on a worker (see due())

    def _take(self, label: str) -> Path:
        path = take_backup(self.db_path, self.policy, label)
        self.taken(path)
        return path

    def due(self, changes: Iterable[str]) -> str | None:
        """After an operation: the label of the copy to take now ("lock", "auto") or None.

        Copies nothing: the app takes the copy on a worker (``take_backup``, its own
        connection) and reports it with :meth:`taken` (or :meth:`failed`). While one is in
        flight no other is due; the changes meanwhile stay ``dirty`` for the next one.
        """
        kinds = set(changes)
        if "marks" in kinds:
            self.dirty = True
        if self.in_flight:
            return None
        if "locks" in kinds:
            label: str | None = "lock"
        elif self.dirty and (self.last_backup is None
                             or self.clock() - self.last_backup >= self.policy.interval_s):
            label = "auto"
        else:
            label = None
        self.in_flight = label is not None
        return label

    def taken(self, path: Path) -> None:
        self.in_flight = False
        self.last_backup = self.clock()
        self.dirty = False
        self.written.append(path)

    def failed(self) -> None:
        self.in_flight = False

    def changed(self, changes: Iterable[str]) -> Path | None:
        """After every operation: a backup when marks changed and the interval has passed."""
        if "marks" in set(changes):
            self.dirty = True
        return self.tick()

    def tick(self) -> Path | None:
        """From a timer: a backup of unsaved mark changes once the interval has passed."""
        if not self.dirty:
            return None
        if self.last_backup is not None and \
                self.clock() - self.last_backup < self.policy.interval_s:
            return None
        return self._take("auto")

    def before_import(self) -> Path:
        return self._take("before-import")

    def at_lock(self) -> Path:
        return self._take("lock")

    def on_exit(self) -> Path | None:
        """On closing the contest: a final copy unless nothing changed since the last one."""
        if self.last_backup is not None and not self.dirty:
            return None
        return self._take("exit")


# ---- integrity at open ------------------------------------------------------------------------
@dataclass
class Health:
    """The result of checking a contest file; ``advice`` says what to do when it is not ok."""

    path: Path
    ok: bool
    problems: list[str] = field(default_factory=list)
    advice: str = ""
    good_backup: Path | None = None


def _ro_connect(path: Path) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True)


def _ro_immutable(path: Path) -> sqlite3.Connection:
    """A file on a read-only medium (a write-protected stick, a CD): SQLite cannot make the
    WAL's -shm beside it, so it is read as immutable (nobody can be writing to it)."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True)


def read_only_medium(path: Path) -> bool:
    """True when the contest file (or its folder) cannot be written: a read-only medium."""
    import os

    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _check(path: Path, *, quick: bool) -> list[str]:
    if not path.is_file():
        return [f"{path}: no such file / 文件不存在"]
    try:
        con = _ro_connect(path)
        if read_only_medium(path):
            con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        if not read_only_medium(path):
            return [f"cannot be opened: {exc}"]
        con = None  # try as immutable below
    if con is None or read_only_medium(path):
        try:
            if con is not None:
                con.close()
            con = _ro_immutable(path)
        except sqlite3.Error as exc:
            return [f"cannot be opened: {exc}"]
    try:
        rows = con.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check"
                           ).fetchall()
        problems = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        if problems:
            return [f"database structure: {p}" for p in problems[:20]]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "audit" not in tables or "meta" not in tables:
            return ["not a Jiangxin contest file / 不是匠心赛事数据库"]
        report = audit.verify(sqlite_utils.Database(con))
        return [f"audit: {p}" for p in report.problems]
    except sqlite3.Error as exc:
        return [f"database structure: {exc}"]
    finally:
        con.close()


def check_file(path: str | Path, *, quick: bool = True,
               backup_folder: str | Path | None = None) -> Health:
    """Check a contest file without writing to it (read-only connection).

    ``quick`` uses ``PRAGMA quick_check`` (seconds on a big file become a fraction); the
    audit chain is always verified. With ``backup_folder`` (the policy's folder or a
    contest's sub-folder), a damaged file's advice names the newest backup that passes the
    same check.
    """
    p = Path(path)
    problems = _check(p, quick=quick)
    if not problems:
        from db.ops.derived import derived_problems_at

        try:  # caches and rules recomputed from the chained rows (docs/security.md)
            problems = derived_problems_at(p)
        except sqlite3.Error:
            problems = []
    if not problems:
        if read_only_medium(p):
            return Health(p, True, advice=f"{p.name} is intact, on a read-only medium: it can "
                          "be read, not written; copy it to a writable drive to go on "
                          "/ 文件完好，位于只读介质上：可读不可写，请复制到可写磁盘后继续")
        return Health(p, True)
    good = None
    if backup_folder is not None:
        good = newest_good_backup(backup_folder, p)
    if good is not None:
        when = good.name
        advice = (f"The contest file {p.name} is damaged ({problems[0]}). Restore the newest "
                  f"good backup, {when}: nothing typed after it is in it, so re-type or "
                  f"re-import what came later from the paper sheets. The damaged file is kept "
                  f"beside it. / 赛事文件已损坏，请从最近的完好备份 {when} 恢复；其后录入的数据"
                  f"需按纸质评分表补录。损坏的文件将被保留。")
    else:
        advice = (f"The contest file {p.name} is damaged ({problems[0]}) and no good backup "
                  "was found here. Look for backups on the USB stick the organiser chose "
                  "(each contest has its own folder), or copy the file and ask for help; do "
                  "not keep typing into it. / 赛事文件已损坏，且未找到完好的备份。请在组委会指定的"
                  "U盘中查找备份，或复制该文件寻求技术支持，请勿继续录入。")
    return Health(p, False, problems, advice, good)


def _candidate_folders(folder: Path, db_path: Path) -> list[Path]:
    folder = Path(folder)
    if list_backups(folder):
        return [folder]
    return sorted((d for d in folder.glob(f"{db_path.stem}-*") if d.is_dir()),
                  key=lambda d: d.stat().st_mtime, reverse=True) if folder.is_dir() else []


def newest_good_backup(folder: str | Path, db_path: str | Path) -> Path | None:
    """The newest backup of this contest (file stem) that passes the full check."""
    for d in _candidate_folders(Path(folder), Path(db_path)):
        for b in list_backups(d):
            if not _check(b.path, quick=False):
                return b.path
    return None


# ---- restoring --------------------------------------------------------------------------------
def restore_from_backup(backup: str | Path, target: str | Path) -> Path | None:
    """Put a checked backup in place of ``target``; returns where the old file was kept.

    The backup must pass ``PRAGMA integrity_check`` and the audit chain, or StorageError and
    nothing changes. The old file and its ``-wal``/``-shm`` companions are moved aside as
    ``<name>.replaced-<time>`` (a stale WAL must never be replayed onto the restored file).
    The copy is made through SQLite's backup API into a temporary file and renamed into
    place, so a crash during a restore leaves either the old file or the restored one.
    Call it with the contest closed.
    """
    src = Path(backup)
    dst = Path(target)
    problems = _check(src, quick=False)
    if problems:
        raise StorageError(f"{src}: this backup is damaged too; choose an older one "
                           f"/ 该备份也已损坏，请选择更早的备份 ({problems[0]})")
    same_contest(src, dst)
    tmp = dst.with_name(dst.name + ".restoring")
    try:
        tmp.unlink(missing_ok=True)
        s = _ro_connect(src)
        d = sqlite3.connect(str(tmp))
        try:
            s.backup(d)
            d.execute("PRAGMA journal_mode = WAL")
        finally:
            d.close()
            s.close()
        kept = None
        if dst.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kept = dst.with_name(f"{dst.name}.replaced-{stamp}")
            dst.replace(kept)
        for extra in ("-wal", "-shm"):
            companion = dst.with_name(dst.name + extra)
            if companion.exists():
                if kept is not None:
                    companion.replace(kept.with_name(kept.name + extra))
                else:
                    companion.unlink()
        tmp.replace(dst)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"{dst}: restore failed / 恢复失败: {exc}") from exc
    return kept



def contest_identity(path: str | Path) -> tuple[str, str] | None:
    """(competition id, contest public key) of a contest file, read-only; None when the file
    cannot say (missing, damaged, not a contest)."""
    import tomllib

    try:
        con = _ro_connect(Path(path))
        try:
            comp = con.execute("SELECT value FROM meta WHERE key = 'competition'").fetchone()
            key = con.execute("SELECT public FROM keys ORDER BY rowid LIMIT 1").fetchone()
        finally:
            con.close()
        if comp is None or key is None:
            return None
        cid = tomllib.loads(comp[0]).get("competition", {}).get("id")
        return (str(cid), str(key[0])) if cid else None
    except (sqlite3.Error, tomllib.TOMLDecodeError, AttributeError, OSError):
        return None


def same_contest(backup: Path, target: Path) -> None:
    """Refuse (exit 2) a backup of another contest: its competition id and contest key must
    be those of the file it replaces or, when that file is too damaged to say, of the newest
    readable backup in the contest's own backup folder. With neither, it is refused too."""
    from judging.errors import InputError

    theirs = contest_identity(backup)
    ours = contest_identity(target) if target.exists() else None
    where = "the contest file"
    if ours is None:  # too damaged to say: ask the contest's own backup folder
        inside = False
        for d in _candidate_folders(backup_folder_for(target), target):
            for b in list_backups(d):  # newest first
                if b.path.resolve() == backup.resolve():
                    inside = True
                    continue
                if ours is None:
                    ours = contest_identity(b.path)
                    where = f"its backup {b.path.name}"
        if ours is None and inside:
            ours = theirs  # the only copy in the contest's own folder speaks for itself
    if ours is None:
        if not target.exists():
            return  # nothing is replaced: putting a backup where no contest is harms none
        raise InputError(f"{target} cannot say which contest it is, and no backup of it was "
                         "found to tell; copy the backup by hand if you are sure "
                         "/ 无法确认原赛事，未恢复", file=str(backup))
    if theirs != ours:
        got = theirs[0] if theirs else "unknown"
        raise InputError(
            f"this backup is of another contest (competition {got}, key "
            f"{(theirs[1][:16] if theirs else '-')}) than {where} (competition {ours[0]}, key "
            f"{ours[1][:16]}); nothing was restored / 该备份属于另一个赛事，未恢复",
            file=str(backup))


# ---- where a contest's backups go -------------------------------------------------------------
BACKUP_FOLDER_KEY = "backup_folder"


def policy_for(c: Contest) -> BackupPolicy:
    """The contest's policy: the folder the organiser chose (meta ``backup_folder``), else a
    ``jiangxin-backups`` folder beside the contest file."""
    folder = c.meta(BACKUP_FOLDER_KEY)
    return BackupPolicy(Path(folder) if folder else c.path.parent / "jiangxin-backups")


def backup_folder_for(db_path: str | Path) -> Path:
    """Where a contest's rolling backups are, read without opening it for writing (the file
    may be damaged): its chosen folder when it can still say, else the default beside it."""
    db = Path(db_path)
    try:
        con = _ro_connect(db)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = ?",
                              [BACKUP_FOLDER_KEY]).fetchone()
        finally:
            con.close()
        if row and row[0]:
            return Path(row[0])
    except sqlite3.Error:
        pass
    return db.parent / "jiangxin-backups"


def authorise_restore(backup: Path, user: str, pin: str) -> None:
    """The contest in the backup knows its admins and chief judges: check the PIN there."""
    from db.ops.auth import check_pin
    from judging.errors import NotAllowed

    try:
        con = _ro_connect(backup)
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



def set_backup_folder(c: Contest, folder: str | Path) -> Done[Path]:
    """Choose where the rolling backups go (e.g. a USB stick); recorded in the audit log."""
    c.require("backup")
    p = Path(folder).expanduser().resolve()
    before = c.meta(BACKUP_FOLDER_KEY)
    with c.write("backup.folder", reason=str(p)) as w:
        w.set_meta(BACKUP_FOLDER_KEY, str(p))
        w.log(before={"folder": before}, after={"folder": str(p)})
    return Done(p, w.changes)


def safety_copy(c: Contest, label: str) -> Path | None:
    """A backup before an import or at a lock; a failure (stick pulled, full) is reported by
    the caller as a warning and never stops the work itself."""
    return take_backup(c.path, policy_for(c), label)


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
