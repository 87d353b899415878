"""The one gate every input of a result passes through (issue 10).

A result is computed from marks, workstation clock events, imported times, theory scores and
statuses. Every row of those tables is written by :meth:`db.store.contest.Writer.insert` (or,
for a merge, announced to :meth:`Writer.admit` before its raw insert), and both call
:func:`refusal` first. The rule lives here and nowhere else:

- a mark is refused while its module is locked;
- a clock event, a time, a theory score or a status is refused while its event is locked
  (every module of the event locked); so are their sealed forms before decryption (a status
  kept by workstation, a sealed theory score), from a command or a merge alike. Opening the
  sealed theory scores at ``decrypt`` writes rows admitted when they were sealed
  (``Writer.insert(..., opened=True)``), not new input.

Refused means nothing is written: the caller's transaction rolls back and the command exits
with status 2. The chief judge unlocks with a reason (``jiangxin unlock``); after that the
change goes through and a later publication is a new numbered snapshot.

Operations that validate a whole file first (marks import) may call :func:`refusal` for each
row to name the row in the message; the Writer checks again whatever they do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from judging.errors import StateError

# the tables whose rows are inputs of a result
MARKS = "marks"
EVENT_INPUTS = ("clock_events", "times", "theory", "statuses",
                # while a draw is sealed (db/ops/blind.py): statuses kept by workstation, and
                # theory scores keyed by candidate number, sealed (``seals`` of kind theory)
                "lot_statuses", "seals")
RESULT_INPUTS = (MARKS, *EVENT_INPUTS)


class _Db(Protocol):
    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


class _ContestLike(Protocol):
    db: Any

    @property
    def competition(self) -> Any: ...


def locked_modules(db: _Db, event_id: str, modules: list[str]) -> set[str]:
    """The modules of an event whose newest lock record is a lock (not an unlock)."""
    out: set[str] = set()
    rows = db.execute("SELECT module, action FROM locks WHERE event = ? ORDER BY at, uid",
                      [event_id]).fetchall()
    last: dict[str, str] = {}
    for module, action in rows:
        last[str(module)] = str(action)
    for m in modules:
        if last.get(m) == "lock":
            out.add(m)
    return out


class LockView:
    """Locked modules per event, read once per transaction (refreshed after a lock row)."""

    def __init__(self, c: _ContestLike) -> None:
        self.c = c
        self._locked: dict[str, set[str]] = {}

    def forget(self) -> None:
        self._locked.clear()

    def seed(self, event_id: str, modules: Iterable[str]) -> None:
        """The locked modules of an event as the caller read them inside this same write
        transaction (so nobody can have changed them since): saves reading them again."""
        self._locked[event_id] = set(modules)

    def locked(self, event_id: str) -> set[str]:
        hit = self._locked.get(event_id)
        if hit is None:
            try:
                ev = self.c.competition.event(event_id)
            except KeyError:
                return set()
            modules = [m.id for m in ev.modules]
            db = self.c.db
            cached = getattr(self.c, "cached", None)  # Contest.cached: kept between writes
            hit = self._locked[event_id] = (
                cached(("gate-locks", event_id), lambda: locked_modules(db, event_id, modules))
                if cached is not None else locked_modules(db, event_id, modules))
        return hit

    def event_locked(self, event_id: str) -> bool:
        try:
            ev = self.c.competition.event(event_id)
        except KeyError:
            return False
        return bool(ev.modules) and self.locked(event_id) >= {m.id for m in ev.modules}


def refusal(view: LockView, table: str, values: dict[str, Any]) -> str | None:
    """Why this row may not be written now (None: it may). Chinese and English."""
    if table not in RESULT_INPUTS:
        return None
    if table == "seals" and values.get("kind") != "theory":
        return None  # the sealed draw itself: not an input of a result
    event_id = str(values.get("event") or "")
    if table == MARKS:
        try:
            ev = view.c.competition.event(event_id)
        except KeyError:
            return None
        aspect = ev.aspects.get(str(values.get("aspect") or ""))
        if aspect is None:
            return None
        if aspect.module in view.locked(event_id):
            return (f"{event_id} module {aspect.module} is locked: the marks cannot change "
                    "until the chief judge unlocks it with a reason (jiangxin unlock) "
                    f"/ {event_id} 模块 {aspect.module} 已锁定，须裁判长说明原因解锁后才能修改评分")
        return None
    if view.event_locked(event_id):
        what = {"clock_events": "workstation clocks / 工位计时", "times": "times / 用时",
                "theory": "theory scores / 理论成绩", "statuses": "statuses / 选手状态",
                "lot_statuses": "statuses / 选手状态",
                "seals": "theory scores / 理论成绩"}[table]
        return (f"{event_id} is locked: its {what} cannot change until the chief judge "
                f"unlocks it with a reason (jiangxin unlock) / {event_id} 已锁定，"
                "须裁判长说明原因解锁后才能修改")
    return None


def check(view: LockView, table: str, values: dict[str, Any]) -> None:
    """Raise StateError (exit 2) when :func:`refusal` refuses the row."""
    why = refusal(view, table, values)
    if why is not None:
        raise StateError(why)
