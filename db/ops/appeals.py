"""Appeals (申诉): filed in writing within two hours of the end of the event; arbitration rules.

An appeal is a row with action ``file``; its ruling is a later row with action ``upheld`` or
``rejected`` naming the same appeal number. An upheld appeal changes no mark by itself: the
re-marking goes through the normal audited path (unlock, enter, resolve, lock).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from db.ops.people import by_station
from db.ops.timing import clocks
from db.store.changes import Changes
from db.store.contest import Contest
from judging.errors import InputError, NotAllowed, StateError

WINDOW_SECONDS = 2 * 3600
OUTCOMES = ("upheld", "rejected")


@dataclass(frozen=True)
class Appeal:
    number: str
    event: str
    station: str
    text: str
    filed_at: str
    filed_by: str
    outcome: str | None = None  # None while open; upheld | rejected
    ruling: str | None = None
    ruled_at: str | None = None
    ruled_by: str | None = None


def event_end(c: Contest, event_id: str, now: float | None = None) -> float | None:
    """When the event ended: the last clock stop, once no clock runs or is paused."""
    states = clocks(c, event_id, now).values()
    if any(s.state in ("running", "paused") for s in states):
        return None
    stops = [s.stopped_at for s in states if s.state == "stopped" and s.stopped_at is not None]
    return max(stops) if stops else None


def window_closes(c: Contest, event_id: str, now: float | None = None) -> float | None:
    end = event_end(c, event_id, now)
    return None if end is None else end + WINDOW_SECONDS


def appeals(c: Contest, event_id: str) -> list[Appeal]:
    filed: dict[str, Appeal] = {}
    rulings: dict[str, tuple[str, str, str, str]] = {}
    for station, action, number, text, at, by in c.db.execute(
            "SELECT station, action, appeal, text, at, by FROM appeals WHERE event = ? "
            "ORDER BY at, rowid", [event_id]).fetchall():
        if action == "file":
            filed[number] = Appeal(number, event_id, station, text, at, by)
        else:
            rulings[number] = (action, text, at, by)
    out = []
    for number, a in filed.items():
        r = rulings.get(number)
        if r is not None:
            a = Appeal(a.number, a.event, a.station, a.text, a.filed_at, a.filed_by, *r)
        out.append(a)
    return out


def file_appeal(c: Contest, event_id: str, station: str, text: str, *,
                now: float | None = None) -> Changes:
    """Record a written appeal for a workstation; refused once the two hours are over."""
    c.require("appeals", event_id)
    ev = c.event(event_id)
    st = ev.parse_station(station)
    if st is None or st not in by_station(c, event_id):
        raise InputError(f"no competitor at workstation {station} of {event_id} / 该工位无选手",
                         field="station")
    if not text.strip():
        raise InputError("the appeal needs its text / 需填写申诉内容", field="text")
    now = time.time() if now is None else now
    closes = window_closes(c, event_id, now)
    if closes is not None and now > closes:
        raise StateError(f"the appeal window of {event_id} closed two hours after the end of "
                         "the event / 申诉期限（赛项结束后2小时）已过")
    count = c.db.execute("SELECT COUNT(*) FROM appeals WHERE event = ? AND action = 'file'",
                         [event_id]).fetchone()[0]
    number = f"{event_id}-{count + 1:03d}"
    with c.write("appeal.file", reason=text) as w:
        w.insert("appeals", {"event": event_id, "station": st, "action": "file",
                             "appeal": number, "text": text})
    return w.changes


def rule_appeal(c: Contest, event_id: str, number: str, outcome: str, text: str) -> Changes:
    """Arbitration's final ruling on an appeal: upheld or rejected, with its reasons."""
    s = c.require("appeals", event_id)
    if s.role != "supervisor":
        raise NotAllowed("only arbitration (supervisor) rules on appeals / 仅监督仲裁可裁决申诉")
    if outcome not in OUTCOMES:
        raise InputError(f"outcome is one of {', '.join(OUTCOMES)}", field="outcome")
    if not text.strip():
        raise InputError("a ruling needs its reasons / 需填写裁决理由", field="text")
    found = next((a for a in appeals(c, event_id) if a.number == number), None)
    if found is None:
        raise InputError(f"no appeal {number} in {event_id} / 无此申诉", field="appeal")
    if found.outcome is not None:
        raise StateError(f"appeal {number} was ruled already ({found.outcome}); rulings are "
                         "final / 申诉已裁决")
    with c.write("appeal.rule", reason=text) as w:
        w.insert("appeals", {"event": event_id, "station": found.station, "action": outcome,
                             "appeal": number, "text": text})
    return w.changes
