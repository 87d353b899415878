"""What the marks add up to: each slot's log and state, the derived caches (slots,
aspect_marks) kept inside the writing transaction, and the rows screens read from them.

db/ops/marking.py writes marks and calls :func:`refresh`; :func:`rebuild_derived` recomputes
every cache from the mark log (after a merge or a check).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from db.store.contest import Contest
from judging.decimals import canonical
from judging.entries import DISAGREEMENT, SlotState, Typed, replay
from judging.scheme import Event
from judging.scoring import aspect_mark, entry_points

SlotKey = tuple[str, str, str, str]  # event, station, aspect, judge
AspectSlots = dict[tuple[str, str, str], dict[str, tuple[str | None, str]]]


def _typed(row: Sequence[object]) -> Typed:
    uid, user, action, score, measured, reason, target = row
    return Typed(str(uid), str(user), str(action),
                 Decimal(str(score)) if score is not None else None,
                 Decimal(str(measured)) if measured is not None else None,
                 str(reason or ""), str(target) if target is not None else None)


def slot_log(c: Contest, key: SlotKey) -> list[Typed]:
    rows = c.db.execute(
        "SELECT uid, by, action, score, measured, reason, target FROM marks WHERE event = ? "
        "AND station = ? AND aspect = ? AND judge = ? ORDER BY at, uid", list(key)).fetchall()
    return [_typed(r) for r in rows]


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
def refresh(c: Contest, keys: Iterable[SlotKey], logs: dict[SlotKey, list[Typed]] | None = None,
            known: AspectSlots | None = None
            ) -> tuple[dict[SlotKey, SlotRow], dict[tuple[str, str, str], AspectRow]]:
    """Recompute the slot cache and aspect marks for these slots (inside the write); the
    rows written, by slot and by (event, station, aspect). ``known``: the aspects' slots as
    read earlier in this transaction (then updated here instead of read again)."""
    slots: dict[SlotKey, SlotRow] = {}
    for key in keys:
        log = logs[key] if logs is not None and key in logs else slot_log(c, key)
        slots[key] = _store_slot(c, key, replay(log))
        if known is not None and key[:3] in known:
            known[key[:3]][key[3]] = (slots[key].points, slots[key].status)
    aspects = {k: _store_aspect(c, c.event(k[0]), k[1], k[2],
                                known.get(k) if known is not None else None)
               for k in dict.fromkeys(key[:3] for key in slots)}
    return slots, aspects


def _store_slot(c: Contest, key: SlotKey, st: SlotState) -> SlotRow:
    ev = c.event(key[0])
    aspect = ev.aspects[key[2]]
    points = (canonical(entry_points(aspect, st.score, st.measured)) if st.has_value else None)
    candidates = {k: [canonical(x) if x is not None else None for x in v]
                  for k, v in st.candidates.items()}
    row = SlotRow(key[1], key[2], key[3],
                  canonical(st.score) if st.score is not None else None,
                  canonical(st.measured) if st.measured is not None else None, points,
                  st.status or "retracted", st.typist, st.verifier, candidates)
    c.db.execute(
        "INSERT OR REPLACE INTO slots (event, station, aspect, judge, score, measured, points, "
        "status, typist, verifier, candidates) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [*key, row.score, row.measured, points, row.status, st.typist, st.verifier,
         json.dumps(candidates, ensure_ascii=False) if candidates else None])
    return row


def _store_aspect(c: Contest, ev: Event, station: str, aspect_id: str,
                  known: dict[str, tuple[str | None, str]] | None = None) -> AspectRow:
    rows = list(known.values()) if known is not None else c.db.execute(
        "SELECT points, status FROM slots WHERE event = ? AND station = ? AND aspect = ?",
        [ev.id, station, aspect_id]).fetchall()
    pts = [Decimal(p) for p, status in rows if p is not None]
    verified = all(status in ("verified", "resolved") for p, status in rows if p is not None)
    disagreements = sum(1 for _, status in rows if status == DISAGREEMENT)
    mark = aspect_mark(ev.aspects[aspect_id], pts, ev.decimals)
    # units: the mark as a whole number of the event's smallest step (exact sums in SQL)
    c.db.execute(
        "INSERT OR REPLACE INTO aspect_marks (event, station, aspect, mark, kind, units, "
        "entries, complete, verified, disagreements, spread, flagged) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [ev.id, station, aspect_id, str(mark.value), ev.aspects[aspect_id].kind,
         int(mark.value.scaleb(ev.decimals)), mark.entries, int(mark.complete),
         int(verified and bool(pts)), disagreements,
         str(mark.spread) if mark.spread is not None else None, int(mark.spread_flagged)])
    return AspectRow(station, aspect_id, str(mark.value), mark.entries, bool(mark.complete),
                     verified and bool(pts), disagreements,
                     str(mark.spread) if mark.spread is not None else None,
                     bool(mark.spread_flagged))


def rebuild_derived(c: Contest, event: str | None = None) -> None:
    """Recompute every slot and aspect mark from the mark log (after a merge or a check)."""
    q = "SELECT event, station, aspect, judge, uid, by, action, score, measured, reason, target " \
        "FROM marks" + (" WHERE event = ?" if event else "") + " ORDER BY at, uid"
    logs: dict[SlotKey, list[Typed]] = defaultdict(list)
    for r in c.db.execute(q, [event] if event else []).fetchall():
        logs[(r[0], r[1], r[2], r[3])].append(_typed(r[4:]))
    where = " WHERE event = ?" if event else ""
    c.db.execute("DELETE FROM slots" + where, [event] if event else [])
    c.db.execute("DELETE FROM aspect_marks" + where, [event] if event else [])
    refresh(c, list(logs), logs=logs)
