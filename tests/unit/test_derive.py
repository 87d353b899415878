"""The mark log replayed in one pass (db/ops/slots.derive), for the venue's caches and for
headquarters' recomputation of a results file (db/files/recompute.py)."""

from __future__ import annotations

import copy
import functools
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from db.files.exchange import ResultsFile, read_results_file
from db.ops.slots import SlotKey
from judging.entries import SlotState, Typed, replay
from judging.scheme import Event, load_competition
from tests.conftest import EXAMPLES, cli

Example = Callable[[str], Path]

_values = st.sampled_from([None, Decimal("7"), Decimal("7.0"), Decimal("8"), Decimal("0")])
_rows = st.builds(Typed, uid=st.sampled_from(["a", "b"]), user=st.sampled_from(["甲", "乙"]),
                  action=st.sampled_from(["type", "resolve", "clear", "retract"]),
                  score=_values, measured=_values, reason=st.just("r"),
                  target=st.sampled_from([None, "a", "b"]))


def _general(rows: list[Typed]) -> SlotState:
    """The replay without its shortcut for a slot typed once and verified once: a harmless
    first row that changes nothing (a retract of a row that is not there) keeps it off."""
    return replay([Typed("-", "-", "retract", None, None, "", "no such row"), *rows])


@given(st.lists(_rows, min_size=2, max_size=2))
def test_the_shortcut_for_a_verified_slot_is_the_general_replay(rows: list[Typed]) -> None:
    fast, slow = replay(rows), _general(rows)
    assert (fast.score, fast.measured, fast.typist, fast.verifier, fast.status,
            fast.candidates) == (slow.score, slow.measured, slow.typist, slow.verifier,
                                 slow.status, slow.candidates)
    assert fast.history == [h for h in slow.history if not h.startswith("retract no such")]


def _honest(example_db: Example, tmp_path: Path) -> ResultsFile:
    out = tmp_path / "r.jxresults"
    assert cli("export", "--out", out, "--db", example_db("decrypted"), who="admin") == 0
    return read_results_file(out)


def test_a_file_whose_mark_rows_are_not_what_a_venue_writes_is_refused(
        example_db: Example, tmp_path: Path) -> None:
    """The recomputation checks the mark rows as the venue's table would (it never stores
    them): a uid twice, a time or a value that is not text, a missing column."""
    from db.files.recompute import recompute_problems

    f = _honest(example_db, tmp_path)
    assert recompute_problems(f) == []
    cols = f.body["tables"]["marks"]["columns"]

    def broken(change: Callable[[list[list[object]]], None]) -> list[str]:
        body = copy.deepcopy(f.body)
        change(body["tables"]["marks"]["rows"])
        return recompute_problems(ResultsFile(f.name, f.sha256, f.size, body))

    def twice(rows: list[list[object]]) -> None:
        rows[1][cols.index("uid")] = rows[0][cols.index("uid")]

    def number_at(rows: list[list[object]]) -> None:
        rows[0][cols.index("at")] = 1.5

    def number_score(rows: list[list[object]]) -> None:
        row = next(r for r in rows if r[cols.index("score")] is not None)
        row[cols.index("score")] = 7.5

    for change in (twice, number_at, number_score):
        problems = broken(change)
        assert len(problems) == 1 and "cannot be loaded" in problems[0], (change, problems)
    body = copy.deepcopy(f.body)
    body["tables"]["marks"]["columns"] = [c for c in cols if c != "at"]
    body["tables"]["marks"]["rows"] = [r[:cols.index("at")] + r[cols.index("at") + 1:]
                                       for r in body["tables"]["marks"]["rows"]]
    problems = recompute_problems(ResultsFile(f.name, f.sha256, f.size, body))
    assert len(problems) == 1 and "cannot be loaded" in problems[0]


def test_a_file_whose_other_rows_are_not_whole_is_refused(example_db: Example,
                                                          tmp_path: Path) -> None:
    """The other tables go into the recomputation's contest column by column: a row with a
    field too few or too many, or not a list, is refused as damaged, never cut to fit."""
    from db.files.recompute import recompute_problems

    f = _honest(example_db, tmp_path)

    def changed(table: str, change: Callable[[list[object]], object]) -> list[str]:
        body = copy.deepcopy(f.body)
        rows = body["tables"][table]["rows"]
        rows[-1] = change(rows[-1])
        return recompute_problems(ResultsFile(f.name, f.sha256, f.size, body))

    for table in ("competitors", "theory", "users"):
        for change in (lambda r: r[:-1], lambda r: [*r, "x"], lambda r: "".join(map(str, r))):
            problems = changed(table, change)
            assert len(problems) == 1 and "cannot be loaded" in problems[0], (table, problems)


