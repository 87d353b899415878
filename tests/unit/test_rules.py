"""The rules of docs/rules.md, one by one, on the domain alone (no database)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from judging.errors import InputErrors
from judging.ranking import Standing, quota_cutoffs, rank, scale_scores
from judging.scheme import Event, load_competition
from judging.scoring import (
    OvertimePenalty,
    aspect_mark,
    band_points,
    check_value,
    minutes_over,
    overtime_penalty,
    practical_score,
    total_score,
)

HEAD = """format = 1
[competition]
id = "T"
name = "测试"
level = "city"
date = 2026-01-01
"""


def event(extra: str = "", scheme: str | None = None) -> Event:
    scheme = scheme or """
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "A1"
  kind = "M"
  max = 100
"""
    text = HEAD + f"""
[[event]]
id = "E"
name = "测试赛项"
stations = 20
duration_min = 60
{extra}
{scheme}"""
    return load_competition(text, "t.toml").events[0]


def standing(key: str, total: str, *, time: int | None = 100, practical: str | None = None,
             theory: str | None = "0", status: str = "ok") -> Standing:
    return Standing(key=key, station=key, candidate=None,
                    theory=D(theory) if theory is not None else None,
                    practical=D(practical or total), total=D(total), time_used_s=time,
                    status=status)


# ---- aspects -----------------------------------------------------------------------------------
BANDED = """
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "A1"
  kind = "M"
  max = 8
  nominal = 60.00
  bands = [[0.02, 8], [0.04, 4]]
  [[event.module.aspect]]
  id = "J1"
  kind = "J"
  max = 10
  [[event.module.aspect]]
  id = "P1"
  kind = "P"
  max = 10
  [[event.module.aspect]]
  id = "M2"
  kind = "M"
  max = 72
  [[event.module.aspect]]
  id = "S1"
  kind = "D"
  max = 10
