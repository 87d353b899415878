"""Clocks from timestamped events, and the double-entry replay of one mark slot."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from judging.clock import ClockError, ClockEvent, clock_state
from judging.entries import Typed, classify, replay


def ev(kind: str, at: float, seconds: int = 0) -> ClockEvent:
    return ClockEvent(kind, at, seconds)


def test_pauses_granted_do_not_count_and_extra_time_moves_the_limit() -> None:
    events = [ev("start", 0), ev("pause", 600), ev("resume", 900), ev("extra", 900, 300),
              ev("stop", 3900)]
    s = clock_state(events, 3600, now=99999)
    assert s.state == "stopped"
    assert s.used_seconds == 600 + 3000
    assert s.limit_seconds == 3900 and s.remaining_seconds == 300 and not s.overtime


def test_running_clock_counts_to_now_and_overtime() -> None:
    s = clock_state([ev("start", 100)], 60, now=200)
    assert s.state == "running" and s.used_seconds == 100 and s.overtime
    capped = clock_state([ev("start", 100)], 60, now=200, stop_at_limit=True)
    assert capped.used_seconds == 60


def test_events_out_of_order_are_refused() -> None:
    with pytest.raises(ClockError):
        clock_state([ev("pause", 0)], 60, now=10)
    with pytest.raises(ClockError):
        clock_state([ev("start", 0), ev("start", 5)], 60, now=10)


def typed(uid: str, user: str, score: str | None, action: str = "type",
          target: str | None = None, measured: str | None = None) -> Typed:
    return Typed(uid, user, action, D(score) if score is not None else None,
                 D(measured) if measured is not None else None, target=target)


def test_entered_verified_by_another_user_equal_numerically() -> None:
    st = replay([typed("1", "a", "7"), typed("2", "b", "7.00")])
    assert st.status == "verified" and st.typist == "a" and st.verifier == "b"


def test_same_user_same_value_is_noop_different_value_is_correction() -> None:
    st = replay([typed("1", "a", "7")])
    assert classify(st, "a", D(7), None) == "noop"
    assert classify(st, "a", D(8), None) == "correct"
    st = replay([typed("1", "a", "7"), typed("2", "a", "8")])
    assert st.status == "entered" and st.score == 8


def test_disagreement_then_resolution() -> None:
    st = replay([typed("1", "a", "7"), typed("2", "b", "8")])
    assert st.status == "disagreement" and st.candidates == {"a": (D(7), None),
                                                             "b": (D(8), None)}
    st = replay([typed("1", "a", "7"), typed("2", "b", "8"),
                 Typed("3", "chief", "resolve", D(8), None, "原始评分表为8")])
    assert st.status == "resolved" and st.score == 8 and st.verified


def test_a_verified_value_changed_later_reopens_as_disagreement() -> None:
    st = replay([typed("1", "a", "7"), typed("2", "b", "7"), typed("3", "a", "6")])
    assert st.status == "disagreement"


def test_retract_takes_back_the_newest_row() -> None:
    st = replay([typed("1", "a", "7"), typed("2", "a", "8"),
                 typed("3", "a", None, action="retract", target="2")])
    assert st.status == "entered" and st.score == 7
    st = replay([typed("1", "a", "7"), typed("2", "a", None, action="retract", target="1")])
    assert not st.has_value
