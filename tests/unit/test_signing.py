"""Contest keys, keys at rest, certificate verification, headquarters' trust files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from db.keys import signing
from db.keys import trust as trust_mod
from judging import certificate_payload as p
from judging.certificate import CertificateData
from judging.errors import InputError, NotAllowed, Revoked, VerificationFailed
from tests.unit.test_certificate_payload import CERT  # noqa: E402

FAST = 2**10  # scrypt cost for tests only


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    return signing.generate_key()


@pytest.fixture(scope="module")
def issued(key: tuple[bytes, bytes]) -> CertificateData:
    return signing.sign_certificate(CERT, key[0])


def test_keys_sign_and_verify(key: tuple[bytes, bytes]) -> None:
    private, public = key
    assert len(private) == len(public) == 32
    assert signing.public_key(private) == public
    kid = signing.key_id(public)
    assert len(kid) == 16 and int(kid, 16) >= 0
    sig = signing.sign(private, b"data")
    assert len(sig) == 64
    assert signing.verify(public, b"data", sig)
    assert not signing.verify(public, b"datA", sig)
    assert not signing.verify(signing.generate_key()[1], b"data", sig)
    assert not signing.verify(public, b"data", b"short")


def test_each_holder_passphrase_opens_the_wrapped_key(key: tuple[bytes, bytes]) -> None:
    private, _public = key
    a, b = "a long passphrase", "ANOTHER-ONE-12345"
    wrapped = signing.wrap_private_key(private, {"signing": a, "recovery": b}, cost=FAST)
    wrapped = json.loads(json.dumps(wrapped))  # JSON-able
    assert signing.unwrap_private_key(wrapped, "signing", a) == private
    assert signing.unwrap_private_key(wrapped, "recovery", b) == private
    assert private.hex() not in json.dumps(wrapped)
    assert wrapped["unwrappers"]["signing"]["n"] == FAST
    with pytest.raises(NotAllowed):
        signing.unwrap_private_key(wrapped, "signing", b)
    with pytest.raises(NotAllowed):
        signing.unwrap_private_key(wrapped, "李裁判长", a)
    more = signing.add_secret(wrapped, "signing", a, "officer", "officer passphrase",
                              cost=FAST)
    assert signing.unwrap_private_key(more, "officer", "officer passphrase") == private
    fewer = signing.remove_secret(more, "signing")
    with pytest.raises(NotAllowed):
        signing.unwrap_private_key(fewer, "signing", a)
    damaged = dict(wrapped, ciphertext=wrapped["nonce"] * 4)
    with pytest.raises(VerificationFailed):
        signing.unwrap_private_key(damaged, "signing", a)


def test_a_pin_or_any_short_secret_is_refused(key: tuple[bytes, bytes]) -> None:
    private, _public = key
    for short in ("0000", "1000", "12345678901", "   short   "):
        with pytest.raises(InputError, match="12"):
            signing.wrap_private_key(private, {"admin": short}, cost=FAST)
    wrapped = signing.wrap_private_key(private, {"signing": "a long passphrase"}, cost=FAST)
    with pytest.raises(InputError):
        signing.add_secret(wrapped, "signing", "a long passphrase", "admin", "0000", cost=FAST)


def test_the_default_kdf_is_scrypt_2_17_and_old_envelopes_still_open(
        key: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    private, _public = key
    assert (signing.SCRYPT_N, signing.SCRYPT_R, signing.SCRYPT_P) in {
        (2**17, 8, 1), (2**12, 8, 1)}  # production, or lowered by tests/conftest.py
    monkeypatch.setattr(signing, "SCRYPT_N", 2**17)
    wrapped = signing.wrap_private_key(private, {"signing": "a long passphrase"})
    entry = wrapped["unwrappers"]["signing"]
    assert (entry["kdf"], entry["n"], entry["r"], entry["p"]) == ("scrypt", 2**17, 8, 1)
    # an envelope made with other parameters (e.g. an older, cheaper one) opens by its own
    monkeypatch.setattr(signing, "SCRYPT_N", 2**10)
    assert signing.unwrap_private_key(wrapped, "signing", "a long passphrase") == private
    old = signing.wrap_private_key(private, {"signing": "a long passphrase"})
    monkeypatch.setattr(signing, "SCRYPT_N", 2**17)
    assert old["unwrappers"]["signing"]["n"] == 2**10
    assert signing.unwrap_private_key(old, "signing", "a long passphrase") == private


def test_a_genuine_certificate_verifies(
    key: tuple[bytes, bytes], issued: CertificateData
) -> None:
    keys = {signing.key_id(key[1]): key[1]}
    result = signing.verify_certificate(issued.qr_text, keys)
    assert result.fields == issued
    assert result.short_code == issued.short_code
    assert result.key_id == signing.key_id(key[1])


def test_every_changed_digit_of_the_payload_fails(
    key: tuple[bytes, bytes], issued: CertificateData
) -> None:
    keys = {signing.key_id(key[1]): key[1]}
    prefix, digits = issued.qr_text.split("#")
    for i, d in enumerate(digits):
        changed = digits[:i] + str((int(d) + 1 + i % 9) % 10) + digits[i + 1 :]
        with pytest.raises(VerificationFailed):
            signing.verify_certificate(prefix + "#" + changed, keys)
    for cut in (digits[:-1], digits + "0", digits[1:]):
        with pytest.raises(VerificationFailed):
            signing.verify_certificate(prefix + "#" + cut, keys)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "王建图"},
        {"id_masked": "2302**********3780"},
        {"unit": "哈尔滨东安"},
        {"competition": "2021年黑龙江省职工职业技能大赛工具钳工决赛"},
        {"event": "钳工"},
        {"group": "学生组"},
        {"award": "特等奖"},
        {"title": None},
        {"grade": "高级技师"},
        {"date": "2020-09-26"},
        {"organiser": "黑龙江省人社厅"},
        {"place": 2},
        {"duplicate": True},
        {"serial": "HLJ-2020-GJQG-F-GJQG-0002"},
    ],
)
def test_any_changed_field_fails(
    key: tuple[bytes, bytes], issued: CertificateData, change: dict[str, object]
) -> None:
    keys = {signing.key_id(key[1]): key[1]}
    got = p.unpack(issued.qr_text)
    forged = p.pack(dataclasses.replace(CERT, **change), got.key_id, got.signature)
    with pytest.raises(VerificationFailed, match="signature"):
        signing.verify_certificate(forged, keys)


def test_unknown_key_and_revoked_serial(
    key: tuple[bytes, bytes], issued: CertificateData
) -> None:
    other = signing.generate_key()[1]
    with pytest.raises(VerificationFailed, match="unknown"):
        signing.verify_certificate(issued.qr_text, {signing.key_id(other): other})
    keys = {signing.key_id(key[1]): key[1]}
    with pytest.raises(Revoked) as err:
        signing.verify_certificate(issued.qr_text, keys, {CERT.serial})
    assert err.value.exit_code == 4
    assert isinstance(err.value, signing.CertificateRevoked)
    assert err.value.certificate.fields.name == "王建国"


def _trust(path: Path, hq_private: bytes, key: tuple[bytes, bytes], signed: bytes,
           revoked: list[tuple[str, str, str]] | None = None) -> None:
    entry = trust_mod.KeyEntry(key[1], "HLJ-2020-GJQG-F", "2020年大赛", "省总工会",
                               "2020-09-01", None, "", (trust_mod.record_id(signed),))
    trust_mod.make_trust_file(path, hq_private, [entry], revoked or [],
                              verify_url="https://verify.hq.test/c")


def test_trust_file_round_trip_and_tampering(
    tmp_path: Path, key: tuple[bytes, bytes], issued: CertificateData
) -> None:
    hq_private, hq_public = signing.generate_key()
    path = tmp_path / "trust.json"
    kid = signing.key_id(key[1])
    signed = p.unpack(issued.qr_text).signed
    _trust(path, hq_private, key, signed, [(kid, "HLJ-2019-X-0001", "lost")])
    tl = trust_mod.load_trust_file(path, hq_public)
    assert tl.public_keys == {kid: key[1]}
    assert tl.revoked == {(kid, "HLJ-2019-X-0001"): "lost"}
    assert tl.keys[kid].label == "2020年大赛" and tl.keys[kid].on_record(signed)
    assert not tl.keys[kid].on_record(signed[:-1] + b"x")
    assert tl.verify_url == "https://verify.hq.test/c"
    # Not signed by the headquarters key we expect: the key written inside counts for nothing.
    with pytest.raises(VerificationFailed, match="not signed by headquarters"):
        trust_mod.load_trust_file(path, signing.generate_key()[1])
    # Someone removes a revocation or adds a key.
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["revoked"] = []
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(VerificationFailed, match="not signed"):
        trust_mod.load_trust_file(path, hq_public)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(VerificationFailed):
        trust_mod.load_trust_file(path, hq_public)


def test_revocation_through_the_trust_file(
    tmp_path: Path, key: tuple[bytes, bytes], issued: CertificateData
) -> None:
    from db.keys import certificate_check as cc

    hq_private, hq_public = signing.generate_key()
    path = tmp_path / "trust.json"
    kid = signing.key_id(key[1])
    signed = p.unpack(issued.qr_text).signed
    _trust(path, hq_private, key, signed)
    keys = cc.keys_from_trust_file(path, hq_public)
    assert cc.check_text(issued.qr_text, keys).status == cc.GENUINE
    _trust(path, hq_private, key, signed, [(kid, CERT.serial, "misused")])
    keys = cc.keys_from_trust_file(path, hq_public.hex())
    v = cc.check_text(issued.qr_text, keys)
    assert v.status == cc.REVOKED and v.exit_code == 4 and "misused" in v.message
    # the same serial under another contest key is another certificate: not revoked
    other = signing.generate_key()
    _trust(path, hq_private, key, signed, [(signing.key_id(other[1]), CERT.serial, "x")])
    assert cc.check_text(issued.qr_text, cc.keys_from_trust_file(path, hq_public)
                         ).status == cc.GENUINE
