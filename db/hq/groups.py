"""The report's figures, kept up to date at import: tallies and exact distinct sets per group.

A *group* is one value of one dimension: ``all`` (the whole database), ``year``, ``region``
(the competitor's), ``level`` and ``trade``. For every group headquarters keeps

* ``group_tallies``: participations, awarded, titles given, promotions, and per award, title
  and grade level (``award:一等奖`` …), as running sums;
* ``group_members``: the set of persons (resident ID), units, competitions and events seen in
  the group, each member with the number of participations behind it (primary key
  ``(dim, grp, kind, member)``), and ``group_sizes``: how many members each set has.

A contest's participations are added when its file is imported and taken away (from the rows
headquarters holds for it) when a newer export replaces it, in the same transaction, so the
report reads a few thousand rows whatever the number of participations: no scan, no sort, and
the distinct counts are exact. A member is new to a set exactly when its count after the
upsert equals what this contest brought; it leaves the set when its count reaches zero.
Writes touch rows in one sorted order, so concurrent importers never wait in a circle; the
sizes and tallies, which every importer touches, are written last, just before the commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from db.hq.engine import Engine

DIMENSIONS = ("all", "year", "region", "level", "trade")
KINDS = ("person", "unit", "competition", "event")

# the participation fields the groups read, by name (see Participation below)
Participation = dict[str, Any]


def _groups(p: Participation) -> list[tuple[str, str]]:
    return [("all", ""), ("year", str(p["year"])), ("region", str(p["region"] or "")),
            ("level", str(p["level"])), ("trade", str(p["trade"]))]


def contributions(rows: Iterable[Participation]
                  ) -> tuple[Counter[tuple[str, str, str, str]], Counter[tuple[str, str, str]]]:
    """(members, tallies) that these participations bring to their groups."""
    members: Counter[tuple[str, str, str, str]] = Counter()
    tallies: Counter[tuple[str, str, str]] = Counter()
    for p in rows:
        award, title, grade = p["award"], p["title"], p["grade"]
        who = [("competition", str(p["contest_uid"])),
               ("event", f"{p['contest_uid']}/{p['event']}")]
        if p["id_number"]:
            who.append(("person", str(p["id_number"])))
        if p["person_unit"]:
            who.append(("unit", str(p["person_unit"])))
        measures = ["participations"]
        if award is not None:
            measures += ["awarded", f"award:{award}"]
        if title is not None:
            measures += ["titles_given", f"title:{title}"]
        if grade is not None:
            measures += ["promotions", f"grade:{grade}"]
        for dim, grp in _groups(p):
            for kind, member in who:
                members[(dim, grp, kind, member)] += 1
            for m in measures:
                tallies[(dim, grp, m)] += 1
    return members, tallies


Deltas = tuple[Counter[tuple[str, str, str]], Counter[tuple[str, str, str]]]


def add(engine: Engine, rows: Iterable[Participation]) -> Deltas:
    """Count one contest's participations into the sets (inside the import's transaction);
    gives the (sizes, tallies) deltas for :func:`bump`."""
    members, tallies = contributions(rows)
    sizes: Counter[tuple[str, str, str]] = Counter()
    for (dim, grp, kind), n in engine.add_counts(  # the members that were not there before
            "group_members", ("dim", "grp", "kind", "member"),
            [(*key, n) for key, n in sorted(members.items())], new_by=3).items():
        sizes[(str(dim), str(grp), str(kind))] += n
    return sizes, tallies


def remove(engine: Engine, rows: Iterable[Participation]) -> Deltas:
    """Count one contest's participations out of the sets again (it is being replaced)."""
    members, tallies = contributions(rows)
    sizes: Counter[tuple[str, str, str]] = Counter()
    for key, n in sorted(members.items()):
        engine.execute("UPDATE group_members SET n = n - ? WHERE dim = ? AND grp = ? AND "
                       "kind = ? AND member = ?", [n, *key])
        gone = engine.execute("DELETE FROM group_members WHERE dim = ? AND grp = ? AND kind = ? "
                              "AND member = ? AND n <= 0 RETURNING dim", list(key)).fetchall()
        if gone:
            sizes[key[:3]] -= 1
    return sizes, Counter({k: -n for k, n in tallies.items()})


def bump(engine: Engine, *deltas: Deltas) -> None:
    """Add the deltas to the sizes and tallies: the rows every importer touches, so last."""
    sizes: Counter[tuple[str, str, str]] = Counter()
    tallies: Counter[tuple[str, str, str]] = Counter()
    for s, t in deltas:
        sizes.update(s)
        tallies.update(t)
    for table, key, counts in (("group_sizes", "kind", sizes), ("group_tallies", "measure",
                                                                   tallies)):
        engine.add_counts(table, ("dim", "grp", key),
                          [(*k, n) for k, n in sorted(counts.items()) if n])


def participations_of(engine: Engine, contest_uid: str) -> list[Participation]:
    """The fields the groups read, from the participations headquarters holds."""
    return engine.query(
        "SELECT contest_uid, event, year, region, level, trade, id_number, person_unit, award, "
        "title, grade FROM participations WHERE contest_uid = ?", [contest_uid])


def rebuild(engine: Engine) -> None:
    """Count every held contest in from scratch (the migration that introduced the groups)."""
    for table in ("group_members", "group_sizes", "group_tallies"):
        engine.execute(f"DELETE FROM {table}")
    for uid in sorted(str(r[0]) for r in engine.execute("SELECT contest_uid FROM competitions")):
        bump(engine, add(engine, participations_of(engine, uid)))


def read(engine: Engine) -> tuple[dict[tuple[str, str], dict[str, int]],
                                  dict[tuple[str, str], dict[str, int]]]:
    """(sizes, tallies): {(dim, grp): {kind or measure: n}} — the whole report's input."""
    out: list[dict[tuple[str, str], dict[str, int]]] = []
    for table, key in (("group_sizes", "kind"), ("group_tallies", "measure")):
        acc: dict[tuple[str, str], dict[str, int]] = {}
        for dim, grp, k, n in engine.execute(f"SELECT dim, grp, {key}, n FROM {table} "
                                             "WHERE n != 0"):
            acc.setdefault((str(dim), str(grp)), {})[str(k)] = int(n)
        out.append(acc)
    return out[0], out[1]


def as_participations(rows: Sequence[tuple[Any, ...]], columns: Sequence[str]
                      ) -> list[Participation]:
    """Import rows (tuples in ``columns`` order) as the dicts the groups read."""
    return [dict(zip(columns, r)) for r in rows]