"""


def test_bands_take_the_first_band_that_holds_the_deviation() -> None:
    a = event(scheme=BANDED).aspects["A1"]
    assert band_points(a, D("60.02")) == 8  # on the boundary: inside
    assert band_points(a, D("59.979")) == 4
    assert band_points(a, D("60.04")) == 4
    assert band_points(a, D("60.0401")) == 0


def test_a_row_with_both_score_and_measured_is_refused() -> None:
    ev = event(scheme=BANDED)
    assert check_value(ev.aspects["A1"], D(8), D(60)) is not None
    assert check_value(ev.aspects["M2"], None, D(60)) is not None  # no bands
    assert check_value(ev.aspects["A1"], D(8), None) is None  # points may be typed directly
    assert check_value(ev.aspects["A1"], None, None) is not None
    assert check_value(ev.aspects["J1"], D("2.5"), None) is not None
    assert check_value(ev.aspects["J1"], D(4), None) is not None
    assert check_value(ev.aspects["M2"], D("72.5"), None) is not None
    assert check_value(ev.aspects["M2"], D(-1), None) is not None
    assert check_value(ev.aspects["M2"], D(72), None) is None


def test_j_mark_is_mean_over_three_times_max_with_spread_flag() -> None:
    a = event(scheme=BANDED).aspects["J1"]
    m = aspect_mark(a, [D(3), D(2), D(2)], 2)
    assert m.value == D("7.78") and m.complete and not m.spread_flagged
    flagged = aspect_mark(a, [D(3), D(1), D(2)], 2)
    assert flagged.spread == 2 and flagged.spread_flagged


def test_p_drops_highest_and_lowest() -> None:
    a = event(scheme=BANDED).aspects["P1"]
    m = aspect_mark(a, [D("8.5"), D("8.5"), D("8.0"), D("8.0"), D("6.5")], 2)
    assert m.value == D("8.17") and m.complete
    assert not aspect_mark(a, [D(8)] * 4, 2).complete


def test_d_sums_all_entries_up_to_the_cap() -> None:
    a = event(scheme=BANDED).aspects["S1"]
    assert aspect_mark(a, [D(6), D(6)], 2).value == 10


def test_m_with_several_judges_is_the_mean() -> None:
    a = event(scheme=BANDED).aspects["M2"]
    assert aspect_mark(a, [D(7), D(8)], 2).value == D("7.50")


def test_rounding_is_half_up_per_aspect() -> None:
    a = event(scheme=BANDED).aspects["J1"]
    # mean 2/3*10/3 ... (1+1+2)/3/3*10 = 4.444… -> 4.44 ; (2+2+1) -> 5.555… -> 5.56
    assert aspect_mark(a, [D(1), D(1), D(2)], 2).value == D("4.44")
    assert aspect_mark(a, [D(2), D(2), D(1)], 2).value == D("5.56")


def test_practical_is_never_below_zero() -> None:
    ev = event(scheme=BANDED)
    marks = {"M2": aspect_mark(ev.aspects["M2"], [D(2)], 2),
             "S1": aspect_mark(ev.aspects["S1"], [D(10)], 2)}
    assert practical_score(ev, marks, None) == 0


# ---- overtime ----------------------------------------------------------------------------------
@pytest.mark.parametrize("used,expected", [(3600, "80.00"), (3601, "79.00"), (3660, "79.00"),
                                           (3661, "78.00"), (3600 + 600, "70.00"),
                                           (3600 + 601, "0.00")])
def test_overtime_deducts_per_started_minute_up_to_max(used: int, expected: str) -> None:
    ev = event('overtime = { rule = "deduct", points_per_min = 1, max_min = 10 }')
    marks = {"A1": aspect_mark(ev.aspects["A1"], [D(80)], 2)}
    assert str(practical_score(ev, marks, used)) == expected


def test_extra_time_moves_the_limit() -> None:
    ev = event('overtime = { rule = "deduct", points_per_min = 2 }')
    marks = {"A1": aspect_mark(ev.aspects["A1"], [D(80)], 2)}
    assert practical_score(ev, marks, 3700, extra_seconds=100) == 80
    assert practical_score(ev, marks, 3700) == 76


def test_zero_rule_and_stop_rule() -> None:
    marks_ev = event('overtime = { rule = "zero" }')
    m = {"A1": aspect_mark(marks_ev.aspects["A1"], [D(80)], 2)}
    assert practical_score(marks_ev, m, 3601) == 0
    stop = event('overtime = { rule = "stop" }')
    assert practical_score(stop, m, 9999) == 80
    assert minutes_over(None, 3600) == 0


def test_the_penalty_the_screens_show_is_the_one_the_score_takes() -> None:
    # the board, projector and results screen show overtime_penalty; it must be what
    # practical_score applies, minute by minute, under every rule
    marks_of = {"A1": [D(80)]}
    for rule in ('{ rule = "deduct", points_per_min = 1.5, max_min = 10 }',
                 '{ rule = "zero" }', '{ rule = "stop" }'):
        ev = event(f"overtime = {rule}")
        m = {k: aspect_mark(ev.aspects[k], v, 2) for k, v in marks_of.items()}
        for used in (3599, 3600, 3601, 3661, 4200, 4201, 9999):
            p = overtime_penalty(ev.overtime, used, 3600)
            shown = D(0) if p.zeroed else max(D(80) - p.points, D(0))
            assert practical_score(ev, m, used) == shown, (rule, used)
    ev = event('overtime = { rule = "deduct", points_per_min = 1, max_min = 10 }')
    assert overtime_penalty(ev.overtime, 3600 + 569, 3600) == OvertimePenalty(10, D(10))
    assert overtime_penalty(ev.overtime, 3600 + 601, 3600).zeroed
    assert not overtime_penalty(ev.overtime, 3600, 3600).applies


# ---- totals and ranking ------------------------------------------------------------------------
def test_total_uses_unrounded_theory_and_missing_theory_as_zero() -> None:
    ev = event()
    assert total_score(ev, D("88.005"), D("91.25")) == D("90.28")  # 26.4015 + 63.875
    assert total_score(ev, None, D("90")) == D("63.00")


def test_ties_follow_the_tie_break_chain_then_share_the_place() -> None:
    ev = event()
    rows = rank(ev, [standing("a", "80", time=200), standing("b", "80", time=100),
                     standing("c", "90"), standing("d", "80", time=200),
                     standing("e", "70", time=None), standing("f", "70", time=50)])
    places = {s.key: s.place for s in rows}
    assert places == {"c": 1, "b": 2, "a": 3, "d": 3, "f": 5, "e": 6}


def test_missing_time_sorts_after_every_recorded_time() -> None:
    ev = event()
    rows = rank(ev, [standing("a", "80", time=None), standing("b", "80", time=99999)])
    assert [s.key for s in rows] == ["b", "a"]


def test_practical_then_theory_break_ties() -> None:
    ev = event('tie_break = ["practical", "theory"]')
    rows = rank(ev, [standing("a", "80", practical="70", theory="90"),
                     standing("b", "80", practical="75", theory="68"),
                     standing("c", "80", practical="70", theory="91")])
    assert [s.key for s in rows] == ["b", "c", "a"]
    assert [s.place for s in rows] == [1, 2, 3]


def test_absent_withdrawn_disqualified_get_no_place_terminated_is_ranked() -> None:
    ev = event()
    rows = rank(ev, [standing("a", "50", status="absent"), standing("b", "90",
                                                                      status="disqualified"),
                     standing("c", "40", status="terminated"), standing("d", "60"),
                     standing("e", "1", status="withdrawn")])
    got = {s.key: (s.place, s.award) for s in rows}
    assert got["d"][0] == 1 and got["c"][0] == 2
    assert got["a"] == (None, None) and got["b"] == (None, None) and got["e"] == (None, None)


# ---- awards ------------------------------------------------------------------------------------
def test_quota_cutoffs_round_half_up() -> None:
    assert quota_cutoffs(12, [D("0.1"), D("0.2"), D("0.3")]) == [1, 4, 7]
    assert quota_cutoffs(15, [D("0.1"), D("0.2"), D("0.3")]) == [2, 5, 9]  # 1.5->2, 4.5->5


def test_quota_tie_on_a_boundary_gives_the_better_award() -> None:
    ev = event()
    rows = rank(ev, [standing(str(i), str(100 - i)) for i in range(8)] +
                [standing("x", "99")])  # ties with "1" for place 2
    n = len(rows)
    assert n == 9
    awards = {s.key: s.award for s in rows}
    # cutoffs for 9: [1 (0.9), 3 (2.7), 5 (5.4)]
    assert awards["0"] == "一等奖"
    assert awards["1"] == awards["x"] == "二等奖"
    assert awards["2"] == "三等奖"  # place 4
    assert awards["3"] == "三等奖"  # place 5
    assert awards["4"] is None  # place 6


def test_min_total_for_award_withholds_but_still_counts_in_n() -> None:
    ev = event("min_total_for_award = 60")
    rows = rank(ev, [standing("a", "90"), standing("b", "59.99"), standing("c", "50"),
                     standing("d", "40"), standing("e", "30"), standing("f", "20"),
                     standing("g", "10"), standing("h", "5"), standing("i", "4"),
                     standing("j", "3")])
    awards = {s.key: s.award for s in rows}
    assert awards["a"] == "一等奖" and awards["b"] is None  # place 2 would be 二等奖


def test_places_rule_with_shared_third_and_honourable() -> None:
    ev = event('awards = { rule = "places", levels = ["金奖", "银奖", "铜奖"], '
               'honourable = "优胜奖", honourable_share = 0.5 }')
    rows = rank(ev, [standing("a", "90"), standing("b", "80"), standing("c", "70"),
                     standing("d", "70"), standing("e", "60"), standing("f", "50"),
                     standing("g", "40"), standing("h", "30")])
    awards = {s.key: s.award for s in rows}
    assert awards == {"a": "金奖", "b": "银奖", "c": "铜奖", "d": "铜奖", "e": None,
                      "f": None, "g": None, "h": None} | {"e": None}
    # N = 8, honourable to places after the levels up to 4: place 5 (e) is beyond
    rows = rank(ev, [standing(k, v) for k, v in
                     [("a", "90"), ("b", "80"), ("c", "80"), ("d", "70"), ("e", "60"),
                      ("f", "50"), ("g", "40"), ("h", "30"), ("i", "20"), ("j", "10")]])
    awards = {s.key: s.award for s in rows}
    # shared 2nd leaves no place 3: places 1, 2, 2, 4, 5 …; honourable up to place 5
    assert awards["a"] == "金奖" and awards["b"] == awards["c"] == "银奖"
    assert awards["d"] == "优胜奖" and awards["e"] == "优胜奖" and awards["f"] is None


def test_worldskills_medals_and_medallion() -> None:
    ev = event('scale = "worldskills"\nawards = { rule = "worldskills" }')
    totals = ["90", "85", "80", "75", "74", "70", "60", "50", "40"]
    rows = rank(ev, [standing(str(i), t) for i, t in enumerate(totals)])
    got = [(s.place, s.scale, s.award) for s in rows]
    assert [g[2] for g in got[:3]] == ["Gold", "Silver", "Bronze"]
    # median 74, MAD = median(|x-74|) = median(16,11,6,1,0,4,14,24,34) = 11
    assert got[4] == (5, 700, "Medallion for Excellence")
    assert got[3][1] == 702 and got[3][2] == "Medallion for Excellence"
    assert got[5][1] < 700 and got[5][2] is None


def test_scale_formula_and_mad_zero() -> None:
    assert scale_scores([D(80)] * 4) == [700] * 4
    # median 75 (mean of 70, 80), MAD = median(15, 5, 5, 15) = 10:
    # 700 + 30 × (90 − 75) / 14.826 = 730.35 -> 730
    assert scale_scores([D(60), D(70), D(80), D(90)]) == [670, 690, 710, 730]
    assert scale_scores([D(0), D(100), D(100)]) == [700, 700, 700]  # MAD 0
    # median 91, MAD 1: 700 + 30 × (−91) / 1.4826 < 0 -> clamped to 0; 93 -> 740.47 -> 740
    assert scale_scores([D(0), D(90), D(91), D(92), D(93)]) == [0, 680, 700, 720, 740]


def test_titles_by_place_first_entry_wins() -> None:
    ev = event('titles = [{ places = [1, 3], title = "技术能手", grade = "技师" }, '
               '{ places = [2, 6], title = "岗位能手", grade = "高级工" }]')
    rows = rank(ev, [standing(str(i), str(100 - i)) for i in range(8)])
    got = [(s.place, s.title, s.grade) for s in rows]
    assert got[0] == (1, "技术能手", "技师")
    assert got[2] == (3, "技术能手", "技师")
    assert got[3] == (4, "岗位能手", "高级工")
    assert got[6] == (7, None, None)


# ---- the competition file ----------------------------------------------------------------------
def test_maxima_must_sum_to_100() -> None:
    with pytest.raises(InputErrors) as e:
        event(scheme="""
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "A1"
  kind = "M"
  max = 90
