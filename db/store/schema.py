"""The database schema as numbered migrations; every data table is append-only."""

from __future__ import annotations

import sqlite_utils

MIGRATIONS = sqlite_utils.Migrations("jiangxin")

# Tables whose rows are never updated or deleted: a correction is a new row. Each of their
# rows has an audit record carrying its hash (db/store/audit.py checks both ways).
BASE_APPEND_ONLY = (
    "users", "keys", "competitors", "draws", "assignments", "checkins", "marks", "overrides",
    "clock_events", "times", "theory", "statuses", "locks", "decryptions", "snapshots",
    "appeals", "certificates", "revocations", "merges",
)
APPEND_ONLY = BASE_APPEND_ONLY + (
    # m005: the sealed draw (db/ops/blind.py); m006: signed heads (db/store/checkpoints.py)
    "officer_keys", "lots", "lot_conflicts", "lot_checkins", "lot_statuses", "seals",
    "signed_heads",
    # m007: attributable merges (db/keys/devices.py)
    "devices", "signins", "openings",  # (row_signatures: evidence, guarded, not audited)
)

BASE_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
  uid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, unit TEXT NOT NULL,
  events TEXT, pin_hash TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE TABLE login_failures (user TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE keys (
  uid TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE, public TEXT NOT NULL,
  wrapped TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE TABLE competitors (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, name TEXT NOT NULL, id_number TEXT NOT NULL,
  gender TEXT NOT NULL, unit TEXT NOT NULL, region TEXT NOT NULL, source TEXT NOT NULL,
  at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL, UNIQUE (event, id_number));
CREATE TABLE draws (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL UNIQUE, method TEXT NOT NULL, seed TEXT,
  witness TEXT NOT NULL, file_sha256 TEXT, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE TABLE assignments (
  uid TEXT PRIMARY KEY, draw TEXT NOT NULL REFERENCES draws(uid), event TEXT NOT NULL,
  competitor TEXT NOT NULL REFERENCES competitors(uid), candidate TEXT NOT NULL,
  station TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  UNIQUE (event, candidate), UNIQUE (event, station),
  UNIQUE (competitor));
CREATE TABLE checkins (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, competitor TEXT NOT NULL REFERENCES competitors(uid),
  late_min INTEGER NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE marks (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL, aspect TEXT NOT NULL,
  judge TEXT NOT NULL, action TEXT NOT NULL, score TEXT, measured TEXT, reason TEXT NOT NULL,
  target TEXT, at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE INDEX marks_slot ON marks (event, station, aspect, judge, at);
CREATE TABLE overrides (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL, aspect TEXT,
  judge TEXT, kind TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE TABLE clock_events (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL, kind TEXT NOT NULL,
  t REAL NOT NULL, seconds INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL, device TEXT NOT NULL);
CREATE INDEX clock_events_station ON clock_events (event, station, t);
CREATE TABLE times (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL,
  used_seconds INTEGER NOT NULL, extra_seconds INTEGER NOT NULL, source TEXT NOT NULL,
  at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE theory (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, competitor TEXT NOT NULL REFERENCES competitors(uid),
  score TEXT NOT NULL, source TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE TABLE statuses (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, competitor TEXT NOT NULL REFERENCES competitors(uid),
  status TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE TABLE locks (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, module TEXT NOT NULL, action TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE decryptions (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL UNIQUE, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE TABLE snapshots (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, number INTEGER NOT NULL, results TEXT NOT NULL,
  sha256 TEXT NOT NULL, note TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL, UNIQUE (event, number));
CREATE TABLE appeals (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL, action TEXT NOT NULL,
  appeal TEXT NOT NULL, text TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE TABLE certificates (
  uid TEXT PRIMARY KEY, serial TEXT NOT NULL, event TEXT NOT NULL,
  competitor TEXT NOT NULL REFERENCES competitors(uid), fields TEXT NOT NULL,
  qr_text TEXT NOT NULL, duplicate_of TEXT, reason TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE revocations (
  uid TEXT PRIMARY KEY, serial TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE merges (
  uid TEXT PRIMARY KEY, source_device TEXT NOT NULL, file_sha256 TEXT NOT NULL,
  counts TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY, uid TEXT NOT NULL, at TEXT NOT NULL, user TEXT NOT NULL,
  role TEXT NOT NULL, device TEXT NOT NULL, action TEXT NOT NULL, tbl TEXT, row_uid TEXT,
  row_hash TEXT, before TEXT, after TEXT, reason TEXT NOT NULL, prev TEXT NOT NULL,
  hash TEXT NOT NULL);
-- Derived caches (rebuilt from the mark log; never a source of truth, never exported)
CREATE TABLE slots (
  event TEXT NOT NULL, station TEXT NOT NULL, aspect TEXT NOT NULL, judge TEXT NOT NULL,
  score TEXT, measured TEXT, points TEXT, status TEXT NOT NULL, typist TEXT, verifier TEXT,
  candidates TEXT, PRIMARY KEY (event, station, aspect, judge)) WITHOUT ROWID;
CREATE TABLE aspect_marks (
  event TEXT NOT NULL, station TEXT NOT NULL, aspect TEXT NOT NULL, mark TEXT NOT NULL,
  kind TEXT NOT NULL, units INTEGER NOT NULL, entries INTEGER NOT NULL, complete INTEGER NOT NULL, verified INTEGER NOT NULL,
  disagreements INTEGER NOT NULL, spread TEXT, flagged INTEGER NOT NULL,
  PRIMARY KEY (event, station, aspect)) WITHOUT ROWID;
"""


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run statements one by one (executescript would commit the migration's transaction)."""
    for statement in script.split(";\n"):
        if statement.strip() and not statement.strip().startswith("--"):
            db.conn.execute(statement)
        elif statement.strip():
            lines = [ln for ln in statement.splitlines() if not ln.strip().startswith("--")]
            if "".join(lines).strip():
                db.conn.execute("\n".join(lines))


def _guard_sql(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;\n"
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;\n"
    )


@MIGRATIONS(name="m001_base")
def m001_base(db: sqlite_utils.Database) -> None:
    run_script(db, BASE_SQL + "".join(_guard_sql(t) for t in BASE_APPEND_ONLY + ("audit",)))


@MIGRATIONS(name="m002_aspect_units")
def m002_aspect_units(db: sqlite_utils.Database) -> None:
    """Files made before aspect marks carried their kind and whole units: rebuild the caches.

    The caches are derived from the mark log, so they are dropped, recreated empty and
    rebuilt when the contest is next opened (meta key ``rebuild_derived``).
    """
    columns = {r[1] for r in db.conn.execute("PRAGMA table_info(aspect_marks)")}
    if "units" in columns:
        return
    db.conn.execute("DROP TABLE aspect_marks")
    start = BASE_SQL.index("CREATE TABLE aspect_marks")
    run_script(db, BASE_SQL[start:])
    db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('rebuild_derived', '1')")


@MIGRATIONS(name="m003_strip_pins")
def m003_strip_pins(db: sqlite_utils.Database) -> None:
    """Files that kept the competition file with its users' PINs: empty them."""
    from judging.scheme import strip_pins

    row = db.conn.execute("SELECT value FROM meta WHERE key = 'competition'").fetchone()
    if row is not None:
        db.conn.execute("UPDATE meta SET value = ? WHERE key = 'competition'",
                        [strip_pins(row[0])])


@MIGRATIONS(name="m004_lean_audit")
def m004_lean_audit(db: sqlite_utils.Database) -> None:
    """One index fewer to write on every mark: nothing looks audit records up by row."""
    db.conn.execute("DROP INDEX IF EXISTS audit_row")


SEALED_DRAW_SQL = """
CREATE TABLE officer_keys (
  uid TEXT PRIMARY KEY, purpose TEXT NOT NULL, key_id TEXT NOT NULL, public TEXT NOT NULL,
  wrapped TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE TABLE lots (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, draw TEXT NOT NULL REFERENCES draws(uid),
  candidate TEXT NOT NULL, station TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  UNIQUE (event, candidate), UNIQUE (event, station));
CREATE TABLE lot_conflicts (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, draw TEXT NOT NULL REFERENCES draws(uid),
  station TEXT NOT NULL, judge TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE TABLE lot_checkins (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL, late_min INTEGER NOT NULL,
  at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE lot_statuses (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, station TEXT NOT NULL, status TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE seals (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL,
  purpose TEXT NOT NULL, key_id TEXT NOT NULL, sealed TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL, device TEXT NOT NULL)
"""

_SEALED_TABLES = ("officer_keys", "lots", "lot_conflicts", "lot_checkins", "lot_statuses",
                  "seals")


@MIGRATIONS(name="m005_sealed_draw")
def m005_sealed_draw(db: sqlite_utils.Database) -> None:
    """The two-layer draw sealed to the encryption officer (docs/security.md).

    New tables only. A file drawn before this version still holds its draws in clear: the
    links of its events not yet decrypted are moved into a seal (and removed from the file and
    its audit records) when the officer's key is made (`jiangxin officer key`, see
    db/ops/blind.py: seal_legacy_draws); until then ``check`` says so.
    """
    run_script(db, SEALED_DRAW_SQL + ";\n" + "".join(_guard_sql(t) for t in _SEALED_TABLES))


CHECKPOINTS_SQL = """
CREATE TABLE signed_heads (
  uid TEXT PRIMARY KEY, seq INTEGER NOT NULL, head TEXT NOT NULL, key_id TEXT NOT NULL,
  signature TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL)
"""


@MIGRATIONS(name="m006_checkpoints")
def m006_checkpoints(db: sqlite_utils.Database) -> None:
    """Signed checkpoints of the audit chain head (db/store/checkpoints.py)."""
    run_script(db, CHECKPOINTS_SQL + ";\n" + _guard_sql("signed_heads"))


DEVICES_SQL = """
CREATE TABLE devices (
  uid TEXT PRIMARY KEY, device_id TEXT NOT NULL, key_id TEXT NOT NULL, public TEXT NOT NULL,
  wrapped TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL);
CREATE TABLE signins (
  uid TEXT PRIMARY KEY, user TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL,
  device TEXT NOT NULL);
CREATE INDEX signins_user ON signins (user, device);
-- the device signatures of rows merged in from other laptops (evidence carried on)
CREATE TABLE row_signatures (
  uid TEXT PRIMARY KEY, device TEXT NOT NULL, signature TEXT NOT NULL);
-- at decrypt: the content key of the officer's sealed draw it opened (db/ops/blind.py), so
-- that a decryption merged from another laptop is checked to be the officer's
CREATE TABLE openings (
  uid TEXT PRIMARY KEY, event TEXT NOT NULL, seal TEXT NOT NULL, key TEXT NOT NULL,
  at TEXT NOT NULL, by TEXT NOT NULL, device TEXT NOT NULL)
"""


@MIGRATIONS(name="m007_devices")
def m007_devices(db: sqlite_utils.Database) -> None:
    """Device keys, sign-in records, row signatures and decryption openings for attributable
    merges (db/keys/devices.py)."""
    run_script(db, DEVICES_SQL + ";\n" + _guard_sql("devices") + _guard_sql("signins")
               + _guard_sql("row_signatures") + _guard_sql("openings"))


SCHEMA_NAMES = tuple(m.name for m in MIGRATIONS._migrations)
