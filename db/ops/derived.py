"""Derived data is never trusted: recompute it from the raw, chained rows and compare.

``slots`` and ``aspect_marks`` are caches of the mark log (the results are computed from
``aspect_marks``); the rules live in ``meta`` (the competition file). Neither is an
append-only, audited table, so one ``UPDATE`` changed a result without breaking the chain.
:func:`derived_problems` rebuilds both caches from the ``marks`` rows on an in-memory copy
(nothing is written to the file) and compares them cell by cell, and compares the rules with
the SHA-256 recorded in the audit chain when the contest was made (action ``rules``).
``audit verify``, ``check`` and ``export`` refuse (exit 3) a file where they differ, naming the
first differences.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from db.store.contest import Contest, Writer

_CACHES = {"slots": ("event", "station", "aspect", "judge"),
           "aspect_marks": ("event", "station", "aspect")}


def rules_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_rules(c: Contest, w: Writer) -> None:
    """Chain the rules (the stored competition file) into the audit log."""
    w.log(action="rules", after={"competition_sha256": rules_sha256(c.meta("competition") or ""),
                                 "file": c.meta("competition_file")})


def rules_problems(db: sqlite_utils.Database) -> list[str]:
    row = db.execute("SELECT after FROM audit WHERE action = 'rules' ORDER BY seq DESC "
                     "LIMIT 1").fetchone()
    if row is None:
        return []  # a file made by an older version: its rules were never chained
    want = json.loads(row[0]).get("competition_sha256")
    text = db.execute("SELECT value FROM meta WHERE key = 'competition'").fetchone()
    if text is None or rules_sha256(str(text[0])) != want:
        return ["the rules (competition file in meta) differ from those recorded when the "
                "contest was made / 赛事规则被改动"]
    return []


def _table(db: sqlite_utils.Database, table: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    cur = db.execute(f"SELECT * FROM {table}")
    cols = [d[0] for d in cur.description]
    key = _CACHES[table]
    out = {}
    for values in cur:
        row = dict(zip(cols, values))
        out[tuple(row[k] for k in key)] = row
    return out


def derived_problems(c: Contest, *, limit: int = 10) -> list[str]:
    """Differences between the stored caches/rules and what the raw rows give (empty: none)."""
    from db.ops.slots import rebuild_derived
    from db.store.contest import Contest as ContestClass

    problems = rules_problems(c.db)
    if problems:
        return problems  # the rules themselves are not to be believed: stop here
    mem = sqlite3.connect(":memory:")
    try:
        c.db.conn.backup(mem)
        mdb = sqlite_utils.Database(mem)
        stored = {t: _table(mdb, t) for t in _CACHES}
        copy = ContestClass(mdb, c.path)
        mem.execute("BEGIN")
        rebuild_derived(copy)
        mem.execute("COMMIT")
        fresh = {t: _table(mdb, t) for t in _CACHES}
    finally:
        mem.close()
    for t in _CACHES:
        for key in sorted(set(stored[t]) | set(fresh[t]), key=str):
            a, b = stored[t].get(key), fresh[t].get(key)
            if a == b:
                continue
            where = "/".join(str(k) for k in key)
            if a is None or b is None:
                problems.append(f"{t} {where}: {'missing' if a is None else 'not given by'} "
                                "the marks / 缓存与评分记录不符")
            else:
                col = next(k for k in a if a[k] != b.get(k))
                problems.append(f"{t} {where}: {col} is {a[col]!r} in the file, the marks give "
                                f"{b[col]!r} / 缓存与评分记录不符")
            if len(problems) >= limit:
                return problems
    return problems


def derived_problems_at(path: str | Path) -> list[str]:
    """The same check on a file by its path, opened read-only (for `jiangxin check`)."""
    from db.store.contest import Contest as ContestClass

    uri = f"file:{Path(path)}?mode=ro"
    con = sqlite3.connect(uri, uri=True)
    try:
        db = sqlite_utils.Database(con)
        if "aspect_marks" not in db.table_names() or db.execute(
                "SELECT 1 FROM meta WHERE key = 'competition'").fetchone() is None:
            return []
        return derived_problems(ContestClass(db, Path(path)))
    finally:
        con.close()
