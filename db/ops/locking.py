"""Locking a module or an event, and the chief judge's matrix (docs/rules.md).

A locked module refuses marks (db/store/gate.py holds the gate every writer passes through);
an event locks only when every mark is complete and verified, no disagreement is open, every
over-limit J spread is overridden and no workstation clock still runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.ops.people import by_station
from db.store.changes import NOTHING, Changes
from db.store.contest import Contest
from judging.errors import InputError, StateError

OUT_OF_CONTEST = ("absent", "withdrawn", "disqualified")


def module_locked(c: Contest, event: str, module: str) -> bool:
    row = c.db.execute("SELECT action FROM locks WHERE event = ? AND module = ? "
                       "ORDER BY at DESC, uid DESC LIMIT 1", [event, module]).fetchone()
    return row is not None and row[0] == "lock"


def locked_modules(c: Contest, event: str) -> set[str]:
    return {m.id for m in c.event(event).modules if module_locked(c, event, m.id)}


def event_locked(c: Contest, event: str) -> bool:
    ev = c.event(event)
    return all(module_locked(c, event, m.id) for m in ev.modules)


def has_override(c: Contest, event: str, station: str, kind: str, *, aspect: str | None = None,
                 judge: str | None = None) -> bool:
    q = "SELECT 1 FROM overrides WHERE event = ? AND station = ? AND kind = ?"
    args: list[object] = [event, station, kind]
    if aspect is not None:
        q += " AND aspect = ?"
        args.append(aspect)
    if judge is not None:
        q += " AND judge = ?"
        args.append(judge)
    return c.db.execute(q, args).fetchone() is not None


# ---- the chief judge's view and locking -------------------------------------------------------
@dataclass(frozen=True)
class CellState:
    """One station × module cell of the chief judge's matrix."""

    station: str
    module: str
    state: str  # missing | entered | verified | disagreement | flagged | overridden | locked
    complete: int
    total: int


def matrix(c: Contest, event_id: str) -> list[CellState]:
    ev = c.event(event_id)
    people = by_station(c, event_id)
    marks: dict[tuple[str, str], tuple[int, int, int, int, int]] = {}
    for st, asp, complete, verified, dis, flagged in c.db.execute(
            "SELECT station, aspect, complete, verified, disagreements, flagged FROM "
            "aspect_marks WHERE event = ?", [event_id]).fetchall():
        marks[(st, asp)] = (1, complete, verified, dis, flagged)
    locked = locked_modules(c, event_id)
    out = []
    for st in sorted(people):
        for m in ev.modules:
            done = ver = dis = flag = over = 0
            for a in m.aspects:
                present, complete, verified, d, f = marks.get((st, a.id), (0, 0, 0, 0, 0))
                done += complete
                ver += int(complete and verified)
                dis += d
                if f:
                    if has_override(c, event_id, st, "spread", aspect=a.id):
                        over += 1
                    else:
                        flag += 1
            n = len(m.aspects)
            if m.id in locked:
                state = "locked"
            elif dis:
                state = "disagreement"
            elif flag:
                state = "flagged"
            elif ver == n and over:
                state = "overridden"
            elif ver == n:
                state = "verified"
            elif done or ver:
                state = "entered"
            else:
                state = "missing"
            out.append(CellState(st, m.id, state, done, n))
    return out



