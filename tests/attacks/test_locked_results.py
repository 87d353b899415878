"""Issue 10, property: for any sequence of operations by any roles after a lock, the locked
event's results JSON is byte-identical until an unlock (bar its ``snapshot`` counter, which
counts publications: publishing the locked results again stays allowed)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, USERS, copy_db

ROLES = sorted(USERS)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _operations(tmp: Path) -> dict[str, Callable[[Any], object]]:
    """Every door a user could push on a locked event, with arguments a careless or hostile
    user might choose."""
    from db.ops import appeals, locking, marking, people, results, timing

    marks = _write(tmp / "m.csv", "event,station,aspect,judge,score,measured\n"
                                  "GJQG,05,A4,赵一,3,\nGJQG,10,C1,钱二,0,\n")
    times = _write(tmp / "t.csv", "event,station,used_seconds\nGJQG,10,99999\n")
    theory = _write(tmp / "th.csv", "event,candidate,theory\nGJQG,GJQG-001,0\n")
    people_file = _write(tmp / "p.csv", "name,id_number,gender,unit,region,event\n"
                                        "甲,110101199003074514,男,某厂,哈尔滨,GJQG\n")

    def first_uid(c: Any) -> str:
        return str(people.competitors(c, "GJQG")[0].uid)

    return {
        "marks import": lambda c: marking.import_marks(c, marks),
        "marks import (example)": lambda c: marking.import_marks(c, EXAMPLES / "marks.csv"),
        "enter mark": lambda c: marking.enter_mark(c, "GJQG", "05", "A4", "赵一",
                                                   Decimal("1")),
        "retract": lambda c: marking.retract_last(c, "GJQG", "05", "A4", "赵一"),
        "resolve": lambda c: marking.resolve(c, "GJQG", "05", "A4", "赵一", Decimal("2"),
                                             "x", rescore=True),
        "override conflict": lambda c: marking.override(c, "GJQG", "01", "conflict", "x",
                                                        judge="周四"),
        "override spread": lambda c: marking.override(c, "GJQG", "05", "spread", "x",
                                                      aspect="C1"),
        "times import": lambda c: timing.import_times(c, times),
        "times over clocks": lambda c: timing.import_times(c, times, replace_clock_times=True,
                                                           reason="x"),
        "clock start": lambda c: timing.clock_action(c, "GJQG", ["10"], "start"),
        "clock stop": lambda c: timing.clock_action(c, "GJQG", ["10"], "stop"),
        "clock extra": lambda c: timing.clock_action(c, "GJQG", ["10"], "extra", seconds=600,
                                                     reason="x"),
        "theory import": lambda c: people.import_theory(c, theory),
        "status": lambda c: people.set_status(c, "GJQG", "10", "disqualified", "x"),
        "status ok": lambda c: people.set_status(c, "GJQG", "04", "absent", "x"),
        "check in late": lambda c: people.check_in(c, first_uid(c), 90),
        "competitors import": lambda c: people.import_competitors(c, people_file),
        "draw again": lambda c: people.draw(c, "GJQG", seed=1),
        "lock": lambda c: locking.lock(c, "GJQG"),
        "lock module": lambda c: locking.lock(c, "GJQG", "A"),
        "decrypt": lambda c: results.decrypt(c, "GJQG"),
        "publish": lambda c: results.publish(c, "GJQG", "again"),
        "appeal": lambda c: appeals.file_appeal(c, "GJQG", "05", "复核A1"),
        "recheck": lambda c: results.record_recheck(c, "GJQG", 1, ["05"]),
    }


OPERATIONS = ["marks import", "marks import (example)", "enter mark", "retract", "resolve",
              "override conflict", "override spread", "times import", "times over clocks",
              "clock start", "clock stop", "clock extra", "theory import", "status",
              "status ok", "check in late", "competitors import", "draw again", "lock",
              "lock module", "decrypt", "publish", "appeal", "recheck"]
_base: dict[str, Any] = {}


def _results_text(db: Path) -> str:
    """The results JSON, whole: ``snapshot`` too, since publishing the same results again
    makes no new snapshot (the door stays open after a lock and leads nowhere)."""
    from db.ops.results import results
    from db.store.contest import Contest

    c = Contest.open(db)
    c.sign_in(*USERS["chief"])
    try:
        data = results(c, "GJQG").as_json()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    finally:
        c.close()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(ROLES),
                                st.sampled_from(OPERATIONS)),
                      min_size=1, max_size=6))
def test_a_locked_events_results_do_not_move_until_an_unlock(
        steps: list[tuple[str, str]], example_cache: Callable[[str], Path],
        tmp_path_factory: Any) -> None:
    from db.store.contest import Contest
    from judging.errors import JiangxinError

    if "db" not in _base:  # locked, decrypted and published once: the state after the lock
        folder = tmp_path_factory.mktemp("locked-property")
        copy_db(example_cache("decrypted"), folder / "base.db")
        c = Contest.open(folder / "base.db")
        c.sign_in(*USERS["chief"])
        from db.ops.results import publish

        publish(c, "GJQG", "first")
        c.close()
        _base["db"] = folder / "base.db"
        _base["text"] = _results_text(folder / "base.db")
    work = tmp_path_factory.mktemp("run")
    db = Path(shutil.copy(_base["db"], work / "c.db"))
    ops = _operations(work)
    assert sorted(ops) == sorted(OPERATIONS)
    expected: str = _base["text"]
    for role, op in steps:
        c = Contest.open(db)
        try:
            c.sign_in(*USERS[role])
            try:
                ops[op](c)
            except JiangxinError:
                pass  # refused: the point
        finally:
            c.close()
        assert _results_text(db) == expected, f"{op} by {role} changed the locked results"
