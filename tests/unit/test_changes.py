"""Typed Changes (db/store/changes.py): derived from what an operation wrote, per event."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from db.ops import marking, people, results, timing
from db.store.changes import EVERYTHING, NOTHING, TABLE_KINDS, Changes, Done, Kind
from db.store.contest import Contest
from tests.conftest import USERS


def opened(db: Path, who: str) -> Contest:
    c = Contest.open(db)
    c.sign_in(*USERS[who])
    return c


def test_every_table_of_the_schema_says_what_it_changes(example_db: Callable[[str], Path]
                                                        ) -> None:
    con = sqlite3.connect(example_db("final"))
    tables = {r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    con.close()
    derived = {"slots", "aspect_marks", "_sqlite_migrations"}  # caches, bookkeeping
    assert tables - derived - set(TABLE_KINDS) == set()


def test_a_mark_changes_marks_and_results_of_its_event_only(
        example_db: Callable[[str], Path]) -> None:
    c = opened(example_db("drawn"), "chief")
    st = sorted(people.by_station(c, "GJQG"))[0]
    saved = marking.enter_mark(c, "GJQG", st, "A1", USERS["judge"][0], Decimal("1"))
    assert saved.changes.kinds == {Kind.MARKS, Kind.RESULTS, Kind.AUDIT}
    assert saved.changes.events == {"GJQG"}
    assert saved.changes.touches(Kind.RESULTS, event="GJQG")
    assert not saved.changes.touches(Kind.RESULTS, event="other")
    assert not saved.changes.touches(Kind.PEOPLE)
    assert saved.outcome() == "entered"
    again = marking.enter_mark(c, "GJQG", st, "A1", USERS["judge"][0], Decimal("1"))
    assert again.changes == NOTHING and not again.changes  # the same value: nothing written


def test_operations_return_what_they_wrote(example_db: Callable[[str], Path]) -> None:
    c = opened(example_db("drawn"), "chief")
    st = sorted(people.by_station(c, "GJQG"))[0]
    changes = people.set_status(c, "GJQG", st, "absent", "病假")
    assert changes.kinds == {Kind.PEOPLE, Kind.RESULTS, Kind.AUDIT}
    assert people.set_status(c, "GJQG", st, "absent", "病假") == NOTHING  # already so
    clock = timing.clock_action(c, "GJQG", [sorted(people.by_station(c, "GJQG"))[1]], "start")
    assert clock.touches(Kind.CLOCKS, event="GJQG")
    sample = results.record_recheck(c, "GJQG", 7, [st])
    assert sample.kinds == {Kind.AUDIT}  # an audit record only


def test_changes_combine_and_read_as_a_set_of_kinds() -> None:
    a = Changes.of(Kind.MARKS, events=["KD"])
    b = Changes.of(Kind.CLOCKS, events=["GJQG"])
    both = a | b
    assert both.events == {"KD", "GJQG"} and "marks" in both and "clocks" in both
    assert (a | Changes.of(Kind.USERS)).events is None  # not limited to an event: all
    assert EVERYTHING.touches(Kind.CERTIFICATES, event="any")
    assert both & {"marks", "people"} == {Kind.MARKS}


def test_done_carries_a_value_and_its_changes(example_db: Callable[[str], Path]) -> None:
    c = opened(example_db("decrypted"), "chief")
    done = results.publish(c, "GJQG", "note")
    assert isinstance(done, Done) and done.value >= 1
    assert done.changes.touches(Kind.SNAPSHOTS, event="GJQG")


def test_a_table_the_changes_do_not_know_is_refused(example_db: Callable[[str], Path]) -> None:
    c = opened(example_db("drawn"), "chief")
    with pytest.raises(KeyError, match="TABLE_KINDS"), c.write("test") as w:
        w.insert("no_such_table", {"x": 1})
