"""Headquarters' register of certificates and its root key: what the trust file vouches for.

- **The root key** (Ed25519): made on first need, its private half wrapped (db.keys.signing
  envelope, scrypt) under the headquarters operator's passphrase ``JIANGXIN_HQ_PASSPHRASE``
  (falling back to ``JIANGXIN_PASSPHRASE``); its public half is kept plain in ``hq_meta`` and
  printed by ``jiangxin hq root-key``. It signs trust files and nothing else.
- **The register** (``cert_register``): every certificate every imported results file lists
  (issues and reprints), by contest key and record id (db.keys.trust.record_id of its exact
  signed payload), with its short code and the fields a checker compares. Rows are never
  deleted: a newer export of the same competition adds what is new.
- **Revocations** by (contest key, serial) (``key_revocations``: headquarters' own and the
  venue's), and **withdrawn keys** (``key_withdrawals``): a whole contest key from a date.

Written through the store interface (``hq.db.execute`` with ``?`` parameters,
``hq.transaction()``) in SQL that SQLite and PostgreSQL both run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.keys import signing, trust
from judging import certificate_payload as payload
from judging.errors import InputError, NotAllowed, VerificationFailed

if TYPE_CHECKING:
    from db.files.exchange import ResultsFile

HQ_ENV = "JIANGXIN_HQ_PASSPHRASE"
ROOT_HOLDER = "hq-operator"

REGISTER_SQL = """
CREATE TABLE cert_register (key_id TEXT NOT NULL, record_id TEXT NOT NULL, serial TEXT NOT NULL,
  short_code TEXT NOT NULL, contest_uid TEXT NOT NULL, competition_id TEXT NOT NULL,
  fields TEXT NOT NULL, qr_text TEXT NOT NULL, duplicate INTEGER NOT NULL,
  registered_at TEXT NOT NULL, file_sha256 TEXT NOT NULL, PRIMARY KEY (key_id, record_id));
