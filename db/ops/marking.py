"""Marks: typing, double entry, disagreements, overrides (docs/rules.md, formats.md).

What the marks add up to (slot states, the derived caches, the rows screens read) is in
db/ops/slots.py; locking and the chief judge's matrix in db/ops/locking.py. The names this
module imports "as" themselves from those two are still asked of it by ui/chief.py,
ui/mark_grid.py, ui/marking.py (and their tests) and db/files/merge.py, whose owners move the
imports at their next edit.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from db.ops.auth import Session
from db.ops.locking import OUT_OF_CONTEST as OUT_OF_CONTEST
from db.ops.locking import CellState as CellState
from db.ops.locking import event_locked as event_locked
from db.ops.locking import has_override as has_override
from db.ops.locking import lock as lock
from db.ops.locking import lock_problems as lock_problems
from db.ops.locking import locked_modules as locked_modules
from db.ops.locking import matrix as matrix
from db.ops.locking import unlock as unlock
from db.ops.people import Competitor, by_station
from db.ops.slots import AspectRow as AspectRow
from db.ops.slots import AspectSlots, SlotKey, refresh, slot_log
from db.ops.slots import SlotRow as SlotRow
from db.ops.slots import aspect_rows as aspect_rows
from db.ops.slots import rebuild_derived as rebuild_derived
from db.ops.slots import slot_rows as slot_rows
from db.ops.slots import slot_state as slot_state
from db.store import gate
from db.store.changes import Changes
from db.store.contest import Contest, User, Writer
from judging.decimals import canonical, to_decimal
from judging.entries import DISAGREEMENT, Typed, classify, replay, same_value
from judging.errors import InputError, InputErrors, NotAllowed, StateError
from judging.roles import allowed
from judging.scheme import Aspect
from judging.scoring import check_value


@dataclass(frozen=True)
class MarkInput:
    """One typed mark: from a CSV row or a grid cell."""

    event: str
    station: str
    aspect: str
    judge: str
    score: Decimal | None
    measured: Decimal | None
    row: int | None = None




def read_marks_file(path: str | Path) -> list[MarkInput]:
    """Parse `event,station,aspect,judge,score[,measured]`; number errors named by row."""
    return read_marks_table(path)[0]


def read_marks_table(path: str | Path) -> tuple[list[MarkInput], dict[str, str]]:
    """The marks of a file and its header as the organiser wrote it ({field: header text})."""
    from db.files.tables import read_table

    file = str(path)
    table = read_table(path, columns={
        "event": ["event", "赛项"], "station": ["station", "工位号", "工位"],
        "aspect": ["aspect", "评分项"], "judge": ["judge", "裁判", "裁判员"],
        "score": ["score", "分数", "得分"], "measured": ["measured", "实测值"]},
        required=["event", "station", "aspect", "judge", "score"])
    out: list[MarkInput] = []
    errors: list[InputError] = []
    for tr in table.rows:
        v = tr.values
        nums: dict[str, Decimal | None] = {}
        for fld in ("score", "measured"):
            text = (v.get(fld) or "").strip()
            if not text:
                nums[fld] = None
                continue
            try:
                nums[fld] = to_decimal(text)
            except ValueError:
                errors.append(InputError(f"not a number: {text!r} / 不是数字", file=file,
                                         row=tr.number, field=table.label(fld)))
                nums[fld] = None
        out.append(MarkInput(v.get("event", "").strip(), v.get("station", "").strip(),
                             v.get("aspect", "").strip(), v.get("judge", "").strip(),
                             nums["score"], nums["measured"], tr.number))
    if errors:
        raise InputErrors(errors)
    labels = {k: table.label(k) for k in ("event", "station", "aspect", "judge", "score",
                                          "measured")}
    return out, labels


def import_marks(c: Contest, path: str | Path) -> MarksSaved:
    """`jiangxin marks import`: type a file of marks as the signed-in user.

    A verification is a second, independent typing of the paper sheets: a file with the same
    bytes as one another user imported is refused. The audit records each file (name and
    SHA-256, action ``marks.file``) and every mark row says how it arrived (``via``).
    """
    c.require("marks")
    inputs, labels = read_marks_table(path)
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror} / 无法读取文件", file=str(path)) from None
    same_file_refusal(c, digest, str(path))
    return enter_marks(c, inputs, file=str(path), source=(Path(path).name, digest),
                       labels=labels)


def same_file_refusal(c: Contest, digest: str, file: str) -> None:
    """InputError when another user imported a marks file with exactly these bytes."""
    assert c.session is not None
    row = c.db.execute(
        "SELECT user, at, json_extract(after, '$.file') FROM audit WHERE action = 'marks.file' "
        "AND json_extract(after, '$.sha256') = ? AND user != ? ORDER BY seq LIMIT 1",
        [digest, c.session.user]).fetchone()
    if row is not None:
        raise InputError(
            f"this file is byte for byte the one {row[0]} imported at {row[1][:19]} "
            f"({row[2]}, SHA-256 {digest[:16]}); a verification is a second person's own "
            "typing of the paper sheets, so import the file you typed "
            f"/ 该文件与{row[0]}已导入的文件完全相同；复核须由第二人独立录入，"
            "请导入您自己录入的文件",
            file=file)


# ---- who may type what (asked by the marking grid, applied by enter_marks) ---------------------
def may_type(s: Session | None, aspect: Aspect, judge: str, *, locked: Collection[str],
             status: str | None) -> bool:
    """Whether ``s`` may type the mark of ``judge`` for ``aspect`` at a workstation whose
    competitor has ``status``, with the ``locked`` modules: the screens ask this instead of
    re-deriving the rules (enter_marks refuses the same cases, with a reason)."""
    if s is None or not allowed(s.role, "marks"):
        return False
    if aspect.module in locked or status in OUT_OF_CONTEST:
        return False
    return not (s.role == "judge" and judge != s.user)


def judges(c: Contest, event_id: str) -> list[str]:
    """The judges who may mark ``event_id`` (its judges first, then chief judges)."""
    users = c.cached("users", lambda: {u.name: u for u in c.users()})
    ordered = sorted(users.values(), key=lambda u: u.role != "judge")
    return [u.name for u in ordered if u.role in ("judge", "chief") and u.may_see(event_id)]


# ---- entering marks ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MarksSaved:
    """What typing marks did: counts (entered, verified, corrected, disagreements, unchanged),
    what changed, and the new cached state of every slot and aspect written, so that the
    screen that typed them repaints its cells without reading them back."""

    counts: dict[str, int]
    changes: Changes
    slots: dict[SlotKey, SlotRow]
    aspects: dict[tuple[str, str, str], AspectRow]

    def outcome(self) -> str:
        """For one typed mark: entered | verified | corrected | disagreement | unchanged."""
        return next((k for k in ("disagreements", "verified", "corrected", "entered")
                     if self.counts.get(k)), "unchanged").removesuffix("s")


@dataclass(frozen=True)
class TypingContext:
    """What checking a typed mark of one event needs besides the mark: kept between marks
    (Contest.cached, one ``PRAGMA data_version`` to check) and shared with the grid that
    shows the event, so the first mark after opening finds it ready."""

    users: dict[str, User]
    stations: dict[str, Competitor]
    locked: frozenset[str]


def typing_context(c: Contest, event_id: str) -> TypingContext:
    def compute() -> TypingContext:
        return TypingContext({u.name: u for u in c.users()}, by_station(c, event_id),
                             frozenset(locked_modules(c, event_id)))

    return c.cached(("typing", event_id), compute)


def enter_marks(c: Contest, inputs: Sequence[MarkInput], *, file: str | None = None,
                source: tuple[str, str] | None = None,
                labels: dict[str, str] | None = None) -> MarksSaved:
    """Type marks as the signed-in user: validated as a whole, then one transaction.

    ``source``: (file name, SHA-256) of an imported file; ``labels``: its header as the
    organiser wrote it, for the messages. The marks are checked inside the write transaction,
    so the lock state they are checked against is the one the lock gate sees.
    """
    c.require("marks")
    reason = f"from {Path(file).name}" if file else ""
    with c.write("marks.enter", reason=reason) as w:
        plan, contexts = _plan_marks(c, inputs, file=file, labels=labels)
        for ev_id, ctx in contexts.items():
            w.locks.seed(ev_id, ctx.locked)  # read in this transaction: no second read
        return _write_marks(c, w, plan, file, source, (labels or {}).get("judge", "judge"))


def _plan_marks(c: Contest, inputs: Sequence[MarkInput], *, file: str | None,
                labels: dict[str, str] | None
                ) -> tuple[list[tuple[SlotKey, MarkInput]], dict[str, TypingContext]]:
    """Check every mark (all problems at once, InputErrors) and plan the slots written."""
    s = c.require("marks")
    errors: list[InputError] = []
    contexts: dict[str, TypingContext] = {}
    locks = gate.LockView(c)
    plan: list[tuple[SlotKey, MarkInput]] = []

    def label(fld: str) -> str:  # the header as the organiser wrote it
        return (labels or {}).get(fld, fld)

    for m in inputs:
        def bad(msg: str, fld: str, m: MarkInput = m) -> None:
            errors.append(InputError(msg, file=file, row=m.row, field=label(fld)))

        try:
            ev = c.event(m.event, file=file, row=m.row, field=label("event"))
        except InputError as exc:
            errors.append(exc)
            continue
        if not s.may_see_event(ev.id):
            raise NotAllowed(f"{s.user} is not assigned to event {ev.id} / 未分配到该赛项")
        aspect = ev.aspects.get(m.aspect)
        if aspect is None:
            bad(f"unknown aspect {m.aspect!r} in {ev.id} / 未知评分项", "aspect")
            continue
        if ev.id not in contexts:
            contexts[ev.id] = typing_context(c, ev.id)
        ctx = contexts[ev.id]
        locks.seed(ev.id, ctx.locked)
        judge = ctx.users.get(m.judge)
        if judge is None or judge.role not in ("judge", "chief"):
            raise NotAllowed(_where(file, m.row, label("judge")) +
                             f"{m.judge!r} is not a judge of this competition / 不是本赛事裁判")
        if not judge.may_see(ev.id):
            raise NotAllowed(_where(file, m.row, label("judge")) +
                             f"judge {m.judge} is not assigned to {ev.id} / 裁判未分配到该赛项")
        if s.role == "judge" and m.judge != s.user:
            raise NotAllowed(_where(file, m.row, label("judge")) +
                             f"a judge types their own marks only ({s.user}) "
                             "/ 裁判只能录入本人评分")
        station = ev.parse_station(m.station)
        person = ctx.stations.get(station or "")
        if station is None or person is None:
            bad(f"no competitor at workstation {m.station!r} of {ev.id} / 工位号无效", "station")
            continue
        problem = check_value(aspect, m.score, m.measured)
        if problem:
            bad(problem, "measured" if m.measured is not None and m.score is None else "score")
            continue
        refused = gate.refusal(locks, "marks", {"event": ev.id, "aspect": aspect.id})
        if refused:  # the Writer's gate would refuse it too; said here with the row
            bad(refused, "aspect")
            continue
        if (_same_unit(c, ev.id, station, judge, person)
                and not has_override(c, ev.id, station, "conflict", judge=m.judge)):
            # says that, not why: the reason would tell who sits at the workstation
            bad(f"judge {m.judge} may not mark workstation {station}; ask the chief judge "
                f"/ 裁判{m.judge}不能评定{station}号工位，请联系裁判长", "judge")
            continue
        plan.append(((ev.id, station, aspect.id, m.judge), m))
    if errors:
        raise InputErrors(errors)
    return plan, contexts


"""(event, station, aspect) -> judge -> (points, status) of its slots."""


def _aspect_slots(c: Contest, keys: Iterable[tuple[str, str, str]]) -> AspectSlots:
    out: AspectSlots = {}
    for ev, st, asp in keys:
        out[(ev, st, asp)] = {j: (p, status) for j, p, status in c.db.execute(
            "SELECT judge, points, status FROM slots WHERE event = ? AND station = ? AND "
            "aspect = ?", [ev, st, asp]).fetchall()}
    return out


def _check_judge_counts(c: Contest, plan: list[tuple[SlotKey, MarkInput]], slots: AspectSlots,
                        file: str | None, judge_field: str = "judge") -> None:
    """At most ``judges`` distinct judges per (station, aspect), counting this plan."""
    errors = []
    judges = {k: {j for j, (_p, status) in v.items() if status != "retracted"}
              for k, v in slots.items()}
    for key, m in plan:
        aspect = c.event(key[0]).aspects[key[2]]
        present = judges.setdefault(key[:3], set())
        present.add(key[3])
        if len(present) > aspect.judges:
            errors.append(InputError(
                f"aspect {aspect.id} at workstation {key[1]} takes {aspect.judges} judge(s); "
                f"{m.judge} would be one too many / 评分裁判人数超出", file=file, row=m.row,
                field=judge_field))
    if errors:
        raise InputErrors(errors)


def _where(file: str | None, row: int | None, fld: str) -> str:
    parts = [p for p in (file, f"row {row} (第{row}行)" if row else None, f"field {fld}") if p]
    return ", ".join(parts) + ": "


def _write_marks(c: Contest, w: Writer, plan: list[tuple[SlotKey, MarkInput]],
                 file: str | None, source: tuple[str, str] | None = None,
                 judge_field: str = "judge") -> MarksSaved:
    assert c.session is not None
    user = c.session.user
    counts: dict[str, int] = defaultdict(int)
    states: dict[SlotKey, list[Typed]] = {}
    written: dict[SlotKey, None] = {}  # in order, once each
    reason = w.reason
    # how each mark arrived, in its audit record: typed in the grid, or from which file
    via: object = ({"file": source[0], "sha256": source[1]} if source is not None
                   else {"file": Path(file).name} if file else "grid")
    # inside the caller's transaction (BEGIN IMMEDIATE): the judge count is checked against,
    # and the aspect marks computed from, what no other writer can change meanwhile
    aspect_slots = _aspect_slots(c, dict.fromkeys(k[:3] for k, _ in plan))
    _check_judge_counts(c, plan, aspect_slots, file, judge_field)
    for key, m in plan:
        log = states.get(key)
        if log is None:
            log = states[key] = slot_log(c, key)
        what = classify(replay(log), user, m.score, m.measured)
        counts[what] += 1
        if what == "noop":
            continue
        row = w.insert("marks", {"event": key[0], "station": key[1], "aspect": key[2],
                                 "judge": key[3], "action": "type",
                                 "score": canonical(m.score) if m.score is not None
                                 else None,
                                 "measured": canonical(m.measured) if m.measured is not None
                                 else None, "reason": reason, "target": None},
                       audit_row={"slot": list(key), "what": what,
                                  "score": canonical(m.score) if m.score is not None
                                  else None,
                                  "measured": canonical(m.measured)
                                  if m.measured is not None else None, "via": via})
        log.append(Typed(row["uid"], user, "type", m.score, m.measured))
        written[key] = None
    slots, aspects = refresh(c, written, logs=states, known=aspect_slots)
    if source is not None and w.written:
        w.log(action="marks.file", after={"file": source[0], "sha256": source[1],
                                          **dict(counts)})
    return MarksSaved({"entered": counts["enter"], "verified": counts["verify"],
                       "corrected": counts["correct"], "disagreements": counts["disagree"],
                       "unchanged": counts["noop"]}, w.changes, slots, aspects)


def enter_mark(c: Contest, event: str, station: str, aspect: str, judge: str,
               value: Decimal | None, *, measured: Decimal | None = None) -> MarksSaved:
    """One grid cell: the same rules as a file, one transaction, durable on return."""
    return enter_marks(c, [MarkInput(event, station, aspect, judge, value, measured)])


def retract_last(c: Contest, event: str, station: str, aspect: str, judge: str,
                 reason: str = "undo") -> MarksSaved:
    """Undo: a compensating row that takes back the signed-in user's newest row of the slot."""
    s = c.require("marks", event)
    key = (event, c.event(event).parse_station(station) or station, aspect, judge)
    log = slot_log(c, key)
    mine = [t for t in log if t.user == s.user and t.action == "type"]
    taken = {t.target for t in log if t.action == "retract"}
    mine = [t for t in mine if t.uid not in taken]
    if not mine or log[-1].uid != mine[-1].uid:
        raise StateError("nothing of yours to undo here (someone typed after you) / 无可撤销的录入")
    with c.write("marks.retract", reason=reason) as w:
        w.insert("marks", {"event": key[0], "station": key[1], "aspect": key[2],
                           "judge": key[3], "action": "retract", "score": None,
                           "measured": None, "reason": reason, "target": mine[-1].uid})
        slots, aspects = refresh(c, [key])
    return MarksSaved({"retracted": 1}, w.changes, slots, aspects)


