"""Headquarters' trust file: the chain of trust from its root key to each certificate.

A trust file (format ``jiangxin-trust-2``, JSON) is signed by headquarters' root key
(Ed25519) and nothing else counts: a reader checks it only against a root key it already has
(given as ``--hq-key HEX`` or pinned once with ``jiangxin trust pin HEX``), never against a
key written inside the file. It carries, per contest key:

- the public key, the competition it belongs to, when headquarters bound it (``valid_from``)
  and, when withdrawn, from which date (``withdrawn``: a key known to be leaked);
- the certificates on record: headquarters registers every certificate a results file lists;
  each is a **record id**, the first 8 bytes of SHA-256 of ``RECORD_CONTEXT`` followed by
  the exact signed payload bytes (docs/certificate-format.md), kept sorted and packed as
  base64, so a certificate with any other content, even under a real serial, is not on record;

and revocations keyed by (contest key id, serial). See docs/certificates.md for the verdicts.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.keys import signing
from judging.errors import InputError, VerificationFailed

FORMAT = "jiangxin-trust-2"
CONTEXT = b"jiangxin-trust-2\n"  # a signed trust list can never be mistaken for anything else
RECORD_CONTEXT = b"jiangxin-record-1\n"
RECORD_LEN = 8


def record_id(signed: bytes) -> bytes:
    """The record id of a certificate: 8 bytes of SHA-256 over its exact signed payload."""
    return hashlib.sha256(RECORD_CONTEXT + signed).digest()[:RECORD_LEN]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class KeyEntry:
    """One contest key as headquarters vouches for it."""

    public: bytes
    competition_id: str = ""
    label: str = ""  # the competition's name
    organiser: str = ""
    valid_from: str = ""  # ISO date headquarters bound the key
    withdrawn_from: str | None = None  # ISO date: certificates dated on or after are revoked
    withdrawn_reason: str = ""
    records: tuple[bytes, ...] = ()  # sorted record ids

    @property
    def key_id(self) -> str:
        return signing.key_id(self.public)

    def on_record(self, signed: bytes) -> bool:
        rid = record_id(signed)
        i = bisect.bisect_left(self.records, rid)
        return i < len(self.records) and self.records[i] == rid


@dataclass(frozen=True)
class TrustList:
    """A trust file that checked out under headquarters' root key."""

    keys: dict[str, KeyEntry]
    revoked: dict[tuple[str, str], str]  # (key id, serial) -> reason
    issued: str
    hq_public: bytes
    verify_url: str = ""
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def hq_key_id(self) -> str:
        return signing.key_id(self.hq_public)

    @property
    def public_keys(self) -> dict[str, bytes]:
        return {kid: e.public for kid, e in self.keys.items()}


