"""A contest database opened for use: the signed-in session, permissions and audited writes.

Every user action is one function (in db/ops/people.py, db/ops/marking.py, db/ops/timing.py,
db/ops/results.py, …) that runs one transaction through :meth:`Contest.write` and returns what
it changed: ``w.changes``, a :class:`db.store.changes.Changes` derived from the tables the
:class:`Writer` wrote rows into and the events of those rows, so that screens refresh only
what they show.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from db.ops.auth import Session, hash_pin, sign_in
from db.store import audit, gate
from db.store.changes import TABLE_KINDS, Changes
from db.store.connection import (
    APP_VERSION,
    Checkpointer,
    connect,
    new_uid,
    now_iso,
    storage_error,
    transaction,
    writable,
)
from db.store.identity import FileIdentity, close_stale, refusal
from judging.errors import InputError, NotAllowed, StateError
from judging.roles import allowed
from judging.scheme import Competition, Event, load_competition, strip_pins

__all__ = ["Changes", "Contest", "User", "Writer", "monotonic_at"]
T = TypeVar("T")

_clock_lock = threading.Lock()
_last_at = [""]


def monotonic_at() -> str:
    """now_iso(), but strictly increasing within this process (orders rows written together)."""
    with _clock_lock:
        at = now_iso()
        if at <= _last_at[0]:
            # bump the microseconds of the previous stamp
            prev = _last_at[0]
            head, _, tz = prev.rpartition("+")
            date, _, frac = head.rpartition(".")
            at = f"{date}.{int(frac) + 1:06d}+{tz}"
        _last_at[0] = at
        return at


@dataclass(frozen=True)
class User:
    """A user of the contest as screens show them; ``events`` None: every event."""

    name: str
    role: str
    unit: str
    events: tuple[str, ...] | None

    @classmethod
    def of_row(cls, row: Sequence[Any]) -> User:
        name, role, unit, events = row
        return cls(str(name), str(role), str(unit or ""),
                   tuple(json.loads(events)) if events else None)

    def may_see(self, event_id: str) -> bool:
        return self.events is None or event_id in self.events


class Contest:
    """One contest file. Not thread-safe: use one Contest (one connection) per thread."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        self.session: Session | None = None
        self._competition: Competition | None = None
        self._checkpointer: Checkpointer | None = None
        self._generation = 0  # bumped by every write except marks: see cached()
        self.recovery_phrase: str | None = None  # set by create() only, shown once
        self._cache: dict[object, tuple[tuple[int, int], Any]] = {}
        self._signins_table: bool | None = None
        self.pin_checked: str | None = None  # who proved their PIN on this connection
        # (user, device) with a committed ``signins`` row, as far as this connection knows
        self.signins_seen: set[tuple[str, str]] = set()
        # the file, -wal and -shm this connection writes to (see db/store/identity.py)
        self.identity = FileIdentity.of(path)
        self.stale: str | None = None  # what changed under this connection, once found
        self.closed = False
        self._seen_version = self._data_version()
        # called once, just before the next top-level write commits (a command's safety
        # copy: taken only when a write really happens, from the state before it)
        self.before_commit: Callable[[], None] | None = None

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, background_checkpoints: bool = False) -> Contest:
        """Open a contest file. The app passes ``background_checkpoints`` so that WAL
        checkpoints run on their own thread instead of inside someone's mark commit."""
        p = Path(path)
        db = connect(p)
        if db.execute("SELECT value FROM meta WHERE key = 'competition'").fetchone() is None:
            raise StateError(f"{p}: the contest file has no competition yet / 尚未初始化")
        c = cls(db, p)
        if c.meta("rebuild_derived"):  # set by a migration that dropped the derived caches
            from db.ops.slots import rebuild_derived

            with transaction(db):
                rebuild_derived(c)
                db.execute("DELETE FROM meta WHERE key = 'rebuild_derived'")
        if background_checkpoints and writable(p):
            c._checkpointer = Checkpointer(db, p)
        return c

    @classmethod
    def create(cls, path: str | Path, competition_text: str, file: str, user: str,
               pin: str, *, passphrase: str | None = None,
               officer_passphrase: str | None = None) -> Contest:
        """`jiangxin init`: a new contest file from a competition file, signed in as its admin.

        The contest's signing key is wrapped under ``passphrase`` (default: the one held for
        the session or JIANGXIN_PASSPHRASE; none is NotAllowed, exit 5; shorter than 12
        characters is InputError) and under a new recovery phrase, left in
        ``recovery_phrase`` of the returned contest to be shown once; it is stored nowhere.
        With ``officer_passphrase`` (else ``JIANGXIN_OFFICER_PASSPHRASE``) the encryption
        officer's key is made too (db/keys/officer.py); otherwise the officer makes it before
        the first draw (`jiangxin officer key`).
        """
        from db.keys import passphrase as pp
        from db.keys.signing import check_secret

        secret = pp.required(passphrase)
        check_secret(secret, "JIANGXIN_PASSPHRASE")
        comp = load_competition(competition_text, file)
        admin = next((u for u in comp.users if u.name == user), None)
        if admin is None or admin.role != "admin" or admin.pin != pin:
            raise NotAllowed(f"{file}: {user!r} is not an admin of this competition file with "
                             "that PIN / 不是该赛事文件中的管理员或PIN错误")
        p = Path(path)
        if p.exists() and p.stat().st_size > 0:
            raise InputError(f"{p} exists already; choose a new file / 文件已存在", file=str(p))
        db = connect(p, create=True)
        c = cls(db, p)
        device = new_uid()[:12]
        c.session = Session(user=admin.name, role="admin", unit=admin.unit,
                            events=admin.events, device=device)
        c.pin_checked = admin.name
        with c.write("init", reason=f"from {Path(file).name}") as w:
            for k, v in {"device_id": device, "competition": strip_pins(competition_text),
                         "competition_file": Path(file).name, "created_at": now_iso(),
                         "app_version": APP_VERSION, "contest_uid": new_uid()}.items():
                db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", [k, v])
            for u in comp.users:
                w.insert("users", {"name": u.name, "role": u.role, "unit": u.unit,
                                   "events": json.dumps(list(u.events), ensure_ascii=False)
                                   if u.events is not None else None,
                                   "pin_hash": hash_pin(u.pin)}, device=False,
                         audit_row={"name": u.name, "role": u.role, "unit": u.unit})
            from db.keys.contest_key import create_contest_key
            _row, c.recovery_phrase = create_contest_key(c, w, secret)
            from db.keys.devices import make_device_key

            make_device_key(c, w, device, secret)  # this laptop's key (attributable merges)
            import os

            officer = officer_passphrase or os.environ.get("JIANGXIN_OFFICER_PASSPHRASE")
            if officer:
                from db.keys.officer import make_officer_key

                make_officer_key(c, w, officer)
            from db.ops.derived import record_rules

            record_rules(c, w)
        return c

    def close(self) -> None:
        self.closed = True
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self.stale is None and self.identity.problem() is not None:
            self.stale = self.identity.problem()
        if self.stale is not None:
            close_stale(self.db.conn, self.path)
        else:
            self.db.conn.close()

    # ---- the file under this connection ---------------------------------------------------
    def _data_version(self) -> int:
        try:
            return int(self.db.conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return -1

    def file_problem(self) -> str | None:
        """Whether the file was replaced, or its -wal/-shm deleted, since this connection
        opened it (then nothing more may be written through it: reopen). Remembered."""
        if self.stale is None:
            self.stale = self.identity.problem()
        return self.stale

    def outside_commit(self) -> bool:
        """True once after another connection or process committed to the file (SQLite's
        ``PRAGMA data_version``), so that the app can show it."""
        version = self._data_version()
        seen, self._seen_version = self._seen_version, version
        return version != seen

    def reopened(self) -> Contest:
        """A fresh Contest on the same path, keeping the signed-in session when that user is
        still there with the same role; this one is closed (without touching the new file's
        -wal and -shm when this one was stale)."""
        session = self.session
        background = self._checkpointer is not None
        self.close()
        fresh = Contest.open(self.path, background_checkpoints=background)
        if session is not None:
            user = fresh.user(session.user)
            if user is not None and user.role == session.role:
                fresh.session = session
                fresh.pin_checked = self.pin_checked  # the same sign-in (attributable merges)
                fresh.signins_seen = set(self.signins_seen)
        return fresh

    # ---- meta -----------------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return default if row is None else str(row[0])

    @property
    def device_id(self) -> str:
        return self.meta("device_id") or "unknown"

    @property
    def competition(self) -> Competition:
        if self._competition is None:
            text = self.meta("competition")
            assert text is not None
            self._competition = load_competition(text, self.meta("competition_file") or "",
                                                 pins=False)
        return self._competition

    def event(self, event_id: str, *, file: str | None = None, row: int | None = None,
              field: str = "event") -> Event:
        try:
            return self.competition.event(event_id)
        except KeyError:
            raise InputError(f"unknown event {event_id!r} (events: "
                             f"{', '.join(self.competition.event_ids)}) / 未知赛项",
                             file=file, row=row, field=field) from None

    def cached(self, key: object, compute: Callable[[], T]) -> T:
        """A read-mostly value (users, the station map, locks) kept between calls.

        It is recomputed after any write of this connection other than a mark (Writer.insert
        bumps the generation) and after any commit by another connection or process
        (``PRAGMA data_version``). Callers must not mutate what they get.
        """
        version = int(self.db.conn.execute("PRAGMA data_version").fetchone()[0])
        stamp = (version, self._generation)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        self._cache[key] = (stamp, value)
        return value

    # ---- people ---------------------------------------------------------------------------
    def sign_in(self, user: str, pin: str) -> Session:
        # no surrounding transaction: a failed attempt must stay recorded for the lock-out
        try:
            self.session = sign_in(self.db, user, pin, self.device_id)
        except sqlite3.Error as exc:
            raise storage_error(exc, self.path) from exc
        self.pin_checked = self.session.user
        # whether this sign-in is on record already, read now rather than at the first write
        # (a typed mark stays a handful of statements: tests/gui/test_operations.py)
        key = (self.session.user, self.session.device)
        if key not in self.signins_seen and self._tracks_signins() and self.db.execute(
                "SELECT 1 FROM signins WHERE user = ? AND device = ?", list(key)).fetchone():
            self.signins_seen.add(key)
        return self.session

    def users(self) -> list[User]:
        """Every user of the contest, in the competition file's order (no PINs)."""
        return [User.of_row(r) for r in self.db.execute(
            "SELECT name, role, unit, events FROM users ORDER BY rowid")]

    def user(self, name: str) -> User | None:
        row = self.db.execute("SELECT name, role, unit, events FROM users WHERE name = ?",
                              [name]).fetchone()
        return User.of_row(row) if row else None

    def require(self, operation: str, event: str | None = None) -> Session:
        """The signed-in session, if its role may do ``operation`` (else NotAllowed, exit 5)."""
        s = self.session
        if s is None:
            raise NotAllowed("sign in first / 请先登录")
        if not allowed(s.role, operation):
            raise NotAllowed(f"{s.user} ({s.role}) may not do {operation} / 当前角色无此权限")
        if event is not None and not s.may_see_event(event):
            raise NotAllowed(f"{s.user} is not assigned to event {event} / 未分配到该赛项")
        return s

    # ---- writing --------------------------------------------------------------------------
    @contextmanager
    def write(self, action: str, *, reason: str = "") -> Iterator[Writer]:
        """One transaction for one user action, audited row by row."""
        if self.session is None:
            raise NotAllowed("sign in first / 请先登录")
        problem = self.file_problem()
        if problem is not None:
            raise refusal(problem, after_commit=False)
        outer = not self.db.conn.in_transaction
        with transaction(self.db):
            w = Writer(self, action, reason)
            yield w
            hook = self.before_commit
            if outer and hook is not None and w.written:
                # another connection copies the committed state, i.e. the one before this
                # write; a refused write never gets here and leaves no copy behind
                self.before_commit = None
                hook()
        if outer and w.signin is not None:
            self.signins_seen.add(w.signin)  # committed now
        # never acknowledge a commit that went into a file nobody will open again
        problem = self.file_problem()
        if problem is not None:
            raise refusal(problem, after_commit=True)

    def _tracks_signins(self) -> bool:
        if self._signins_table is None:
            self._signins_table = self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'signins'").fetchone() is not None
        return self._signins_table


class Writer:
    """Inserts rows into append-only tables with an audit record for each, and keeps what
    they change (:attr:`changes`: the kinds of the tables written, the events of the rows)."""

    def __init__(self, contest: Contest, action: str, reason: str) -> None:
        self.c = contest
        self.action = action
        self.reason = reason
        assert contest.session is not None
        self.session = contest.session
        self.tables: set[str] = set()
        self.meta_keys: set[str] = set()
        self._events: set[str] | None = set()  # None: a row that belongs to no one event
        self.locks = gate.LockView(contest)
        self.written = 0
        self._signin_noted = False  # see log()
        self.signin: tuple[str, str] | None = None  # a signins row this write inserted

    @property
    def changes(self) -> Changes:
        """What this transaction changed, so far: the operation returns it."""
        return Changes.from_tables(self.tables, self._events, self.meta_keys)

    def _touch(self, table: str, event: object) -> None:
        if table not in TABLE_KINDS:
            raise KeyError(f"{table}: add the table to db.store.changes.TABLE_KINDS")
        self.tables.add(table)
        if isinstance(event, str) and event and self._events is not None:
            self._events.add(event)
        elif not event:
            self._events = None

    def set_meta(self, key: str, value: str) -> None:
        """A contest setting (kept in ``meta``); audit it with :meth:`log`."""
        self._touch("meta", None)
        self.meta_keys.add(key)
        self.c._generation += 1
        self.c.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) "
                          "DO UPDATE SET value = excluded.value", [key, value])

    def admit(self, table: str, values: dict[str, Any], *, opened: bool = False) -> None:
        """The gate of db/store/gate.py for a row about to be written (by :meth:`insert`, or
        by a merge's raw insert): StateError (exit 2) when the rules refuse it now.

        ``opened``: the row is a sealed one (admitted by the gate when it was sealed) that
        ``decrypt`` opens, not a new input."""
        if not opened:
            gate.check(self.locks, table, values)
        if table == "locks":
            self.locks.forget()  # read again at the next row, once this one is in
            self.c._generation += 1  # and not from Contest.cached (a merge's raw insert too)
        self.written += 1

    def insert(self, table: str, values: dict[str, Any], *, device: bool = True,
               reason: str | None = None, audit_row: dict[str, Any] | None = None,
               before: Any = None, opened: bool = False) -> dict[str, Any]:
        self.admit(table, values, opened=opened)
        at = monotonic_at()
        self._touch(table, values.get("event"))
        if table != "marks":
            self.c._generation += 1
        row = {"uid": new_uid(), **values, "at": at, "by": self.session.user}
        if device:
            row["device"] = self.session.device
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.c.db.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
        self.log(table=table, row=row, reason=reason if reason is not None else self.reason,
                 after=audit_row, before=before, at=at)
        return row

    def log(self, *, table: str | None = None, row: dict[str, Any] | None = None,
            reason: str | None = None, after: Any = None, before: Any = None,
            at: str | None = None, action: str | None = None) -> None:
        if not self._signin_noted:
            # before the first record of a write: that its user signed in on this device
            # (attributable merges, db/keys/devices.py)
            self._signin_noted = True
            if self.c._tracks_signins():
                from db.keys.devices import record_signin

                record_signin(self.c, self)
        self.tables.add("audit")
        if table is not None:
            self._touch(table, row.get("event") if row else None)
        audit.append(self.c.db, uid=new_uid(), at=at or monotonic_at(), user=self.session.user,
                     role=self.session.role, device=self.session.device,
                     action=action or self.action, tbl=table, row=row, before=before,
                     after=after, reason=reason if reason is not None else self.reason)
