"""The hash-chained audit log of every write, and its end-to-end check."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db.store.schema import APPEND_ONLY

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def row_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(row).encode("utf-8")).hexdigest()


_AUDIT_FIELDS = ("uid", "at", "user", "role", "device", "action", "tbl", "row_uid", "row_hash",
                 "before", "after", "reason", "prev")


def record_hash(record: dict[str, Any]) -> str:
    body = {k: record.get(k) for k in _AUDIT_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def head(db: sqlite_utils.Database) -> tuple[int, str]:
    """(sequence number, hash) of the newest audit record; (0, GENESIS) when empty."""
    row = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append(db: sqlite_utils.Database, *, uid: str, at: str, user: str, role: str, device: str,
           action: str, tbl: str | None = None, row: dict[str, Any] | None = None,
           before: Any = None, after: Any = None, reason: str = "") -> None:
    """Append one audit record chained to the previous one. Call inside the write's transaction.

    Hashing every inserted row here lets `verify` detect a data row changed, removed or
    inserted behind the application's back.
    """
    _, prev = head(db)
    record: dict[str, Any] = {
        "uid": uid, "at": at, "user": user, "role": role, "device": device, "action": action,
        "tbl": tbl, "row_uid": row.get("uid") if row else None,
        "row_hash": row_hash(row) if row else None,
        "before": canonical_json(before) if before is not None else None,
        "after": canonical_json(after if after is not None else row) if (after is not None
                                                                        or row) else None,
        "reason": reason, "prev": prev,
    }
    record["hash"] = record_hash(record)
    db.execute(
        "INSERT INTO audit (uid, at, user, role, device, action, tbl, row_uid, row_hash, "
        "before, after, reason, prev, hash) VALUES (:uid, :at, :user, :role, :device, :action, "
        ":tbl, :row_uid, :row_hash, :before, :after, :reason, :prev, :hash)", record)


@dataclass(frozen=True)
class AuditReport:
    records: int
    head: str
    problems: list[str]
    signed_seq: int | None = None  # the newest signed head that checked out (checkpoints.py)
    unsigned: int = 0  # records after it, not yet covered by a signature

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: sqlite_utils.Database, *, limit: int = 50) -> AuditReport:
    """Check the chain end to end and every append-only row against its audit record."""
    problems: list[str] = []
    prev = GENESIS
    count = 0
    expected_seq = None
    hashes: dict[tuple[str, str], str] = {}
    chain: dict[int, str] = {}
    cur = db.execute("SELECT * FROM audit ORDER BY seq")
    cols = [c[0] for c in cur.description]
    for values in cur:
        rec = dict(zip(cols, values))
        count += 1
        if expected_seq is not None and rec["seq"] != expected_seq:
            problems.append(f"audit record {expected_seq} is missing (next is {rec['seq']})")
        expected_seq = rec["seq"] + 1
        if rec["prev"] != prev:
            problems.append(f"audit record {rec['seq']} does not follow the one before it")
        if record_hash(rec) != rec["hash"]:
            problems.append(f"audit record {rec['seq']} was altered")
        prev = rec["hash"]
        chain[int(rec["seq"])] = str(rec["hash"])
        if rec["tbl"] and rec["row_uid"]:
            hashes[(rec["tbl"], rec["row_uid"])] = rec["row_hash"]
        if len(problems) >= limit:
            break
    seen: set[tuple[str, str]] = set()
    for table in APPEND_ONLY:
        cur = db.execute(f"SELECT * FROM {table}")
        cols = [c[0] for c in cur.description]
        for values in cur:
            row = dict(zip(cols, values))
            key = (table, row["uid"])
            seen.add(key)
            want = hashes.get(key)
            if want is None:
                problems.append(f"{table} row {row['uid']} has no audit record (inserted outside "
                                "the application)")
            elif want != row_hash(row):
                problems.append(f"{table} row {row['uid']} differs from its audit record")
            if len(problems) >= limit:
                break
    for (table, uid) in hashes:
        if table in APPEND_ONLY and (table, uid) not in seen:
            problems.append(f"{table} row {uid} recorded in the audit log is missing")
            if len(problems) >= limit:
                break
    from db.store.checkpoints import verify_heads

    signed = verify_heads(db, chain)
    problems += signed.problems
    return AuditReport(count, prev, problems,
                       signed.newest[0] if signed.newest else None, signed.unsigned)


def records(db: sqlite_utils.Database, *, user: str | None = None, action: str | None = None,
            table: str | None = None, since: str | None = None, until: str | None = None,
            limit: int = 5000) -> list[dict[str, Any]]:
    """Audit records, newest first, filtered (``since``/``until`` compare ISO times)."""
    where, args = [], []
    for col, val in (("user", user), ("action", action), ("tbl", table)):
        if val:
            where.append(f"{col} = ?")
            args.append(val)
    if since:
        where.append("at >= ?")
        args.append(since)
    if until:
        where.append("at <= ?")
        args.append(until)
    sql = ("SELECT seq, at, user, role, device, action, tbl, row_uid, before, after, reason "
           "FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY seq DESC LIMIT ?")
    cur = db.execute(sql, [*args, limit])
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def facets(db: sqlite_utils.Database) -> dict[str, list[str]]:
    """The distinct users, actions and tables in the log (for filter lists)."""
    out: dict[str, list[str]] = {}
    for key, col in (("user", "user"), ("action", "action"), ("table", "tbl")):
        out[key] = [str(r[0]) for r in db.execute(
            f"SELECT DISTINCT {col} FROM audit WHERE {col} IS NOT NULL ORDER BY {col}")]
    return out
