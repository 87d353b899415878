"""Workstation clocks as timestamped events, from which time used is computed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

START, PAUSE, RESUME, EXTRA, STOP = "start", "pause", "resume", "extra", "stop"
KINDS = (START, PAUSE, RESUME, EXTRA, STOP)


@dataclass(frozen=True)
class ClockEvent:
    kind: str
    at: float  # seconds since the epoch (UTC)
    seconds: int = 0  # extra time granted, for EXTRA
    reason: str = ""


@dataclass(frozen=True)
class ClockState:
    state: str  # idle | running | paused | stopped
    used_seconds: int
    extra_seconds: int
    limit_seconds: int
    started_at: float | None
    stopped_at: float | None

    @property
    def remaining_seconds(self) -> int:
        return self.limit_seconds - self.used_seconds

    @property
    def overtime(self) -> bool:
        return self.used_seconds > self.limit_seconds


class ClockError(ValueError):
    """An event that does not fit the clock's state (e.g. pause before start)."""


def next_state(state: str, kind: str) -> str:
    """The clock state after an event, or ClockError when the event is not allowed."""
    allowed = {
        "idle": {START: "running", EXTRA: "idle"},
        "running": {PAUSE: "paused", STOP: "stopped", EXTRA: "running"},
        "paused": {RESUME: "running", STOP: "stopped", EXTRA: "paused"},
        "stopped": {EXTRA: "stopped", RESUME: "running"},
    }
    try:
        return allowed[state][kind]
    except KeyError:
        raise ClockError(f"cannot {kind} a clock that is {state}") from None


def clock_state(events: Iterable[ClockEvent], duration_seconds: int, now: float,
                *, stop_at_limit: bool = False) -> ClockState:
    """Replay the events: running time counts, pauses granted by the chief judge do not.

    With ``stop_at_limit`` (overtime rule "stop") time used never exceeds the limit.
    """
    state = "idle"
    used = 0.0
    extra = 0
    run_from: float | None = None
    started = stopped = None
    for ev in sorted(events, key=lambda e: e.at):
        state_after = next_state(state, ev.kind)
        if ev.kind == EXTRA:
            extra += ev.seconds
        if state == "running" and ev.kind in (PAUSE, STOP) and run_from is not None:
            used += max(0.0, ev.at - run_from)
            run_from = None
        if ev.kind in (START, RESUME):
            run_from = ev.at
            if started is None:
                started = ev.at
            stopped = None
        if ev.kind == STOP:
            stopped = ev.at
        state = state_after
    if state == "running" and run_from is not None:
        used += max(0.0, now - run_from)
    limit = duration_seconds + extra
    used_s = int(used)
    if stop_at_limit and used_s > limit:
        used_s = limit
    return ClockState(state, used_s, extra, limit, started, stopped)
