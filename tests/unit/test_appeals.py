"""Appeals: filed within two hours of the event's end, ruled once by arbitration."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from db.ops.appeals import WINDOW_SECONDS, appeals, event_end, file_appeal, rule_appeal
from db.ops.demo import write_demo
from db.ops.people import by_station
from db.store.contest import Contest
from judging.errors import InputError, NotAllowed, StateError

_built: dict[str, Path] = {}


@pytest.fixture
def contest(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Contest:
    if "demo" not in _built:
        _built["demo"] = write_demo(tmp_path_factory.mktemp("appeals") / "demo.jxdb", size=8)
    p = tmp_path / "c.jxdb"
    shutil.copy(_built["demo"], p)
    c = Contest.open(p)
    yield c
    c.close()


def test_a_finished_event_has_an_end_and_a_running_one_not(contest: Contest) -> None:
    assert event_end(contest, "GJQG") is not None
    assert event_end(contest, "KD") is None  # clocks still running


def test_file_and_rule_an_appeal(contest: Contest) -> None:
    contest.sign_in("裁判长", "1111")
    end = event_end(contest, "GJQG")
    assert end is not None
    st = min(by_station(contest, "GJQG"))
    file_appeal(contest, "GJQG", st.lstrip("0"), "测量结果有误，申请复测", now=end + 60)
    [a] = appeals(contest, "GJQG")
    assert (a.number, a.station, a.outcome, a.filed_by) == ("GJQG-001", st, None, "裁判长")
    with pytest.raises(NotAllowed):  # the chief judge records, arbitration rules
        rule_appeal(contest, "GJQG", a.number, "upheld", "复测")
    contest.sign_in("监督员", "5000")
    rule_appeal(contest, "GJQG", a.number, "upheld", "复测后确有误差，重新评分")
    [a] = appeals(contest, "GJQG")
    assert (a.outcome, a.ruled_by) == ("upheld", "监督员")
    with pytest.raises(StateError):  # final
        rule_appeal(contest, "GJQG", a.number, "rejected", "改判")


def test_the_window_closes_two_hours_after_the_end(contest: Contest) -> None:
    contest.sign_in("监督员", "5000")
    end = event_end(contest, "GJQG")
    assert end is not None
    st = min(by_station(contest, "GJQG"))
    with pytest.raises(StateError, match="2小时"):
        file_appeal(contest, "GJQG", st, "迟到的申诉", now=end + WINDOW_SECONDS + 1)
    file_appeal(contest, "GJQG", st, "按时的申诉", now=end + WINDOW_SECONDS - 1)
    assert len(appeals(contest, "GJQG")) == 1


def test_bad_appeals_are_refused(contest: Contest) -> None:
    contest.sign_in("赵一", "2001")
    with pytest.raises(NotAllowed):
        file_appeal(contest, "KD", min(by_station(contest, "KD")), "x", now=time.time())
    contest.sign_in("裁判长", "1111")
    with pytest.raises(InputError):
        file_appeal(contest, "KD", "99", "x")
    with pytest.raises(InputError):
        file_appeal(contest, "KD", min(by_station(contest, "KD")), "  ")
    contest.sign_in("监督员", "5000")
    with pytest.raises(InputError):
        rule_appeal(contest, "KD", "KD-404", "upheld", "x")
