"""The results file (docs/results-file.md): one signed JSON document per competition; its reader.

Layout (docs/results-file.md is the reference a third party writes a reader from)::

    {"body":{...},"format":"jiangxin-results/1","signature":{...}}\\n

The whole file is canonical JSON (keys sorted, no spaces, UTF-8, integers and strings only)
followed by one newline. The Ed25519 signature covers the exact bytes of the ``body`` value as
they stand in the file; everything outside the body must be byte-for-byte the canonical form of
what it parses to. So one changed byte anywhere either breaks the JSON, breaks the canonical
form of the tail, or breaks the signature: :func:`read_results_file` refuses each of them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from db.store.changes import Done
from judging.errors import InputError, VerificationFailed

if TYPE_CHECKING:
    from db.store.contest import Contest

FORMAT = "jiangxin-results/1"
FORMAT_VERSION = 1
_HEAD = b'{"body":'

# Exported tables in the order a reader can insert them (references point backwards).
REQUIRED_TABLES = (
    "users", "keys", "competitors", "draws", "assignments", "checkins", "marks", "overrides",
    "clock_events", "times", "theory", "statuses", "locks", "decryptions", "snapshots",
    "appeals", "certificates", "revocations", "merges",
)  # what every results file holds (older versions wrote only these)
TABLES = (
    "users", "keys", "competitors", "draws", "assignments", "checkins", "marks", "overrides",
    "clock_events", "times", "theory", "statuses", "locks", "decryptions", "snapshots",
    "appeals", "certificates", "revocations", "merges",
    # the sealed draw (db/ops/blind.py) and the signed heads of the audit chain
    "officer_keys", "lots", "lot_conflicts", "lot_checkins", "lot_statuses", "seals",
    "signed_heads", "devices", "signins", "openings",
)
# Secrets that never leave the venue: PIN hashes and the wrapped private keys.
OMITTED = {"users": ("pin_hash",), "keys": ("wrapped",), "officer_keys": ("wrapped",),
           "devices": ("wrapped",)}
MARK_STATE_COLUMNS = ("event", "station", "aspect", "judge", "score", "measured", "points",
                      "status", "typist", "verifier", "candidates")


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 as is (no \\u escapes)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)


_PIN = re.compile(r"""(?m)\b(pin\s*=\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[0-9A-Za-z_]+)""")


def redact_pins(toml_text: str) -> str:
    """The competition file without its users' PINs (they never leave the venue)."""
    return _PIN.sub(r'\1"******"', toml_text)


def _cell(v: Any) -> Any:
    # REAL columns travel as decimal strings so that no reader has to agree on float printing
    return repr(v) if isinstance(v, float) else v


# ---- writing ----------------------------------------------------------------------------------
def table_rows(c: Contest, table: str) -> dict[str, Any]:
    """One table as {"columns": [...], "rows": [[...], ...]} in insertion order."""
    cur = c.db.execute(f"SELECT * FROM {table} ORDER BY rowid")
    cols = [d[0] for d in cur.description]
    keep = [i for i, col in enumerate(cols) if col not in OMITTED.get(table, ())]
    return {"columns": [cols[i] for i in keep],
            "rows": [[_cell(r[i]) for i in keep] for r in cur]}


@dataclass(frozen=True)
class ExportRecord:
    """An export this database made before (from its audit log), as a results file lists it."""

    at: str
    sha256: str | None
    head_seq: int | None
    head_hash: str | None

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at, "sha256": self.sha256, "head_seq": self.head_seq,
                "head_hash": self.head_hash}


def previous_exports(c: Contest) -> list[ExportRecord]:
    """The exports this database made before, from its audit log (oldest first)."""
    out = []
    for after, at in c.db.execute("SELECT after, at FROM audit WHERE action = 'export' "
                                  "ORDER BY seq"):
        try:
            info = json.loads(after) if after else {}
        except ValueError:
            continue
        out.append(ExportRecord(str(at), info.get("sha256"), info.get("head_seq"),
                                info.get("head_hash")))
    return out


