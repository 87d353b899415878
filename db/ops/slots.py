"""What the marks add up to: each slot's log and state, the derived caches (slots,
aspect_marks) kept inside the writing transaction, and the rows screens read from them.

db/ops/marking.py writes marks and calls :func:`refresh`; :func:`rebuild_derived` recomputes
every cache from the mark log (after a merge or a check).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from db.store.contest import Contest
from judging.decimals import canonical
from judging.entries import (
    DISAGREEMENT,
    VERIFIED,
    SlotState,
    Typed,
    replay,
    typed_and_verified,
)
from judging.scheme import Event
from judging.scoring import aspect_mark, entry_points

SlotKey = tuple[str, str, str, str]  # event, station, aspect, judge
AspectSlots = dict[tuple[str, str, str], dict[str, tuple[str | None, str]]]


@functools.lru_cache(maxsize=50_000)
def _decimal(text: str) -> Decimal:
    return Decimal(text)


def _number(text: object) -> Decimal:
    """A typed value's Decimal, parsed once per distinct text (a log repeats a few values)."""
    return _decimal(str(text))


@functools.lru_cache(maxsize=50_000)
def _canonical_of(value: Decimal) -> str:
    return canonical(value)


def _canonical(value: Decimal) -> str:
    """canonical(), computed once per distinct value: it depends on the value alone (7 and
    7.0 give "7"). NaN never equals itself (and a signalling one cannot be hashed)."""
    return canonical(value) if value.is_nan() else _canonical_of(value)


def slot_log(c: Contest, key: SlotKey) -> list[Typed]:
    rows = c.db.execute(
        "SELECT " + ", ".join(MARK_LOG_COLUMNS) + " FROM marks WHERE event = ? AND station = ? "
        "AND aspect = ? AND judge = ? ORDER BY at, uid", list(key)).fetchall()
    return mark_logs(rows).get(key, [])


def slot_state(c: Contest, key: SlotKey) -> SlotState:
    return replay(slot_log(c, key))


# ---- reading for screens (one query per event, for grids of 60 × 60) -------------------------
@dataclass(frozen=True)
class SlotRow:
    """The cached state of one mark slot (event, station, aspect, judge)."""

    station: str
    aspect: str
    judge: str
    score: str | None
    measured: str | None
    points: str | None
    status: str  # entered | verified | disagreement | resolved | retracted
    typist: str | None
    verifier: str | None
    candidates: dict[str, list[str | None]]


@dataclass(frozen=True)
class AspectRow:
    """The cached mark of one aspect at one workstation."""

    station: str
    aspect: str
    mark: str
    entries: int
    complete: bool
    verified: bool
    disagreements: int
    spread: str | None
    flagged: bool


def slot_rows(c: Contest, event_id: str, station: str | None = None) -> list[SlotRow]:
    """Every slot of an event (or one workstation) from the derived cache, in one query."""
    q = ("SELECT station, aspect, judge, score, measured, points, status, typist, verifier, "
         "candidates FROM slots WHERE event = ?")
    args = [event_id] + ([station] if station is not None else [])
    if station is not None:
        q += " AND station = ?"
    return [SlotRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                    json.loads(r[9]) if r[9] else {}) for r in c.db.execute(q, args)]


def aspect_rows(c: Contest, event_id: str, station: str | None = None) -> list[AspectRow]:
    """Every aspect mark of an event (or one workstation) from the derived cache."""
    q = ("SELECT station, aspect, mark, entries, complete, verified, disagreements, spread, "
         "flagged FROM aspect_marks WHERE event = ?")
    args = [event_id] + ([station] if station is not None else [])
    if station is not None:
        q += " AND station = ?"
    return [AspectRow(r[0], r[1], r[2], int(r[3]), bool(r[4]), bool(r[5]), int(r[6]), r[7],
                      bool(r[8])) for r in c.db.execute(q, args)]


