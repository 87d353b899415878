"""Issuing certificates from the example contest: print, scan at 150 dpi, verify; tampering,
revocation, reprints (补发), corrections after printing, missing glyphs, refusals."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from db.keys.certificate_check import check_text, keys_from_contest
from db.keys.contest_key import contest_key
from db.ops import certificates as certs
from db.store.changes import Kind
from db.store.contest import Contest
from judging import certificate_payload as payload
from printing.certificates import PDF, CertificateTemplate
from tests.conftest import EXAMPLES, USERS, cli, dump, example_competition, qr_texts, second_entry

WINNERS = ["夏鑫", "范海军", "贺占鹏", "史凤伟", "史红霞", "黎海军", "何犇"]  # place order



def opened(db: Path, who: str = "admin") -> Contest:
    c = Contest.open(db)
    c.sign_in(*USERS[who])
    return c


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def issued(example_db: Callable[[str], Path], tmp_path: Path) -> tuple[Path, Path]:
    db = example_db("decrypted")
    pdf = tmp_path / "certificates.pdf"
    assert cli("certificates", "--event", "GJQG", "--out", pdf, "--db", db, who="admin") == 0
    return db, pdf


def test_issue_print_scan_and_verify_every_certificate(
        issued: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    texts = qr_texts(pdf)
    assert len(texts) == len(WINNERS)
    recorded = rows(db, "SELECT serial, qr_text, fields, duplicate_of FROM certificates "
                        "ORDER BY rowid")
    assert [r[1] for r in recorded] == texts  # what was printed is what was recorded
    assert [r[0] for r in recorded] == [f"HLJ-2020-GJQG-F-GJQG-{i:04d}" for i in range(1, 8)]
    assert [json.loads(str(r[2]))["name"] for r in recorded] == WINNERS
    assert all(r[3] is None for r in recorded)
    for text in texts:
        assert text.startswith("HTTPS://VERIFY.HQ.TEST/c#")
        capsys.readouterr()
        assert cli("verify", text, "--db", db) == 0
        out = capsys.readouterr().out
        assert "真 GENUINE" in out
        assert "2302**********4532" in out or "身份证号" in out
    # the whole PDF at once, and a 150 dpi photo of one page
    assert cli("verify", pdf, "--db", db) == 0
    image = pdf.with_suffix(".png")
    pdfium.PdfDocument(pdf)[0].render(scale=150 / 72, grayscale=True).to_pil().save(image)
    capsys.readouterr()
    assert cli("verify", image, "--db", db) == 0
    assert "夏鑫" in capsys.readouterr().out


def test_serials_are_stable_and_a_second_run_prints_nothing_new(
        issued: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _pdf = issued
    before = dump(db)
    again = tmp_path / "again.pdf"
    capsys.readouterr()
    assert cli("certificates", "--out", again, "--db", db, who="admin") == 0
    assert "7 issued before and unchanged" in capsys.readouterr().err
    assert not again.exists()
    assert dump(db) == before


def test_one_changed_character_fails_verification(
        issued: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    text = qr_texts(pdf)[0]
    head, digits = text.split("#")
    for i in (5, len(digits) // 2, len(digits) - 3):
        flipped = digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1:]
        capsys.readouterr()
        assert cli("verify", f"{head}#{flipped}", "--db", db) == 3
        err = capsys.readouterr().err
        # a digit of the key id gives an unknown key; any other, a signature that fails
        assert "伪 INVALID" in err or "未知密钥 UNKNOWN KEY" in err
    # a printed field changed and signed by another key
    from db.keys import signing

    fake = dataclasses.replace(payload.unpack(text).fields, award="一等奖", name="范海军",
                               qr_text="", short_code="")
    forged = signing.sign_certificate(fake, signing.generate_key()[0])
    assert cli("verify", forged.qr_text, "--db", db) == 3


def test_revoked_serial_is_reported_revoked(
        issued: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    texts = qr_texts(pdf)
    serial = payload.unpack(texts[1]).fields.serial
    assert cli("certificates", "--revoke", serial, "--db", db, who="admin") == 2  # no reason
    assert cli("certificates", "--revoke", serial, "--reason", "冒名顶替 substitute",
               "--db", db, who="admin") == 0
    capsys.readouterr()
    assert cli("verify", texts[1], "--db", db) == 4
    assert "冒名顶替" in capsys.readouterr().out
    assert cli("verify", texts[0], "--db", db) == 0
    assert cli("verify", pdf, "--db", db) == 4  # a genuine page and a revoked one
    # headquarters' trust file carries the revocation too
    from db.keys import signing
    from db.keys import trust as trust_mod

    hq_private, hq_public = signing.generate_key()
    c = Contest.open(db)
    kid, public = contest_key(c)
    c.close()
    trust = tmp_path / "trust.json"
    records = tuple(trust_mod.record_id(payload.unpack(t).signed) for t in texts)
    trust_mod.make_trust_file(trust, hq_private, [trust_mod.KeyEntry(public, records=records)],
                              [(kid, serial, "冒名顶替")])
    assert cli("verify", texts[1], "--trust", trust, "--hq-key", hq_public.hex()) == 4
    assert cli("verify", texts[0], "--trust", trust, "--hq-key", hq_public.hex()) == 0
    capsys.readouterr()
    assert cli("verify", texts[0], "--key", public.hex()) == 0
    assert "signature only" in capsys.readouterr().out
    assert cli("verify", texts[0], "--key", signing.generate_key()[1].hex()) == 3
    assert cli("verify", texts[0]) == 2  # nothing to check against
    assert cli("verify", texts[0], "--db", tmp_path / "missing.db") == 2
    assert cli("verify", tmp_path / "missing.png", "--db", db) == 2


def test_short_code_typed_by_a_person(issued: tuple[Path, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    code = payload.unpack(qr_texts(pdf)[2]).fields.short_code
    typed = code.replace("-", " ").lower()
    capsys.readouterr()
    assert cli("verify", typed, "--db", db) == 0
    assert "贺占鹏" in capsys.readouterr().out
    assert cli("verify", "ZZZZZ-ZZZZZ", "--db", db) == 3


def test_reprint_is_a_duplicate_with_a_reason(
        issued: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    serial = "HLJ-2020-GJQG-F-GJQG-0003"
    out = tmp_path / "reprint.pdf"
    before = dump(db)
    assert cli("certificates", "--reprint", serial, "--out", out, "--db", db, who="admin") == 2
    assert dump(db) == before and not out.exists()
    assert cli("certificates", "--reprint", serial, "--reason", "证书遗失 lost", "--out", out,
               "--db", db, who="admin") == 0
    [text] = qr_texts(out)
    fields = payload.unpack(text).fields
    assert fields.duplicate and fields.serial == serial and fields.name == "贺占鹏"
    assert "补发" in pdfium.PdfDocument(out)[0].get_textpage().get_text_range()
    capsys.readouterr()
    assert cli("verify", text, "--db", db) == 0
    assert "补发 Duplicate" in capsys.readouterr().out
    original, dup = rows(db, f"SELECT uid, duplicate_of, reason FROM certificates "
                             f"WHERE serial = '{serial}' ORDER BY rowid")
    assert original[1] is None and dup[1] == original[0] and dup[2] == "证书遗失 lost"
    c = opened(db)
    log = certs.print_log(c)
    assert [e.kind for e in log].count("duplicate") == 1
    state = next(s for s in certs.list_certificates(c) if s.serial == serial)
    assert state.state == certs.ISSUED and state.prints == 2
    # the original stays genuine; unknown serials are refused
    assert cli("verify", qr_texts(pdf)[2], "--db", db) == 0
    assert cli("certificates", "--reprint", "NOPE-0001", "--reason", "x", "--out", out,
               "--db", db, who="admin") == 2


def test_correction_after_printing_flags_reissues_and_revokes(
        issued: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    old = qr_texts(pdf)
    # the first-placed competitor (workstation 04) is disqualified after the ceremony print
    assert cli("unlock", "--event", "GJQG", "--reason", "申诉成立 appeal upheld", "--db", db,
               who="chief") == 0
    assert cli("status", "--event", "GJQG", "--station", "04", "--set", "disqualified",
               "--reason", "冒名顶替", "--db", db, who="chief") == 0
    # while unlocked: flagged, but certificates are refused
    c = opened(db)
    states = {s.name: s for s in certs.list_certificates(c)}
    assert states["夏鑫"].state == certs.WITHDRAWN
    assert states["范海军"].state == certs.REISSUE
    assert "award" in states["范海军"].changed and "place" in states["范海军"].changed
    assert states["龙同原"].state == certs.NOT_ISSUED  # moves up into the third prizes
    c.close()
    out = tmp_path / "corrected.pdf"
    assert cli("certificates", "--event", "GJQG", "--out", out, "--db", db, who="admin") == 2
    assert not out.exists()
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 0
    assert cli("certificates", "--event", "GJQG", "--out", out, "--db", db, who="admin") == 0
    new = qr_texts(out)
    new_fields = [payload.unpack(t).fields for t in new]
    assert new_fields[0].name == "范海军"
    assert new_fields[0].award == "一等奖" and new_fields[0].place == 1
    assert all(int(f.serial[-4:]) > 7 for f in new_fields)  # new serials, never reused
    assert "龙同原" in [f.name for f in new_fields]
    # every old serial whose claim changed is revoked, the withdrawn one too
    revoked = dict(rows(db, "SELECT serial, reason FROM revocations"))
    assert "HLJ-2020-GJQG-F-GJQG-0001" in revoked  # 夏鑫: award withdrawn
    assert "HLJ-2020-GJQG-F-GJQG-0002" in revoked  # 范海军: replaced
    assert "替代" in revoked["HLJ-2020-GJQG-F-GJQG-0002"] or "已由" in \
        revoked["HLJ-2020-GJQG-F-GJQG-0002"]
    assert cli("verify", old[0], "--db", db) == 4
    assert cli("verify", old[1], "--db", db) == 4
    for text in new:
        assert cli("verify", text, "--db", db) == 0
    c = opened(db)
    assert {s.state for s in certs.list_certificates(c)} <= {certs.ISSUED, certs.REVOKED}
    # a reprint of a replaced serial is refused
    with pytest.raises(Exception, match="revoked|已撤销"):
        certs.reprint_certificates(c, *USERS["admin"], ["HLJ-2020-GJQG-F-GJQG-0002"], "lost",
                                   printer=PDF)


def test_a_character_outside_the_fonts_is_caught_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "example"
    shutil.copytree(EXAMPLES, src)
    example_competition(src)
    people = src / "competitors.csv"
    text = people.read_text(encoding="utf-8-sig")
    people.write_text(text.replace("夏鑫", "夏\ue000鑫"), encoding="utf-8")
    db = tmp_path / "pua.db"
    steps = [(("init", src / "competition.toml"), "admin"),
             (("competitors", "import", people), "admin"),
             (("draw", "--event", "GJQG", "--from", src / "draw.csv"), "admin"),
             (("marks", "import", src / "marks.csv"), "recorder"),
             (("marks", "import", second_entry(src / "marks.csv", tmp_path)), "recorder2"),
             (("times", "import", src / "times.csv"), "chief"),
             (("theory", "import", src / "theory.csv"), "admin"),
             (("lock", "--event", "GJQG"), "chief"),
             (("decrypt", "--event", "GJQG"), "encryption")]
    for argv, who in steps:
        assert cli(*argv, "--db", db, who=who) == 0
    before = dump(db)
    out = tmp_path / "c.pdf"
    capsys.readouterr()
    assert cli("certificates", "--out", out, "--db", db, who="admin") == 2
    err = capsys.readouterr().err
    assert "夏\ue000鑫" in err and "U+E000" in err and "姓名" in err
    assert dump(db) == before
    assert not out.exists() and not out.with_name("c.pdf.part").exists()


def test_before_decryption_certificates_are_refused(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("locked")
    before = dump(db)
    out = tmp_path / "c.pdf"
    capsys.readouterr()
    assert cli("certificates", "--event", "GJQG", "--out", out, "--db", db, who="admin") == 2
    assert "解密" in capsys.readouterr().err
    # without --event: every decrypted event (none), the others named as skipped
    assert cli("certificates", "--out", out, "--db", db, who="admin") == 0
    err = capsys.readouterr().err
    assert "skipped GJQG" in err
    assert dump(db) == before and not out.exists()


def test_only_an_admin_with_the_right_pin_issues(
        example_db: Callable[[str], Path], tmp_path: Path) -> None:
    db = example_db("decrypted")
    out = tmp_path / "c.pdf"
    before = dump(db)
    assert cli("certificates", "--out", out, "--db", db, who="chief") == 5
    user, _pin = USERS["admin"]
    c = opened(db)
    with pytest.raises(Exception, match="PIN"):
        certs.issue_certificates(c, user, "9999", out=out, printer=PDF)
    c.close()
    assert not out.exists()
    assert [r for r in dump(db) if "certificates" in r or "revocations" in r] == \
        [r for r in before if "certificates" in r or "revocations" in r]


def test_template_is_kept_with_the_contest_and_audited(
        example_db: Callable[[str], Path], tmp_path: Path) -> None:
    db = example_db("decrypted")
    c = opened(db)
    changes = certs.set_template(c, orientation="portrait", printer=PDF,
                                 wording={"一等奖": "在{competition}中勇夺{award}，技艺精湛。"})
    assert changes.touches(Kind.CERTIFICATES) and not changes.touches(Kind.MARKS)
    assert certs.template(c).orientation == "portrait"
    audit = rows(db, "SELECT action, tbl, after FROM audit WHERE action = 'certificate_template'")
    assert audit and audit[0][1] == "meta" and "勇夺" in str(audit[0][2])
    with pytest.raises(Exception, match="not found|不存在"):
        certs.set_template(c, seal=str(tmp_path / "missing.png"), printer=PDF)
    with pytest.raises(Exception, match="U\\+E000"):
        certs.set_template(c, heading="荣誉\ue000证书", printer=PDF)
    out = tmp_path / "c.pdf"
    signed = certs.issue_certificates(c, *USERS["admin"], out=out, printer=PDF)
    assert len(signed) == 7
    page = pdfium.PdfDocument(out)[0]
    w, h = page.get_size()
    assert h > w  # portrait
    assert "勇夺" in page.get_textpage().get_text_range()
    assert CertificateTemplate().orientation == "landscape"


def test_verify_against_the_contest_in_process(issued: tuple[Path, Path]) -> None:
    db, pdf = issued
    c = Contest.open(db)  # no sign-in needed to verify
    keys = keys_from_contest(c)
    verdict = check_text(qr_texts(pdf)[0], keys)
    assert verdict.status == "genuine" and verdict.fields is not None
    assert verdict.fields.name == "夏鑫"
    c.close()


def test_forms_for_each_kind_and_the_results_digest(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("decrypted")
    for kind in ("marking", "summary", "draw", "checkin", "results"):
        out = tmp_path / f"{kind}.pdf"
        assert cli("forms", kind, "--event", "GJQG", "--out", out, "--db", db, who="chief") == 0
        assert len(pdfium.PdfDocument(out)) >= 1
    assert cli("forms", "marking", "--event", "GJQG", "--out", tmp_path / "j.pdf", "--db", db,
               who="judge") == 5
    capsys.readouterr()
    assert cli("forms", "results", "--event", "GJQG", "--out", tmp_path / "r.pdf", "--db", db,
               who="admin") == 0
    assert "(results)" in capsys.readouterr().out
    export = tmp_path / "results.jxr"
    assert cli("export", "--out", export, "--db", db, who="admin") == 0
    digest = capsys.readouterr().out.split("SHA-256")[-1].strip()
    assert cli("forms", "results", "--event", "GJQG", "--out", tmp_path / "r2.pdf", "--db", db,
               who="admin") == 0
    out = capsys.readouterr().out
    assert "(export)" in out and digest in out
    text = pdfium.PdfDocument(tmp_path / "r2.pdf")[0].get_textpage().get_text_range()
    assert digest in text.replace("\r", "").replace("\n", "")
    # results change after the export: the export's digest is no longer printed
    assert cli("unlock", "--event", "GJQG", "--reason", "复核", "--db", db, who="chief") == 0
    capsys.readouterr()
    assert cli("forms", "results", "--event", "GJQG", "--out", tmp_path / "r3.pdf", "--db", db,
               who="admin") == 0
    assert digest not in capsys.readouterr().out



def test_a_revoked_certificate_of_a_winner_can_be_reissued_on_request(
        issued: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, pdf = issued
    texts = qr_texts(pdf)
    old = payload.unpack(texts[0]).fields.serial
    assert cli("certificates", "--revoke", old, "--reason", "证书遗失被冒用 misused",
               "--db", db, who="admin") == 0
    again = tmp_path / "again.pdf"
    # a plain run leaves the revoked one alone: nothing pending
    assert cli("certificates", "--event", "GJQG", "--out", again, "--db", db,
               who="admin") == 0
    assert not again.exists()
    assert cli("certificates", "--event", "GJQG", "--reissue-revoked", "--out", again,
               "--db", db, who="admin") == 0
    [new_text] = qr_texts(again)
    new = payload.unpack(new_text).fields
    assert new.serial != old and new.name == payload.unpack(texts[0]).fields.name
    assert cli("verify", new_text, "--db", db) == 0
    assert cli("verify", texts[0], "--db", db) == 4
