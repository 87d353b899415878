"""Checking a certificate: its QR text or typed short code against a contest, a key or a trust file.

Used by ``jiangxin verify`` and the verification screen alike. Reading a contest for this
needs no sign-in: only the contest's public key, its issued certificates and its revocations
are read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from db.keys import signing, trust
from db.keys.trust import TrustList
from db.store.contest import Contest
from judging import certificate_payload as payload
from judging.certificate import CertificateData
from judging.errors import InputError, JiangxinError

GENUINE, REVOKED, INVALID = "genuine", "revoked", "invalid"
UNKNOWN_KEY, NOT_ISSUED, SIGNATURE_ONLY = "unknown-key", "not-issued", "signature-valid"
VERDICT_LABELS = {GENUINE: ("真", "GENUINE"), REVOKED: ("已撤销", "REVOKED"),
                  INVALID: ("伪", "INVALID"), UNKNOWN_KEY: ("未知密钥", "UNKNOWN KEY"),
                  NOT_ISSUED: ("未登记", "NOT ON RECORD"),
                  SIGNATURE_ONLY: ("签名有效", "SIGNATURE VALID")}
EXIT_CODES = {GENUINE: 0, INVALID: 3, REVOKED: 4, UNKNOWN_KEY: 3, NOT_ISSUED: 3,
              SIGNATURE_ONLY: 0}
# worst first: what a page of several certificates shows overall
SEVERITY = (INVALID, UNKNOWN_KEY, NOT_ISSUED, REVOKED, SIGNATURE_ONLY, GENUINE)
COMPARE = ("请与纸质证书逐项核对：姓名、身份证号、单位、赛项、奖项、日期 / compare every line "
           "with the paper: name, ID number, unit, event, award, date")
FIELD_LABELS = (
    ("serial", "证书编号", "Serial"),
    ("name", "姓名", "Name"),
    ("id_masked", "身份证号", "ID number"),
    ("unit", "工作单位", "Unit"),
    ("competition", "赛事", "Competition"),
    ("event", "赛项", "Event"),
    ("group", "组别", "Group"),
    ("place", "名次", "Place"),
    ("award", "奖项", "Award"),
    ("title", "称号", "Title"),
    ("grade", "等级", "Grade"),
    ("date", "日期", "Date"),
    ("organiser", "主办单位", "Organiser"),
    ("short_code", "核验码", "Short code"),
)
_SHORT = re.compile(r"^[0-9A-Za-z]{5}[\s-]?[0-9A-Za-z]{5}$")


@dataclass(frozen=True)
class Keys:
    """What a check trusts: contest keys (id -> raw key), revoked serials of the contest, a
    contest database (its issue log, typed short codes), headquarters' trust list (checked
    under its root key), or a bare key (``signature_only``: says nothing about the record)."""

    public_keys: Mapping[str, bytes]
    revoked: AbstractSet[str] = frozenset()
    contest: Contest | None = None
    source: str = ""
    trust: TrustList | None = None
    signature_only: bool = False
    contest_key_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check."""

    status: str  # GENUINE, REVOKED, INVALID, UNKNOWN_KEY, NOT_ISSUED, SIGNATURE_ONLY
    message: str
    fields: CertificateData | None = None
    key_id: str | None = None
    where: str = ""  # e.g. "page 2"
    address: str = ""  # what the QR text pointed to, before the last '#'

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    @property
    def label(self) -> tuple[str, str]:
        return VERDICT_LABELS[self.status]


def keys_from_contest(c: Contest) -> Keys:
    from db.keys.contest_key import contest_key
    from db.ops.certificates import revoked_serials

    kid, public = contest_key(c)
    return Keys({kid: public}, frozenset(revoked_serials(c)), c, str(c.path),
                contest_key_id=kid)


def keys_from_trust(tl: TrustList, source: str = "") -> Keys:
    return Keys(tl.public_keys, frozenset(), None, source, tl)


def keys_from_trust_file(path: str | Path, hq_key: str | bytes | None = None) -> Keys:
    """A trust file checked under headquarters' root key: ``hq_key`` (hex or raw), else the
    pinned one; VerificationFailed (exit 3) without either or under any other key."""
    if isinstance(hq_key, bytes):
        root = hq_key
    else:
        root = trust.hq_key_or_refuse(hq_key)
    return keys_from_trust(trust.load_trust_file(path, root), str(path))


def keys_from_hex(text: str) -> Keys:
    try:
        public = bytes.fromhex(text.strip())
    except ValueError:
        public = b""
    if len(public) != 32:
        raise InputError("--key must be a raw Ed25519 public key as 64 hex digits "
                         "/ 公钥应为64位十六进制", field="--key")
    return Keys({signing.key_id(public): public}, frozenset(), None, "--key",
                signature_only=True)


def is_short_code(text: str) -> bool:
    return bool(_SHORT.match(text.strip()))


def _address(text: str) -> str:
    return text.rsplit("#", 1)[0] if "#" in text else ""


