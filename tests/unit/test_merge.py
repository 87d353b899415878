"""Laptops that merge: pooled by row id, both histories kept, conflicts shown, any order."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db.files.exchange import build_body, read_results_file, sign_body
from db.files.merge import merge_file, new_laptop
from db.keys.contest_key import unlock_private_key
from db.ops.marking import enter_marks, read_marks_file
from db.ops.results import results
from db.store.audit import verify
from judging.errors import InputError, NotAllowed, VerificationFailed
from tests.conftest import EXAMPLES, cli, copy_db, signed_in

CONFLICT = ("GJQG", "01", "A4", "赵一")




def type_marks(db: Path, who: str, rows: list[dict[str, str]], tmp: Path) -> None:
    path = tmp / f"{who}-{len(rows)}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    c = signed_in(db, who)
    enter_marks(c, read_marks_file(path), file=str(path))
    c.close()


def export_of(db: Path, out: Path) -> Path:
    assert cli("export", "--out", out, "--db", db, who="admin") == 0
    return out


@pytest.fixture(scope="module")
def laptops(tmp_path_factory: pytest.TempPathFactory,
            example_cache: Callable[[str], Path]) -> dict[str, Path]:
    """A main laptop after the draw; laptops A and B copied from it, each typing half the
    marks (typed and verified), B also typing a different value for one of A's slots."""
    base = tmp_path_factory.mktemp("merge")
    main = copy_db(example_cache("drawn"), base / "main.db")
    c = signed_in(main, "chief")
    a, b = new_laptop(c, base / "a.db"), new_laptop(c, base / "b.db")
    c.close()
    with (EXAMPLES / "marks.csv").open(encoding="utf-8-sig") as fh:
        marks = list(csv.DictReader(fh))
    first = [r for r in marks if r["station"] <= "06"]
    second = [r for r in marks if r["station"] > "06"]
    for db, rows in ((a, first), (b, second)):
        type_marks(db, "recorder", rows, base)
        type_marks(db, "recorder2", rows, base)
    clash = next(dict(r) for r in first if (r["event"], r["station"], r["aspect"],
                                            r["judge"]) == CONFLICT)
    clash["score"] = "5.0"
    type_marks(b, "recorder2", [clash], base)
    return {"main": main, "a": a, "b": b, "file_a": export_of(a, base / "a.jxr"),
            "file_b": export_of(b, base / "b.jxr")}


def merged(laptops: dict[str, Path], order: str, tmp: Path) -> Path:
    db = copy_db(laptops["main"], tmp / f"main-{order}.db")
    c = signed_in(db, "chief")
    for which in order:
        report = merge_file(c, laptops[f"file_{which}"], backup_dir=tmp / "backups")
        assert not report.noop
    c.close()
    return db


def state(db: Path) -> tuple[object, ...]:
    c = signed_in(db, "judge")
    con = c.db.conn
    slots = con.execute("SELECT * FROM slots ORDER BY 1, 2, 3, 4").fetchall()
    marks = con.execute("SELECT * FROM aspect_marks ORDER BY 1, 2, 3").fetchall()
    rows = con.execute("SELECT uid, by, device FROM marks ORDER BY uid").fetchall()
    return results(c, "GJQG").as_json(), slots, marks, rows


def test_each_laptop_has_its_own_device_id(laptops: dict[str, Path]) -> None:
    ids = set()
    for k in ("main", "a", "b"):
        con = sqlite3.connect(laptops[k])
        ids.add(con.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0])
    assert len(ids) == 3