CREATE INDEX cert_register_code ON cert_register (short_code);
CREATE INDEX cert_register_serial ON cert_register (key_id, serial);
CREATE TABLE key_revocations (key_id TEXT NOT NULL, serial TEXT NOT NULL, reason TEXT NOT NULL,
  source TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE INDEX key_revocations_key ON key_revocations (key_id, serial);
CREATE TABLE key_withdrawals (key_id TEXT NOT NULL, from_date TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL)
"""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _rows(hq: Any, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Any]:
    return list(hq.db.execute(sql, list(params)).fetchall())


def _meta(hq: Any, key: str) -> str | None:
    row = hq.db.execute("SELECT value FROM hq_meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def _set_meta(hq: Any, key: str, value: str) -> None:
    hq.db.execute("DELETE FROM hq_meta WHERE key = ?", [key])
    hq.db.execute("INSERT INTO hq_meta (key, value) VALUES (?, ?)", [key, value])


# ---------------------------------------------------------------- the root key


def hq_passphrase(given: str | None = None) -> str:
    """The operator's passphrase: ``given``, JIANGXIN_HQ_PASSPHRASE, else JIANGXIN_PASSPHRASE;
    NotAllowed (exit 5) without one."""
    value = given or os.environ.get(HQ_ENV) or os.environ.get("JIANGXIN_PASSPHRASE")
    if not value:
        raise NotAllowed("headquarters' root key needs the operator's passphrase: set "
                         "JIANGXIN_HQ_PASSPHRASE / 总部根密钥需要操作员口令"
                         "（JIANGXIN_HQ_PASSPHRASE）")
    return value


def root_public(hq: Any) -> bytes | None:
    """Headquarters' root public key, or None before it is made."""
    text = _meta(hq, "hq_root_public")
    if text:
        return bytes.fromhex(text)
    legacy = _meta(hq, "hq_private")  # an older store kept the private key plain
    return signing.public_key(bytes.fromhex(legacy)) if legacy else None


def ensure_root(hq: Any, passphrase: str | None = None) -> bytes:
    """The root public key, making the key (or wrapping an older plain one) if needed."""
    if _meta(hq, "hq_root_public") and _meta(hq, "hq_root_wrapped"):
        return bytes.fromhex(_meta(hq, "hq_root_public") or "")
    secret = hq_passphrase(passphrase)
    signing.check_secret(secret, HQ_ENV)
    with hq.transaction():
        if _meta(hq, "hq_root_wrapped"):
            return bytes.fromhex(_meta(hq, "hq_root_public") or "")
        legacy = _meta(hq, "hq_private")
        private = bytes.fromhex(legacy) if legacy else signing.generate_key()[0]
        wrapped = signing.wrap_private_key(private, {ROOT_HOLDER: secret})
        public = signing.public_key(private)
        _set_meta(hq, "hq_root_public", public.hex())
        _set_meta(hq, "hq_root_wrapped", json.dumps(wrapped, sort_keys=True))
        if legacy:  # the plain copy goes once it is wrapped
            hq.db.execute("DELETE FROM hq_meta WHERE key = 'hq_private'")
    return public


def root_private(hq: Any, passphrase: str | None = None) -> bytes:
    ensure_root(hq, passphrase)
    wrapped = json.loads(_meta(hq, "hq_root_wrapped") or "{}")
    try:
        return signing.unwrap_private_key(wrapped, ROOT_HOLDER, hq_passphrase(passphrase))
    except NotAllowed:
        raise NotAllowed("wrong headquarters passphrase (JIANGXIN_HQ_PASSPHRASE) / 总部口令错误"
                         ) from None


# ---------------------------------------------------------------- registering


def _masked_fields(fields: Any) -> dict[str, Any]:
    return {k: getattr(fields, k) for k in (
        "serial", "name", "id_masked", "unit", "competition", "event", "group", "award",
        "title", "grade", "date", "organiser", "place", "duplicate")}


def register_file(hq: Any, f: ResultsFile) -> int:
    """Register every certificate the (verified) results file lists, and its revocations;
    inside the import's transaction. A certificate whose QR text is not signed by the file's
    own key refuses the file (VerificationFailed). Returns the number of new records."""
    public = bytes.fromhex(f.body["key"]["public"])
    kid = signing.key_id(public)
    comp_id = str(f.competition.get("id", ""))
    at = now()
    added = 0
    for r in f.rows("certificates"):
        text = str(r.get("qr_text") or "")
        try:
            unpacked = payload.unpack(text)
        except VerificationFailed as exc:
            raise VerificationFailed(f"{f.name}: certificate {r.get('serial')}: {exc}") from exc
        if unpacked.key_id.hex() != kid or not signing.verify(public, unpacked.signed,
                                                              unpacked.signature):
            raise VerificationFailed(f"{f.name}: certificate {r.get('serial')} is not signed by "
                                     "this file's contest key / 证书签名与成绩文件密钥不符")
        rid = trust.record_id(unpacked.signed).hex()
        if hq.db.execute("SELECT 1 FROM cert_register WHERE key_id = ? AND record_id = ?",
                         [kid, rid]).fetchone():
            continue
        fields = unpacked.fields
        hq.db.execute(
            "INSERT INTO cert_register (key_id, record_id, serial, short_code, contest_uid, "
            "competition_id, fields, qr_text, duplicate, registered_at, file_sha256) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [kid, rid, fields.serial, fields.short_code, f.contest_uid, comp_id,
             json.dumps(_masked_fields(fields), ensure_ascii=False, sort_keys=True), text,
             int(fields.duplicate), at, f.sha256])
        added += 1
    held = {(str(s), str(why)) for s, why in _rows(
        hq, "SELECT serial, reason FROM key_revocations WHERE key_id = ? AND source = 'venue'",
        [kid])}
    for r in f.rows("revocations"):
        item = (str(r["serial"]), str(r.get("reason") or ""))
        if item not in held:
            held.add(item)
            hq.db.execute("INSERT INTO key_revocations (key_id, serial, reason, source, at, by) "
                          "VALUES (?, ?, ?, 'venue', ?, ?)", [kid, item[0], item[1],
                                                              str(r.get("at") or at), f.name])
    return added


# ---------------------------------------------------------------- revoking


def revoke(hq: Any, serial: str, reason: str, *, operator: str, key_id: str | None = None
           ) -> str:
    """Revoke a serial of one contest key (``key_id``, or the only key whose register holds
    that serial); returns the key id. InputError (exit 2) when unknown or ambiguous."""
    serial = serial.strip()
    if not reason.strip():
        raise InputError("a reason is needed / 需填写原因", field="--reason")
    keys = sorted({str(r[0]) for r in _rows(
        hq, "SELECT key_id FROM cert_register WHERE serial = ?", [serial])})
    if key_id:
        if key_id not in keys and not _known_key(hq, key_id):
            raise InputError(f"unknown contest key {key_id} / 未知赛事密钥", field="--key")
        kid = key_id
    elif len(keys) == 1:
        kid = keys[0]
    elif not keys:
        raise InputError(f"{serial}: no certificate with this serial is on record; give --key "
                         "KEYID to revoke it anyway / 登记中没有此证书编号", field="serial")
    else:
        raise InputError(f"{serial}: certificates of {len(keys)} contest keys carry this serial "
                         f"({', '.join(keys)}); say which with --key KEYID / 多个赛事有此编号，"
                         "请用 --key 指定", field="--key")
    with hq.transaction():
        hq.db.execute("INSERT INTO key_revocations (key_id, serial, reason, source, at, by) "
                      "VALUES (?, ?, ?, 'hq', ?, ?)", [kid, serial, reason, now(), operator])
    return kid


def _known_key(hq: Any, key_id: str) -> bool:
    return hq.db.execute("SELECT 1 FROM keys WHERE key_id = ?", [key_id]).fetchone() is not None


