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

from db.keys import signing
from db.store.contest import Contest
from judging import certificate_payload as payload
from judging.certificate import CertificateData
from judging.errors import InputError, JiangxinError

GENUINE, REVOKED, INVALID = "genuine", "revoked", "invalid"
VERDICT_LABELS = {GENUINE: ("真", "GENUINE"), REVOKED: ("已撤销", "REVOKED"),
                  INVALID: ("无效", "INVALID")}
EXIT_CODES = {GENUINE: 0, INVALID: 3, REVOKED: 4}
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
    """What a check trusts: contest keys (id -> raw key), revoked serials, and a contest
    database for typed short codes."""

    public_keys: Mapping[str, bytes]
    revoked: AbstractSet[str] = frozenset()
    contest: Contest | None = None
    source: str = ""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check."""

    status: str  # GENUINE, REVOKED, INVALID
    message: str
    fields: CertificateData | None = None
    key_id: str | None = None
    where: str = ""  # e.g. "page 2"

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
    return Keys({kid: public}, frozenset(revoked_serials(c)), c, str(c.path))


def keys_from_trust_file(path: str | Path) -> Keys:
    tl = signing.load_trust_file(path)
    return Keys(dict(tl.keys), tl.revoked, None, str(path))


def keys_from_hex(text: str) -> Keys:
    try:
        public = bytes.fromhex(text.strip())
    except ValueError:
        public = b""
    if len(public) != 32:
        raise InputError("--key must be a raw Ed25519 public key as 64 hex digits "
                         "/ 公钥应为64位十六进制", field="--key")
    return Keys({signing.key_id(public): public}, frozenset(), None, "--key")


def is_short_code(text: str) -> bool:
    return bool(_SHORT.match(text.strip()))


def check_text(text: str, keys: Keys, where: str = "") -> Verdict:
    """Check a QR text (the address with the payload, or the digits alone) or a short code."""
    text = text.strip()
    if is_short_code(text):
        return check_short_code(text, keys, where)
    try:
        v = signing.verify_certificate(text, keys.public_keys, keys.revoked)
    except signing.CertificateRevoked as exc:
        f = exc.certificate.fields
        reason = _revocation_reason(keys, f.serial)
        return Verdict(REVOKED, f"证书 {f.serial} 已撤销 / revoked" + (f": {reason}" if reason
                                                                      else ""),
                       f, exc.certificate.key_id, where)
    except JiangxinError as exc:
        return Verdict(INVALID, str(exc), None, None, where)
    return Verdict(GENUINE, "签名有效 / the signature is valid", v.fields, v.key_id, where)


def check_short_code(code: str, keys: Keys, where: str = "") -> Verdict:
    """A short code typed by a person, looked up in the contest's issued certificates."""
    try:
        normal = payload.normalize_short_code(code)
    except InputError as exc:
        return Verdict(INVALID, str(exc), None, None, where)
    if keys.contest is None:
        return Verdict(INVALID, "a short code can only be checked against the contest "
                                "database (--db) / 核验码须对照赛事数据库核验", None, None, where)
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


def worst_exit(verdicts: list[Verdict]) -> int:
    """0 when all are genuine; 3 if any is invalid; else 4 if any is revoked."""
    codes = {v.exit_code for v in verdicts}
    if not verdicts or 3 in codes:
        return 3
    return 4 if 4 in codes else 0


__all__ = ["GENUINE", "INVALID", "REVOKED", "Keys", "Verdict",
           "check_short_code", "check_text", "field_lines", "is_short_code",
           "keys_from_contest", "keys_from_hex", "keys_from_trust_file", "worst_exit"]