def build_body(c: Contest, *, exported_by: str, now: float | None = None) -> dict[str, Any]:
    """Everything the results file says about the contest (not yet signed)."""
    from db.keys.contest_key import contest_key
    from db.ops.results import results
    from db.store.audit import head
    from db.store.connection import APP_VERSION, now_iso

    comp = c.competition
    key_id, public = contest_key(c)
    seq, head_hash = head(c.db)
    tables = {t: table_rows(c, t) for t in TABLES}
    cur = c.db.execute("SELECT " + ", ".join(MARK_STATE_COLUMNS) + " FROM slots "
                       "ORDER BY event, station, aspect, judge")
    mark_states = {"columns": list(MARK_STATE_COLUMNS), "rows": [list(r) for r in cur]}
    res = {e.id: results(c, e.id, now).as_json() for e in comp.events}
    records = int(c.db.execute("SELECT COUNT(*) FROM audit").fetchone()[0])
    return {
        "format_version": FORMAT_VERSION,
        "software": {"name": "jiangxin", "version": APP_VERSION},
        "contest_uid": c.meta("contest_uid"),
        "device_id": c.device_id,
        "exported_at": now_iso(),
        "exported_by": exported_by,
        "competition": {"id": comp.id, "name": comp.name, "organiser": comp.organiser,
                        "venue": comp.venue, "level": comp.level, "date": str(comp.date),
                        "events": [{"id": e.id, "name": e.name, "group": e.group,
                                    "stations": e.stations} for e in comp.events]},
        "competition_file": c.meta("competition_file"),
        "competition_toml": redact_pins(c.meta("competition") or ""),
        "key": {"algorithm": "Ed25519", "key_id": key_id, "public": public.hex()},
        "audit_head": {"seq": seq, "hash": head_hash, "records": records},
        "signed_heads": _signed_heads(c),
        "exports": [e.as_json() for e in previous_exports(c)],
        "tables": tables,
        "mark_states": mark_states,
        "results": res,
        "manifest": manifest_of(tables, mark_states, res),
    }


def _signed_heads(c: Contest) -> list[dict[str, Any]]:
    from db.store.checkpoints import heads

    return [{k: h[k] for k in ("seq", "head", "key_id", "signature")} for h in heads(c.db)]


def manifest_of(tables: Mapping[str, Any], mark_states: Mapping[str, Any],
                results: Mapping[str, Any]) -> dict[str, Any]:
    return {"tables": {t: len(v["rows"]) for t, v in tables.items()},
            "mark_states": len(mark_states["rows"]),
            "results": {ev: len(r["rows"]) for ev, r in results.items()}}


def sign_body(body: Mapping[str, Any], private: bytes) -> bytes:
    """The complete file: canonical document with the signature over the body's bytes."""
    from db.keys import signing

    body_bytes = canonical(body).encode("utf-8")
    public = signing.public_key(private)
    if body["key"]["public"] != public.hex():
        raise VerificationFailed("the private key does not belong to this contest / 密钥不符")
    sig = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
           "body_sha256": hashlib.sha256(body_bytes).hexdigest(),
           "value": base64.b64encode(signing.sign(private, body_bytes)).decode("ascii")}
    tail = canonical({"format": FORMAT, "signature": sig}).encode("utf-8")
    return _HEAD + body_bytes + b"," + tail[1:] + b"\n"


