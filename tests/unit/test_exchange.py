"""The results file: what it holds, that it reproduces the venue's results, and that any
damage to it is refused."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from db.files.exchange import TABLES, read_results_file
from judging.errors import NotAllowed, VerificationFailed
from tests.conftest import cli, copy_db, signed_in


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory,
             example_cache: Callable[[str], Path]) -> tuple[Path, Path]:
    """(contest copy, its results file), made once for the module."""
    base = tmp_path_factory.mktemp("exchange")
    db = base / "venue.db"
    copy_db(example_cache("decrypted"), db)
    out = base / "results.jxr"
    assert cli("export", "--out", out, "--db", db, who="admin") == 0
    return db, out


def test_export_prints_the_files_sha256(exported: tuple[Path, Path],
                                        capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    db, _ = exported
    copy = tmp_path / "v.db"
    copy_db(db, copy)
    out = tmp_path / "again.jxr"
    assert cli("export", "--out", out, "--db", copy, who="admin") == 0
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}" in capsys.readouterr().out


def test_file_reproduces_the_venues_results_exactly(exported: tuple[Path, Path]) -> None:
    db, out = exported
    f = read_results_file(out)
    c = signed_in(db, "judge")
    from db.ops.results import results

    assert f.results == {"GJQG": results(c, "GJQG").as_json()}
    assert f.results["GJQG"]["rows"][0]["name"] is not None  # decrypted


def test_file_holds_every_row_and_its_history(exported: tuple[Path, Path]) -> None:
    db, out = exported
    f = read_results_file(out)
    con = sqlite3.connect(db)
    for table in TABLES:
        n = con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert f.count(table) == n == f.body["manifest"]["tables"][table], table
    marks = f.rows("marks")
    assert {m["by"] for m in marks} == {"冯记录", "于记录"}  # who typed each value
    states = f.body["mark_states"]
    cols = states["columns"]
    verifiers = {dict(zip(cols, r))["verifier"] for r in states["rows"]}
    assert verifiers == {"于记录"}  # who verified
    body = f.body
    assert body["key"]["key_id"] == con.execute("SELECT key_id FROM keys").fetchone()[0]
    assert body["device_id"] == con.execute(
        "SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
    assert body["audit_head"]["seq"] > 600
    assert body["software"]["name"] == "jiangxin" and body["format_version"] == 1


def test_file_keeps_secrets_at_the_venue(exported: tuple[Path, Path]) -> None:
    _, out = exported
    f = read_results_file(out)
    assert "pin_hash" not in f.body["tables"]["users"]["columns"]
    assert "wrapped" not in f.body["tables"]["keys"]["columns"]
    rules = tomllib.loads(f.body["competition_toml"])
    assert {u["pin"] for u in rules["user"]} == {"******"}
    assert rules["competition"]["id"] == "HLJ-2020-GJQG-F"


def test_later_export_lists_the_earlier_one(exported: tuple[Path, Path], tmp_path: Path
                                            ) -> None:
    db, first = exported
    copy = tmp_path / "v.db"
    copy_db(db, copy)
    second = tmp_path / "second.jxr"
    assert cli("export", "--out", second, "--db", copy, who="admin") == 0
    f1, f2 = read_results_file(first), read_results_file(second)
    assert f1.sha256 in f2.export_hashes
    assert f2.body["audit_head"]["seq"] > f1.body["audit_head"]["seq"]
    assert cli("audit", "verify", "--db", copy, who="judge") == 0


def _flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]


def test_one_flipped_byte_anywhere_is_refused(exported: tuple[Path, Path]) -> None:
    _, out = exported
    data = out.read_bytes()
    named = {
        "first": 0, "body key": 3, "last (newline)": len(data) - 1,
        "closing brace": len(data) - 2,
        "signature value": data.rindex(b'"value":"') + 12,
        "signature key id": data.rindex(b'"key_id":"') + 12,
        "body hash": data.rindex(b'"body_sha256":"') + 20,
        "format": data.rindex(b'"format":"') + 12,
        "manifest count": data.index(b'"marks":600') + 9,
        "manifest name": data.index(b'"manifest"') + 3,
        "a mark score": data.index(b'"GJQG","05","A4"') + 2,
        "public key": data.index(b'"public":"') + 15,
        "results total": data.index(b'"total":"') + 10,
    }
    rng = random.Random(5)
    positions = list(named.items()) + [(f"random {p}", p) for p in
                                       rng.sample(range(len(data)), 150)]
    for what, pos in positions:
        with pytest.raises(VerificationFailed, match="nothing was imported"):
            read_results_file(_flip(data, pos), name="x.jxr")
        assert what  # (named for the failure message)


def test_truncated_or_foreign_file_is_refused(exported: tuple[Path, Path], tmp_path: Path
                                              ) -> None:
    _, out = exported
    data = out.read_bytes()
    for n in (0, 1, 100, len(data) // 2, len(data) - 2, len(data) - 1):
        with pytest.raises(VerificationFailed):
            read_results_file(data[:n], name="cut.jxr")
    with pytest.raises(VerificationFailed, match="not a complete"):
        read_results_file(b"PK\x03\x04 a zip", name="x.zip")
    # a file re-serialised with spaces says the same but is not the signed file
    pretty = json.dumps(json.loads(data), ensure_ascii=False, indent=1).encode() + b"\n"
    with pytest.raises(VerificationFailed):
        read_results_file(pretty, name="pretty.jxr")


def test_export_needs_the_admin(exported: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = exported
    out = tmp_path / "x.jxr"
    assert cli("export", "--out", out, "--db", db, who="chief") == NotAllowed.exit_code
    assert not out.exists()


def test_export_refuses_a_database_changed_behind_the_apps_back(
        exported: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = exported
    copy = tmp_path / "v.db"
    copy_db(db, copy)
    con = sqlite3.connect(copy)
    con.execute("INSERT INTO marks (uid, event, station, aspect, judge, action, score, reason, "
                "at, by, device) VALUES ('x', 'GJQG', '01', 'A4', '赵一', 'type', '8', '', "
                "'2030-01-01', 'x', 'x')")
    con.commit()
    con.close()
    out = tmp_path / "x.jxr"
    assert cli("export", "--out", out, "--db", copy, who="admin") == 3
    assert "audit chain" in capsys.readouterr().err
    assert not out.exists()
