"""The re-check sample: all of the top 30 %, a seeded random 15 % of the rest; the 5 % rule."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.recheck import error_rate, full_recheck_needed, recheck_sample


def ranked(places: list[int | None]) -> list[dict[str, object]]:
    return [{"station": f"{i + 1:02d}", "place": p} for i, p in enumerate(places)]


def test_twenty_competitors() -> None:
    rows = ranked(list(range(1, 21)))
    s = recheck_sample(rows, seed=7)
    assert s.top == tuple(f"{i:02d}" for i in range(1, 7))  # 30 % of 20 = 6
    assert len(s.random) == 3  # 15 % of 14 = 2.1 -> 3
    assert not set(s.random) & set(s.top)
    assert recheck_sample(rows, seed=7) == s  # the recorded seed reproduces it


def test_ten_competitors_float_rounding_does_not_add_one() -> None:
    # 10 × 0.3 is 3.0000000000000004 in floating point: the top is still 3
    s = recheck_sample(ranked(list(range(1, 11))), seed=1)
    assert len(s.top) == 3


def test_a_tie_on_the_boundary_is_not_cut() -> None:
    rows = ranked([1, 2, 3, 3, 5, 6, 7, 8, 9, 10])
    assert recheck_sample(rows, seed=1).top == ("01", "02", "03", "04")


def test_unplaced_competitors_are_left_out() -> None:
    rows = ranked([1, 2, None, None])
    s = recheck_sample(rows, seed=3)
    assert set(s.stations) <= {"01", "02"}


def test_different_seeds_can_give_different_samples() -> None:
    rows = ranked(list(range(1, 61)))
    samples = {recheck_sample(rows, seed=s).random for s in range(20)}
    assert len(samples) > 1


@given(st.lists(st.integers(1, 40), min_size=0, max_size=60), st.integers(0, 2**32))
def test_sample_invariants(places: list[int], seed: int) -> None:
    rows = ranked(sorted(places))
    s = recheck_sample(rows, seed)
    n = len(rows)
    assert len(s.top) >= math.ceil(n * 0.3 - 1e-9)
    assert len(set(s.stations)) == len(s.stations)
    assert s.rest == n - len(s.top)
    assert len(s.random) == math.ceil(s.rest * 0.15 - 1e-9)
    # everyone placed at least as well as anyone in the top is in the top
    if s.top:
        worst = max(r["place"] for r in rows if r["station"] in s.top)
        assert {r["station"] for r in rows if r["place"] <= worst} == set(s.top)
    assert s == recheck_sample(list(reversed(rows)), seed)  # input order does not matter


def test_five_percent_rule() -> None:
    assert not full_recheck_needed(20, 1)  # exactly 5 % is not above 5 %
    assert full_recheck_needed(20, 2)
    assert not full_recheck_needed(9, 0)
    assert full_recheck_needed(19, 1)  # 5.3 %
    assert error_rate(40, 2) == Decimal("0.05")
    with pytest.raises(ValueError):
        error_rate(0, 0)
    with pytest.raises(ValueError):
        error_rate(3, 4)