def canonical(document: Mapping[str, Any]) -> bytes:
    """The bytes the root key signs: the document without its signature, sorted, compact."""
    body = {k: v for k, v in document.items() if k != "signature"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return CONTEXT + text.encode("utf-8")


def make_trust_file(path: str | Path | None, hq_private: bytes, keys: Iterable[KeyEntry],
                    revoked: Iterable[tuple[str, str, str]] = (), *,
                    issued: str | None = None, verify_url: str = "") -> str:
    """Write (if path is given) and return a trust file signed by the root key ``hq_private``.

    ``revoked`` holds (contest key id, serial, reason).
    """
    hq_public = signing.public_key(hq_private)
    entries = []
    for e in sorted(keys, key=lambda k: k.key_id):
        records = sorted(set(e.records))
        if any(len(r) != RECORD_LEN for r in records):
            raise InputError("record ids are 8 bytes")
        entries.append({
            "key_id": e.key_id, "public_key": _b64(e.public),
            "competition_id": e.competition_id, "label": e.label, "organiser": e.organiser,
            "valid_from": e.valid_from,
            "withdrawn": ({"from": e.withdrawn_from, "reason": e.withdrawn_reason}
                          if e.withdrawn_from else None),
            "records": len(records), "record_ids": _b64(b"".join(records)),
        })
    document: dict[str, Any] = {
        "format": FORMAT,
        "issued": issued or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "hq_key_id": signing.key_id(hq_public),
        "hq_public_key": hq_public.hex(),
        "verify_url": verify_url,
        "keys": entries,
        "revoked": [{"key_id": k, "serial": s, "reason": r}
                    for k, s, r in sorted(set(revoked))],
    }
    document["signature"] = _b64(signing.sign(hq_private, canonical(document)))
    text = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def parse_hq_key(text: str, field_name: str = "--hq-key") -> bytes:
    """Headquarters' root public key from 64 hex digits (spaces and colons ignored)."""
    clean = "".join(ch for ch in text.strip() if ch not in " :")
    try:
        public = bytes.fromhex(clean)
    except ValueError:
        public = b""
    if len(public) != 32:
        raise InputError("headquarters' key is 64 hex digits (jiangxin hq root-key prints it) "
                         "/ 总部公钥应为64位十六进制", field=field_name)
    return public


def fingerprint(public: bytes) -> str:
    """A root key's fingerprint for people: its key id in groups of 4 (e.g. 1a2b 3c4d …)."""
    kid = signing.key_id(public)
    return " ".join(kid[i:i + 4] for i in range(0, len(kid), 4))


def load_trust_text(text: str, hq_public: bytes, name: str = "trust file") -> TrustList:
    """Check a trust file's text under headquarters' root key; VerificationFailed (exit 3)
    when it is unreadable, altered, or signed by any other key."""
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise VerificationFailed(f"{name}: not a Jiangxin trust file (format {FORMAT}) "
                                     "/ 不是信任文件")
        signature = _unb64(document["signature"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise VerificationFailed(f"{name}: unreadable trust file ({exc}) / 信任文件无法读取"
                                 ) from exc
    if not signing.verify(hq_public, canonical(document), signature):
        raise VerificationFailed(
            f"{name}: not signed by headquarters' key {fingerprint(hq_public)} (forged, altered, "
            "or made by another key) / 信任文件不是总部密钥签发的（伪造、被改动或他人密钥）")
    try:
        keys: dict[str, KeyEntry] = {}
        for entry in document["keys"]:
            public = _unb64(entry["public_key"])
            if signing.key_id(public) != entry["key_id"]:
                raise ValueError(f"key id {entry['key_id']} does not match its key")
            packed = _unb64(entry["record_ids"])
            if len(packed) % RECORD_LEN:
                raise ValueError("record ids are not a whole number of 8 bytes")
            records = tuple(packed[i:i + RECORD_LEN] for i in range(0, len(packed), RECORD_LEN))
            withdrawn = entry.get("withdrawn") or None
            keys[entry["key_id"]] = KeyEntry(
                public, str(entry.get("competition_id", "")), str(entry.get("label", "")),
                str(entry.get("organiser", "")), str(entry.get("valid_from", "")),
                str(withdrawn["from"]) if withdrawn else None,
                str(withdrawn.get("reason", "")) if withdrawn else "", tuple(sorted(records)))
        revoked = {(str(r["key_id"]), str(r["serial"])): str(r.get("reason", ""))
                   for r in document["revoked"]}
        issued = str(document["issued"])
        url = str(document.get("verify_url") or "")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise VerificationFailed(f"{name}: damaged trust file ({exc}) / 信任文件已损坏") from exc
    return TrustList(keys, revoked, issued, hq_public, url, document)


def load_trust_file(path: str | Path, hq_public: bytes) -> TrustList:
    """load_trust_text of a file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VerificationFailed(f"{path}: cannot read the trust file ({exc}) / 无法读取") from exc
    return load_trust_text(text, hq_public, str(path))


# ---------------------------------------------------------------- the pinned root key


def _config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("jiangxin", appauthor=False)) / "trust.json"


def pin_hq_key(public: bytes) -> Path:
    """Pin headquarters' root key in the user's configuration; returns the file written."""
    path = _config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"hq_key": public.hex(), "pinned_at": dt.datetime.now(dt.UTC).replace(
        microsecond=0).isoformat()}
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def pinned_hq_key() -> bytes | None:
    """The root key pinned in the user's configuration, or None."""
    path = _config_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return parse_hq_key(str(data["hq_key"]), str(path))
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return None


def hq_key_or_refuse(given: str | None) -> bytes:
    """The root key to check a trust file under: ``given`` (hex), else the pinned one; with
    neither, VerificationFailed (exit 3): a trust file proves nothing without it."""
    if given:
        return parse_hq_key(given)
    pinned = pinned_hq_key()
    if pinned is None:
        raise VerificationFailed(
            "no headquarters key to check the trust file against, so it proves nothing: give "
            "--hq-key HEX or pin it once with `jiangxin trust pin HEX` (headquarters publishes "
            "it: `jiangxin hq root-key`) / 未指定总部公钥，信任文件无从证明：请用 --hq-key 或 "
            "jiangxin trust pin 固定总部公钥")
    return pinned