def test_two_laptops_merge_to_the_same_result_in_either_order(laptops: dict[str, Path],
                                                              tmp_path: Path) -> None:
    ab = state(merged(laptops, "ab", tmp_path))
    ba = state(merged(laptops, "ba", tmp_path))
    assert ab == ba
    res, _, _, rows = ab
    assert len(rows) == 601  # 300 typed + 300 verified on the two laptops, one clash
    assert {r[2] for r in rows} == {
        sqlite3.connect(laptops[k]).execute(
            "SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0] for k in "ab"}
    assert all(r["total"] != "0.00" for r in res["rows"])


def test_a_real_conflict_goes_to_the_chief_judge(laptops: dict[str, Path], tmp_path: Path
                                                 ) -> None:
    db = merged(laptops, "ab", tmp_path)
    con = sqlite3.connect(db)
    status, candidates = con.execute(
        "SELECT status, candidates FROM slots WHERE event = ? AND station = ? AND aspect = ? "
        "AND judge = ?", CONFLICT).fetchone()
    assert status == "disagreement"
    values = {v[0] for v in json.loads(candidates).values()}
    assert len(values) == 2 and "5" in values  # both devices' values, side by side
    others = con.execute("SELECT COUNT(*) FROM slots WHERE status = 'disagreement'").fetchone()
    assert others[0] == 1
    # the chief resolves it through the normal path after the merge
    assert cli("resolve", "--event", "GJQG", "--station", "01", "--aspect", "A4", "--judge",
               "赵一", "--score", "5", "--reason", "paper sheet says 5", "--db", db,
               who="chief") == 0


def test_merged_rows_pass_the_audit_check_and_repeat_is_a_noop(laptops: dict[str, Path],
                                                               tmp_path: Path) -> None:
    db = merged(laptops, "ab", tmp_path)
    c = signed_in(db, "chief")
    assert verify(c.db).ok
    before = c.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    backups = len(list((tmp_path / "backups").iterdir()))
    for which in "ab":
        report = merge_file(c, laptops[f"file_{which}"], backup_dir=tmp_path / "backups")
        assert report.noop and report.already > 300
    assert c.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
    assert len(list((tmp_path / "backups").iterdir())) == backups
    merges = c.db.execute("SELECT source_device, counts FROM merges").fetchall()
    assert len(merges) == 2
    audit = c.db.execute("SELECT COUNT(*) FROM audit WHERE action = 'merge' AND tbl = 'marks'"
                         ).fetchone()[0]
    assert audit == 601
    assert cli("audit", "verify", "--db", db, who="judge") == 0


def test_merge_takes_a_backup_first(laptops: dict[str, Path], tmp_path: Path) -> None:
    db = copy_db(laptops["main"], tmp_path / "m.db")
    c = signed_in(db, "admin")
    report = merge_file(c, laptops["file_a"], backup_dir=tmp_path / "bk")
    assert report.backup is not None and report.backup.exists()
    con = sqlite3.connect(report.backup)
    assert con.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == 0


def test_merging_back_and_forth_keeps_both_histories(laptops: dict[str, Path],
                                                     tmp_path: Path) -> None:
    a = copy_db(laptops["a"], tmp_path / "a.db")
    c = signed_in(a, "chief")
    merge_file(c, laptops["file_b"], backup_dir=tmp_path / "bk")
    c.close()
    back = export_of(a, tmp_path / "a2.jxr")
    b = copy_db(laptops["b"], tmp_path / "b.db")
    c = signed_in(b, "chief")
    report = merge_file(c, back, backup_dir=tmp_path / "bk")
    # B gets A's own marks; its own rows (coming back inside A's file) are already there
    assert report.added["marks"] == 300 and report.already >= 301
    assert state(a)[:3] == state(b)[:3]


def test_nothing_absent_from_a_file_is_deleted(laptops: dict[str, Path], tmp_path: Path
                                               ) -> None:
    a = copy_db(laptops["a"], tmp_path / "a.db")
    c = signed_in(a, "chief")
    before = c.db.execute("SELECT COUNT(*) FROM marks").fetchone()[0]
    merge_file(c, laptops["file_b"], backup_dir=tmp_path / "bk")
    # B's file lacks A's marks: they stay
    assert c.db.execute("SELECT COUNT(*) FROM marks").fetchone()[0] == before + 301


def test_a_row_altered_under_the_same_id_is_refused(laptops: dict[str, Path],
                                                    tmp_path: Path) -> None:
    a = copy_db(laptops["a"], tmp_path / "a.db")
    c = signed_in(a, "admin")
    body = build_body(c, exported_by="x")
    marks = body["tables"]["marks"]
    col = marks["columns"].index("score")
    row = next(r for r in marks["rows"] if r[col] is not None)
    row[col] = "9.99"
    forged = tmp_path / "forged.jxr"
    forged.write_bytes(sign_body(body, unlock_private_key(c)))
    c.close()
    db = copy_db(laptops["main"], tmp_path / "m.db")
    m = signed_in(db, "chief")
    merge_file(m, laptops["file_a"], backup_dir=tmp_path / "bk")
    count = m.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    with pytest.raises(VerificationFailed, match="altered"):
        merge_file(m, forged, backup_dir=tmp_path / "bk")
    assert m.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == count


def test_a_file_of_another_contest_is_refused(laptops: dict[str, Path], tmp_path: Path
                                              ) -> None:
    from db.keys import signing

    # the same competition initialised separately: another contest id and another key
    c = signed_in(laptops["a"], "admin")
    body = build_body(c, exported_by="x")
    c.close()
    private, public = signing.generate_key()
    body["contest_uid"] = "another"
    body["key"] = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
                   "public": public.hex()}
    f = tmp_path / "other.jxr"
    f.write_bytes(sign_body(body, private))
    db = copy_db(laptops["main"], tmp_path / "m.db")
    m = signed_in(db, "chief")
    with pytest.raises(VerificationFailed, match="another contest"):
        merge_file(m, f, backup_dir=tmp_path / "bk")
    assert cli("merge", f, "--db", db, who="chief") == 3


def test_a_damaged_file_is_refused_and_roles_are_checked(laptops: dict[str, Path],
                                                         tmp_path: Path) -> None:
    db = copy_db(laptops["main"], tmp_path / "m.db")
    data = laptops["file_a"].read_bytes()
    bad = tmp_path / "bad.jxr"
    bad.write_bytes(data[: len(data) // 3])
    assert cli("merge", bad, "--db", db, who="chief") == 3
    assert cli("merge", laptops["file_a"], "--db", db, who="recorder") == NotAllowed.exit_code
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM marks").fetchone()[0] == 0
    assert read_results_file(laptops["file_a"]).device_id != read_results_file(
        laptops["file_b"]).device_id
    with pytest.raises(InputError):
        new_laptop(signed_in(db, "chief"), laptops["a"])  # exists already


def test_merge_and_new_laptop_from_the_command_line(laptops: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = copy_db(laptops["main"], tmp_path / "m.db")
    assert cli("merge", "--new-laptop", tmp_path / "c.db", "--db", db, who="admin") == 0
    assert cli("merge", laptops["file_b"], "--db", db, who="chief") == 0
    out = capsys.readouterr().out  # the marks, and who signed in on laptop B
    assert "merged 305 rows" in out and "marks 301, signins 4" in out
    assert cli("merge", laptops["file_b"], "--db", db, who="chief") == 0
    assert "nothing new" in capsys.readouterr().out
