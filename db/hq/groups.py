"""The report's figures, kept up to date at import: tallies and exact distinct sets per group.

A *group* is one value of one dimension: ``all`` (the whole database), ``year``, ``region``
(the competitor's), ``level`` and ``trade``. For every group headquarters keeps

* ``group_tallies``: participations, awarded, titles given, promotions, and per award, title
  and grade level (``award:一等奖`` …), as running sums;
* ``member_groups``: every person (resident ID), unit, competition and event, one row each
  (primary key ``(kind, member)``), with the groups it is in and the number of participations
  behind it in each (``groups``: JSON ``{dim: {grp: n}}``), and ``group_sizes``: how many
  members each group's set has.

A contest's participations are added when its file is imported and taken away (from the rows
headquarters holds for it) when a newer export replaces it, in the same transaction, so the
report reads a few thousand rows whatever the number of participations: no scan, no sort, and
the distinct counts are exact. A member is new to a group when it had no participation there;
it leaves the group when its count there reaches zero, and its row goes with its last group.

One row per member, not one per member and group: a contest of 300 competitors writes about
600 rows instead of 3,000 (a person is in five groups), and the table holds a row per person
and unit, not five. The rows are claimed first (read, locked until the commit, made empty if
new: :meth:`db.hq.engine.Engine.claim`), merged here, and written back; claims and writes go in
one sorted order, so concurrent importers never wait in a circle; the sizes and tallies, which
every importer touches, are written last, just before the commit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from db.hq.engine import Engine

DIMENSIONS = ("all", "year", "region", "level", "trade")
KINDS = ("person", "unit", "competition", "event")

# the participation fields the groups read, by name (see Participation below)
Participation = dict[str, Any]
Member = tuple[str, str]  # kind, member
Group = tuple[str, str]  # dim, grp
Deltas = tuple[Counter[tuple[str, str, str]], Counter[tuple[str, str, str]]]


def _groups(p: Participation) -> tuple[Group, ...]:
    return (("all", ""), ("year", str(p["year"])), ("region", str(p["region"] or "")),
            ("level", str(p["level"])), ("trade", str(p["trade"])))


def contributions(rows: Iterable[Participation]
                  ) -> tuple[dict[Member, Counter[Group]], Counter[tuple[str, str, str]]]:
    """(members, tallies) that these participations bring: each member's participations by
    group, and the tallies by (dim, grp, measure)."""
    members: dict[Member, Counter[Group]] = defaultdict(Counter)
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
        groups = _groups(p)
        for m in who:
            members[m].update(groups)
        for dim, grp in groups:
            for measure in measures:
                tallies[(dim, grp, measure)] += 1
    return members, tallies


def _decode(text: str) -> dict[str, dict[str, int]]:
    return orjson.loads(text) if text else {}


def _encode(held: dict[str, dict[str, int]]) -> str:
    return orjson.dumps(held, option=orjson.OPT_SORT_KEYS).decode()


def _merge(engine: Engine, members: dict[Member, Counter[Group]], sign: int
           ) -> Counter[tuple[str, str, str]]:
    """Add (sign 1) or take away (sign -1) these members' participations by group; gives how
    each group's sets grow or shrink, by (dim, grp, kind)."""
    sizes: Counter[tuple[str, str, str]] = Counter()
    if not members:
        return sizes
    order = sorted(members)
    held = engine.claim("member_groups", ("kind", "member"), "groups", order, "")
    write: list[tuple[str, str, str]] = []
    gone: list[Member] = []
    for m in order:
        text, kind = held.get(m, ""), m[0]
        if not text and sign > 0:  # a member new to every group (most of a file's)
            fresh: dict[str, dict[str, int]] = {}
            for (dim, grp), n in members[m].items():
                fresh.setdefault(dim, {})[grp] = n
                sizes[(dim, grp, kind)] += 1
            write.append((*m, _encode(fresh)))
            continue
        state = _decode(text)
        for (dim, grp), n in members[m].items():
            in_dim = state.setdefault(dim, {})
            before = in_dim.get(grp, 0)
            after = max(0, before + sign * n)
            if before == 0 and after > 0:
                sizes[(dim, grp, kind)] += 1
            elif before > 0 and after == 0:
                sizes[(dim, grp, kind)] -= 1
            if after:
                in_dim[grp] = after
            else:
                in_dim.pop(grp, None)
                if not in_dim:
                    del state[dim]
        if state:
            write.append((*m, _encode(state)))
        else:
            gone.append(m)
    engine.upsert("member_groups", ("kind", "member", "groups"), ("text", "text", "text"),
                  ("kind", "member"), "groups = excluded.groups", write)
    if gone:
        engine.executemany("DELETE FROM member_groups WHERE kind = ? AND member = ?", gone)
    return sizes


def add(engine: Engine, rows: Iterable[Participation]) -> Deltas:
    """Count one contest's participations into the sets (inside the import's transaction);
    gives the (sizes, tallies) deltas for :func:`bump`."""
    members, tallies = contributions(rows)
    return _merge(engine, members, 1), tallies


def remove(engine: Engine, rows: Iterable[Participation]) -> Deltas:
    """Count one contest's participations out of the sets again (it is being replaced)."""
    members, tallies = contributions(rows)
    return _merge(engine, members, -1), Counter({k: -n for k, n in tallies.items()})


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
    """Count every held contest in from scratch (the migrations that changed the groups)."""
    for table in ("member_groups", "group_sizes", "group_tallies"):
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