def check_text(text: str, keys: Keys, where: str = "") -> Verdict:
    """Check a QR text (the address with the payload, or the digits alone) or a short code."""
    text = text.strip()
    if is_short_code(text):
        return check_short_code(text, keys, where)
    address = _address(text)
    try:
        unpacked = payload.unpack(text)
    except JiangxinError as exc:
        return Verdict(INVALID, str(exc), None, None, where, address)
    f = unpacked.fields
    kid = unpacked.key_id.hex()
    public = keys.public_keys.get(kid)

    def verdict(status: str, message: str) -> Verdict:
        return Verdict(status, message, f if status != INVALID else None, kid, where, address)

    if public is None:
        known = ("headquarters' trust list" if keys.trust is not None else
                 "this contest" if keys.contest is not None else "the given key")
        return Verdict(UNKNOWN_KEY, f"signed by a contest key {kid} unknown to {known}: not a "
                       "certificate it vouches for / 签名密钥不在信任名单中（未知密钥）",
                       None, kid, where, address)
    if signing.key_id_bytes(public) != unpacked.key_id or not signing.verify(
            public, unpacked.signed, unpacked.signature):
        return Verdict(INVALID, "the signature does not match: altered or not genuine "
                       "(签名不符，证书被改动或伪造)", None, kid, where, address)
    entry = keys.trust.keys.get(kid) if keys.trust is not None else None
    if keys.trust is not None and (kid, f.serial) in keys.trust.revoked:
        reason = keys.trust.revoked[(kid, f.serial)]
        return verdict(REVOKED, f"证书 {f.serial} 已被总部撤销 / revoked by headquarters"
                       + (f": {reason}" if reason else ""))
    own = keys.contest is not None and kid == keys.contest_key_id
    if own and f.serial in keys.revoked:
        reason = _revocation_reason(keys, f.serial)
        return verdict(REVOKED, f"证书 {f.serial} 已撤销 / revoked" + (f": {reason}" if reason
                                                                      else ""))
    if entry is not None:
        on_record = entry.on_record(unpacked.signed)
        if entry.withdrawn_from and (f.date >= entry.withdrawn_from or not on_record):
            return verdict(REVOKED, f"签名密钥自 {entry.withdrawn_from} 起已被总部撤回 / the "
                           f"contest key was withdrawn from {entry.withdrawn_from}"
                           + (f": {entry.withdrawn_reason}" if entry.withdrawn_reason else ""))
        if not on_record:
            return verdict(NOT_ISSUED, "签名有效，但总部没有这张证书的登记（未登记）："
                           "不能当作真证书 / the signature is valid but headquarters has no "
                           "record of this certificate (not on record): do not accept it")
        return verdict(GENUINE, "签名有效，总部有登记，未撤销 / signature valid, on headquarters' "
                       "record, not revoked. " + COMPARE)
    if own and keys.contest is not None:
        if not _in_issue_log(keys.contest, unpacked.signed):
            return verdict(NOT_ISSUED, "签名有效，但本赛事的颁发记录中没有这张证书（未登记）/ the "
                           "signature is valid but this contest's issue log has no such "
                           "certificate (not on record)")
        return verdict(GENUINE, "签名有效，本赛事颁发记录中有此证书 / signature valid and in this "
                       "contest's issue log. " + COMPARE)
    if keys.signature_only:
        return verdict(SIGNATURE_ONLY, "仅核验了签名：未核对总部登记和撤销名单 / the signature is "
                       "valid; this checks the signature only, not headquarters' record or "
                       "revocations (use --trust for that)")
    return verdict(NOT_ISSUED, "签名有效，但没有可核对的登记 / signature valid, no record to check")


def _in_issue_log(c: Contest, signed: bytes) -> bool:
    from db.ops.certificates import issued_rows

    for row in issued_rows(c):
        try:
            if payload.unpack(row.qr_text).signed == signed:
                return True
        except JiangxinError:
            continue
    return False


def check_short_code(code: str, keys: Keys, where: str = "") -> Verdict:
    """A short code typed by a person, looked up in the contest's issued certificates."""
    try:
        normal = payload.normalize_short_code(code)
    except InputError as exc:
        return Verdict(INVALID, str(exc), None, None, where)
    if keys.contest is None:
        return Verdict(INVALID, "a short code can only be checked against the contest "
                                "database (--db) or at headquarters (jiangxin hq verify CODE) "
                                "/ 核验码须对照赛事数据库或在总部核验", None, None, where)
    from db.ops.certificates import issued_rows

    for row in reversed(issued_rows(keys.contest)):
        if row.fields.short_code == normal:
            # the stored QR text is checked like a scanned one: a record altered in the
            # database behind the app's back fails its signature
            return check_text(row.qr_text, keys, where)
    return Verdict(INVALID, f"核验码 {normal} 不是本赛事颁发的证书 / no certificate of this "
                            "contest has this short code", None, None, where)


def _revocation_reason(keys: Keys, serial: str) -> str:
    if keys.contest is None:
        return ""
    from db.ops.certificates import revoked_serials

    return revoked_serials(keys.contest).get(serial, "")


def field_lines(cert: CertificateData) -> list[tuple[str, str, str]]:
    """(Chinese label, English label, value) of the fields worth showing."""
    out = []
    for name, zh, en in FIELD_LABELS:
        value = getattr(cert, name)
        if value in (None, ""):
            continue
        out.append((zh, en, str(value)))
    if cert.duplicate:
        out.append(("补发", "Duplicate", "是 / yes"))
    return out


def worst(verdicts: list[Verdict]) -> Verdict:
    """The verdict a set of certificates shows overall (the worst one)."""
    return min(verdicts, key=lambda v: SEVERITY.index(v.status))


def worst_exit(verdicts: list[Verdict]) -> int:
    """0 when all are genuine; 3 if any fails; else 4 if any is revoked."""
    codes = {v.exit_code for v in verdicts}
    if not verdicts or 3 in codes:
        return 3
    return 4 if 4 in codes else 0


__all__ = ["GENUINE", "INVALID", "NOT_ISSUED", "REVOKED", "SIGNATURE_ONLY", "UNKNOWN_KEY",
           "Keys", "Verdict", "check_short_code", "check_text", "field_lines", "is_short_code",
           "keys_from_contest", "keys_from_hex", "keys_from_trust", "keys_from_trust_file",
           "worst", "worst_exit"]