def export(c: Contest, out: str | Path, pin: str | None = None, *,
           passphrase: str | None = None) -> Done[str]:
    """`jiangxin export`: write the signed results file; returns its SHA-256 (hex) as value.

    The contest key is unlocked by the signing passphrase (``passphrase``, else the session's
    or JIANGXIN_PASSPHRASE; none: NotAllowed, exit 5), never by a PIN; ``pin``, when given,
    only confirms the signed-in user again.

    Refuses (exit 3) when the contest's own audit chain is broken: a results file vouches for
    the data, so it must not sign data that was changed behind the application's back. The
    export itself is recorded in the audit log with the file's hash, so headquarters can tell
    a newer export (which lists this one) from a replayed older one.
    """
    from db.keys.contest_key import unlock_private_key
    from db.store.audit import verify

    s = c.require("export")
    from db.ops.derived import derived_problems

    report = verify(c.db)
    report.problems.extend(derived_problems(c) if report.ok else [])
    if not report.ok:
        raise VerificationFailed("the contest's audit chain is broken; not exporting "
                                 "/ 审计链校验失败，不能导出:\n  "
                                 + "\n  ".join(report.problems[:10]))
    if pin is not None:
        from db.keys.contest_key import confirm_pin

        confirm_pin(c, s.user, pin)
    private = unlock_private_key(c, passphrase)
    from db.store.checkpoints import sign_head

    sign_head(c, "export", private=private)  # the file carries the head it signs
    body = build_body(c, exported_by=s.user)
    from db.keys.devices import row_signatures, unlock_device_key

    body["row_signatures"] = row_signatures(c, body["tables"], unlock_device_key(c, passphrase))
    data = sign_body(body, private)
    digest = hashlib.sha256(data).hexdigest()
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the results file: {exc.strerror} / 无法写入",
                         file=str(target)) from None
    # the audit record first, the file visible after: a signed file never exists without
    # its record (killed in between, the record stands beside a .part file, never the reverse)
    try:
        with c.write("export", reason=f"results file {target.name}") as w:
            w.log(after={"sha256": digest, "head_seq": body["audit_head"]["seq"],
                         "head_hash": body["audit_head"]["hash"], "file": target.name,
                         "bytes": len(data)})
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        tmp.replace(target)
    except OSError as exc:
        raise InputError(f"cannot write the results file: {exc.strerror} (the export is "
                         f"recorded; {tmp.name} holds it) / 无法写入", file=str(target)) from None
    return Done(digest, w.changes)


# ---- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultsFile:
    """A results file whose signature and counts checked out (trust in its key is separate)."""

    name: str
    sha256: str
    size: int
    body: dict[str, Any]

    @property
    def key_id(self) -> str:
        return str(self.body["key"]["key_id"])

    @property
    def public_key(self) -> bytes:
        return bytes.fromhex(self.body["key"]["public"])

    @property
    def contest_uid(self) -> str:
        return str(self.body["contest_uid"])

    @property
    def device_id(self) -> str:
        return str(self.body["device_id"])

    @property
    def competition(self) -> dict[str, Any]:
        return dict(self.body["competition"])

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        return dict(self.body["results"])

    @property
    def export_hashes(self) -> set[str]:
        """SHA-256 of every earlier export of the database this file came from."""
        return {str(e["sha256"]) for e in self.body.get("exports", []) if e.get("sha256")}

    def rows(self, table: str) -> list[dict[str, Any]]:
        t = self.body["tables"].get(table)
        if t is None:  # a table an older version did not write
            return []
        cols = t["columns"]
        return [dict(zip(cols, r)) for r in t["rows"]]

    def count(self, table: str) -> int:
        return len(self.body["tables"].get(table, {"rows": []})["rows"])


