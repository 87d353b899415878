"""PINs as salted slow hashes (scrypt), sign-in with lock-out after repeated failures."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

import sqlite_utils

from judging.errors import NotAllowed

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
LOCKOUT_MINUTES = 5


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        algo, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algo != "scrypt":
        return False
    got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                         dklen=len(digest) // 2)
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True)
class Session:
    """Who is signed in: every write carries this user's name, role and the device."""

    user: str
    role: str
    unit: str
    events: tuple[str, ...] | None
    device: str

    def may_see_event(self, event: str) -> bool:
        return self.events is None or event in self.events


def sign_in(db: sqlite_utils.Database, name: str, pin: str, device: str) -> Session:
    """Check the PIN; five wrong PINs within 5 minutes lock the user out for 5 minutes.

    The count of recent failures, the PIN check and the record of this attempt are one write
    transaction (BEGIN IMMEDIATE): sign-ins in parallel take their turn, so no more than
    ``MAX_FAILURES`` wrong PINs are ever checked within the window (issue 16).
    """
    row = db.execute("SELECT name, role, unit, events, pin_hash FROM users WHERE name = ?",
                     [name]).fetchone()
    conn = db.conn
    try:
        if conn.in_transaction:  # inside someone's write: count in it (a savepoint)
            ok, locked = _attempt(db, name, pin, row)
        else:
            conn.execute("BEGIN IMMEDIATE")
            try:
                ok, locked = _attempt(db, name, pin, row)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc).lower() and "read-only" not in str(exc).lower():
            raise
        # a read-only medium: nothing can be recorded, the PIN is still checked
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        ok, locked = row is not None and check_pin(pin, row[4]), False
    if locked:
        raise NotAllowed(f"user {name!r} is locked for {LOCKOUT_MINUTES} minutes after "
                         f"{MAX_FAILURES} wrong PINs "
                         f"/ PIN错误次数过多，请{LOCKOUT_MINUTES}分钟后再试")
    if not ok or row is None:
        raise NotAllowed(f"wrong user or PIN for {name!r} / 用户名或PIN错误")
    import json
    events = tuple(json.loads(row[3])) if row[3] else None
    return Session(user=row[0], role=row[1], unit=row[2], events=events, device=device)


def _attempt(db: sqlite_utils.Database, name: str, pin: str,
             row: tuple[str, str, str, str | None, str] | None) -> tuple[bool, bool]:
    """(PIN right, locked out) for one attempt, recorded; call inside the write transaction."""
    now = dt.datetime.now(dt.UTC)
    since = (now - dt.timedelta(minutes=LOCKOUT_MINUTES)).isoformat()
    failures = int(db.execute("SELECT COUNT(*) FROM login_failures WHERE user = ? AND at > ?",
                              [name, since]).fetchone()[0])
    if failures >= MAX_FAILURES:
        return False, True
    ok = row is not None and check_pin(pin, row[4])
    if not ok and row is not None:
        db.execute("INSERT INTO login_failures (user, at) VALUES (?, ?)",
                   [name, now.isoformat()])
    elif ok and failures:
        db.execute("DELETE FROM login_failures WHERE user = ?", [name])
    return ok, False
