"""The ranking across contests of one trade, kept at import: each person's best result.

``trade_best`` holds one row per (trade, year, person) — and per (trade, all years, person),
``yr = ''`` — with the number of placed participations behind it and the best of them (the
fields the ranking shows). "Best" is :func:`best_key`: a higher competition level first
(national > … > enterprise, an unknown level last), then a better place, then a higher total,
and between equal results the first in (contest, event, order) — the same choice whatever
order the files came in. The key is bytes that compare as the result does (SQLite and
PostgreSQL both compare bytes as bytes), so an import keeps the better of the held and the
new row in its own upsert, atomically, with no read first: two importers touching one person
each keep the better, in whichever order they commit.

A contest's rows are counted in at import; when a newer export replaces it, its counts are
taken out again and the persons whose best was in it get their best recomputed from the
participations still held (by resident ID, an index), in the same transaction. So the ranking
reads the rows of one trade and year (a primary key range), not the participations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from db.hq.engine import Engine

LEVELS = ("enterprise", "county", "city", "provincial", "national")

RANKING_SQL = """
CREATE TABLE trade_best (trade TEXT NOT NULL, yr TEXT NOT NULL, id_number TEXT NOT NULL,
  n BIGINT NOT NULL, best {blob} NOT NULL, contest_uid TEXT NOT NULL, name TEXT,
  person_unit TEXT, region TEXT, competition TEXT, level TEXT, year TEXT, grp TEXT,
  place INTEGER, total TEXT, award TEXT, title TEXT,
  PRIMARY KEY (trade, yr, id_number)) {without_rowid}