def test_the_file_replays_to_the_venue_s_own_caches_in_any_row_order(
        example_db: Example, tmp_path: Path) -> None:
    """The log is replayed in the venue's order (time, then uid), whatever the file's order:
    every slot (who typed, who verified, status, points) comes out as the venue's cache the
    file carries (``mark_states``), and the results as stated."""
    from db.files.recompute import _contest_from, _mark_columns, recompute_problems
    from db.ops.slots import derive, mark_logs

    f = _honest(example_db, tmp_path)
    body = copy.deepcopy(f.body)
    body["tables"]["marks"]["rows"].reverse()
    shuffled = ResultsFile(f.name, f.sha256, f.size, body)
    assert recompute_problems(shuffled) == []
    c = _contest_from(f)
    try:
        d = derive(c.event, mark_logs(zip(*_mark_columns(body["tables"]["marks"]).values())))
    finally:
        c.db.conn.close()
    assert f.body["mark_states"]["columns"][:4] == ["event", "station", "aspect", "judge"]
    venue = sorted(map(tuple, f.body["mark_states"]["rows"]), key=str)
    assert sorted(map(tuple, d.slot_values), key=str) == venue
    assert len(venue) > 100


@functools.cache
def _example_event() -> Event:
    comp = load_competition((EXAMPLES / "competition.toml").read_text(encoding="utf-8"),
                            pins=False)
    return comp.event(comp.event_ids[0])


# a slot typed once and verified once (the usual slot), 7 and 7.0 alike; or any rows
_verified = st.builds(lambda s, m, s2, m2: [Typed("a", "甲", "type", s, m),
                                            Typed("b", "乙", "type", s2, m2)],
                      _values, _values, _values, _values).filter(
    lambda rows: rows[0].score == rows[1].score and rows[0].measured == rows[1].measured)
_slot_rows = st.one_of(_verified, st.lists(_rows, min_size=0, max_size=4))


@given(st.dictionaries(st.tuples(st.sampled_from(["A1", "A4", "B1", "C1", "S1"]),
                                 st.sampled_from(["1", "2", "3"])), _slot_rows, max_size=8))
def test_the_aspect_marks_alone_are_those_of_the_whole_derivation(
        logs: dict[tuple[str, str], list[Typed]]) -> None:
    """``cache=False`` (headquarters: only the aspect marks, the usual slot without a replay)
    gives the same aspect marks as the venue's whole derivation, for any logs."""
    from db.ops.slots import derive

    ev = _example_event()
    keyed: dict[SlotKey, list[Typed]]
    keyed = {("GJQG", "07", aspect, judge): [r._replace(uid=f"{r.uid}{i}") for i, r in
                                             enumerate(rows)]
             for (aspect, judge), rows in logs.items() if rows}
    whole, alone = derive(lambda _: ev, keyed), derive(lambda _: ev, keyed, cache=False)
    assert alone.aspect_values == whole.aspect_values
    assert not alone.slot_values and len(whole.slot_values) == len(keyed)


@given(st.dictionaries(st.tuples(st.sampled_from(["07", "09"]),
                                 st.sampled_from(["A1", "A4", "B1", "C1", "S1"]),
                                 st.sampled_from(["1", "2", "3"])), _slot_rows, max_size=12),
       st.randoms(use_true_random=False),
       st.sampled_from([None, "7", "7.0", "NaN", "sNaN", "x"]))
def test_the_column_form_gives_the_aspect_marks_of_the_derivation(
        logs: dict[tuple[str, str, str], list[Typed]], rnd: random.Random, text: str | None
        ) -> None:
    """Headquarters' column form (``aspect_values_of``: the usual slot from its texts, without
    a row typed) gives what the venue's derivation of the same rows gives, for any logs in any
    interleaving; with a pair typed with one text twice (a NaN, an sNaN, not a number) the same
    values or the same error."""
    from db.ops.slots import MARK_LOG_COLUMNS, aspect_values_of, derive, mark_logs

    ev = _example_event()
    rows: list[list[object]] = []
    for (station, aspect, judge), log in logs.items():
        slot = f"{station}{aspect}{judge}"
        for i, r in enumerate(log):
            rows.append(["GJQG", station, aspect, judge, f"{slot}{r.uid}{i}", r.user, r.action,
                         None if r.score is None else str(r.score),
                         None if r.measured is None else str(r.measured), r.reason,
                         None if r.target is None else f"{slot}{r.target}0"])
    rows += [["GJQG", "08", "A1", "1", "t1", "甲", "type", text, None, "", None],
             ["GJQG", "08", "A1", "1", "t2", "乙", "type", text, None, "", None],
             # the same value verified at one workstation, typed once at another
             ["GJQG", "10", "A1", "1", "v1", "甲", "type", "7", None, "", None],
             ["GJQG", "10", "A1", "1", "v2", "乙", "type", "7", None, "", None],
             ["GJQG", "11", "A1", "1", "e1", "甲", "type", "7", None, "", None]]
    rnd.shuffle(rows)  # the log's order, across slots and within each

    def outcome(fn: Callable[[], object]) -> object:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - compared, not hidden
            return type(exc)

    columns = {c: tuple(r[i] for r in rows) for i, c in enumerate(MARK_LOG_COLUMNS)}
    whole = outcome(lambda: derive(lambda _: ev, mark_logs(rows), cache=False).aspect_values)
    alone = outcome(lambda: aspect_values_of(lambda _: ev, columns))
    assert alone == whole
