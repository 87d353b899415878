"""Headquarters: the database of every venue's results file, its checks, receipts and report.

One interface, two engines (db/hq/engine.py): ``Headquarters.open(target)`` takes a SQLite
path (the embedded default, made if new) or a ``postgresql://user@host/db`` URL. The modules:

* engine.py — connections, transactions, placeholders, locks, where files are kept;
* schema.py — the tables and the migrations, one list for both engines;
* importer.py — verify, lineage, write, receipts (:class:`Importer`);
* report.py — the report, the ranking across contests, one person's history (:class:`Reports`);
* this module — opening, headquarters' own key, contest keys, revocations, the trust file.

A headquarters database keeps each accepted file whole with its SHA-256, one submission per
file, and the participations drawn from the file's results, matched across contests by
resident ID number. docs/headquarters.md says how to add a feature.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.hq import schema
from db.hq.engine import Engine, is_server_url, open_engine
from db.hq.importer import COMPARED, RESULT_FIELDS, Importer, Receipt, diff_text, now
from db.hq.report import LEVELS, Reports, mask_id, report_text
from judging.errors import InputError

__all__ = ["COMPARED", "LEVELS", "RESULT_FIELDS", "Headquarters", "Receipt", "diff_text",
           "is_server_url", "mask_id", "report_text"]


class Headquarters(Importer, Reports):
    """One headquarters database. Not thread-safe: one object (connection) per thread."""

    def __init__(self, db: Engine, path: Path | str) -> None:
        self.db = db
        self.path = path  # the SQLite file, or the server's URL

    @classmethod
    def open(cls, target: str | Path) -> Headquarters:
        engine = open_engine(target)
        try:
            schema.apply(engine)
            hq = cls(engine, target if is_server_url(target) else Path(target))
            if hq.meta("hq_private") is None:
                from db.keys import signing

                private, _ = signing.generate_key()
                with hq.transaction():
                    engine.execute("INSERT INTO hq_meta (key, value) VALUES ('hq_private', ?), "
                                   "('created_at', ?) ON CONFLICT DO NOTHING",
                                   [private.hex(), now()])
        except BaseException:
            engine.close()
            raise
        return hq

    def close(self) -> None:
        self.db.close()

    def meta(self, key: str) -> str | None:
        value = self.db.one("SELECT value FROM hq_meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def count(self, table: str) -> int:
        """Rows in one of headquarters' tables (for tests, tools and the window)."""
        if table not in self.db.tables():
            raise InputError(f"no table {table} at headquarters")
        return int(self.db.one(f"SELECT COUNT(*) FROM {table}"))

    def file_bytes(self, sha256: str) -> bytes:
        """An accepted file, whole, as it was received."""
        stored = self.db.one("SELECT stored FROM files WHERE sha256 = ?", [sha256])
        if stored is None:
            raise InputError(f"no file {sha256} at headquarters")
        return (self.files_dir / str(stored)).read_bytes()

    # ---- keys -------------------------------------------------------------------------------
    def hq_public_key(self) -> bytes:
        from db.keys import signing

        return signing.public_key(bytes.fromhex(self.meta("hq_private") or ""))

    def register_key(self, public_hex: str, *, label: str = "", operator: str) -> str:
        """A contest key known in advance (e.g. sent by the organiser before the contest)."""
        from db.keys import signing

        try:
            public = bytes.fromhex(public_hex.strip())
        except ValueError:
            raise InputError("the public key must be 64 hex digits", field="--add") from None
        if len(public) != 32:
            raise InputError("the public key must be 64 hex digits", field="--add")
        kid = signing.key_id(public)
        with self.transaction():
            self.db.execute("INSERT INTO keys (key_id, public, label, source, file_sha256, at, "
                            "by) VALUES (?, ?, ?, 'registered', NULL, ?, ?) "
                            "ON CONFLICT DO NOTHING", [kid, public.hex(), label, now(), operator])
        return kid

    def trusted_keys(self) -> list[dict[str, Any]]:
        keys = self.db.query("SELECT * FROM keys")
        keys.sort(key=lambda k: (k["at"], k["key_id"]))
        return keys

    # ---- revocation and the trust file ------------------------------------------------------
    def revoke(self, serial: str, reason: str, *, operator: str) -> None:
        if not reason.strip():
            raise InputError("a reason is needed / 需填写原因", field="--reason")
        with self.transaction():
            self.db.execute("INSERT INTO revocations (serial, reason, at, by) VALUES (?,?,?,?)",
                            [serial.strip(), reason, now(), operator])

    def revoked_serials(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute(
            "SELECT serial FROM revocations UNION SELECT serial FROM venue_revocations")}

    def publish_trust(self, out: str | Path | None) -> dict[str, Any]:
        """Headquarters' trust file (db.keys.signing format): every trusted key, every revoked
        serial."""
        from db.keys import signing

        keys = {k["key_id"]: bytes.fromhex(k["public"]) for k in self.trusted_keys()}
        labels = {k["key_id"]: k["label"] for k in self.trusted_keys()}
        revoked = self.revoked_serials()
        private = bytes.fromhex(self.meta("hq_private") or "")
        text = signing.make_trust_file(out, private, keys, revoked, labels=labels)
        return {"keys": len(keys), "revoked": len(revoked),
                "hq_key_id": signing.key_id(signing.public_key(private)), "text": text}
