"""Double entry of marks: replaying the typed values of one mark slot into its state.

A slot is (event, station, aspect, judge). Every typed value is kept; the state follows:
the first value is unverified; the same value typed by a different user verifies it; a
different value by a different user is a disagreement that the chief judge resolves by keeping
one value with a reason; a different value by the typist of the current value corrects it.
A ``clear`` row takes the value back altogether (the typist before verification, the chief
judge after, with a reason): the slot is empty again and its history keeps what was there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

ENTERED = "entered"
VERIFIED = "verified"
DISAGREEMENT = "disagreement"
RESOLVED = "resolved"
RETRACTED = "retracted"


class Typed(NamedTuple):
    """One row of the mark log for a slot, in the order it was written (a named tuple: a
    province's files replay millions of them at headquarters)."""

    uid: str
    user: str
    action: str  # "type" (a value typed), "resolve" (chief keeps a value), "retract" (undo),
    # "clear" (the value taken back: the slot is empty again)
    score: Decimal | None
    measured: Decimal | None
    reason: str = ""
    target: str | None = None  # for retract: the uid of the row it takes back


@dataclass
class SlotState:
    """Where a slot stands after its log is replayed."""

    score: Decimal | None = None
    measured: Decimal | None = None
    typist: str | None = None
    verifier: str | None = None
    status: str | None = None  # None: nothing typed
    candidates: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    @property
    def has_value(self) -> bool:
        return self.status in (ENTERED, VERIFIED, RESOLVED)

    @property
    def verified(self) -> bool:
        return self.status in (VERIFIED, RESOLVED)


def same_value(a: tuple[Decimal | None, Decimal | None],
               b: tuple[Decimal | None, Decimal | None]) -> bool:
    """Numerically equal (7 = 7.0), with None only equal to None."""
    return a[0] == b[0] and a[1] == b[1]  # Decimal == None is False; NaN equals nothing


def classify(state: SlotState, user: str, score: Decimal | None,
             measured: Decimal | None) -> str:
    """What typing this value would do: enter, noop, verify, correct or disagree."""
    value = (score, measured)
    if state.status is None or state.status == RETRACTED:
        return "enter"
    if state.status == DISAGREEMENT:
        mine = state.candidates.get(user)
        if mine is not None and same_value(mine, value):
            return "noop"
        return "disagree"
    current = (state.score, state.measured)
    if same_value(current, value):
        if user == state.typist or user == state.verifier:
            return "noop"
        return "noop" if state.verified else "verify"
    if user == state.typist and not state.verified:
        return "correct"
    return "disagree"


def typed_and_verified(rows: Sequence[Typed]) -> bool:
    """The usual slot: one value typed, then the same value typed by a second recorder (its
    state is VERIFIED with the first row's value; :func:`replay` gives it without a replay)."""
    if len(rows) != 2:
        return False
    a, b = rows
    return (a.action == b.action == "type" and a.user != b.user
            and same_value((a.score, a.measured), (b.score, b.measured)))


def replay(rows: Iterable[Typed]) -> SlotState:
    """The state of a slot after all its rows, in order."""
    rows = list(rows)
    if typed_and_verified(rows):
        a, b = rows
        return SlotState(a.score, a.measured, a.user, b.user, VERIFIED, {},
                         [f"enter by {a.user}", f"verify by {b.user}"])
    st = SlotState()
    # the states before each row are kept only for a log that takes a row back (most do not)
    undoable = any(row.action == "retract" for row in rows)
    undo_stack: list[tuple[str, SlotState]] = []
    for row in rows:
        if row.action == "retract":
            # take back the newest row, restoring the state before it
            for i in range(len(undo_stack) - 1, -1, -1):
                if undo_stack[i][0] == row.target:
                    prev = undo_stack[i][1]
                    del undo_stack[i:]
                    st = _copy(prev)
                    st.history.append(f"retract {row.target} by {row.user}")
                    break
            continue
        before = _copy(st) if undoable else st
        if row.action == "clear":
            history = st.history + [f"clear by {row.user}: {row.reason}"]
            st = SlotState(status=RETRACTED, history=history)
            if undoable:
                undo_stack.append((row.uid, before))
            continue
        if row.action == "resolve":
            st.score, st.measured = row.score, row.measured
            st.status = RESOLVED
            st.verifier = row.user
            st.candidates = {}
            st.history.append(f"resolve by {row.user}: {row.reason}")
        else:
            what = classify(st, row.user, row.score, row.measured)
            if what == "noop":
                continue
            if what in ("enter", "correct"):
                st.score, st.measured = row.score, row.measured
                st.typist, st.verifier, st.status = row.user, None, ENTERED
                st.candidates = {}
            elif what == "verify":
                st.verifier, st.status = row.user, VERIFIED
            elif what == "disagree":
                if st.status != DISAGREEMENT:
                    st.candidates = {}
                    if st.typist is not None:
                        st.candidates[st.typist] = (st.score, st.measured)
                    if st.verifier is not None and st.verifier != st.typist:
                        st.candidates[st.verifier] = (st.score, st.measured)
                st.candidates[row.user] = (row.score, row.measured)
                st.status = DISAGREEMENT
            st.history.append(f"{what} by {row.user}")
        if undoable:
            undo_stack.append((row.uid, before))
    return st


def _copy(st: SlotState) -> SlotState:
    return SlotState(st.score, st.measured, st.typist, st.verifier, st.status,
                     dict(st.candidates), list(st.history))
