"""Tampering is caught: audit rows changed, deleted or reordered, data rows edited behind the
application's back (`jiangxin audit verify` exit 3), every byte of a results file, every field
and character of a certificate's QR payload."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import fields as dc_fields
from dataclasses import replace
from pathlib import Path

import pytest

from judging.errors import JiangxinError, VerificationFailed
from tests.conftest import cli, copy_db


def sql(db: Path, *statements: str) -> None:
    """What a tamperer with the file and a SQLite tool does: drop the guard, then edit."""
    con = sqlite3.connect(db)
    try:
        for s in statements:
            con.execute(s)
        con.commit()
    finally:
        con.close()


def verify(db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli("audit", "verify", "--db", db, who="supervisor")
    return code, capsys.readouterr().err


def test_untouched_file_verifies(example_db: Callable[[str], Path],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(example_db("decrypted"), capsys)[0] == 0


def test_the_guards_stop_casual_edits(example_db: Callable[[str], Path]) -> None:
    db = example_db("final")
    for s in ("UPDATE marks SET score = '9' WHERE rowid = 1", "DELETE FROM audit WHERE seq = 3",
              "UPDATE audit SET reason = 'x' WHERE seq = 3"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            sql(db, s)


AUDIT_EDITS = {
    "user": "UPDATE audit SET user = '李裁判长' WHERE seq = {mid}",
    "role": "UPDATE audit SET role = 'chief' WHERE seq = {mid}",
    "action": "UPDATE audit SET action = 'marks.resolve' WHERE seq = {mid}",
    "at": "UPDATE audit SET at = '2020-01-01T00:00:00.000000+00:00' WHERE seq = {mid}",
    "after": "UPDATE audit SET after = replace(after, '\"score\"', '\"sc0re\"') WHERE seq = {mid}",
    "reason": "UPDATE audit SET reason = 'nothing to see' WHERE seq = {mid}",
    "row_hash": "UPDATE audit SET row_hash = hash WHERE seq = {mid}",
    "hash (recomputed chain would need every later record)": "UPDATE audit SET hash = prev "
                                                              "WHERE seq = {mid}",
    "deleted": "DELETE FROM audit WHERE seq = {mid}",
    "deleted first": "DELETE FROM audit WHERE seq = 1",
    "reordered": "UPDATE audit SET seq = CASE seq WHEN {mid} THEN {mid1} ELSE {mid} END + "
                 "1000000 WHERE seq IN ({mid}, {mid1}); "
                 "UPDATE audit SET seq = seq - 1000000 WHERE seq > 1000000",
    "inserted": "INSERT INTO audit (seq, uid, at, user, role, device, action, tbl, row_uid, "
                "row_hash, before, after, reason, prev, hash) SELECT {last} + 1, 'forged', at, "
                "user, role, device, action, tbl, row_uid, row_hash, before, after, reason, "
                "hash, hash FROM audit WHERE seq = {last}",
}


@pytest.mark.parametrize("edit", list(AUDIT_EDITS))
def test_audit_rows_changed_deleted_reordered_or_inserted(
        edit: str, example_db: Callable[[str], Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("verified")
    con = sqlite3.connect(db)
    last = con.execute("SELECT MAX(seq) FROM audit").fetchone()[0]
    mid = con.execute("SELECT seq FROM audit WHERE tbl = 'marks' ORDER BY seq "
                      "LIMIT 1 OFFSET 100").fetchone()[0]
    con.close()
    sql(db, "DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete",
        *AUDIT_EDITS[edit].format(mid=mid, mid1=mid + 1, last=last).split("; "))
    code, err = verify(db, capsys)
    assert code == 3, err
    assert "audit chain broken" in err


DATA_EDITS = {
    "mark changed": ("marks", "UPDATE marks SET score = '10' WHERE rowid = 7"),
    "mark deleted": ("marks", "DELETE FROM marks WHERE rowid = 7"),
    "mark inserted": ("marks", "INSERT INTO marks SELECT 'forged', event, station, aspect, "
                               "judge, action, '10', measured, reason, target, at, by, device "
                               "FROM marks WHERE rowid = 7"),
    "theory changed": ("theory", "UPDATE theory SET score = '100' WHERE rowid = 1"),
    "time changed": ("times", "UPDATE times SET used_seconds = 1 WHERE rowid = 1"),
    "competitor renamed": ("competitors", "UPDATE competitors SET unit = '某厂' WHERE rowid = 2"),
    "draw swapped": ("assignments", "UPDATE assignments SET candidate = candidate || 'x' "
                                    "WHERE station = '01'"),
    "user role raised": ("users", "UPDATE users SET role = 'chief' WHERE name = '冯记录'"),
    "pin hash replaced": ("users", "UPDATE users SET pin_hash = (SELECT pin_hash FROM users "
                                   "WHERE name = '王组委') WHERE name = '冯记录'"),
    "lock removed": ("locks", "DELETE FROM locks"),
}


@pytest.mark.parametrize("edit", list(DATA_EDITS))
def test_data_rows_edited_behind_the_application(edit: str,
                                                  example_db: Callable[[str], Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("decrypted")
    table, statement = DATA_EDITS[edit]
    sql(db, f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete", statement)
    code, err = verify(db, capsys)
    assert code == 3, err
    assert table in err


def test_a_cut_tail_is_seen_only_against_a_noted_head(example_db: Callable[[str], Path],
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    """Deleting the newest records and their rows together leaves a valid shorter chain:
    a hash chain alone cannot see that. The head printed by `audit verify` (and carried in
    the results file) is the anchor: compare it with the one noted on paper."""
    db = example_db("decrypted")
    capsys.readouterr()
    assert cli("audit", "verify", "--db", db, who="supervisor") == 0
    noted = capsys.readouterr().out.split("head ")[1].strip()
    sql(db, "DROP TRIGGER audit_no_delete", "DROP TRIGGER decryptions_no_delete",
        "DELETE FROM decryptions", "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")
    assert cli("audit", "verify", "--db", db, who="supervisor") == 0
    assert noted not in capsys.readouterr().out


# ---- the results file -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def export_bytes(tmp_path_factory: pytest.TempPathFactory,
                 example_cache: Callable[[str], Path]) -> bytes:
    pytest.importorskip("db.files.exchange", reason="db/files/exchange.py is not there yet")
    d = tmp_path_factory.mktemp("tamper")
    db = d / "c.db"
    copy_db(example_cache("decrypted"), db)
    assert cli("export", "--out", d / "r.jxr", "--db", db, who="admin") == 0
    return (d / "r.jxr").read_bytes()


def _flip_all(data: bytes, positions: range | list[int]) -> list[int]:
    from db.files.exchange import read_results_file

    missed = []
    for i in positions:
        changed = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
        try:
            read_results_file(changed, name="r.jxr")
        except VerificationFailed:
            continue
        except JiangxinError as exc:
            missed.append(i) if exc.exit_code != 3 else None
            continue
        missed.append(i)
    return missed


def test_results_file_bytes_changed(export_bytes: bytes) -> None:
    """About 400 bytes spread over the file flipped (the slow run flips every byte): each
    refused with exit 3."""
    step = max(1, len(export_bytes) // 400)
    assert _flip_all(export_bytes, list(range(0, len(export_bytes), step))
                     + list(range(len(export_bytes) - 64, len(export_bytes)))) == []


@pytest.mark.slow
def test_soak_results_file_every_byte(export_bytes: bytes) -> None:
    assert _flip_all(export_bytes, range(len(export_bytes))) == []


def test_results_file_truncated(export_bytes: bytes) -> None:
    from db.files.exchange import read_results_file

    for n in (0, 1, len(export_bytes) // 2, len(export_bytes) - 2, len(export_bytes) - 1):
        with pytest.raises(VerificationFailed):
            read_results_file(export_bytes[:n], name="r.jxr")


# ---- the QR payload -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def signed_certificate():  # type: ignore[no-untyped-def]
    signing = pytest.importorskip("db.keys.signing", reason="db/keys/signing.py is not there yet")
    from judging.certificate import CertificateData

    private, public = signing.generate_key()
    data = CertificateData(serial="HLJ-2020-GJQG-F-0001", name="史红霞",
                           id_masked="2302**********3780", unit="哈尔滨汽轮机厂有限责任公司",
                           competition="2020年黑龙江省职工职业技能大赛工具钳工决赛",
                           event="工具钳工", group="职工组", award="一等奖",
                           title="黑龙江省技术能手", grade="技师", date="2020-09-25",
                           organiser="黑龙江省总工会")
    cert = signing.sign_certificate(data, private)
    return signing, cert, {signing.key_id(public): public}


FIELD_CHANGES = {"serial": "HLJ-2020-GJQG-F-0002", "name": "史红侠",
                 "id_masked": "2302**********3781", "unit": "哈尔滨电机厂有限责任公司",
                 "competition": "2021年黑龙江省职工职业技能大赛工具钳工决赛", "event": "焊工",
                 "group": "学生组", "award": "二等奖", "title": None, "grade": "高级工",
                 "date": "2020-09-26", "organiser": "某省总工会", "duplicate": True}


def test_the_genuine_qr_verifies(signed_certificate) -> None:  # type: ignore[no-untyped-def]
    signing, cert, keys = signed_certificate
    assert signing.verify_certificate(cert.qr_text, keys).fields.name == "史红霞"


@pytest.mark.parametrize("field", list(FIELD_CHANGES))
def test_every_field_of_the_qr_payload(field: str, signed_certificate  # type: ignore
                                       ) -> None:
    """A field changed and the payload re-packed with the original signature: refused."""
    from judging import certificate_payload as payload

    signing, cert, keys = signed_certificate
    assert field in {f.name for f in dc_fields(cert)}
    original = payload.unpack(cert.qr_text)
    forged = replace(cert, **{field: FIELD_CHANGES[field]})
    text = payload.pack(forged, original.key_id, original.signature)
    assert text != cert.qr_text
    with pytest.raises(VerificationFailed):
        signing.verify_certificate(text, keys)


def test_every_character_of_the_qr_text(signed_certificate) -> None:  # type: ignore
    signing, cert, keys = signed_certificate
    text = cert.qr_text
    start = text.index("#") + 1
    for i in range(start, len(text)):
        for d in {"0", "5", "9"} - {text[i]}:
            forged = text[:i] + d + text[i + 1:]
            with pytest.raises(VerificationFailed):
                signing.verify_certificate(forged, keys)
