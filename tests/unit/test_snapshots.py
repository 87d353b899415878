"""The difference between two published results snapshots."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from judging.snapshots import ADDED, CHANGED, REMOVED, diff


def row(station: str, place: int | None, total: str, award: str | None = None,
        status: str = "ok", **extra: object) -> dict[str, object]:
    return {"station": station, "place": place, "total": total, "award": award,
            "status": status, **extra}


def test_identical_snapshots_have_no_changes() -> None:
    rows = [row("01", 1, "90.00", "一等奖"), row("02", 2, "80.00")]
    assert diff(rows, [dict(r) for r in rows]) == []


def test_a_corrected_total_moves_places_and_awards() -> None:
    old = [row("01", 1, "90.00", "一等奖"), row("02", 2, "80.00", "二等奖")]
    new = [row("01", 2, "79.00", "二等奖"), row("02", 1, "80.00", "一等奖")]
    changes = diff(old, new)
    assert [c.station for c in changes] == ["01", "02"]
    c01 = changes[0]
    assert c01.kind == CHANGED
    assert c01.field("total").old == "90.00" and c01.field("total").new == "79.00"
    assert c01.field("place").new == 2
    assert c01.field("award").new == "二等奖"
    assert changes[1].field("total") is None  # 02's total did not change, only its place
    assert changes[1].field("place").new == 1


def test_names_revealed_by_decryption_are_not_a_change() -> None:
    old = [row("01", 1, "90.00", name=None)]
    new = [row("01", 1, "90.00", name="张三")]
    assert diff(old, new) == []


def test_added_and_removed_stations() -> None:
    changes = diff([row("01", 1, "90"), row("03", 2, "70")], [row("01", 1, "90"),
                                                               row("02", 2, "80")])
    assert [(c.station, c.kind) for c in changes] == [("02", ADDED), ("03", REMOVED)]
    assert changes[0].field("total").new == "80"
    assert changes[1].field("total").old == "70"


def test_a_status_change_is_shown() -> None:
    changes = diff([row("05", 3, "70")], [row("05", None, "70", status="disqualified")])
    assert {f.field for f in changes[0].fields} == {"place", "status"}


rows_strategy = st.dictionaries(
    st.sampled_from([f"{i:02d}" for i in range(1, 21)]),
    st.tuples(st.integers(1, 20), st.sampled_from(["50.00", "60.00", "70.00"]),
              st.sampled_from([None, "一等奖"])))


@given(rows_strategy, rows_strategy)
def test_every_changed_station_is_reported_once(a: dict, b: dict) -> None:
    old = [row(s, p, t, aw) for s, (p, t, aw) in a.items()]
    new = [row(s, p, t, aw) for s, (p, t, aw) in b.items()]
    changes = diff(old, new)
    stations = [c.station for c in changes]
    assert stations == sorted(set(stations))
    expected = {s for s in a.keys() | b.keys() if a.get(s) != b.get(s)}
    assert set(stations) == expected
    assert diff(new, new) == []
