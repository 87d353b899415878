"""Attacks on the chain of trust, each with its verdict (docs/certificates.md): a forged trust
file, a never-issued certificate signed with a stolen key, a withdrawn (revoked) key, a serial
reused across contests, a genuine QR code pasted on another person's certificate."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from db.keys import signing, trust
from db.keys.contest_key import contest_key, unlock_private_key
from db.store.contest import Contest
from judging import certificate_payload as payload
from tests.attacks.conftest import World, qr_texts
from tests.conftest import TEST_PASSPHRASE, cli, copy_db


def verify(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    capsys.readouterr()
    code = cli("verify", *argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def stolen_key(db: Path) -> bytes:
    """What an attacker holding the contest file and its passphrase gets: the private key."""
    c = Contest.open(db)
    try:
        return unlock_private_key(c, TEST_PASSPHRASE)
    finally:
        c.close()


# ---------------------------------------------------------------- the trust file itself


def test_genuine_under_the_real_key_and_only_under_it(
        world: World, no_pinned_key: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify(capsys, world.texts[0], "--trust", world.trust)
    assert code == 3 and "proves nothing" in out and "trust pin" in out  # nothing pinned
    code, out = verify(capsys, world.texts[0], "--trust", world.trust, "--hq-key", world.hq_key)
    assert code == 0 and "真 GENUINE" in out and "请与纸质证书逐项核对" in out
    assert cli("trust", "pin", world.hq_key) == 0
    code, out = verify(capsys, world.texts[0], "--trust", world.trust)
    assert code == 0 and "真 GENUINE" in out


def test_a_forged_trust_file_is_refused(world: World, no_pinned_key: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # the attacker's own "headquarters" vouches for their own contest key and a 张三 certificate
    fake_hq, fake_hq_public = signing.generate_key()
    fake_contest, fake_public = signing.generate_key()
    real = payload.unpack(world.texts[0]).fields
    forged = signing.sign_certificate(dataclasses.replace(
        real, name="张三", qr_text="", short_code=""), fake_contest, "https://verify.hq.test/c")
    entry = trust.KeyEntry(fake_public, records=(
        trust.record_id(payload.unpack(forged.qr_text).signed),))
    bad = tmp_path / "trust.json"
    trust.make_trust_file(bad, fake_hq, [entry])
    assert cli("trust", "pin", world.hq_key) == 0  # the verifier pinned the real key
    code, out = verify(capsys, forged.qr_text, "--trust", bad)
    assert code == 3 and "not signed by headquarters" in out and "张三" not in out
    code, out = verify(capsys, forged.qr_text, "--trust", bad, "--hq-key", world.hq_key)
    assert code == 3 and "not signed by headquarters" in out
    # the real file with a revocation taken out, or a key slipped in: the signature fails
    doc = json.loads(world.trust.read_text(encoding="utf-8"))
    doc["keys"].append(dict(doc["keys"][0], key_id=signing.key_id(fake_public),
                            public_key=trust._b64(fake_public)))
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(doc), encoding="utf-8")
    code, out = verify(capsys, forged.qr_text, "--trust", altered)
    assert code == 3 and "not signed by headquarters" in out
    # the attacker's key is unknown to the real trust file
    code, out = verify(capsys, forged.qr_text, "--trust", world.trust)
    assert code == 3 and "UNKNOWN KEY" in out


# ---------------------------------------------------------------- a stolen contest key


def never_issued(world: World, tmp_path: Path) -> tuple[str, str]:
    """GJQG-0099 张三丰 一等奖, signed with the stolen key and printed like a real one; and a
    real serial (page 2's) re-signed with another name."""
    from printing.certificates import render_certificates

    key = stolen_key(world.contest)
    real = payload.unpack(world.texts[0]).fields
    new = dataclasses.replace(real, serial="HLJ-2020-GJQG-F-GJQG-0099", name="张三丰",
                              award="一等奖", qr_text="", short_code="")
    second = payload.unpack(world.texts[1]).fields
    reused = dataclasses.replace(second, name="张三丰", qr_text="", short_code="")
    url = world.texts[0].rsplit("#", 1)[0]
    certs = [signing.sign_certificate(f, key, url) for f in (new, reused)]
    pdf = tmp_path / "forged.pdf"
    render_certificates(certs, None, pdf)
    texts = qr_texts(pdf)
    assert texts == [c.qr_text for c in certs]
    return texts[0], texts[1]


def test_a_never_issued_certificate_signed_with_a_stolen_key_is_not_on_record(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new, reused = never_issued(world, tmp_path)
    for text in (new, reused):
        code, out = verify(capsys, text, "--trust", world.trust, "--hq-key", world.hq_key)
        assert code == 3 and "未登记 NOT ON RECORD" in out, out
        code, out = verify(capsys, text, "--db", world.contest)  # the contest's own issue log
        assert code == 3 and "未登记 NOT ON RECORD" in out, out
        code, out = verify(capsys, text, "--key", contest_key(Contest.open(world.contest))[1].hex())
        assert code == 0 and "signature only" in out  # --key says what it does not check
    code, out = verify(capsys, "张三丰", "--db", world.contest)
    assert code == 3


# ---------------------------------------------------------------- a withdrawn key


def withdrawn_trust(world: World, folder: Path, from_date: str) -> Path:
    """A copy of headquarters where contest A's key is withdrawn from ``from_date``."""
    folder.mkdir(parents=True)
    hq = copy_db(world.hq, folder / "hq.db")
    kid = payload.unpack(world.texts[0]).key_id.hex()
    assert cli("hq", "revoke", "--key", kid, "--withdraw", from_date, "--reason",
               "key leaked / 密钥泄露", "--hq", hq) == 0
    out = folder / "trust.json"
    assert cli("hq", "trust", "--out", out, "--hq", hq) == 0
    return out


def test_a_withdrawn_key_revokes_its_certificates(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new, _reused = never_issued(world, tmp_path)
    before = withdrawn_trust(world, tmp_path / "later", "2021-01-01")
    code, out = verify(capsys, world.texts[0], "--trust", before, "--hq-key", world.hq_key)
    assert code == 0  # on record and dated before the withdrawal: still genuine
    code, out = verify(capsys, new, "--trust", before, "--hq-key", world.hq_key)
    assert code == 4 and "已撤销 REVOKED" in out and "withdrawn from 2021-01-01" in out
    since = withdrawn_trust(world, tmp_path / "all", "2020-01-01")
    for text in (world.texts[0], new):
        code, out = verify(capsys, text, "--trust", since, "--hq-key", world.hq_key)
        assert code == 4 and "key leaked" in out


# ---------------------------------------------------------------- one serial, two contests


def test_a_serial_reused_across_contests_is_revoked_only_for_its_own_key(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from db.hq import register
    from db.hq.store import Headquarters

    a, b = payload.unpack(world.texts[0]), payload.unpack(world.other_texts[0])
    assert a.fields.serial == b.fields.serial and a.key_id != b.key_id
    # headquarters' list with both contests on record and contest A's serial revoked
    hq = Headquarters.open(world.hq)
    private = register.root_private(hq)
    hq.close()
    entries = [trust.KeyEntry(contest_key(Contest.open(db))[1], records=tuple(
        trust.record_id(payload.unpack(t).signed) for t in texts))
        for db, texts in ((world.contest, world.texts), (world.other, world.other_texts))]
    path = tmp_path / "trust.json"
    trust.make_trust_file(path, private, entries, [(a.key_id.hex(), a.fields.serial, "lost")])
    code, out = verify(capsys, world.texts[0], "--trust", path, "--hq-key", world.hq_key)
    assert code == 4
    code, out = verify(capsys, world.other_texts[0], "--trust", path, "--hq-key", world.hq_key)
    assert code == 0 and "真 GENUINE" in out
    # and a contest's own revocation does not reach the other contest's certificate
    assert cli("certificates", "--revoke", a.fields.serial, "--reason", "lost", "--db",
               copy_db(world.contest, tmp_path / "a.db"), who="admin") == 0
    code, _ = verify(capsys, world.other_texts[0], "--db", world.other)
    assert code == 0
    code, out = verify(capsys, world.other_texts[0], "--db", tmp_path / "a.db")
    assert code == 3 and "UNKNOWN KEY" in out  # B's certificate is no certificate of A



# ---------------------------------------------------------------- the QR on another page


def test_a_genuine_qr_on_another_persons_page_shows_whose_it_is(
        world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = pdfium.PdfDocument(world.pdf)
    first = doc[0].render(scale=150 / 72).to_pil().convert("RGB")
    second = doc[1].render(scale=150 / 72).to_pil().convert("RGB")
    fmt = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    code = zxingcpp.read_barcodes(first, formats=fmt)[0]
    pos = code.position
    xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
    ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_left, pos.bottom_right)]
    box = (min(xs) - 20, min(ys) - 20, max(xs) + 20, max(ys) + 20)
    second.paste(first.crop(box), box[:2])  # page 1's QR code pasted over page 2's
    image = tmp_path / "page2-with-page1-qr.png"
    second.save(image)
    names = [payload.unpack(t).fields.name for t in world.texts[:2]]
    assert names[0] != names[1]
    rc, out = verify(capsys, image, "--trust", world.trust, "--hq-key", world.hq_key)
    # genuine, and what it shows is the first person's: the checker compares with the paper
    assert rc == 0 and f"姓名 Name: {names[0]}" in out and names[1] not in out
    assert "请与纸质证书逐项核对" in out
    buf = io.BytesIO()
    second.save(buf, "PNG")