""")
    assert "sum to 100" in str(e.value) and "t.toml" in str(e.value)


def test_bad_competition_file_names_every_field() -> None:
    text = HEAD.replace('level = "city"', 'level = "galaxy"') + """
[[user]]
name = "x"
role = "king"
pin = "12"
[[event]]
id = "E"
name = "e"
stations = 0
duration_min = 60
weights = { theory = 0.5, practical = 0.6 }
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "A1"
  kind = "P"
  max = 100
  judges = 2
"""
    with pytest.raises(InputErrors) as e:
        load_competition(text, "bad.toml")
    fields = {err.field for err in e.value.errors}
    assert {"competition.level", "user[1].role", "user[1].pin", "event.E.stations",
            "event.E.weights", "event.E.module.A.aspect.A1.judges"} <= fields


def test_strip_pins_empties_every_pin_and_the_stripped_file_still_loads() -> None:
    from judging.scheme import strip_pins
    text = HEAD + """
[[user]]
name = "a"
role = "admin"
pin = "1000"
[[user]]
name = "b"
role = "judge"
pin = 4321
""" + """
[[event]]
id = "E"
name = "e"
stations = 2
duration_min = 60
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "A1"
  kind = "M"
  max = 100
"""
    stripped = strip_pins(text)
    assert "1000" not in stripped and "4321" not in stripped
    with pytest.raises(InputErrors):
        load_competition(stripped, "x.toml")  # a file to init from needs its PINs
    comp = load_competition(stripped, "x.toml", pins=False)
    assert [u.pin for u in comp.users] == ["", ""]