# ---- derived caches ---------------------------------------------------------------------------
SLOT_SQL = ("INSERT OR REPLACE INTO slots (event, station, aspect, judge, score, measured, "
            "points, status, typist, verifier, candidates) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
ASPECT_SQL = ("INSERT OR REPLACE INTO aspect_marks (event, station, aspect, mark, kind, units, "
              "entries, complete, verified, disagreements, spread, flagged) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
MARK_LOG_COLUMNS = ("event", "station", "aspect", "judge", "uid", "by", "action", "score",
                    "measured", "reason", "target")


@dataclass(frozen=True)
class Derived:
    """What a mark log gives: every slot's cached row and every aspect's mark, each with the
    values its table stores (``slot_values``/``aspect_values``, in SLOT_SQL/ASPECT_SQL order)."""

    slots: dict[SlotKey, SlotRow]
    aspects: dict[tuple[str, str, str], AspectRow]
    slot_values: list[list[object]]
    aspect_values: list[list[object]]


def mark_logs(rows: Iterable[Sequence[object]]) -> dict[SlotKey, list[Typed]]:
    """Each slot's log from mark rows in MARK_LOG_COLUMNS order (more fields after them are
    ignored), already in log order (``at``, then ``uid``); the one typing of mark rows (each
    value's Decimal parsed once per distinct text), in one loop: a province's files give
    headquarters millions of rows."""
    logs: dict[SlotKey, list[Typed]] = defaultdict(list)
    make, number = tuple.__new__, _number
    for r in rows:
        ev, station, aspect, judge, uid, user, action, score, measured, reason, target = r[:11]
        logs[(str(ev), str(station), str(aspect), str(judge))].append(make(Typed, (
            str(uid), str(user), str(action), None if score is None else number(score),
            None if measured is None else number(measured), str(reason or ""),
            None if target is None else str(target))))
    return logs


def derive(event: Callable[[str], Event], logs: dict[SlotKey, list[Typed]], *,
           cache: bool = True) -> Derived:
    """Every slot and aspect mark these logs give (pure: nothing read or written). The one
    computation behind the venue's caches and headquarters' recomputation of a file.
    ``cache=False``: only the aspect marks' values (what results are computed from)."""
    events: dict[str, Event] = {}
    memo = _Memo()  # a province's files repeat the same few values: each computed once here
    slots: dict[SlotKey, SlotRow] = {}
    slot_values: list[list[object]] = []
    by_aspect: dict[tuple[str, str, str], dict[str, tuple[str | None, str]]] = {}
    for key, log in logs.items():
        ev = events.get(key[0])
        if ev is None:
            ev = events[key[0]] = event(key[0])
        if not cache:
            by_aspect.setdefault(key[:3], {})[key[3]] = _slot_points(ev, key, log, memo)
            continue
        st = replay(log)
        row, values = _slot_row(ev, key, st)
        slots[key] = row
        slot_values.append(values)
        by_aspect.setdefault(key[:3], {})[key[3]] = (row.points, row.status)
    aspects: dict[tuple[str, str, str], AspectRow] = {}
    aspect_values: list[list[object]] = []
    for k, known in by_aspect.items():
        values = _aspect_values(events[k[0]], k[1], k[2], list(known.values()), memo)
        if cache:
            aspects[k] = _aspect_row(values)
        aspect_values.append(values)
    return Derived(slots, aspects, slot_values, aspect_values)


def aspect_values_of(event: Callable[[str], Event], cols: Mapping[str, Sequence[object]]
                     ) -> list[list[object]]:
    """``derive(event, mark_logs(rows), cache=False).aspect_values`` for mark rows given
    column by column (MARK_LOG_COLUMNS names), already in log order: headquarters' form of
    the derivation, a few hundred thousand rows a minute. Each slot's rows are found by
    position; the usual slot (typed, then the same text typed by another recorder) takes its
    points from that text, parsed once per distinct text, without a row typed, and an aspect
    of such slots only its mark from the memo; every other slot is typed and replayed, and
    its aspect computed, as :func:`derive` does. Same slots, same order, same values."""
    events: dict[str, Event] = {}
    where: dict[object, list[int]] = {}
    for pos, key in enumerate(zip(cols["event"], cols["station"], cols["aspect"],
                                  cols["judge"])):
        at = where.get(key)
        if at is None:
            where[key] = [pos]
        else:
            at.append(pos)
    user, action, score, measured = cols["by"], cols["action"], cols["score"], cols["measured"]
    in_order = [cols[c] for c in MARK_LOG_COLUMNS]
    memo = _Memo()
    by_text: dict[tuple[object, ...], str | None] = {}  # None: not a plain number
    by_aspect: dict[tuple[str, str, str], dict[str, tuple[str | None, str]]] = {}
    irregular: set[tuple[str, str, str]] = set()  # aspects with a slot not the usual one
    number = _number
    for slot, positions in where.items():
        key = cast(SlotKey, slot)
        ev = events.get(key[0])
        if ev is None:
            ev = events[key[0]] = event(key[0])
        k3 = key[:3]
        known = by_aspect.get(k3)
        if known is None:
            known = by_aspect[k3] = {}
        if len(positions) == 2:
            a, b = positions
            s, m = score[a], measured[a]
            if (action[a] == "type" and action[b] == "type" and user[a] != user[b]
                    and s == score[b] and m == measured[b]):
                text_at = (key[0], key[2], s, m)
                points = by_text.get(text_at, "")
                if points == "":
                    ds = None if s is None else number(s)
                    dm = None if m is None else number(m)
                    # a NaN equals nothing (sNaN not even itself): the replay decides those
                    points = by_text[text_at] = (
                        None if (ds is not None and ds.is_nan())
                        or (dm is not None and dm.is_nan())
                        else _points(ev, key[2], ds, dm, memo))
                if points is not None:
                    known[key[3]] = (points, VERIFIED)
                    continue
        irregular.add(k3)
        log = mark_logs([tuple(column[i] for column in in_order) for i in positions])[key]
        known[key[3]] = _slot_points(ev, key, log, memo)
    out: list[list[object]] = []
    marks = memo.marks
    for k3, known in by_aspect.items():
        ev = events[k3[0]]
        if k3 not in irregular:  # every slot verified, with points: as _aspect_values gives
            texts = cast("tuple[str, ...]", tuple(p for p, _ in known.values()))
            got = marks.get((ev.id, k3[2], texts))
            if got is not None:
                value, kind, units, entries, complete, spread, flagged = got
                out.append([ev.id, k3[1], k3[2], value, kind, units, entries, complete, 1, 0,
                            spread, flagged])
                continue
        out.append(_aspect_values(ev, k3[1], k3[2], list(known.values()), memo))
    return out


def refresh(c: Contest, keys: Iterable[SlotKey], logs: dict[SlotKey, list[Typed]] | None = None,
            known: AspectSlots | None = None
            ) -> tuple[dict[SlotKey, SlotRow], dict[tuple[str, str, str], AspectRow]]:
    """Recompute the slot cache and aspect marks for these slots (inside the write); the
    rows written, by slot and by (event, station, aspect). ``known``: the aspects' slots as
    read earlier in this transaction (then updated here instead of read again)."""
    slots: dict[SlotKey, SlotRow] = {}
    for key in keys:
        log = logs[key] if logs is not None and key in logs else slot_log(c, key)
        slots[key], values = _slot_row(c.event(key[0]), key, replay(log))
        c.db.execute(SLOT_SQL, values)
        if known is not None and key[:3] in known:
            known[key[:3]][key[3]] = (slots[key].points, slots[key].status)
    aspects = {}
    for k in dict.fromkeys(key[:3] for key in slots):
        ev = c.event(k[0])
        rows = list(known[k].values()) if known is not None and k in known else c.db.execute(
            "SELECT points, status FROM slots WHERE event = ? AND station = ? AND aspect = ?",
            [ev.id, k[1], k[2]]).fetchall()
        values = _aspect_values(ev, k[1], k[2], rows)
        aspects[k] = _aspect_row(values)
        c.db.execute(ASPECT_SQL, values)
    return slots, aspects


def _slot_points(ev: Event, key: SlotKey, log: list[Typed], memo: _Memo
                 ) -> tuple[str | None, str]:
    """A slot's (points, status) from its log, the usual slot (typed, then verified) without
    a state built: what an aspect's mark is computed from."""
    if typed_and_verified(log):
        return _points(ev, key[2], log[0].score, log[0].measured, memo), VERIFIED
    st = replay(log)
    points = _points(ev, key[2], st.score, st.measured, memo) if st.has_value else None
    return points, st.status or "retracted"


class _Memo:
    """Within one derivation: a slot's points by (event, aspect, score, measured) and an
    aspect's mark by (event, aspect, its slots' points). Both are functions of the values
    alone (canonical texts), so a value computed once stands for every slot that has it."""

    def __init__(self) -> None:
        self.points: dict[tuple[str, str, Decimal | None, Decimal | None], str] = {}
        self.marks: dict[tuple[str, str, tuple[str, ...]],
                         tuple[str, str, int, int, int, str | None, int]] = {}


def _points(ev: Event, aspect: str, score: Decimal | None, measured: Decimal | None,
            memo: _Memo | None = None) -> str:
    """A slot's points for the value it holds (bands applied to a measured value)."""
    if memo is None:
        return _canonical(entry_points(ev.aspects[aspect], score, measured))
    at = (ev.id, aspect, score, measured)
    text = memo.points.get(at)
    if text is None:
        text = memo.points[at] = _canonical(entry_points(ev.aspects[aspect], score, measured))
    return text


def _slot_row(ev: Event, key: SlotKey, st: SlotState) -> tuple[SlotRow, list[object]]:
    points = _points(ev, key[2], st.score, st.measured) if st.has_value else None
    candidates = {k: [_canonical(x) if x is not None else None for x in v]
                  for k, v in st.candidates.items()}
    row = SlotRow(key[1], key[2], key[3],
                  _canonical(st.score) if st.score is not None else None,
                  _canonical(st.measured) if st.measured is not None else None, points,
                  st.status or "retracted", st.typist, st.verifier, candidates)
    return row, [*key, row.score, row.measured, points, row.status, st.typist, st.verifier,
                 json.dumps(candidates, ensure_ascii=False) if candidates else None]


def _aspect_values(ev: Event, station: str, aspect_id: str,
                   rows: Sequence[Sequence[str | None]], memo: _Memo | None = None
                   ) -> list[object]:
    """The aspect's mark from its slots' (points, status), as ASPECT_SQL stores it."""
    held: list[str] = []
    verified, disagreements = True, 0
    for p, status in rows:  # one pass (an aspect's 1–3 slots, thousands of aspects a file)
        if status == DISAGREEMENT:
            disagreements += 1
        if p is not None:
            held.append(str(p))
            if status != "verified" and status != "resolved":
                verified = False
    texts = tuple(held)
    at = (ev.id, aspect_id, texts)
    got = memo.marks.get(at) if memo is not None else None
    if got is None:
        aspect = ev.aspects[aspect_id]
        mark = aspect_mark(aspect, [_number(p) for p in texts], ev.decimals)
        # units: the mark as a whole number of the event's smallest step (exact sums in SQL)
        got = (str(mark.value), aspect.kind, int(mark.value.scaleb(ev.decimals)), mark.entries,
               int(mark.complete), str(mark.spread) if mark.spread is not None else None,
               int(mark.spread_flagged))
        if memo is not None:
            memo.marks[at] = got
    value, kind, units, entries, complete, spread, flagged = got
    return [ev.id, station, aspect_id, value, kind, units, entries, complete,
            int(verified and bool(texts)), disagreements, spread, flagged]


def _aspect_row(values: Sequence[object]) -> AspectRow:
    """The screens' view of an aspect mark from its stored values."""
    _, station, aspect_id, mark, _, _, entries, complete, verified, disagreements, spread, \
        flagged = values
    return AspectRow(str(station), str(aspect_id), str(mark), int(str(entries)),
                     bool(complete), bool(verified), int(str(disagreements)),
                     None if spread is None else str(spread), bool(flagged))


def rebuild_derived(c: Contest, event: str | None = None) -> None:
    """Recompute every slot and aspect mark from the mark log (after a merge or a check)."""
    q = ("SELECT " + ", ".join(MARK_LOG_COLUMNS) + " FROM marks"
         + (" WHERE event = ?" if event else "") + " ORDER BY at, uid")
    logs = mark_logs(c.db.execute(q, [event] if event else []).fetchall())
    where = " WHERE event = ?" if event else ""
    c.db.execute("DELETE FROM slots" + where, [event] if event else [])
    c.db.execute("DELETE FROM aspect_marks" + where, [event] if event else [])
    d = derive(c.event, logs)
    c.db.conn.executemany(SLOT_SQL, d.slot_values)
    c.db.conn.executemany(ASPECT_SQL, d.aspect_values)