def read_results_file(source: str | Path | bytes, *, name: str | None = None,
                      sha256: str | None = None) -> ResultsFile:
    """Read and check a results file: form, signature, key id and manifest counts.

    Raises VerificationFailed (exit 3) with a plain message for anything altered, truncated or
    inconsistent; InputError (exit 2) for a file of a newer format version or one that cannot
    be read. Says nothing about whether the key is trusted: that is the caller's decision.
    """
    from db.keys import signing

    if isinstance(source, bytes):
        data, label = source, name or "results file"
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror} / 无法读取", file=label) from None
    digest = sha256 or hashlib.sha256(data).hexdigest()

    def bad(why: str) -> VerificationFailed:
        return VerificationFailed(f"{label}: {why}; nothing was imported "
                                  "/ 结果文件校验失败，未导入")

    if not data.startswith(_HEAD) or not data.endswith(b"}\n"):
        raise bad("not a complete Jiangxin results file (truncated, or another kind of file)")
    try:
        doc = orjson.loads(data)  # 2 MB in ~7 ms (json: ~20 ms); the same values
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past the parser's depth
        raise bad("the file is damaged or truncated (not valid JSON)") from None
    if not isinstance(doc, dict) or set(doc) != {"body", "format", "signature"}:
        raise bad("not a Jiangxin results file (unexpected top-level keys)")
    if doc["format"] != FORMAT:
        raise bad(f"unknown format {doc['format']!r} (expected {FORMAT})")
    sig = doc["signature"]
    try:
        tail = canonical({"format": doc["format"], "signature": sig}).encode("utf-8")
    except (TypeError, ValueError):
        raise bad("the signature block is malformed") from None
    tail = b"," + tail[1:] + b"\n"
    if not data.endswith(tail) or len(data) <= len(_HEAD) + len(tail):
        raise bad("the signature block was altered (not in canonical form)")
    body_bytes = data[len(_HEAD):len(data) - len(tail)]
    body = doc["body"]
    if not isinstance(sig, dict) or not isinstance(body, dict):
        raise bad("the file's structure is wrong")
    try:
        public = bytes.fromhex(body["key"]["public"])
        signature = base64.b64decode(str(sig["value"]).encode("ascii"), validate=True)
        stated_id = str(sig["key_id"])
        algorithm = sig["algorithm"]
        body_sha = sig["body_sha256"]
    except (KeyError, TypeError, ValueError):
        raise bad("the signature or key block is malformed") from None
    if algorithm != "Ed25519" or len(public) != 32:
        raise bad("unsupported signature algorithm or key")
    if signing.key_id(public) != stated_id or body["key"].get("key_id") != stated_id:
        raise bad("the key id does not match the key in the file")
    if hashlib.sha256(body_bytes).hexdigest() != body_sha:
        raise bad("the contents were altered after signing (hash differs)")
    if not signing.verify(public, body_bytes, signature):
        raise bad("the signature does not match the contents (altered, or signed by another key)")
    version = body.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise InputError(f"written by a newer version of Jiangxin (format {version}); "
                         "please update / 文件版本过新，请升级软件", file=label)
    _check_manifest(body, bad)
    return ResultsFile(Path(label).name, digest, len(data), body)


def _check_manifest(body: dict[str, Any], bad: Any) -> None:
    try:
        man = body["manifest"]
        tables = body["tables"]
        if set(man["tables"]) != set(tables) or not set(REQUIRED_TABLES) <= set(tables):
            raise bad("the manifest does not list the tables the file holds")
        for t, v in tables.items():
            cols = v["columns"]
            if man["tables"][t] != len(v["rows"]):
                raise bad(f"table {t} holds {len(v['rows'])} rows, the manifest says "
                          f"{man['tables'][t]}")
            if v["rows"] and set(map(len, v["rows"])) != {len(cols)}:
                raise bad(f"table {t} has rows of the wrong width")
        if man["mark_states"] != len(body["mark_states"]["rows"]):
            raise bad("the mark states do not match the manifest")
        if {k: len(r["rows"]) for k, r in body["results"].items()} != man["results"]:
            raise bad("the results do not match the manifest")
        head = body["audit_head"]
        if not (isinstance(head["seq"], int) and isinstance(head["hash"], str)):
            raise bad("the audit head is malformed")
    except (KeyError, TypeError, AttributeError):
        raise bad("the file lacks required parts (manifest, tables, results)") from None
