"""Recompute a results file's results from the marks it carries, with this rulebook.

A results file states its results (``body.results``) beside the raw rows they come from
(``body.tables``). Headquarters believes neither a signature nor a venue's software for the
results: :func:`recompute_problems` replays the file's mark log in memory with the venue's own
computation (:func:`db.ops.slots.derive`: every slot, every aspect mark), loads the aspect marks
and the other rows into an in-memory contest (the same schema, the same ``judging/`` rules,
nothing written anywhere), computes every event's results as the venue would have at the time
of the export, and names the first differences. Headquarters refuses a file where there is one
(exit 3).

Each file's contest starts as a copy of one empty database made once per process (every
migration applied), so that a file costs its rows and its rules, not the schema's making.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from db.files.exchange import ResultsFile

# columns a results file never carries (secrets), filled with a placeholder here
_PLACEHOLDER = {"pin_hash": "-", "wrapped": "{}"}
_FIELDS = ("place", "station", "candidate", "name", "unit", "theory", "practical", "total",
           "time_used_s", "status", "award", "title", "grade", "scale")


_TEMPLATE: dict[str, Any] = {}
_LOCK = threading.Lock()


def _template() -> tuple[sqlite3.Connection, dict[str, list[tuple[str, str]]]]:
    """An empty contest database (every migration applied) and each table's (column, type),
    made once per process: each file's recomputation starts from a copy of it."""
    if not _TEMPLATE:
        from db.files.exchange import TABLES
        from db.store.schema import MIGRATIONS

        # any thread may copy it (the headquarters window imports on a worker), one at a time
        db = sqlite_utils.Database(sqlite3.connect(":memory:", check_same_thread=False))
        MIGRATIONS.apply(db)
        _TEMPLATE["db"] = db
        _TEMPLATE["columns"] = {t: [(str(r[1]), str(r[2]).upper()) for r in db.conn.execute(
            f"PRAGMA table_info({t})")] for t in TABLES}
    return _TEMPLATE["db"].conn, _TEMPLATE["columns"]


def _insert(conn: sqlite3.Connection, table: str, cols: list[tuple[str, str]],
            held: dict[str, Any]) -> None:
    """The file's rows of one table into the contest's table: each row a list of as many
    fields as the file's columns; a column the file lacks gets its placeholder, a REAL
    column's text its float (as the venue's table holds it). Column by column when the file's
    columns are not the table's (zip and the conversions run in C)."""
    rows, width = held["rows"], len(held["columns"])
    if set(map(type, rows)) != {list} or set(map(len, rows)) != {width}:
        raise ValueError(f"{table}: a row is not a list of {width} fields")
    names = [c for c, _ in cols]
    sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES "
           f"({', '.join('?' for _ in names)})")
    if list(held["columns"]) == names and all(kind != "REAL" for _, kind in cols):
        conn.executemany(sql, rows)  # the file's rows as they are (most tables)
        return
    at = {c: i for i, c in enumerate(held["columns"])}  # where each column is in the file
    columns = list(zip(*rows))
    picked: list[Any] = []
    for c, kind in cols:
        i = at.get(c)
        if i is None:
            picked.append(itertools.repeat(_PLACEHOLDER.get(c), len(rows)))
        elif kind == "REAL":
            picked.append([float(v) if isinstance(v, str) else v for v in columns[i]])
        else:
            picked.append(columns[i])
    conn.executemany(sql, zip(*picked))


def _contest_from(f: ResultsFile) -> Any:
    from db.ops.auth import Session
    from db.ops.slots import ASPECT_SQL, aspect_values_of
    from db.store.contest import Contest

    conn = sqlite3.connect(":memory:", isolation_level=None)
    with _LOCK:
        template, columns = _template()
        template.backup(conn)  # the schema as the migrations made it, with nothing in it
    db = sqlite_utils.Database(conn)
    db.conn.execute("BEGIN")
    for k, v in {"competition": f.body.get("competition_toml") or "",
                 "competition_file": f.body.get("competition_file") or "",
                 "contest_uid": f.contest_uid, "device_id": "headquarters"}.items():
        db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [k, str(v)])
    for table, cols in columns.items():
        held = f.body["tables"].get(table)
        if table == "marks" or not held or not held["rows"]:
            continue  # the mark log is replayed in memory (below), not stored
        _insert(db.conn, table, cols, held)
    c = Contest(db, Path(f.name))
    # what the results are computed from
    db.conn.executemany(ASPECT_SQL, aspect_values_of(c.event, _mark_columns(
        f.body["tables"].get("marks"))))
    db.conn.execute("COMMIT")
    c.session = Session(user="headquarters", role="supervisor", unit="", events=None,
                        device="headquarters")
    return c


_MARK_TEXT = ("uid", "event", "station", "aspect", "judge", "action", "reason", "at", "by",
              "device")


def _checked_columns(held: dict[str, Any]) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    """The file's mark rows column by column, each field checked as the table would (text,
    present, uids unique); and where each column is."""
    at = {c: i for i, c in enumerate(held["columns"])}
    for name in (*_MARK_TEXT, "score", "measured", "target"):
        if name not in at:
            raise ValueError(f"marks: no column {name!r}")
    columns = list(zip(*held["rows"]))  # column by column: the checks below run in C
    for name in _MARK_TEXT:
        if set(map(type, columns[at[name]])) != {str}:
            raise ValueError(f"marks: a row's {name} is not text")
    for name in ("score", "measured", "target"):
        if not set(map(type, columns[at[name]])) <= {str, type(None)}:
            raise ValueError(f"marks: a row's {name} is not text")
    uids = columns[at["uid"]]
    if len(set(uids)) != len(uids):
        raise ValueError("marks: a uid appears twice")
    return at, columns


def _mark_columns(held: dict[str, Any] | None) -> dict[str, Sequence[Any]]:
    """The file's mark rows checked (:func:`_checked_columns`), each MARK_LOG_COLUMNS column
    in log order (``at``, then ``uid``: the order the venue replays its log in)."""
    from db.ops.slots import MARK_LOG_COLUMNS

    if not held or not held["rows"]:
        return {c: () for c in MARK_LOG_COLUMNS}
    at, columns = _checked_columns(held)
    keys = list(zip(columns[at["at"]], columns[at["uid"]]))  # uids unique: a total order
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if len(order) == 1:
        return {c: columns[at[c]] for c in MARK_LOG_COLUMNS}
    pick = operator.itemgetter(*order)
    return {c: pick(columns[at[c]]) for c in MARK_LOG_COLUMNS}


def recompute_problems(f: ResultsFile, *, limit: int = 10) -> list[str]:
    """Where the file's stated results differ from what its marks give (empty: they agree)."""
    from db.ops.results import results
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
        try:
            now = dt.datetime.fromisoformat(str(f.body["exported_at"])).timestamp()
        except (KeyError, ValueError):
            now = None
        problems: list[str] = []
        for ev, stated in f.results.items():
            try:
                fresh = results(c, ev, now).as_json()
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
