"""Headquarters: the database of every venue's results file, its checks, receipts and report.

A headquarters database (SQLite, separate from any contest file) keeps each accepted file
whole with its SHA-256, one submission per file, and the participations drawn from the file's
results, matched across contests by resident ID number. Every import is one transaction per
file: a file is verified completely (form, signature, counts, key trust, lineage) before
anything of it is written, so a refused file leaves the database as it was.

Lineage: each export lists the SHA-256 of the exports its database made before. A file whose
list holds the file headquarters has for that contest is newer and replaces it as a whole; a
file that the held one lists is an older export replayed, and is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from db.files.exchange import ResultsFile, canonical, read_results_file
from judging.errors import InputError, JiangxinError, StorageError, VerificationFailed

MIGRATIONS = sqlite_utils.Migrations("jiangxin-hq")
LEVELS = ("enterprise", "county", "city", "provincial", "national")
RESULT_FIELDS = ("place", "station", "candidate", "name", "unit", "theory", "practical",
                 "total", "time_used_s", "status", "award", "title", "grade", "scale")
COMPARED = ("name", "unit", "place", "theory", "practical", "total", "time_used_s", "status",
            "award", "title", "grade")

HQ_SQL = """
CREATE TABLE hq_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE keys (key_id TEXT PRIMARY KEY, public TEXT NOT NULL, label TEXT NOT NULL,
  source TEXT NOT NULL, file_sha256 TEXT, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE TABLE files (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL,
  stored TEXT NOT NULL);
CREATE TABLE submissions (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE
  REFERENCES files(sha256), file TEXT NOT NULL, contest_uid TEXT NOT NULL,
  competition_id TEXT NOT NULL, competition TEXT NOT NULL, key_id TEXT NOT NULL,
  device_id TEXT NOT NULL, exported_at TEXT NOT NULL, audit_seq INTEGER NOT NULL,
  audit_head TEXT NOT NULL, exports TEXT NOT NULL, counts TEXT NOT NULL, state TEXT NOT NULL,
  replaces INTEGER, replaced_by INTEGER, diff TEXT, key_accepted INTEGER NOT NULL,
  received_at TEXT NOT NULL, received_by TEXT NOT NULL);
CREATE INDEX submissions_contest ON submissions (contest_uid, state);
CREATE TABLE competitions (contest_uid TEXT PRIMARY KEY, submission INTEGER NOT NULL,
  competition_id TEXT NOT NULL, name TEXT NOT NULL, organiser TEXT NOT NULL,
  venue TEXT NOT NULL, level TEXT NOT NULL, date TEXT NOT NULL, year TEXT NOT NULL);
CREATE TABLE events (contest_uid TEXT NOT NULL, event TEXT NOT NULL, name TEXT NOT NULL,
  grp TEXT NOT NULL, entrants INTEGER NOT NULL, scaled INTEGER NOT NULL, header TEXT NOT NULL,
  PRIMARY KEY (contest_uid, event));
CREATE TABLE participations (contest_uid TEXT NOT NULL, event TEXT NOT NULL, ord INTEGER NOT NULL,
  trade TEXT NOT NULL, grp TEXT NOT NULL, year TEXT NOT NULL, level TEXT NOT NULL,
  id_number TEXT, gender TEXT, region TEXT, name TEXT, unit TEXT, station TEXT, candidate TEXT,
  place INTEGER, theory TEXT, practical TEXT, total TEXT, time_used_s INTEGER, status TEXT,
  award TEXT, title TEXT, grade TEXT, scale INTEGER, person_unit TEXT, person INTEGER,
  unit_id INTEGER);
CREATE INDEX participations_contest ON participations (contest_uid, event, ord);
CREATE INDEX participations_person ON participations (id_number);
CREATE INDEX participations_trade ON participations (trade, year);
CREATE TABLE people (id INTEGER PRIMARY KEY, id_number TEXT NOT NULL UNIQUE);
CREATE TABLE units (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE tallies (contest_uid TEXT NOT NULL, event TEXT NOT NULL, year TEXT NOT NULL,
  level TEXT NOT NULL, trade TEXT NOT NULL, award TEXT, title TEXT, grade TEXT,
  n INTEGER NOT NULL);
CREATE INDEX tallies_contest ON tallies (contest_uid);
CREATE TABLE region_tallies (contest_uid TEXT NOT NULL, region TEXT NOT NULL, award TEXT,
  titles INTEGER NOT NULL, grades INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE INDEX region_tallies_contest ON region_tallies (contest_uid);
CREATE TABLE region_events (contest_uid TEXT NOT NULL, event TEXT NOT NULL, region TEXT NOT NULL);
CREATE INDEX region_events_contest ON region_events (contest_uid);
CREATE INDEX participations_unit ON participations (person_unit);
CREATE INDEX participations_year_person ON participations (year, person);
CREATE INDEX participations_year_unit_id ON participations (year, unit_id);
CREATE INDEX participations_region_person ON participations (region, person);
CREATE INDEX participations_region_unit_id ON participations (region, unit_id);
CREATE INDEX participations_level_person ON participations (level, person);
CREATE INDEX participations_level_unit_id ON participations (level, unit_id);
CREATE INDEX participations_trade_person ON participations (trade, person);
CREATE INDEX participations_trade_unit_id ON participations (trade, unit_id);
CREATE TABLE certificates (contest_uid TEXT NOT NULL, serial TEXT NOT NULL, event TEXT NOT NULL,
  id_number TEXT, duplicate_of TEXT, at TEXT NOT NULL);
CREATE INDEX certificates_contest ON certificates (contest_uid);
CREATE TABLE venue_revocations (contest_uid TEXT NOT NULL, serial TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE revocations (serial TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL);
CREATE TABLE refusals (at TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL,
  reason TEXT NOT NULL, by TEXT NOT NULL)
"""


@MIGRATIONS(name="h001_base")
def h001_base(db: sqlite_utils.Database) -> None:
    for statement in HQ_SQL.split(";\n"):
        if statement.strip():
            db.conn.execute(statement)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def mask_id(id_number: str | None) -> str | None:
    """First 4 and last 4 characters shown (as on certificates)."""
    if not id_number or len(id_number) < 8:
        return id_number
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


@dataclass
class Receipt:
    """What headquarters gives back for a file: submission id, hash, counts, what happened."""

    status: str  # imported | replaced | duplicate (what happened, or would with dry_run)
    submission: int | None
    file: str
    sha256: str
    contest_uid: str
    competition_id: str
    competition: str
    key_id: str
    counts: dict[str, int]
    received_at: str
    key_accepted: bool = False
    replaces: int | None = None
    diff: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def text(self) -> str:
        head = {"imported": "receipt / 回执", "replaced": "receipt (replaces) / 回执（替换）",
                "duplicate": "already imported, nothing changed / 已导入，无变化"}[self.status]
        if self.dry_run:
            head = f"checked, not imported (would be: {self.status}) / 已校验，未导入"
        lines = [f"{head}: submission {self.submission if self.submission else '-'}",
                 f"  file        {self.file}",
                 f"  SHA-256     {self.sha256}",
                 f"  competition {self.competition_id} {self.competition}",
                 f"  key         {self.key_id}" + ("  (accepted now / 新接受的密钥)"
                                                   if self.key_accepted else ""),
                 "  counts      " + ", ".join(f"{k} {v}" for k, v in self.counts.items()),
                 f"  received    {self.received_at}"]
        if self.replaces:
            lines.append(f"  replaces    submission {self.replaces}")
        if self.diff is not None:
            lines.append("  difference  " + diff_text(self.diff).replace("\n", "\n              "))
        lines += [f"  warning     {w}" for w in self.warnings]
        return "\n".join(lines)


def diff_text(diff: dict[str, Any], limit: int = 20) -> str:
    if not (diff["added"] or diff["removed"] or diff["changed"] or diff["tables"]):
        return "no difference in results or counts / 结果无变化"
    out = [(f"{len(diff['added'])} added, {len(diff['removed'])} removed, "
            f"{len(diff['changed'])} changed participations")]
    for t, (a, b) in sorted(diff["tables"].items()):
        out.append(f"{t}: {a} -> {b} rows")
    for ch in diff["changed"][:limit]:
        fields = "; ".join(f"{k} {v[0]} -> {v[1]}" for k, v in sorted(ch["fields"].items()))
        out.append(f"{ch['event']} {ch['candidate']}: {fields}")
    for kind in ("added", "removed"):
        for p in diff[kind][:limit]:
            out.append(f"{kind} {p['event']} {p['candidate']} {p.get('name') or ''}")
    return "\n".join(out)


class Headquarters:
    """One headquarters database. Not thread-safe: one object (connection) per thread."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Headquarters:
        p = Path(path)
        try:
            conn = sqlite3.connect(str(p), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            # the report's indexes are far bigger than SQLite's default 2 MB page cache
            conn.execute("PRAGMA cache_size = -262144")
            db = sqlite_utils.Database(conn)
            names = set(db.table_names())
            if names and "_sqlite_migrations" not in names:
                raise StorageError(f"{p}: not a Jiangxin headquarters database / 不是总部数据库")
            if "competitors" in names:
                raise StorageError(f"{p}: this is a contest file, not a headquarters database "
                                   "/ 这是赛事文件，不是总部数据库")
            MIGRATIONS.apply(db)
        except sqlite3.Error as exc:
            raise StorageError(f"{p}: cannot open the headquarters database: {exc}") from exc
        hq = cls(db, p)
        if hq.meta("hq_private") is None:
            from db.keys import signing

            private, _ = signing.generate_key()
            with hq.transaction():
                db.execute("INSERT INTO hq_meta (key, value) VALUES ('hq_private', ?), "
                           "('created_at', ?)", [private.hex(), _now()])
        return hq

    def close(self) -> None:
        self.db.conn.close()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM hq_meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; inside a batch (see :meth:`import_files`), a savepoint."""
        conn = self.db.conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT one_file")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK TO one_file")
                conn.execute("RELEASE one_file")
                raise
            conn.execute("RELEASE one_file")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

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
            self.db.execute("INSERT OR IGNORE INTO keys (key_id, public, label, source, "
                            "file_sha256, at, by) VALUES (?, ?, ?, 'registered', NULL, ?, ?)",
                            [kid, public.hex(), label, _now(), operator])
        return kid

    def trusted_keys(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT * FROM keys ORDER BY at, key_id")]

    # ---- import -----------------------------------------------------------------------------
    def import_file(self, path: str | Path, *, accept_key: bool = False, force: bool = False,
                    dry_run: bool = False, operator: str = "hq",
                    data: bytes | None = None) -> Receipt:
        """Verify one results file and import it (or say why not: VerificationFailed, exit 3)."""
        name = Path(path).name
        try:
            raw = data if data is not None else Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror} / 无法读取", file=str(path)) from None
        import hashlib

        digest = hashlib.sha256(raw).hexdigest()
        held = self._duplicate(digest)
        if held is not None:  # the same bytes again: no need to read them twice
            return held
        try:
            f = read_results_file(raw, name=name, sha256=digest)
            return self._import(f, raw, accept_key=accept_key, force=force, dry_run=dry_run,
                                operator=operator)
        except VerificationFailed as exc:
            if not dry_run:
                with self.transaction():
                    self.db.execute("INSERT INTO refusals (at, file, sha256, reason, by) "
                                    "VALUES (?, ?, ?, ?, ?)",
                                    [_now(), name, digest, str(exc), operator])
            raise

    def import_files(self, paths: Sequence[str | Path], *, accept_key: bool = False,
                     force: bool = False, dry_run: bool = False, operator: str = "hq",
                     batch: int = 50) -> list[tuple[str, Receipt | JiangxinError]]:
        """Import many files: each verified and refused on its own, written in batches.

        Every file is checked completely before anything of it is written, exactly as with
        :meth:`import_file`, and each one's writes are a savepoint; but up to ``batch`` files
        share one commit, so the indexes' pages are written once per batch rather than once
        per file. Later files of a batch see the earlier ones (lineage, keys, duplicates). A
        storage failure undoes the uncommitted part of the batch and is raised; importing again
        is safe (files already in are no-ops).
        """
        out: list[tuple[str, Receipt | JiangxinError]] = []
        conn = self.db.conn
        pending = 0
        try:
            for path in paths:
                if not conn.in_transaction:
                    conn.execute("BEGIN IMMEDIATE")
                try:
                    out.append((str(path), self.import_file(
                        path, accept_key=accept_key, force=force, dry_run=dry_run,
                        operator=operator)))
                except StorageError:
                    raise
                except JiangxinError as exc:
                    out.append((str(path), exc))
                pending += 1
                if pending >= batch:
                    conn.execute("COMMIT")
                    pending = 0
            if conn.in_transaction:
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return out

    def _duplicate(self, digest: str) -> Receipt | None:
        """The receipt of a file already held as the current export, else None."""
        row = self.db.execute("SELECT * FROM submissions WHERE sha256 = ? AND state = 'current'",
                              [digest]).fetchone()
        if row is None:
            return None
        r = dict(zip([d[0] for d in self.db.execute("SELECT * FROM submissions LIMIT 0")
                      .description], row))
        return Receipt("duplicate", int(r["id"]), r["file"], r["sha256"], r["contest_uid"],
                       r["competition_id"], r["competition"], r["key_id"],
                       json.loads(r["counts"]), r["received_at"])

    def _import(self, f: ResultsFile, raw: bytes, *, accept_key: bool, force: bool,
                dry_run: bool, operator: str) -> Receipt:
        comp = f.competition
        counts = self._counts(f)
        now = _now()
        receipt = Receipt("imported", None, f.name, f.sha256, f.contest_uid, str(comp["id"]),
                          str(comp["name"]), f.key_id, counts, now)
        seen = self.db.execute("SELECT id, state, replaced_by, received_at FROM submissions "
                               "WHERE sha256 = ?", [f.sha256]).fetchone()
        if seen is not None:
            if seen[1] == "current":
                receipt.status, receipt.submission, receipt.received_at = \
                    "duplicate", int(seen[0]), str(seen[3])
                return receipt
            raise VerificationFailed(
                f"{f.name}: this export was replaced by submission {seen[2]} (a newer export "
                "of the same competition); an older export is never taken back "
                "/ 已被更新的导出替换")
        # the key
        known = self.db.execute("SELECT public FROM keys WHERE key_id = ?",
                                [f.key_id]).fetchone()
        if known is not None and known[0] != f.public_key.hex():
            raise VerificationFailed(f"{f.name}: key id {f.key_id} belongs to another key here")
        if known is None and not accept_key:
            raise VerificationFailed(
                f"{f.name}: signed by contest key {f.key_id}, which headquarters does not know "
                f"({comp['id']} {comp['name']}). Check the key with the organiser, then register "
                "it (jiangxin hq keys --add) or re-run with --accept-key; nothing was imported "
                "/ 未知的赛事密钥，未导入")
        receipt.key_accepted = known is None
        # lineage
        current = self.db.execute(
            "SELECT id, sha256, exports FROM submissions WHERE contest_uid = ? AND "
            "state = 'current'", [f.contest_uid]).fetchone()
        if current is not None:
            if current[1] in f.export_hashes:
                pass  # newer: it lists the held export among its earlier ones
            elif f.sha256 in set(json.loads(current[2])):
                raise VerificationFailed(
                    f"{f.name}: an older export of {comp['id']} than the one headquarters holds "
                    f"(submission {current[0]}); refused / 旧版本的结果文件，拒绝导入")
            elif not force:
                raise VerificationFailed(
                    f"{f.name}: this export of {comp['id']} does not follow the one headquarters "
                    f"holds (submission {current[0]}): it comes from another laptop or a restored "
                    "backup. Merge at the venue and export again, or re-run with --force to "
                    "replace it anyway / 与已导入的版本不连续")
            receipt.status = "replaced"
            receipt.replaces = int(current[0])
            receipt.diff = self._diff(f.contest_uid, f)
        other = self.db.execute("SELECT contest_uid FROM competitions WHERE competition_id = ? "
                                "AND contest_uid != ?", [str(comp["id"]),
                                                         f.contest_uid]).fetchone()
        if other is not None:
            receipt.warnings.append(
                f"competition id {comp['id']} was also submitted by another contest file "
                f"({other[0]}); both are counted / 同一赛事编号有两个赛事文件")
        if dry_run:
            receipt.dry_run = True
            return receipt
        rows = self._participations(f)
        stored = self._keep_file(f.sha256, raw)
        with self.transaction():
            if receipt.key_accepted:
                self.db.execute("INSERT INTO keys (key_id, public, label, source, file_sha256, "
                                "at, by) VALUES (?, ?, ?, 'accepted', ?, ?, ?)",
                                [f.key_id, f.public_key.hex(), f"{comp['id']} {comp['name']}",
                                 f.sha256, now, operator])
            self.db.execute("INSERT OR IGNORE INTO files (sha256, name, size, stored) "
                            "VALUES (?, ?, ?, ?)", [f.sha256, f.name, len(raw), stored.name])
            cur = self.db.execute(
                "INSERT INTO submissions (sha256, file, contest_uid, competition_id, competition, "
                "key_id, device_id, exported_at, audit_seq, audit_head, exports, counts, state, "
                "replaces, diff, key_accepted, received_at, received_by) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,'current',?,?,?,?,?)",
                [f.sha256, f.name, f.contest_uid, str(comp["id"]), str(comp["name"]), f.key_id,
                 f.device_id, str(f.body["exported_at"]), int(f.body["audit_head"]["seq"]),
                 str(f.body["audit_head"]["hash"]), json.dumps(sorted(f.export_hashes)),
                 json.dumps(counts, sort_keys=True), receipt.replaces,
                 canonical(receipt.diff) if receipt.diff is not None else None,
                 int(receipt.key_accepted), now, operator])
            receipt.submission = int(cur.lastrowid or 0)
            if receipt.replaces:
                self.db.execute("UPDATE submissions SET state = 'replaced', replaced_by = ? "
                                "WHERE id = ?", [receipt.submission, receipt.replaces])
                self._forget_contest(f.contest_uid)
            self._store(f, receipt.submission, rows)
        return receipt

    @property
    def files_dir(self) -> Path:
        """Where accepted files are kept, whole, named by their SHA-256."""
        return self.path.with_name(self.path.name + ".files")

    def _keep_file(self, sha256: str, raw: bytes) -> Path:
        """Write the file beside the database (synced) before the import's transaction.

        Kept outside SQLite so that each megabyte is written once, not through the WAL and
        again at the checkpoint; named by hash, so a file left by a failed import is harmless.
        """
        import os

        d = self.files_dir
        d.mkdir(parents=True, exist_ok=True)
        target = d / f"{sha256}.jxr"
        if not target.exists():
            tmp = target.with_suffix(".part")
            with open(tmp, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(target)
        return target

    def _forget_contest(self, contest_uid: str) -> None:
        """Remove what the held submission of a contest contributed (inside the transaction)."""
        old_people = [r[0] for r in self.db.execute(
            "SELECT DISTINCT person FROM participations WHERE contest_uid = ? AND person IS "
            "NOT NULL", [contest_uid])]
        old_units = [r[0] for r in self.db.execute(
            "SELECT DISTINCT unit_id FROM participations WHERE contest_uid = ? AND unit_id IS "
            "NOT NULL", [contest_uid])]
        for t in ("competitions", "events", "participations", "certificates",
                  "venue_revocations", "tallies", "region_tallies", "region_events"):
            self.db.execute(f"DELETE FROM {t} WHERE contest_uid = ?", [contest_uid])
        # people and units seen nowhere else any more are no longer counted
        self.db.conn.executemany(
            "DELETE FROM people WHERE id = ? AND NOT EXISTS (SELECT 1 FROM participations p "
            "WHERE p.id_number = people.id_number)", [(i,) for i in old_people])
        self.db.conn.executemany(
            "DELETE FROM units WHERE id = ? AND NOT EXISTS (SELECT 1 FROM participations p "
            "WHERE p.person_unit = units.name)", [(i,) for i in old_units])

    def _counts(self, f: ResultsFile) -> dict[str, int]:
        ids = {r["id_number"] for r in f.rows("competitors")}
        return {"events": len(f.results),
                "participations": sum(len(r["rows"]) for r in f.results.values()),
                "persons": len(ids), "marks": f.count("marks"),
                "certificates": f.count("certificates")}

    def _participations(self, f: ResultsFile) -> list[tuple[Any, ...]]:
        comp = f.competition
        year = str(comp.get("date", ""))[:4]
        level = str(comp.get("level", ""))
        people = {r["uid"]: r for r in f.rows("competitors")}
        by_candidate = {(a["event"], a["candidate"]): people.get(a["competitor"])
                        for a in f.rows("assignments")}
        events = {e["id"]: e for e in comp["events"]}
        out = []
        for ev_id, res in f.results.items():
            ev = events.get(ev_id, {"name": ev_id, "group": ""})
            # an event not yet locked and decrypted has provisional results: its people took
            # part, but nobody has an award, title or grade from it yet
            final = bool(res.get("locked")) and bool(res.get("decrypted"))
            for i, r in enumerate(res["rows"]):
                if not final:
                    r = dict(r, award=None, title=None, grade=None)
                p = by_candidate.get((ev_id, r.get("candidate"))) or {}
                out.append((f.contest_uid, ev_id, i, ev["name"], ev.get("group", ""), year,
                            level, p.get("id_number"), p.get("gender"), p.get("region") or "",
                            *(r.get(k) for k in RESULT_FIELDS), p.get("unit")))
        return out

    def _ids(self, table: str, column: str, values: set[str]) -> dict[str, int]:
        """Integer ids of resident ID numbers or unit names (made on first sight)."""
        self.db.conn.executemany(f"INSERT OR IGNORE INTO {table} ({column}) VALUES (?)",
                                 [(v,) for v in values])
        out: dict[str, int] = {}
        items = sorted(values)
        for i in range(0, len(items), 500):
            chunk = items[i:i + 500]
            out.update((str(k), int(v)) for v, k in self.db.execute(
                f"SELECT id, {column} FROM {table} WHERE {column} IN "
                f"({','.join('?' for _ in chunk)})", chunk))
        return out

    def _store(self, f: ResultsFile, submission: int, rows: list[tuple[Any, ...]]) -> None:
        comp = f.competition
        self.db.execute("INSERT INTO competitions (contest_uid, submission, competition_id, name, "
                        "organiser, venue, level, date, year) VALUES (?,?,?,?,?,?,?,?,?)",
                        [f.contest_uid, submission, str(comp["id"]), str(comp["name"]),
                         str(comp.get("organiser", "")), str(comp.get("venue", "")),
                         str(comp.get("level", "")), str(comp.get("date", "")),
                         str(comp.get("date", ""))[:4]])
        for ev_id, res in f.results.items():
            header = {k: v for k, v in res.items() if k != "rows"}
            scaled = any("scale" in r for r in res["rows"])
            self.db.execute("INSERT INTO events (contest_uid, event, name, grp, entrants, scaled, "
                            "header) VALUES (?,?,?,?,?,?,?)",
                            [f.contest_uid, ev_id, str(res.get("event_name") or ev_id),
                             str(res.get("group") or ""), len(res["rows"]), int(scaled),
                             canonical(header)])
        cols = ("contest_uid, event, ord, trade, grp, year, level, id_number, gender, region, "
                + ", ".join(RESULT_FIELDS) + ", person_unit, person, unit_id")
        marks = ", ".join("?" for _ in cols.split(","))
        persons = self._ids("people", "id_number", {r[7] for r in rows if r[7]})
        units = self._ids("units", "name", {r[-1] for r in rows if r[-1]})
        self.db.conn.executemany(f"INSERT INTO participations ({cols}) VALUES ({marks})",
                                 [(*r, persons.get(r[7]), units.get(r[-1])) for r in rows])
        award_at = 10 + RESULT_FIELDS.index("award")
        tally: Counter[tuple[Any, ...]] = Counter(
            (r[0], r[1], r[5], r[6], r[3], r[award_at], r[award_at + 1], r[award_at + 2])
            for r in rows)
        self.db.conn.executemany(
            "INSERT INTO tallies (contest_uid, event, year, level, trade, award, title, grade, n)"
            " VALUES (?,?,?,?,?,?,?,?,?)", [(*k, n) for k, n in tally.items()])
        regions: dict[tuple[Any, ...], list[int]] = {}
        for r in rows:
            acc = regions.setdefault((r[0], r[9], r[award_at]), [0, 0, 0])
            acc[0] += r[award_at + 1] is not None
            acc[1] += r[award_at + 2] is not None
            acc[2] += 1
        self.db.conn.executemany(
            "INSERT INTO region_tallies (contest_uid, region, award, titles, grades, n) "
            "VALUES (?,?,?,?,?,?)", [(*k, *v) for k, v in regions.items()])
        self.db.conn.executemany(
            "INSERT INTO region_events (contest_uid, event, region) VALUES (?,?,?)",
            sorted({(r[0], r[1], r[9]) for r in rows}))
        people = {r["uid"]: r["id_number"] for r in f.rows("competitors")}
        self.db.conn.executemany(
            "INSERT INTO certificates (contest_uid, serial, event, id_number, duplicate_of, at) "
            "VALUES (?,?,?,?,?,?)",
            [(f.contest_uid, r["serial"], r["event"], people.get(r["competitor"]),
              r.get("duplicate_of"), r["at"]) for r in f.rows("certificates")])
        self.db.conn.executemany(
            "INSERT INTO venue_revocations (contest_uid, serial, reason, at) VALUES (?,?,?,?)",
            [(f.contest_uid, r["serial"], r["reason"], r["at"]) for r in f.rows("revocations")])

    def _diff(self, contest_uid: str, f: ResultsFile) -> dict[str, Any]:
        """What replacing the held export of this competition by ``f`` changes."""
        old_counts = json.loads(self.db.execute(
            "SELECT counts FROM submissions WHERE contest_uid = ? AND state = 'current'",
            [contest_uid]).fetchone()[0])
        new_counts = self._counts(f)
        old = {}
        for r in self.db.query("SELECT * FROM participations WHERE contest_uid = ?",
                               [contest_uid]):
            old[(r["event"], r["candidate"] or r["id_number"])] = r
        new = {}
        for ev_id, res in f.results.items():
            for r in res["rows"]:
                new[(ev_id, r.get("candidate"))] = r
        changed = []
        for key in sorted(set(old) & set(new), key=str):
            fields = {k: [old[key].get(k), new[key].get(k)] for k in COMPARED
                      if old[key].get(k) != new[key].get(k)}
            if fields:
                changed.append({"event": key[0], "candidate": key[1], "fields": fields})

        def brief(d: dict[tuple[str, Any], Any], keys: set[tuple[str, Any]]
                  ) -> list[dict[str, Any]]:
            return [{"event": k[0], "candidate": k[1], "name": d[k].get("name")}
                    for k in sorted(keys, key=str)]
        return {"added": brief(new, set(new) - set(old)),
                "removed": brief(old, set(old) - set(new)), "changed": changed,
                "tables": {k: [old_counts.get(k), v] for k, v in new_counts.items()
                           if old_counts.get(k) != v}}

    # ---- reading back -----------------------------------------------------------------------
    def submissions(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query(
            "SELECT id, file, sha256, competition_id, competition, key_id, state, replaces, "
            "replaced_by, counts, received_at, received_by, key_accepted FROM submissions "
            "ORDER BY id")]

    def event_results(self, contest_uid: str, event: str) -> dict[str, Any]:
        """The results JSON of an event (contracts §6) rebuilt from headquarters' tables."""
        row = self.db.execute("SELECT header, scaled FROM events WHERE contest_uid = ? AND "
                              "event = ?", [contest_uid, event]).fetchone()
        if row is None:
            raise InputError(f"no event {event} of contest {contest_uid} at headquarters")
        out: dict[str, Any] = json.loads(row[0])
        fields = RESULT_FIELDS if row[1] else RESULT_FIELDS[:-1]
        out["rows"] = [{k: r[k] for k in fields} for r in self.db.query(
            "SELECT * FROM participations WHERE contest_uid = ? AND event = ? ORDER BY ord",
            [contest_uid, event])]
        return out

    def file_bytes(self, sha256: str) -> bytes:
        row = self.db.execute("SELECT stored FROM files WHERE sha256 = ?", [sha256]).fetchone()
        if row is None:
            raise InputError(f"no file {sha256} at headquarters")
        return (self.files_dir / str(row[0])).read_bytes()

    # ---- report -----------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """Province-wide statistics; the same database gives the same dict (sorted keys).

        Plain counts come from ``tallies`` (a few rows per event, written at import); distinct
        persons and units from covering indexes on (dimension, person) and (dimension, unit),
        so no query sorts the participations.
        """
        q = self.db.execute
        zero = {"participations": 0, "awarded": 0, "titles_given": 0, "promotions": 0}
        out: dict[str, Any] = dict(zero)
        row = q("SELECT SUM(n), SUM(CASE WHEN award IS NOT NULL THEN n END), SUM(CASE WHEN "
                "title IS NOT NULL THEN n END), SUM(CASE WHEN grade IS NOT NULL THEN n END) "
                "FROM tallies").fetchone()
        out.update({k: int(v or 0) for k, v in zip(zero, row)})
        out["competitions"] = q("SELECT COUNT(*) FROM competitions").fetchone()[0]
        out["events"] = q("SELECT COUNT(*) FROM events").fetchone()[0]
        out["persons"] = q("SELECT COUNT(*) FROM people").fetchone()[0]
        out["units"] = q("SELECT COUNT(*) FROM units").fetchone()[0]
        out["submissions"] = q("SELECT COUNT(*) FROM submissions").fetchone()[0]
        for name, column in (("awards", "award"), ("titles", "title"), ("grades", "grade")):
            out[name] = {str(k): int(n) for k, n in q(
                f"SELECT {column}, SUM(n) FROM tallies WHERE {column} IS NOT NULL AND "
                f"{column} != '' GROUP BY {column} ORDER BY {column}")}
        for name in ("year", "region", "level", "trade"):
            out[f"by_{name}"] = self._summary(name)
        return out

    def _summary(self, dim: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        table = "region_tallies" if dim == "region" else "tallies"
        sql = (f"SELECT {dim}, COUNT(DISTINCT contest_uid), COUNT(DISTINCT contest_uid || "
               "'/' || event), SUM(n), SUM(CASE WHEN award IS NOT NULL THEN n ELSE 0 END), "
               "SUM(CASE WHEN title IS NOT NULL THEN n ELSE 0 END), SUM(CASE WHEN grade IS NOT "
               f"NULL THEN n ELSE 0 END) FROM tallies GROUP BY {dim} ORDER BY {dim}")
        if dim == "region":  # a competitor's region: tallied apart, per contest and award
            sql = ("SELECT region, COUNT(DISTINCT contest_uid), NULL, SUM(n), SUM(CASE WHEN "
                   "award IS NOT NULL THEN n ELSE 0 END), SUM(titles), SUM(grades) FROM "
                   "region_tallies GROUP BY region ORDER BY region")
        for key, comps, events, parts, awarded, titles, grades in self.db.execute(sql):
            out[str(key)] = {"competitions": comps, "events": events, "participations": parts,
                             "awarded": awarded, "titles_given": titles, "promotions": grades,
                             "persons": 0, "units": 0, "awards": {}}
        for field_name, column in (("persons", "person"), ("units", "unit_id")):
            for key, n in self.db.execute(
                    f"SELECT {dim}, COUNT(*) FROM (SELECT DISTINCT {dim}, {column} FROM "
                    f"participations WHERE {column} IS NOT NULL) GROUP BY {dim}"):
                if str(key) in out:
                    out[str(key)][field_name] = n
        if dim == "region":
            for key, n in self.db.execute("SELECT region, COUNT(*) FROM region_events "
                                          "GROUP BY region"):
                out[str(key)]["events"] = n
        for key, award, n in self.db.execute(
                f"SELECT {dim}, award, SUM(n) FROM {table} WHERE award IS NOT NULL "
                f"GROUP BY {dim}, award ORDER BY {dim}, award"):
            out[str(key)]["awards"][str(award)] = n
        return out

    def trade_ranking(self, trade: str, *, year: str | None = None) -> dict[str, Any]:
        """Each person's best result across the contests of one trade, ranked.

        Best = higher competition level first (national > … > enterprise), then better place,
        then higher total; equal keys share a rank (1, 2, 2, 4).
        """
        sql = ("SELECT p.*, c.name AS competition, c.date AS date FROM participations p "
               "JOIN competitions c USING (contest_uid) WHERE p.trade = ? AND p.place IS NOT NULL"
               " AND p.id_number IS NOT NULL")
        args: list[Any] = [trade]
        if year:
            sql += " AND p.year = ?"
            args.append(year)
        best: dict[str, tuple[tuple[Any, ...], dict[str, Any], int]] = {}
        for r in self.db.query(sql, args):
            key = (-LEVELS.index(r["level"]) if r["level"] in LEVELS else 1, r["place"],
                   -_num(r["total"]))
            held = best.get(r["id_number"])
            n = held[2] + 1 if held else 1
            if held is None or key < held[0]:
                best[r["id_number"]] = (key, r, n)
            else:
                best[r["id_number"]] = (held[0], held[1], n)
        ranked = sorted(best.values(), key=lambda x: (x[0], x[1]["id_number"]))
        rows = []
        prev_key: tuple[Any, ...] | None = None
        rank = 0
        for i, (key, r, n) in enumerate(ranked, start=1):
            if key != prev_key:
                rank, prev_key = i, key
            rows.append({"rank": rank, "id_number": mask_id(r["id_number"]), "name": r["name"],
                         "unit": r["person_unit"], "region": r["region"],
                         "competition": r["competition"], "level": r["level"],
                         "year": r["year"], "event_group": r["grp"], "place": r["place"],
                         "total": r["total"], "award": r["award"], "title": r["title"],
                         "contests": n})
        return {"trade": trade, "year": year, "persons": len(rows), "ranking": rows}

    def person_history(self, id_number: str) -> dict[str, Any]:
        """Every participation of one person (by resident ID number), oldest first."""
        rows = [dict(r) for r in self.db.query(
            "SELECT p.*, c.name AS competition, c.date AS date, c.competition_id "
            "FROM participations p JOIN competitions c USING (contest_uid) "
            "WHERE p.id_number = ? ORDER BY c.date, c.competition_id, p.event",
            [id_number.strip().upper()])]
        return {"id_number": id_number.strip().upper(),
                "name": rows[-1]["name"] if rows else None,
                "participations": [
                    {k: r[k] for k in ("date", "competition_id", "competition", "level",
                                       "trade", "grp", "event", "place", "total", "status",
                                       "award", "title", "grade", "person_unit", "region")}
                    for r in rows]}

    # ---- trust and revocation ---------------------------------------------------------------
    def revoke(self, serial: str, reason: str, *, operator: str) -> None:
        if not reason.strip():
            raise InputError("a reason is needed / 需填写原因", field="--reason")
        with self.transaction():
            self.db.execute("INSERT INTO revocations (serial, reason, at, by) VALUES (?,?,?,?)",
                            [serial.strip(), reason, _now(), operator])

    def revoked_serials(self) -> set[str]:
        return {str(r[0]) for r in self.db.execute(
            "SELECT serial FROM revocations UNION SELECT serial FROM venue_revocations")}

    def publish_trust(self, out: str | Path | None) -> dict[str, Any]:
        """Headquarters' trust file (db.keys.signing format): trusted keys, revoked serials."""
        from db.keys import signing

        keys = {k["key_id"]: bytes.fromhex(k["public"]) for k in self.trusted_keys()}
        labels = {k["key_id"]: k["label"] for k in self.trusted_keys()}
        revoked = self.revoked_serials()
        private = bytes.fromhex(self.meta("hq_private") or "")
        text = signing.make_trust_file(out, private, keys, revoked, labels=labels)
        return {"keys": len(keys), "revoked": len(revoked),
                "hq_key_id": signing.key_id(signing.public_key(private)), "text": text}


def _num(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def report_text(data: dict[str, Any]) -> str:
    """Plain text of a report, a trade ranking or a person's history."""
    lines: list[str] = []
    if "ranking" in data:
        lines.append(f"{data['trade']} {data['year'] or ''}: {data['persons']} persons")
        for r in data["ranking"]:
            lines.append(f"{r['rank']:>4} {r['name'] or '':8} {r['id_number'] or '':18} "
                         f"{r['level']:10} {r['year']} P{r['place']} {r['total']} "
                         f"{r['award'] or ''} ({r['contests']} contests) {r['competition']}")
    elif "participations" in data and isinstance(data["participations"], list):
        lines.append(f"{data['id_number']} {data['name'] or '(unknown / 无记录)'}")
        for p in data["participations"]:
            lines.append(f"  {p['date']} {p['competition']} {p['trade']} {p['grp']}: place "
                         f"{p['place']} total {p['total']} {p['award'] or ''} "
                         f"{p['title'] or ''} {p['grade'] or ''}")
    else:
        for k in ("submissions", "competitions", "events", "participations", "persons", "units",
                  "awarded", "titles_given", "promotions"):
            lines.append(f"{k:15} {data.get(k)}")
        for k in ("awards", "titles", "grades"):
            lines.append(f"{k:15} " + ", ".join(f"{a} {n}" for a, n in data[k].items()))
        for dim in ("by_year", "by_level", "by_region", "by_trade"):
            lines.append(f"{dim}:")
            for key, v in data[dim].items():
                lines.append(f"  {key or '-':12} competitions {v['competitions']}, "
                             f"participations {v['participations']}, persons {v['persons']}, "
                             f"units {v['units']}, awards {v['awarded']}, "
                             f"promotions {v['promotions']}")
    return "\n".join(lines) + "\n"