@dataclass(frozen=True)
class Disagreement:
    """One open disagreement: the values typed for a slot, each with who typed it."""

    event: str
    station: str
    aspect: str
    judge: str
    values: tuple[tuple[str, str | None, str | None], ...]  # (typed by, score, measured)

    def as_json(self) -> dict[str, object]:
        return {"event": self.event, "station": self.station, "aspect": self.aspect,
                "judge": self.judge,
                "values": [{"by": u, "score": sc, "measured": me} for u, sc, me in self.values]}


def disagreements(c: Contest, event: str | None = None) -> list[Disagreement]:
    """`jiangxin marks disagreements`: every open disagreement (workstations only, no names)."""
    s = c.require("disagreements", event)
    events = [c.event(event).id] if event else [e for e in c.competition.event_ids
                                                 if s.may_see_event(e)]
    out: list[Disagreement] = []
    for ev_id in events:
        for r in slot_rows(c, ev_id):
            if r.status != DISAGREEMENT:
                continue
            values = tuple((user, v[0], v[1] if len(v) > 1 else None)
                           for user, v in sorted(r.candidates.items()))
            out.append(Disagreement(ev_id, r.station, r.aspect, r.judge, values))
    order = {e: i for i, e in enumerate(c.competition.event_ids)}
    out.sort(key=lambda d: (order.get(d.event, 0), d.station, d.aspect, d.judge))
    return out


