"""The engine through the command line: every refusal writes nothing; double entry; locking."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, cli, dump, write_csv

Example = Callable[[str], Path]



def refused(db: Path, argv: list[object], who: str, code: int,
            capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    """Run a command that must be refused: exit code, message parts, and nothing written."""
    before = dump(db)
    capsys.readouterr()
    assert cli(*argv, who=who) == code  # type: ignore[arg-type]
    err = capsys.readouterr().err
    for n in needles:
        assert n in err, err
    assert dump(db) == before
    return err


MARKS = ["event", "station", "aspect", "judge", "score", "measured"]


# ---- competitors -------------------------------------------------------------------------------
def test_wrong_check_character_refuses_the_whole_file(example_db: Example, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    db = example_db("init")
    f = write_csv(tmp_path / "people.csv", ["name", "id_number", "gender", "unit", "region",
                                            "event"],
                  [["甲", "230202199908163780", "女", "某厂", "哈尔滨", "GJQG"],
                   ["乙", "230202199908163781", "女", "某厂", "哈尔滨", "GJQG"]])
    refused(db, ["competitors", "import", f, "--db", db], "admin", 2, capsys,
            "people.csv", "row 3", "id_number")


def test_duplicate_person_in_file_and_already_entered(example_db: Example, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    db = example_db("init")
    header = ["姓名", "身份证号", "性别", "单位", "地区", "赛项"]
    row = ["甲", "230202199908163780", "女", "某厂", "哈尔滨", "GJQG"]
    f = write_csv(tmp_path / "dup.csv", header, [row, row])
    refused(db, ["competitors", "import", f, "--db", db], "admin", 2, capsys, "row 3")
    assert cli("competitors", "import", EXAMPLES / "competitors.csv", "--db", db,
               who="admin") == 0
    one = write_csv(tmp_path / "again.csv", header, [row])
    refused(db, ["competitors", "import", one, "--db", db], "admin", 2, capsys, "row 2",
            "already")


def test_unknown_event_and_empty_name(example_db: Example, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("init")
    f = write_csv(tmp_path / "p.csv", ["name", "id_number", "event"],
                  [["", "230202199908163780", "GJQG"], ["乙", "231002198504146875", "XXX"]])
    refused(db, ["competitors", "import", f, "--db", db], "admin", 2, capsys, "row 2",
            "row 3")


# ---- marks -------------------------------------------------------------------------------------
@pytest.mark.parametrize("row,field", [
    (["GJQG", "05", "A4", "赵一", "10.5", ""], "score"),  # above max 10
    (["GJQG", "05", "A9", "赵一", "1", ""], "aspect"),
    (["GJQG", "13", "A4", "赵一", "1", ""], "station"),
    (["GJQG", "05", "C1", "赵一", "4", ""], "score"),  # J is 0..3
    (["GJQG", "05", "A1", "赵一", "8", "60.01"], "score"),  # both
    (["GJQG", "05", "A4", "赵一", "", "10.01"], "measured"),  # no bands
    (["GJQG", "05", "A4", "赵一", "abc", ""], "score"),
    (["NOPE", "05", "A4", "赵一", "1", ""], "event"),
])
def test_bad_mark_rows_are_refused_with_row_and_field(example_db: Example, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      row: list[str], field: str) -> None:
    db = example_db("drawn")
    f = write_csv(tmp_path / "m.csv", MARKS, [["GJQG", "05", "A5", "赵一", "6", ""], row])
    refused(db, ["marks", "import", f, "--db", db], "recorder", 2, capsys, "m.csv",
            "row 3", f"field {field}")


def test_conflict_of_interest_refused_until_the_chief_overrides(
        example_db: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("drawn")
    # 周四 is from 中国第一重型机械集团, as is the competitor at workstation 01
    f = write_csv(tmp_path / "m.csv", MARKS, [["GJQG", "01", "B1", "周四", "7", ""]])
    err = refused(db, ["marks", "import", f, "--db", db], "recorder", 2, capsys, "row 2",
                  "may not mark workstation 01", "不能评定01号工位")
    # the refusal says that, not why: "same unit" would tell whose unit sits there
    assert "unit" not in err and "单位" not in err and "回避" not in err
    assert cli("override", "conflict", "--event", "GJQG", "--station", "01", "--judge", "周四",
               "--reason", "本组裁判不足，经仲裁同意", "--db", db, who="chief") == 0
    assert cli("marks", "import", f, "--db", db, who="recorder") == 0


def test_judge_not_in_file_is_refused(example_db: Example, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("drawn")
    f = write_csv(tmp_path / "m.csv", MARKS, [["GJQG", "05", "A4", "无名氏", "7", ""]])
    refused(db, ["marks", "import", f, "--db", db], "recorder", 5, capsys, "无名氏")


def test_judge_types_own_marks_only(example_db: Example, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("drawn")
    other = write_csv(tmp_path / "o.csv", MARKS, [["GJQG", "05", "B1", "钱二", "7", ""]])
    refused(db, ["marks", "import", other, "--db", db], "judge", 5, capsys)
    own = write_csv(tmp_path / "own.csv", MARKS, [["GJQG", "05", "B1", "赵一", "7", ""]])
    assert cli("marks", "import", own, "--db", db, who="judge") == 0


def test_wrong_pin_and_wrong_role_exit_5(example_db: Example,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("drawn")
    before = dump(db)
    assert cli("marks", "import", EXAMPLES / "marks.csv", "--db", db, "--user", "冯记录",
               "--pin", "9999") == 5
    refused(db, ["times", "import", EXAMPLES / "times.csv", "--db", db], "recorder", 5, capsys)
    refused(db, ["decrypt", "--event", "GJQG", "--db", db], "chief", 5, capsys)
    refused(db, ["lock", "--event", "GJQG", "--db", db], "admin", 5, capsys)
    refused(db, ["theory", "import", EXAMPLES / "theory.csv", "--db", db], "chief", 5, capsys)
    assert dump(db) == before


def test_five_wrong_pins_lock_the_user_out(example_db: Example) -> None:
    db = example_db("init")
    for _ in range(5):
        assert cli("results", "--event", "GJQG", "--db", db, "--user", "赵一",
                   "--pin", "0000") == 5
    assert cli("results", "--event", "GJQG", "--db", db, who="judge") == 5  # right PIN, locked


# ---- double entry ------------------------------------------------------------------------------
def mark_state(db: Path, station: str, aspect: str, judge: str) -> tuple[str, str | None]:
    import sqlite3
    con = sqlite3.connect(db)
    row = con.execute("SELECT status, score FROM slots WHERE event='GJQG' AND station=? AND "
                      "aspect=? AND judge=?", [station, aspect, judge]).fetchone()
    con.close()
    return row


def test_double_entry_verify_disagree_resolve(example_db: Example, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("drawn")
    first = write_csv(tmp_path / "a.csv", MARKS, [["GJQG", "05", "A4", "赵一", "7", ""],
                                                   ["GJQG", "05", "A5", "赵一", "6", ""]])
    assert cli("marks", "import", first, "--db", db, who="recorder") == 0
    assert mark_state(db, "05", "A4", "赵一") == ("entered", "7")
    # the same value typed again by the same user changes nothing
    before = dump(db)
    assert cli("marks", "import", first, "--db", db, who="recorder") == 0
    assert dump(db) == before
    second = write_csv(tmp_path / "b.csv", MARKS, [["GJQG", "5", "A4", "赵一", "7.0", ""],
                                                    ["GJQG", "05", "A5", "赵一", "6.5", ""]])
    assert cli("marks", "import", second, "--db", db, who="recorder2") == 0
    assert mark_state(db, "05", "A4", "赵一") == ("verified", "7")
    assert mark_state(db, "05", "A5", "赵一")[0] == "disagreement"
    # locking is refused while there is a disagreement
    capsys.readouterr()
    assert cli("lock", "--event", "GJQG", "--module", "A", "--db", db, who="chief") == 2
    assert "disagreement" in capsys.readouterr().err
    assert cli("resolve", "--event", "GJQG", "--station", "05", "--aspect", "A5", "--judge",
               "赵一", "--score", "6.5", "--reason", "核对原始评分表", "--db", db,
               who="chief") == 0
    assert mark_state(db, "05", "A5", "赵一") == ("resolved", "6.5")


def test_correction_by_the_typist_is_kept_in_history(example_db: Example, tmp_path: Path
                                                     ) -> None:
    db = example_db("drawn")
    a = write_csv(tmp_path / "a.csv", MARKS, [["GJQG", "05", "A4", "赵一", "7", ""]])
    b = write_csv(tmp_path / "b.csv", MARKS, [["GJQG", "05", "A4", "赵一", "8", ""]])
    assert cli("marks", "import", a, "--db", db, who="recorder") == 0
    assert cli("marks", "import", b, "--db", db, who="recorder") == 0
    assert mark_state(db, "05", "A4", "赵一") == ("entered", "8")
    import sqlite3
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM marks WHERE station='05' AND aspect='A4'"
                       ).fetchone()[0] == 2
    con.close()


def test_lock_needs_verification_and_unlock_needs_a_reason(
        example_db: Example, capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("marked")
    capsys.readouterr()
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 2
    assert "not verified" in capsys.readouterr().err
    db = example_db("final")
    assert cli("lock", "--event", "GJQG", "--module", "A", "--db", db, who="chief") == 0
    # marks of a locked module are refused
    f = write_csv(db.parent / "late.csv", MARKS, [["GJQG", "05", "A4", "赵一", "1", ""]])
    refused(db, ["marks", "import", f, "--db", db], "recorder", 2, capsys, "locked")
    assert cli("unlock", "--event", "GJQG", "--module", "A", "--db", db, who="chief") == 2
    assert cli("unlock", "--event", "GJQG", "--module", "A", "--reason", "申诉复核",
               "--db", db, who="chief") == 0
    assert cli("marks", "import", f, "--db", db, who="recorder") == 0


def test_decrypt_only_after_lock(example_db: Example,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("final")
    refused(db, ["decrypt", "--event", "GJQG", "--db", db], "encryption", 2, capsys, "locked")


def test_j_spread_blocks_locking_until_overridden(example_db: Example, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("final")
    # re-score C1 at workstation 05 so that the judges differ by 2
    f = write_csv(tmp_path / "j.csv", MARKS, [["GJQG", "05", "C1", "孙三", "1", ""]])
    assert cli("marks", "import", f, "--db", db, who="chief") == 0  # chief disagrees …
    assert cli("resolve", "--event", "GJQG", "--station", "05", "--aspect", "C1", "--judge",
               "孙三", "--score", "1", "--reason", "复评", "--db", db, who="chief") == 0
    capsys.readouterr()
    assert cli("lock", "--event", "GJQG", "--module", "C", "--db", db, who="chief") == 2
    assert "J scores differ" in capsys.readouterr().err
    assert cli("override", "spread", "--event", "GJQG", "--station", "05", "--aspect", "C1",
               "--reason", "裁判组复议维持", "--db", db, who="chief") == 0
    assert cli("lock", "--event", "GJQG", "--module", "C", "--db", db, who="chief") == 0


# ---- statuses, times, publishing ---------------------------------------------------------------
def results(db: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--json", "--db", db, who="chief") == 0
    return json.loads(capsys.readouterr().out)


def test_disqualified_loses_place_and_others_move_up(example_db: Example,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    db = example_db("final")
    assert cli("status", "--event", "GJQG", "--station", "4", "--set", "disqualified",
               "--reason", "携带违禁量具", "--db", db, who="chief") == 0
    # given by workstation under the sealed draw; theory joins at decryption
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 0
    assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 0
    rows = {r["station"]: r for r in results(db, capsys)["rows"]}
    assert rows["04"]["place"] is None and rows["04"]["status"] == "disqualified"
    assert rows["04"]["award"] is None
    assert rows["10"]["place"] == 1 and rows["10"]["award"] == "一等奖"
    # 11 placed: cutoffs 1, 3 (3.3), 7 (6.6)
    assert rows["12"]["award"] == "二等奖"
    assert rows["02"]["place"] == rows["05"]["place"] == 3 and rows["02"]["award"] == "二等奖"
    assert rows["07"]["place"] == 5 and rows["07"]["award"] == "三等奖"


def test_later_time_import_replaces_and_overtime_deducts(example_db: Example, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    db = example_db("final")
    f = write_csv(tmp_path / "t.csv", ["event", "station", "used_seconds", "extra_seconds"],
                  [["GJQG", "04", str(240 * 60 + 61), "0"]])
    assert cli("times", "import", f, "--db", db, who="chief") == 0
    row = next(r for r in results(db, capsys)["rows"] if r["station"] == "04")
    assert row["time_used_s"] == 240 * 60 + 61
    assert row["practical"] == "94.22"  # 96.22 − 2 started minutes


def test_publish_numbers_snapshots(example_db: Example,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("decrypted")
    assert cli("publish", "--event", "GJQG", "--db", db, who="chief") == 0
    capsys.readouterr()
    before = dump(db)
    assert cli("publish", "--event", "GJQG", "--db", db, who="chief") == 0
    out = capsys.readouterr().out  # the same results again: no second snapshot
    assert "unchanged since snapshot 1" in out and "与第1版相同" in out
    assert dump(db) == before  # nothing written, not even an audit record
    assert results(db, capsys)["snapshot"] == 1
    # a correction goes through the doors: unlock with a reason, change, lock, publish
    assert cli("unlock", "--event", "GJQG", "--reason", "申诉成立：04号工位取消资格",
               "--db", db, who="chief") == 0
    assert cli("status", "--event", "GJQG", "--station", "04", "--set", "disqualified",
               "--reason", "作品上做标记", "--db", db, who="chief") == 0
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 0
    capsys.readouterr()
    assert cli("publish", "--event", "GJQG", "--db", db, who="chief") == 0
    out = capsys.readouterr().out
    assert "snapshot 2" in out and "changes from snapshot 1" in out
    assert "workstation 04 (changed): place" in out and "disqualified" in out
    assert results(db, capsys)["snapshot"] == 2


def test_draw_with_seed_is_reproducible(example_db: Example) -> None:
    import shutil
    import sqlite3
    a = example_db("competitors")
    b = Path(shutil.copy(a, a.parent / "b.db"))
    for db in (a, b):
        assert cli("draw", "--event", "GJQG", "--seed", "42", "--witness", "褚监督",
                   "--db", db, who="admin") == 0

    def lots(db: Path) -> list[tuple[str, str, str]]:
        # the draw is sealed: the seed and the links are read by the encryption officer only
        from db.keys.officer import passphrase_from_env, unlock_officer_key
        from db.ops.blind import open_payloads
        from db.store.contest import Contest

        con = sqlite3.connect(db)
        assert con.execute("SELECT seed, witness FROM draws").fetchone() == (None, "褚监督")
        assert con.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 0
        ids = dict(con.execute("SELECT uid, id_number FROM competitors").fetchall())
        con.close()
        c = Contest.open(db)
        (sealed,) = open_payloads(c, unlock_officer_key(c, passphrase_from_env()), "GJQG",
                                  "draw")
        c.close()
        assert sealed["seed"] == "42"
        return sorted((ids[x["competitor"]], x["candidate"], x["station"])
                      for x in sealed["lots"])
    assert lots(a) == lots(b)
    assert len({s for _, _, s in lots(a)}) == 12


def test_audit_verify_catches_a_changed_mark(example_db: Example,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3
    db = example_db("verified")
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER marks_no_update")
    con.execute("UPDATE marks SET score = '10' WHERE rowid = 4")
    con.commit()
    con.close()
    capsys.readouterr()
    assert cli("audit", "verify", "--db", db, who="supervisor") == 3
    assert "differs from its audit record" in capsys.readouterr().err


def test_clocks_from_the_command_line_give_the_time_used(example_db: Example,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """No times imported: the workstation clocks are the time used (pauses not counted)."""
    import sqlite3
    db = example_db("verified")
    assert cli("clock", "start", "--event", "GJQG", "--db", db, who="chief") == 0
    assert cli("clock", "pause", "--event", "GJQG", "--station", "5", "--db", db,
               who="chief") == 2  # a pause needs a reason
    assert cli("clock", "pause", "--event", "GJQG", "--station", "5", "--reason", "台钻故障",
               "--db", db, who="chief") == 0
    assert cli("clock", "extra", "--event", "GJQG", "--station", "5", "--seconds", "300",
               "--reason", "设备故障补时", "--db", db, who="chief") == 0
    assert cli("clock", "stop", "--event", "GJQG", "--db", db, who="chief") == 0
    con = sqlite3.connect(db)
    kinds = [k for (k,) in con.execute(
        "SELECT kind FROM clock_events WHERE station = '05' ORDER BY t, rowid")]
    con.close()
    assert kinds == ["start", "pause", "extra", "stop"]
    rows = {r["station"]: r for r in results(db, capsys)["rows"]}
    assert all(r["time_used_s"] is not None and r["time_used_s"] < 60 for r in rows.values())
