"""Workstation clocks (start, pause, resume, extra time, stop) and imported times."""

from __future__ import annotations

import time
from pathlib import Path

from db.ops.people import by_station
from db.store.changes import NOTHING, Changes, Done
from db.store.contest import Contest
from judging.clock import (
    EXTRA,
    PAUSE,
    RESUME,
    START,
    STOP,
    ClockError,
    ClockEvent,
    ClockState,
    clock_state,
    next_state,
)
from judging.errors import InputError, InputErrors, StateError


def clock_events(c: Contest, event_id: str) -> dict[str, list[ClockEvent]]:
    out: dict[str, list[ClockEvent]] = {}
    for st, kind, t, seconds, reason in c.db.execute(
            "SELECT station, kind, t, seconds, reason FROM clock_events WHERE event = ? "
            "ORDER BY t, uid", [event_id]).fetchall():
        out.setdefault(st, []).append(ClockEvent(kind, float(t), int(seconds), reason))
    return out


def clocks(c: Contest, event_id: str, now: float | None = None) -> dict[str, ClockState]:
    """Every drawn workstation's clock as of ``now``."""
    ev = c.event(event_id)
    now = time.time() if now is None else now
    events = clock_events(c, event_id)
    stop = ev.overtime.rule == "stop"
    return {st: clock_state(events.get(st, []), ev.limit_seconds, now, stop_at_limit=stop)
            for st in sorted(by_station(c, event_id))}


def clock_action(c: Contest, event_id: str, stations: list[str], kind: str, *,
                 seconds: int = 0, reason: str = "", at: float | None = None) -> Changes:
    """Start, pause, resume, stop or grant extra time to workstations (one transaction)."""
    c.require("clocks", event_id)
    ev = c.event(event_id)
    if kind not in (START, PAUSE, RESUME, EXTRA, STOP):
        raise InputError(f"unknown clock action {kind!r}")
    if kind in (PAUSE, EXTRA) and not reason.strip():
        raise InputError("pausing or granting extra time needs a reason / 暂停或补时需填写原因",
                         field="reason")
    if kind == EXTRA and seconds <= 0:
        raise InputError("extra time must be positive / 补时须为正数", field="seconds")
    t = time.time() if at is None else at
    states = clocks(c, event_id, t)
    todo = []
    for raw in stations:
        st = ev.parse_station(raw)
        if st is None or st not in states:
            raise InputError(f"no competitor at workstation {raw} / 工位号无效", field="station")
        try:
            next_state(states[st].state, kind)
        except ClockError as exc:
            if len(stations) == 1:
                raise StateError(f"workstation {st}: {exc}") from None
            continue  # "start all" skips those already running
        todo.append(st)
    if not todo:
        return NOTHING
    with c.write(f"clock.{kind}", reason=reason) as w:
        for st in todo:
            w.insert("clock_events", {"event": event_id, "station": st, "kind": kind, "t": t,
                                      "seconds": seconds, "reason": reason})
    return w.changes


def import_times(c: Contest, path: str | Path, *, replace_clock_times: bool = False,
                 reason: str = "") -> Done[int]:
    """`event,station,used_seconds[,extra_seconds]`; a later import replaces, history kept.

    A workstation whose clock ran has its time measured already: the file is refused there
    unless the chief judge says the file wins (``replace_clock_times`` with a reason).
    """
    c.require("times")
    if replace_clock_times and not reason.strip():
        raise InputError("--replace-clock-times needs a reason / 以文件替换计时须填写原因",
                         field="--reason")
    from db.files.tables import read_table

    file = str(path)
    table = read_table(path, columns={
        "event": ["event", "赛项"], "station": ["station", "工位号", "工位"],
        "used_seconds": ["used_seconds", "用时秒", "用时"],
        "extra_seconds": ["extra_seconds", "补时秒", "补时"]},
        required=["event", "station", "used_seconds"])
    from db.files.competitor_file import event_lookup, event_spellings, match_event
    from db.files.tables import parse_seconds

    file = table.file  # names the sheet when it is not the first
    events = event_lookup(event_spellings(c.competition.events))
    errors: list[InputError] = []
    rows: list[tuple[str, str, int, int, int]] = []
    for tr in table.rows:
        v = tr.values
        event_id, why = match_event(v.get("event", "").strip(), events)
        if event_id is None:
            errors.append(InputError(why or "the event is empty (赛项为空)", file=file,
                                     row=tr.number, field=table.label("event")))
            continue
        ev = c.event(event_id, file=file, row=tr.number)
        c.require("times", ev.id)
        st = ev.parse_station(v.get("station", ""))
        if st is None or st not in by_station(c, ev.id):
            errors.append(InputError(f"no competitor at workstation {v.get('station')!r} "
                                     "/ 工位号无效", file=file, row=tr.number,
                                     field=table.label("station")))
            continue
        nums = []
        for fld in ("used_seconds", "extra_seconds"):
            text = (v.get(fld) or "").strip() or ("0" if fld == "extra_seconds" else "")
            try:
                seconds = parse_seconds(text)
            except ValueError:
                errors.append(InputError(
                    f"expected a time: whole seconds (12852) or h:mm:ss (3:34:12), got {text!r} "
                    "/ 须为秒数或 时:分:秒", file=file, row=tr.number, field=table.label(fld)))
                break
            nums.append(seconds)
        else:
            if not replace_clock_times and st in _clocked(c, ev.id):
                errors.append(InputError(
                    f"workstation {st}'s clock measured its time already; to let this file "
                    "replace it the chief judge adds --replace-clock-times --reason TEXT "
                    "/ 该工位已由计时器计时；如以文件为准须加 --replace-clock-times 并说明原因",
                    file=file, row=tr.number, field=table.label("station")))
                continue
            rows.append((ev.id, st, nums[0], nums[1], tr.number))
    if errors:
        raise InputErrors(errors)
    note = f"from {Path(path).name}" + (f"; replaces clock times: {reason}"
                                        if replace_clock_times else "")
    with c.write("times.import", reason=note) as w:
        for event_id, st, used, extra, row in rows:
            w.insert("times", {"event": event_id, "station": st, "used_seconds": used,
                               "extra_seconds": extra, "source": f"{Path(path).name}:{row}"})
    return Done(len(rows), w.changes)


def _clocked(c: Contest, event_id: str) -> set[str]:
    """The workstations of an event whose clock was started."""
    return {str(r[0]) for r in c.db.execute(
        "SELECT DISTINCT station FROM clock_events WHERE event = ? AND kind = ?",
        [event_id, START]).fetchall()}


def times_used(c: Contest, event_id: str, now: float | None = None
               ) -> dict[str, tuple[int | None, int]]:
    """(time used in seconds or None, extra seconds) per workstation.

    The latest imported time wins; otherwise the clock, once started.
    """
    ev = c.event(event_id)
    t = time.time() if now is None else now
    stop = ev.overtime.rule == "stop"
    out: dict[str, tuple[int | None, int]] = {}
    for st, events in clock_events(c, event_id).items():  # a clock never started is idle
        cs = clock_state(events, ev.limit_seconds, t, stop_at_limit=stop)
        if cs.state != "idle":
            out[st] = (cs.used_seconds, cs.extra_seconds)
    for st, used, extra in c.db.execute(
            "SELECT station, used_seconds, extra_seconds FROM times WHERE event = ? "
            "ORDER BY at, uid", [event_id]).fetchall():
        out[st] = (int(used), int(extra))
    return out