def withdraw_key(hq: Any, key_id: str, from_date: str, reason: str, *, operator: str) -> None:
    """Withdraw a whole contest key (e.g. leaked) from a date: its certificates dated on or
    after it, and any not on record, come out revoked."""
    if not reason.strip():
        raise InputError("a reason is needed / 需填写原因", field="--reason")
    try:
        dt.date.fromisoformat(from_date)
    except ValueError:
        raise InputError(f"--from must be a date YYYY-MM-DD: {from_date!r}",
                         field="--from") from None
    if not _known_key(hq, key_id):
        raise InputError(f"unknown contest key {key_id} (jiangxin hq keys lists them) "
                         "/ 未知赛事密钥", field="--key")
    with hq.transaction():
        hq.db.execute("INSERT INTO key_withdrawals (key_id, from_date, reason, at, by) "
                      "VALUES (?, ?, ?, ?, ?)", [key_id, from_date, reason, now(), operator])


# ---------------------------------------------------------------- the trust file


def key_entries(hq: Any) -> list[trust.KeyEntry]:
    """Every contest key headquarters vouches for, with its record and withdrawal."""
    competitions = {str(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in _rows(
        hq, "SELECT s.key_id, c.competition_id, c.name, c.organiser FROM submissions s "
            "JOIN competitions c ON c.submission = s.id")}
    withdrawn: dict[str, tuple[str, str]] = {}
    for kid, from_date, reason in _rows(
            hq, "SELECT key_id, from_date, reason FROM key_withdrawals ORDER BY at"):
        if kid not in withdrawn or from_date < withdrawn[kid][0]:
            withdrawn[str(kid)] = (str(from_date), str(reason))
    records: dict[str, list[bytes]] = {}
    for kid, rid in _rows(hq, "SELECT key_id, record_id FROM cert_register"):
        records.setdefault(str(kid), []).append(bytes.fromhex(str(rid)))
    out = []
    for k in hq.trusted_keys():
        kid = str(k["key_id"])
        comp_id, name, organiser = competitions.get(kid, ("", str(k.get("label") or ""), ""))
        w = withdrawn.get(kid)
        out.append(trust.KeyEntry(bytes.fromhex(str(k["public"])), comp_id,
                                  name or str(k.get("label") or ""), organiser,
                                  str(k["at"])[:10], w[0] if w else None, w[1] if w else "",
                                  tuple(sorted(records.get(kid, [])))))
    return out


def revocations(hq: Any) -> list[tuple[str, str, str]]:
    """(key id, serial, reason) of every revocation, headquarters' and the venues'; an older
    serial-only revocation applies to every key whose register holds that serial."""
    out = {(str(k), str(s), str(r)) for k, s, r in _rows(
        hq, "SELECT key_id, serial, reason FROM key_revocations")}
    if "revocations" in _tables(hq):
        for serial, reason in _rows(hq, "SELECT serial, reason FROM revocations"):
            for (kid,) in _rows(hq, "SELECT DISTINCT key_id FROM cert_register WHERE serial = ?",
                                [serial]):
                out.add((str(kid), str(serial), str(reason)))
    first: dict[tuple[str, str], str] = {}
    for kid, serial, reason in sorted(out):
        first.setdefault((kid, serial), reason)
    return [(k, s, r) for (k, s), r in sorted(first.items())]


def _tables(hq: Any) -> set[str]:
    tables = hq.db.tables() if callable(getattr(hq.db, "tables", None)) else hq.db.table_names()
    return set(tables)


def verify_url(hq: Any) -> str:
    """The verification page's address headquarters publishes (hq_meta 'verify_url')."""
    return _meta(hq, "verify_url") or ""


def set_verify_url(hq: Any, url: str) -> None:
    from judging.scheme import check_verify_url

    check_verify_url(url, "--url")
    with hq.transaction():
        _set_meta(hq, "verify_url", url)


def trust_text(hq: Any, out: str | Path | None = None, passphrase: str | None = None) -> str:
    """The signed trust file (written to ``out`` if given)."""
    private = root_private(hq, passphrase)
    return trust.make_trust_file(out, private, key_entries(hq), revocations(hq),
                                 verify_url=verify_url(hq))


def publish(hq: Any, out: str | Path | None, passphrase: str | None = None) -> dict[str, Any]:
    text = trust_text(hq, out, passphrase)
    tl = trust.load_trust_text(text, root_public(hq) or b"")
    return {"keys": len(tl.keys), "revoked": len(tl.revoked),
            "records": sum(len(e.records) for e in tl.keys.values()),
            "hq_key_id": tl.hq_key_id, "text": text}


# ---------------------------------------------------------------- short codes


@dataclass(frozen=True)
class Found:
    """A register row found by its short code."""

    key_id: str
    fields: dict[str, Any]
    qr_text: str
    registered_at: str


def find_short_code(hq: Any, code: str) -> list[Found]:
    normal = payload.normalize_short_code(code)
    return [Found(str(r[0]), json.loads(str(r[1])), str(r[2]), str(r[3])) for r in _rows(
        hq, "SELECT key_id, fields, qr_text, registered_at FROM cert_register "
            "WHERE short_code = ? ORDER BY registered_at, key_id", [normal])]
