"""Recompute a results file's results from the marks it carries, with this rulebook.

A results file states its results (``body.results``) beside the raw rows they come from
(``body.tables``). Headquarters believes neither a signature nor a venue's software for the
results: :func:`recompute_problems` loads the rows into an in-memory contest (the same schema,
the same ``judging/`` rules, nothing written anywhere), rebuilds the mark caches, computes every
event's results as the venue would have at the time of the export, and names the first
differences. Headquarters refuses a file where there is one (exit 3).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from db.files.exchange import ResultsFile

# columns a results file never carries (secrets), filled with a placeholder here
_PLACEHOLDER = {"pin_hash": "-", "wrapped": "{}"}
_FIELDS = ("place", "station", "candidate", "name", "unit", "theory", "practical", "total",
           "time_used_s", "status", "award", "title", "grade", "scale")


def _contest_from(f: ResultsFile) -> Any:
    from db.files.exchange import TABLES
    from db.ops.auth import Session
    from db.store.contest import Contest
    from db.store.schema import MIGRATIONS

    db = sqlite_utils.Database(memory=True)
    MIGRATIONS.apply(db)
    db.conn.execute("BEGIN")
    for k, v in {"competition": f.body.get("competition_toml") or "",
                 "competition_file": f.body.get("competition_file") or "",
                 "contest_uid": f.contest_uid, "device_id": "headquarters"}.items():
        db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [k, str(v)])
    for table in TABLES:
        rows = f.rows(table)
        if not rows:
            continue
        cols = [r[1] for r in db.conn.execute(f"PRAGMA table_info({table})")]
        types = {r[1]: str(r[2]).upper() for r in db.conn.execute(f"PRAGMA table_info({table})")}
        for row in rows:
            values = []
            for col in cols:
                v = row.get(col, _PLACEHOLDER.get(col))
                if isinstance(v, str) and types.get(col) == "REAL":
                    v = float(v)
                values.append(v)
            db.conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
                            f"({', '.join('?' for _ in cols)})", values)
    db.conn.execute("COMMIT")
    c = Contest(db, Path(f.name))
    c.session = Session(user="headquarters", role="supervisor", unit="", events=None,
                        device="headquarters")
    return c


def recompute_problems(f: ResultsFile, *, limit: int = 10) -> list[str]:
    """Where the file's stated results differ from what its marks give (empty: they agree)."""
    from db.ops.results import results
    from db.ops.slots import rebuild_derived
    from judging.errors import JiangxinError

    try:
        c = _contest_from(f)
    except (JiangxinError, ValueError, KeyError, TypeError) as exc:
        return [f"{f.name}: its rows cannot be loaded to recompute the results ({exc}) "
                "/ 无法用文件中的评分重新计算成绩"]
    except Exception as exc:  # noqa: BLE001 (sqlite3 errors of a malformed file)
        return [f"{f.name}: its rows cannot be loaded to recompute the results ({exc}) "
                "/ 无法用文件中的评分重新计算成绩"]
    try:
        c.db.conn.execute("BEGIN")
        rebuild_derived(c)
        c.db.conn.execute("COMMIT")
        try:
            now = dt.datetime.fromisoformat(str(f.body["exported_at"])).timestamp()
        except (KeyError, ValueError):
            now = None
        problems: list[str] = []
        for ev, stated in f.results.items():
            try:
                fresh = results(c, ev, now)
            except JiangxinError as exc:
                problems.append(f"{f.name}: event {ev}: {exc}")
                continue
            problems += _compare(f.name, ev, stated, fresh)
            if len(problems) >= limit:
                break
        return problems[:limit]
    finally:
        c.db.conn.close()


def _compare(name: str, ev: str, stated: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    out = []
    for flag in ("locked", "decrypted"):
        if bool(stated.get(flag)) != bool(fresh.get(flag)):
            out.append(f"{name}: event {ev}: the file says {flag} = {stated.get(flag)}, its rows "
                       f"say {fresh.get(flag)} / 状态与记录不符")
    a = {(r.get("station"), r.get("candidate")): r for r in stated.get("rows", [])}
    b = {(r.get("station"), r.get("candidate")): r for r in fresh.get("rows", [])}
    if set(a) != set(b):
        out.append(f"{name}: event {ev}: the file ranks {len(a)} entrants, its rows give {len(b)}"
                   " / 名单与记录不符")
        return out
    running = any(r.get("time_used_s") is None for r in b.values())
    for key in sorted(a, key=str):
        for fld in _FIELDS:
            x, y = a[key].get(fld), b[key].get(fld)
            if fld in ("time_used_s",) and running:
                continue
            if x != y:
                out.append(f"{name}: event {ev}, workstation {key[0]}: {fld} is {x!r} in the "
                           f"file, the marks give {y!r} / 成绩与评分记录不符")
                break
    return out