"""
# the row's columns after its key and count, as written and as read
SHOWN = ("best", "contest_uid", "name", "person_unit", "region", "competition", "level",
         "year", "grp", "place", "total", "award", "title")
COLUMNS = ("trade", "yr", "id_number", "n", *SHOWN)
TYPES = ("text", "text", "text", "bigint", "bytea", *(["text"] * 8), "bigint", "text",
         "text", "text")
# the length of the part of the key that ranks (level, place, total); the rest only decides
# which of two equal results is shown
RANK_BYTES = 1 + 4 + 8
_SCALE = Decimal(10) ** 6
_MAX = 2 ** 63 - 1


def best_key(level: Any, place: int, total: Any, contest_uid: str, event: str, ord_: int
             ) -> bytes:
    """Bytes that sort as the results do: smaller is better (see the module's text)."""
    lv = 4 - LEVELS.index(level) if level in LEVELS else 5
    try:
        value = Decimal(str(total))
        scaled = int((value * _SCALE).to_integral_value(ROUND_HALF_EVEN)) \
            if value.is_finite() else 0
    except (InvalidOperation, ValueError):
        scaled = 0  # a total that is not a number ranks as 0 (as it always has)
    scaled = max(-_MAX, min(_MAX, scaled))
    place_part = max(0, min(2 ** 32 - 1, int(place) + 2 ** 31))
    return (bytes([lv]) + place_part.to_bytes(4, "big") + (_MAX - scaled).to_bytes(8, "big")
            + contest_uid.encode("utf-8") + b"\x00" + event.encode("utf-8") + b"\x00"
            + max(0, int(ord_)).to_bytes(4, "big"))


def _entries(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[Any, ...]]:
    """{(trade, yr, id): (n, best, contest, …shown)} for placed participations with an ID."""
    out: dict[tuple[str, str, str], tuple[Any, ...]] = {}
    for p in rows:
        if p["place"] is None or not p["id_number"]:
            continue
        key = best_key(p["level"], int(p["place"]), p["total"], str(p["contest_uid"]),
                       str(p["event"]), int(p["ord"]))
        shown = (key, str(p["contest_uid"]), p["name"], p["person_unit"], p["region"],
                 p["competition"], p["level"], p["year"], p["grp"], p["place"], p["total"],
                 p["award"], p["title"])
        for yr in (str(p["year"]), ""):
            k = (str(p["trade"]), yr, str(p["id_number"]))
            held = out.get(k)
            if held is None:
                out[k] = (1, *shown)
            else:
                out[k] = (held[0] + 1, *(shown if key < held[1] else held[1:]))
    return out


_KEEP_BETTER = ", ".join(
    ["n = trade_best.n + excluded.n"]
    + [f"{c} = CASE WHEN excluded.best < trade_best.best THEN excluded.{c} ELSE trade_best.{c} "
       "END" for c in SHOWN if c != "best"]
    + ["best = CASE WHEN excluded.best < trade_best.best THEN excluded.best ELSE "
       "trade_best.best END"])  # every CASE reads the row as it was (SQL's SET, both engines)


def add(engine: Engine, rows: Iterable[dict[str, Any]], competition: str) -> None:
    """Count one contest's participations in (inside the import's transaction)."""
    entries = _entries(dict(p, competition=competition) for p in rows)
    engine.upsert("trade_best", COLUMNS, TYPES, ("trade", "yr", "id_number"), _KEEP_BETTER,
                  [(*k, *v) for k, v in sorted(entries.items())])


def remove(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Count one contest's participations out again; after its participations are deleted
    (the persons whose best was in it get the best of what is still held)."""
    entries = _entries(dict(p, competition="") for p in rows)
    for (trade, yr, idn), v in sorted(entries.items()):
        # the row is locked by this update before the participations are read again, so an
        # importer adding this person meanwhile either is seen or compares with what we write
        engine.execute("UPDATE trade_best SET n = n - ? WHERE trade = ? AND yr = ? AND "
                       "id_number = ?", [v[0], trade, yr, idn])
        left = engine.execute("SELECT n, contest_uid FROM trade_best WHERE trade = ? AND "
                              "yr = ? AND id_number = ?", [trade, yr, idn]).fetchone()
        if left is None:
            continue
        if int(left[0]) <= 0:
            engine.execute("DELETE FROM trade_best WHERE trade = ? AND yr = ? AND "
                           "id_number = ?", [trade, yr, idn])
        elif str(left[1]) == v[2]:  # its best was in the contest going away
            sql = (f"{_HELD} WHERE p.id_number = ? AND p.trade = ?"
                   + (" AND p.year = ?" if yr else ""))
            held = _entries(engine.query(sql, [idn, trade, yr] if yr else [idn, trade]))
            best = held.get((trade, yr, idn))
            if best is None:  # nothing placed is left (cannot be: n > 0); keep the count
                continue
            engine.execute(f"UPDATE trade_best SET {', '.join(f'{c} = ?' for c in SHOWN)} "
                           "WHERE trade = ? AND yr = ? AND id_number = ?",
                           [*best[1:], trade, yr, idn])


_HELD = ("SELECT p.contest_uid, p.event, p.ord, p.trade, p.year, p.level, p.id_number, "
         "p.name, p.person_unit, p.region, p.grp, p.place, p.total, p.award, p.title, "
         "c.name AS competition FROM participations p JOIN competitions c "
         "ON c.contest_uid = p.contest_uid")


def held(engine: Engine, contest_uid: str) -> list[dict[str, Any]]:
    """What :func:`remove` needs of a contest's participations (read before deleting them)."""
    return engine.query(f"{_HELD} WHERE p.contest_uid = ?", [contest_uid])


def rebuild(engine: Engine) -> None:
    """Count every held participation in from scratch (the migration that made the table)."""
    engine.execute("DELETE FROM trade_best")
    for (uid,) in sorted((str(r[0]),) for r in engine.execute(
            "SELECT contest_uid FROM competitions")):
        rows = held(engine, uid)
        if rows:
            add(engine, rows, str(rows[0]["competition"]))


def read(engine: Engine, trade: str, year: str | None) -> list[dict[str, Any]]:
    """The ranked rows of one trade (one year, or all): rank shared by equal results."""
    rows = engine.query(f"SELECT id_number, n, {', '.join(SHOWN)} FROM trade_best "
                        "WHERE trade = ? AND yr = ?", [trade, year or ""])
    for r in rows:
        r["best"] = bytes(r["best"])
    rows.sort(key=lambda r: (r["best"][:RANK_BYTES], r["id_number"]))
    out: list[dict[str, Any]] = []
    prev: bytes | None = None
    rank = 0
    for i, r in enumerate(rows, start=1):
        if r["best"][:RANK_BYTES] != prev:
            rank, prev = i, r["best"][:RANK_BYTES]
        out.append({**r, "rank": rank})
    return out
