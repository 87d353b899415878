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
            if hq.meta("created_at") is None:
                with hq.transaction():
                    engine.execute("INSERT INTO hq_meta (key, value) VALUES ('created_at', ?) "
                                   "ON CONFLICT DO NOTHING", [now()])
            # the root key is made when first needed, wrapped under the operator's passphrase
            # (db/hq/register.py): never kept plain
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
    def hq_public_key(self, passphrase: str | None = None) -> bytes:
        """Headquarters' root public key (made now if new: that needs the operator's
        passphrase, JIANGXIN_HQ_PASSPHRASE)."""
        from db.hq import register

        return register.ensure_root(self, passphrase)

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
    def revoke(self, serial: str, reason: str, *, operator: str,
               key_id: str | None = None) -> str:
        """Revoke a serial of one contest key (db.hq.register.revoke); returns the key id."""
        from db.hq import register

        return register.revoke(self, serial, reason, operator=operator, key_id=key_id)

    def withdraw_key(self, key_id: str, from_date: str, reason: str, *, operator: str) -> None:
        from db.hq import register

        register.withdraw_key(self, key_id, from_date, reason, operator=operator)

    def revoked_serials(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute(
            "SELECT serial FROM revocations UNION SELECT serial FROM venue_revocations")}

    def publish_trust(self, out: str | Path | None,
                      passphrase: str | None = None) -> dict[str, Any]:
        """Headquarters' trust file (db/keys/trust.py), signed by its root key: every contest
        key with its certificates on record and withdrawal, every revocation."""
        from db.hq import register

        return register.publish(self, out, passphrase)