def _describe(values: Iterable[tuple[str, str | None, str | None]]) -> str:
    return ", ".join(f"{sc if sc is not None else '-'}"
                     f"{' (measured ' + me + ')' if me is not None else ''} by {u}"
                     for u, sc, me in values)


def resolve(c: Contest, event: str, station: str, aspect: str, judge: str,
            value: Decimal | None, reason: str, *, measured: Decimal | None = None,
            rescore: bool = False) -> Changes:
    """The chief judge settles an open disagreement: keeps one of the values typed, or (with
    ``rescore``, after the judges re-scored on paper) sets a new value. Both need a reason.

    Only an open disagreement can be resolved, so no judge slot is ever created here: the
    slot was made by typing, which admits only judges of the aspect's panel.
    """
    c.require("resolve", event)
    if not reason.strip():
        raise InputError("a reason is needed / 需填写原因", field="--reason")
    ev = c.event(event, field="--event")
    st = ev.parse_station(station)
    if st is None:
        raise InputError(f"no workstation {station!r} in {ev.id} / 工位号无效", field="--station")
    a = ev.aspects.get(aspect)
    if a is None:
        raise InputError(f"unknown aspect {aspect!r} in {ev.id} / 未知评分项", field="--aspect")
    key = (ev.id, st, aspect, judge)
    state = slot_state(c, key)
    if state.status != DISAGREEMENT:
        here = [d for d in disagreements(c, ev.id) if d.station == st and d.aspect == aspect]
        hint = ("; open here: " + "; ".join(f"judge {d.judge}: {_describe(d.values)}"
                                             for d in here)
                if here else "; there is none at this workstation and aspect")
        raise InputError(
            f"judge {judge!r} has no open disagreement at workstation {st} aspect {aspect}"
            f"{hint} (jiangxin marks disagreements) / 该裁判在此工位此评分项没有待处理的录入不一致",
            field="--judge")
    typed = dict(state.candidates)
    kept = any(same_value(v, (value, measured)) for v in typed.values())
    if not kept and not rescore:
        listed = _describe((u, canonical(v[0]) if v[0] is not None else None,
                            canonical(v[1]) if v[1] is not None else None)
                           for u, v in sorted(typed.items()))
        raise InputError(
            f"keep one of the values typed ({listed}); a new value after the judges re-scored "
            "needs --rescore / 只能保留已录入的值之一；裁判重新评分后的新值须加 --rescore",
            field="--score")
    problem = check_value(a, value, measured)
    if problem:
        raise InputError(problem, field="--score")
    with c.write("marks.resolve", reason=reason) as w:
        w.insert("marks", {"event": ev.id, "station": st, "aspect": aspect, "judge": judge,
                           "action": "resolve",
                           "score": canonical(value) if value is not None else None,
                           "measured": canonical(measured) if measured is not None else None,
                           "reason": reason, "target": None},
                 before={"candidates": {k: [str(x) for x in v] for k, v in
                                        state.candidates.items()}},
                 audit_row={"slot": list(key), "what": "keep" if kept else "rescore",
                            "score": canonical(value) if value is not None else None,
                            "measured": canonical(measured) if measured is not None
                            else None})
        refresh(c, [key])
    return w.changes