def lock_problems(c: Contest, event_id: str, module_id: str) -> list[str]:
    """Why a module cannot be locked yet (empty when it can)."""
    ev = c.event(event_id)
    module = next((m for m in ev.modules if m.id == module_id), None)
    if module is None:
        raise InputError(f"unknown module {module_id!r} / 未知模块", field="--module")
    problems = []
    state = {(st, a): (comp, ver, dis, fl) for st, a, comp, ver, dis, fl in c.db.execute(
        "SELECT station, aspect, complete, verified, disagreements, flagged FROM aspect_marks "
        "WHERE event = ?", [event_id]).fetchall()}
    for st, person in sorted(by_station(c, event_id).items()):
        in_contest = person.status == "ok"
        for a in module.aspects:
            comp, ver, dis, fl = state.get((st, a.id), (0, 0, 0, 0))
            if person.status in OUT_OF_CONTEST:
                continue
            if in_contest and not comp:
                problems.append(f"工位 {st} 评分项 {a.id}：未录完 / workstation {st} aspect "
                                f"{a.id}: not complete")
            elif comp and not ver:
                problems.append(f"工位 {st} 评分项 {a.id}：未复核 / workstation {st} aspect "
                                f"{a.id}: not verified")
            if dis:
                problems.append(f"工位 {st} 评分项 {a.id}：录入不一致 / workstation {st} "
                                f"aspect {a.id}: disagreement")
            if fl and not has_override(c, event_id, st, "spread", aspect=a.id):
                problems.append(f"工位 {st} 评分项 {a.id}：评价分差超限 / workstation {st} "
                                f"aspect {a.id}: J scores differ by more than {a.spread_limit}")
        if not in_contest and person.status not in OUT_OF_CONTEST:
            # terminated: marks entered so far must be verified, missing ones are allowed
            pass
    return problems


def _running_clocks(c: Contest, event_id: str) -> list[str]:
    """A whole event locks only once no workstation clock still adds time (the lock gate
    refuses clock events, so a clock left running would change a locked result)."""
    from db.ops.timing import clocks

    ev = c.event(event_id)
    out = []
    for st, cs in clocks(c, event_id).items():
        if cs.state == "running" and not (ev.overtime.rule == "stop"
                                          and cs.used_seconds >= cs.limit_seconds):
            out.append(f"workstation {st}: the clock is still running; stop it first "
                       "/ 计时未停止")
    return out


def lock(c: Contest, event_id: str, module: str | None = None, reason: str = "") -> Changes:
    c.require("lock", event_id)
    ev = c.event(event_id)
    modules = [module] if module else [m.id for m in ev.modules]
    problems = []
    for m in modules:
        problems += lock_problems(c, event_id, m)
    if set(modules) | locked_modules(c, event_id) >= {m.id for m in ev.modules}:
        problems += _running_clocks(c, event_id)
    order = ("disagreement", "J scores differ", "not verified", "not complete")
    problems.sort(key=lambda p: next((i for i, o in enumerate(order) if o in p), len(order)))
    if problems:
        more = f" … (+{len(problems) - 20})" if len(problems) > 20 else ""
        raise StateError(f"{event_id} cannot be locked / 不能锁定:\n  " +
                         "\n  ".join(problems[:20]) + more)
    todo = [m for m in modules if not module_locked(c, event_id, m)]
    if not todo:
        return NOTHING
    with c.write("lock", reason=reason) as w:
        for m in todo:
            w.insert("locks", {"event": event_id, "module": m, "action": "lock",
                               "reason": reason})
    from db.store.checkpoints import sign_head

    sign_head(c, f"lock {event_id}")  # without the signing passphrase: at the next one
    return w.changes


def unlock(c: Contest, event_id: str, module: str | None, reason: str) -> Changes:
    c.require("unlock", event_id)
    if not reason.strip():
        raise InputError("unlocking needs a reason / 解锁需填写原因", field="--reason")
    ev = c.event(event_id)
    modules = [module] if module else [m.id for m in ev.modules]
    for m in modules:
        if m not in {x.id for x in ev.modules}:
            raise InputError(f"unknown module {m!r} / 未知模块", field="--module")
    todo = [m for m in modules if module_locked(c, event_id, m)]
    if not todo:
        return NOTHING
    with c.write("unlock", reason=reason) as w:
        for m in todo:
            w.insert("locks", {"event": event_id, "module": m, "action": "unlock",
                               "reason": reason})
    return w.changes
