"""Invariants of ranking and awards, by property-based testing."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from judging.decimals import round_half_up_int
from judging.ranking import Standing, rank
from judging.scheme import load_competition
from judging.scoring import aspect_mark, marks_for, practical_score, total_score

TOML = """format = 1
[competition]
id = "P"
name = "性质测试"
level = "city"
date = 2026-01-01
[[event]]
id = "E"
name = "e"
stations = 60
duration_min = 60
{extra}
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "M1"
  kind = "M"
  max = 40
  [[event.module.aspect]]
  id = "P1"
  kind = "P"
  max = 30
  [[event.module.aspect]]
  id = "J1"
  kind = "J"
  max = 30
  [[event.module.aspect]]
  id = "D1"
  kind = "D"
  max = 10
"""
EVENT = load_competition(TOML.format(extra=""), "p.toml").events[0]
PLACES = load_competition(TOML.format(extra='awards = { rule = "places", honourable = "优胜奖" }'),
                          "p.toml").events[0]

totals = st.sampled_from([D(x) / 4 for x in range(300, 400, 7)])
statuses = st.sampled_from(["ok"] * 6 + ["absent", "withdrawn", "terminated", "disqualified"])


@st.composite
def standings(draw: st.DrawFn) -> list[Standing]:
    n = draw(st.integers(1, 40))
    out = []
    for i in range(n):
        out.append(Standing(key=f"k{i:02d}", station=f"{i + 1:02d}", candidate=None,
                            theory=draw(st.sampled_from([None, D(60), D(80)])),
                            practical=draw(totals), total=draw(totals),
                            time_used_s=draw(st.sampled_from([None, 100, 200])),
                            status=draw(statuses)))
    return out


def key(s: Standing) -> tuple[object, ...]:
    return (s.total, s.time_used_s, s.practical, s.theory or 0)


@given(standings())
@settings(max_examples=100, deadline=None)
def test_ranking_is_a_permutation_with_shared_places_only_for_equal_keys(
        rows: list[Standing]) -> None:
    ranked = rank(EVENT, list(reversed(rows)))
    assert sorted(s.key for s in ranked) == sorted(s.key for s in rows)
    placed = [s for s in ranked if s.place is not None]
    assert all(s.status in ("ok", "terminated") for s in placed)
    assert len(placed) == sum(1 for s in rows if s.status in ("ok", "terminated"))
    for i, s in enumerate(placed):
        assert s.place is not None and 1 <= s.place <= i + 1
        if i:
            prev = placed[i - 1]
            assert prev.place is not None
            if s.place == prev.place:
                assert key(s) == key(prev)
            else:
                assert s.place == i + 1 and key(s) != key(prev)
                assert s.total <= prev.total
    # input order never breaks a tie
    assert [(s.key, s.place) for s in rank(EVENT, rows)] == [(s.key, s.place) for s in ranked]


@given(standings())
@settings(max_examples=100, deadline=None)
def test_quota_award_counts_follow_the_shares(rows: list[Standing]) -> None:
    ranked = [s for s in rank(EVENT, rows) if s.place is not None]
    n = len(ranked)
    levels = EVENT.awards.levels
    acc = D(0)
    for k, share in enumerate(EVENT.awards.shares):
        acc += share
        cut = round_half_up_int(D(n) * acc)
        # level k or better exactly for the places up to round_half_up(N × (s1 + … + sk))
        for s in ranked:
            better = s.award is not None and levels.index(s.award) <= k
            assert better == (s.place is not None and s.place <= cut)


@given(standings())
@settings(max_examples=100, deadline=None)
def test_places_rule_gives_each_level_to_its_place(rows: list[Standing]) -> None:
    for s in rank(PLACES, rows):
        if s.place is not None and s.place <= 3:
            assert s.award == PLACES.awards.levels[s.place - 1]
        if s.place is None:
            assert s.award is None


scores = st.fixed_dictionaries({
    "M1": st.lists(st.integers(0, 40), min_size=1, max_size=1),
    "P1": st.lists(st.integers(0, 30), min_size=5, max_size=5),
    "J1": st.lists(st.integers(0, 3), min_size=3, max_size=3),
    "D1": st.lists(st.integers(0, 5), min_size=1, max_size=3),
})


@given(st.lists(scores, min_size=2, max_size=12), st.data())
@settings(max_examples=100, deadline=None)
def test_changing_one_mark_moves_only_that_competitors_scores(
        marks: list[dict[str, list[int]]], data: st.DataObject) -> None:
    def totals(all_marks: list[dict[str, list[int]]]) -> list[tuple[D, D]]:
        out = []
        for m in all_marks:
            am = marks_for(EVENT, {k: [D(v) for v in vs] for k, vs in m.items()})
            p = practical_score(EVENT, am, 100)
            out.append((p, total_score(EVENT, D(70), p)))
        return out
    before = totals(marks)
    who = data.draw(st.integers(0, len(marks) - 1))
    changed = [dict(m) for m in marks]
    changed[who] = dict(changed[who], M1=[data.draw(st.integers(0, 40))])
    after = totals(changed)
    for i, (b, a) in enumerate(zip(before, after)):
        if i != who:
            assert a == b


@given(st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_j_marks_stay_within_zero_and_max(js: list[int]) -> None:
    m = aspect_mark(EVENT.aspects["J1"], [D(j) for j in js], 2)
    assert 0 <= m.value <= 30
    assert m.spread_flagged == (max(js) - min(js) > 1)
