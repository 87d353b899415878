"""Issue 16, "the audit chain has no key" and "results come from tables nothing protects":
an attacker with the file, sqlite3 and the project's own ``row_hash``/``record_hash``.

Against the old behaviour every forged file below passed ``audit verify`` (and ``check``,
``export``): the chain had no key and the caches and rules were never recomputed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.forge import forge
from tests.conftest import cli

Example = Callable[[str], Path]


def exported(example_db: Example, tmp_path: Path, stage: str = "locked") -> tuple[Path, Path]:
    """The example at ``stage`` with a results file exported (which signs the chain head)."""
    db = example_db(stage)
    out = tmp_path / "first.jxresults"
    assert cli("export", "--out", out, "--db", db, who="admin") == 0
    return db, out


def verify(db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli("audit", "verify", "--db", db, who="supervisor")
    out = capsys.readouterr()
    return code, out.out + out.err


def raise_station_03(con: sqlite3.Connection) -> None:
    """Workstation 03 gets every J/P score at its top and every measurement on nominal."""
    from db.ops.marking import rebuild_derived  # the attacker refreshes the caches too
    del rebuild_derived
    con.execute("UPDATE marks SET score = '3' WHERE station = '03' AND score IS NOT NULL "
                "AND aspect LIKE 'C%'")
    con.execute("UPDATE marks SET score = '8' WHERE station = '03' AND score IS NOT NULL "
                "AND aspect LIKE 'A%'")


def refresh_caches(db: Path) -> None:
    """The attacker runs the project's own rebuild so the caches agree with the forged marks."""
    from db.ops.slots import rebuild_derived
    from db.store.connection import transaction
    from db.store.contest import Contest

    c = Contest.open(db)
    with transaction(c.db):
        rebuild_derived(c)
    c.close()


def test_rewritten_marks_with_recomputed_hashes_fail(example_db: Example, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = exported(example_db, tmp_path)
    assert verify(db, capsys)[0] == 0
    forge(db, raise_station_03)
    refresh_caches(db)
    forge(db, lambda con: None)  # and recompute the chain once more after the caches
    code, text = verify(db, capsys)
    assert code == 3 and "rewritten" in text
    assert cli("export", "--out", tmp_path / "forged.jxresults", "--db", db, who="admin") == 3


def test_removed_tail_fails(example_db: Example, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = exported(example_db, tmp_path)
    con = sqlite3.connect(db)
    signed = con.execute("SELECT MAX(seq) FROM signed_heads").fetchone()[0]
    con.close()

    def drop_lock(con: sqlite3.Connection) -> None:  # the lock and everything after it
        first = con.execute("SELECT MIN(seq) FROM audit WHERE action = 'lock'").fetchone()[0]
        assert first < signed
        con.execute("DELETE FROM locks")
        con.execute("DELETE FROM audit WHERE seq >= ?", [first])
    forge(db, drop_lock)
    code, text = verify(db, capsys)
    assert code == 3 and "removed" in text


def test_truncation_to_before_every_signed_head_is_caught_by_the_backups(
        example_db: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The attacker removes the signed heads too: the file alone cannot tell, but the
    backup on the organiser's USB stick holds a signed head the chain no longer reaches."""
    db, _ = exported(example_db, tmp_path)
    stick = tmp_path / "stick"
    assert cli("backup", "--set-folder", stick, "--db", db, who="admin") == 0
    assert cli("backup", "--to", stick, "--db", db, who="admin") == 0

    def truncate(con: sqlite3.Connection) -> None:
        first = con.execute("SELECT MIN(seq) FROM audit WHERE action = 'lock'").fetchone()[0]
        con.execute("DELETE FROM locks")
        con.execute("DELETE FROM signed_heads WHERE uid IN (SELECT row_uid FROM audit WHERE "
                    "seq >= ?)", [first])
        con.execute("DELETE FROM audit WHERE seq >= ?", [first])
    forge(db, truncate)
    code, text = verify(db, capsys)
    assert code == 3 and "backup" in text and "removed" in text


def test_the_results_file_carries_the_signed_heads(example_db: Example,
                                                   tmp_path: Path) -> None:
    from db.keys import signing
    from db.store.checkpoints import message

    db, out = exported(example_db, tmp_path)
    body = json.loads(out.read_text(encoding="utf-8"))["body"]
    heads = body["signed_heads"]
    assert heads and heads[-1]["seq"] < body["audit_head"]["seq"]
    public = bytes.fromhex(body["key"]["public"])
    import base64

    for h in heads:
        assert signing.verify(public, message(body["contest_uid"], h["seq"], h["head"]),
                              base64.b64decode(h["signature"]))


# ---- derived data ---------------------------------------------------------------------------
def test_a_changed_aspect_mark_cache_fails_everywhere(example_db: Example, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    db = Path(shutil.copy(example_db("locked"), tmp_path / "c.db"))
    # 28 points on an aspect whose maximum is 8: the cache is not an audited table
    forge(db, lambda con: con.execute(
        "UPDATE aspect_marks SET mark = '28', units = units * 10 WHERE station = '03' AND "
        "aspect = 'A4'"), recompute=False)
    code, text = verify(db, capsys)
    assert code == 3 and "aspect_marks GJQG/03/A4" in text
    assert cli("check", "--db", db) == 3
    assert cli("export", "--out", tmp_path / "x.jxresults", "--db", db, who="admin") == 3
    assert cli("forms", "results", "--event", "GJQG", "--out", tmp_path / "gs.pdf",
               "--db", db, who="chief") == 3


def test_changed_rules_fail(example_db: Example, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    db = Path(shutil.copy(example_db("locked"), tmp_path / "c.db"))

    def every_one_an_award(con: sqlite3.Connection) -> None:
        text = con.execute("SELECT value FROM meta WHERE key = 'competition'").fetchone()[0]
        con.execute("UPDATE meta SET value = ? WHERE key = 'competition'",
                    [text.replace("shares = [0.1, 0.2, 0.3]", "shares = [0.4, 0.3, 0.3]")
                     .replace("min_total_for_award = 60", "min_total_for_award = 0")])
    forge(db, every_one_an_award, recompute=False)
    code, text = verify(db, capsys)
    assert code == 3 and "rules" in text
    assert cli("check", "--db", db) == 3
    assert cli("export", "--out", tmp_path / "x.jxresults", "--db", db, who="admin") == 3