def override(c: Contest, event: str, station: str, kind: str, reason: str, *,
             aspect: str | None = None, judge: str | None = None) -> Changes:
    """Chief judge: allow a same-unit judge (kind "conflict") or accept a J spread ("spread")."""
    c.require("override", event)
    if kind not in ("conflict", "spread"):
        raise InputError("kind is conflict or spread", field="kind")
    if not reason.strip():
        raise InputError("a reason is needed / 需填写原因", field="reason")
    ev = c.event(event)
    st = ev.parse_station(station)
    if st is None:
        raise InputError("unknown workstation / 工位号无效", field="station")
    with c.write(f"override.{kind}", reason=reason) as w:
        w.insert("overrides", {"event": event, "station": st, "aspect": aspect, "judge": judge,
                               "kind": kind, "reason": reason})
    return w.changes


def _same_unit(c: Contest, event: str, station: str, judge: User,
               person: Competitor) -> bool:
    """回避: the judge shares the competitor's unit (from the draw's 回避 pairs while sealed)."""
    if not person.id_number:  # an anonymous lot: the draw computed the pairs
        return judge.name in person.conflicts
    return bool(judge.unit) and judge.unit == person.unit


# ---- taking back a mark (issue 17) ------------------------------------------------------------
def clear_mark(c: Contest, event: str, station: str, aspect: str, judge: str,
               reason: str = "") -> MarksSaved:
    """Take a mark back: the slot is empty again, every earlier row kept in its history.

    The typist may clear their own value while it is unverified; once verified, resolved or
    in disagreement only the chief judge may, with a reason. A locked module refuses.
    (To correct instead: the typist types the new value; the chief judge uses ``resolve``.)
    """
    s = c.require("marks", event)
    ev = c.event(event)
    st = ev.parse_station(station)
    if st is None or aspect not in ev.aspects:
        raise InputError("unknown workstation or aspect / 工位或评分项无效")
    if ev.aspects[aspect].module in locked_modules(c, event):
        raise StateError("the module is locked; the chief judge unlocks it first "
                         "/ 模块已锁定，需裁判长先解锁")
    key = (event, st, aspect, judge)
    state = slot_state(c, key)
    if state.status in (None, "retracted"):
        raise StateError("there is no mark here to clear / 此处没有可清除的分数")
    if s.role == "chief":
        if state.status != "entered" and not reason.strip():
            raise InputError("清除已复核的分数需填写原因 / a reason is needed to clear a "
                             "verified mark", field="reason")
    elif state.status != "entered" or state.typist != s.user:
        raise NotAllowed("只有录入人可在复核前清除；复核后须由裁判长填写原因清除 / only its "
                         "typist may clear an unverified mark; after verification the chief "
                         "judge clears it with a reason")
    why = reason.strip() or "录入人清除 / cleared by its typist"
    with c.write("marks.clear", reason=why) as w:
        w.insert("marks", {"event": event, "station": st, "aspect": aspect, "judge": judge,
                           "action": "clear", "score": None, "measured": None,
                           "reason": why, "target": None},
                 before={"status": state.status, "score": _text(state.score),
                         "measured": _text(state.measured), "typist": state.typist,
                         "verifier": state.verifier})
        slots, aspects = refresh(c, [key])
    return MarksSaved({"cleared": 1}, w.changes, slots, aspects)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
