"""Importing results files into headquarters: verify, check lineage, write, give a receipt.

Each file is read and verified completely (form, signature, counts) before any lock is taken;
then, in one transaction holding the file's and its contest's lock (PostgreSQL: advisory
locks; SQLite: its single writer), headquarters checks what it holds (same bytes, key trust,
lineage), keeps the file whole beside the database and writes the file's rows. A refused file
writes nothing but a line in ``refusals``; a crash leaves whole files only.

Lineage: each export lists the SHA-256 of the exports its database made before. A file whose
list holds the file headquarters has for that contest is newer and replaces it as a whole; a
file that the held one lists is an older export replayed, and is refused.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.files.exchange import ResultsFile, canonical, read_results_file
from db.files.recompute import recompute_problems
from db.hq import groups, ranking
from db.hq.engine import Engine
from judging.errors import InputError, JiangxinError, StorageError, VerificationFailed

RESULT_FIELDS = ("place", "station", "candidate", "name", "unit", "theory", "practical",
                 "total", "time_used_s", "status", "award", "title", "grade", "scale")
# one participation row as the importer writes it
COLUMNS = ("contest_uid", "event", "ord", "trade", "grp", "year", "level", "id_number", "gender",
           "region", *RESULT_FIELDS, "person_unit")
COMPARED = ("name", "unit", "place", "theory", "practical", "total", "time_used_s", "status",
            "award", "title", "grade")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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


@contextmanager
def _cycles_paused() -> Iterator[None]:
    """No cycle collection while one file is imported. A file is a few hundred thousand
    short-lived objects (its JSON, its mark log replayed), freed by reference counting as
    soon as the file is done; the collector scanning them meanwhile cost ~8 % of the import.
    The collector is on again afterwards (when it was on before)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Importer:
    """The import half of :class:`db.hq.store.Headquarters` (which gives ``db``)."""

    db: Engine

    @property
    def files_dir(self) -> Path:
        """Where accepted files are kept, whole, named by their SHA-256."""
        return self.db.files_dir()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    def import_file(self, path: str | Path, *, accept_key: bool = False, force: bool = False,
                    dry_run: bool = False, operator: str = "hq",
                    data: bytes | None = None, replace: bool = True) -> Receipt:
        """Verify one results file and import it (or say why not: VerificationFailed, exit 3).

        With ``replace=False`` a newer export that would replace the held one is only checked
        (its receipt, with the difference, comes back with ``dry_run`` set), to be confirmed.
        """
        with _cycles_paused():
            return self._import_file(path, accept_key=accept_key, force=force,
                                     dry_run=dry_run, operator=operator, data=data,
                                     replace=replace)

    def _import_file(self, path: str | Path, *, accept_key: bool, force: bool, dry_run: bool,
                     operator: str, data: bytes | None, replace: bool) -> Receipt:
        name = Path(path).name
        try:
            raw = data if data is not None else Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror} / 无法读取", file=str(path)) from None
        digest = hashlib.sha256(raw).hexdigest()
        held = self._duplicate(digest)
        if held is not None:  # the same bytes again: no need to read them twice
            return held
        try:
            f = read_results_file(raw, name=name, sha256=digest)
            if dry_run:
                receipt = self._check(f, accept_key=accept_key, force=force)
                receipt.dry_run = True
                return receipt
            rows = self._participations(f)
            # the results recomputed from the marks needs nothing but the file: before the
            # transaction and its locks (refused in _check, in its place among the checks)
            recomputed = recompute_problems(f, limit=3)
            with self.transaction():
                # the same file or contest from two importers at once: one waits for the other
                self.db.lock(f"file:{f.sha256}", f"contest:{f.contest_uid}")
                receipt = self._check(f, accept_key=accept_key, force=force,
                                      recomputed=recomputed)
                if receipt.status == "replaced" and not replace:
                    receipt.dry_run = True
                elif receipt.status != "duplicate":
                    self._write(f, raw, receipt, rows, operator)
            return receipt
        except VerificationFailed as exc:
            if not dry_run:
                with self.transaction():
                    self.db.execute("INSERT INTO refusals (at, file, sha256, reason, by) "
                                    "VALUES (?, ?, ?, ?, ?)",
                                    [now(), name, digest, str(exc), operator])
            raise

    def import_files(self, paths: Sequence[str | Path], *, accept_key: bool = False,
                     force: bool = False, dry_run: bool = False, operator: str = "hq",
                     batch: int | None = None,
                     on_result: Callable[[str, Receipt | JiangxinError], None] | None = None
                     ) -> list[tuple[str, Receipt | JiangxinError]]:
        """Import many files: each verified and refused on its own.

        Every file is checked completely before anything of it is written, exactly as with
        :meth:`import_file`, and each one's writes are one transaction (a savepoint inside a
        batch). On SQLite up to ``batch`` files (default 50) share one commit, so the indexes'
        pages are written once per batch rather than once per file; on PostgreSQL each file
        commits on its own (default 1), so that other importers never wait long. Later files
        of a batch see the earlier ones. A storage failure undoes the uncommitted part of the
        batch and is raised; importing again is safe (files already in are no-ops).
        ``on_result(path, receipt or error)`` is called for each file once its batch is
        committed, so a file it names is in for good.
        """
        if batch is None:
            batch = 50 if self.db.kind == "sqlite" else 1
        out: list[tuple[str, Receipt | JiangxinError]] = []
        for start in range(0, len(paths), max(batch, 1)):
            chunk = paths[start:start + max(batch, 1)]
            done: list[tuple[str, Receipt | JiangxinError]] = []
            # a file alone needs no batch around its own transaction (nor a savepoint in it)
            with self.transaction() if batch > 1 else nullcontext():
                for path in chunk:
                    try:
                        done.append((str(path), self.import_file(
                            path, accept_key=accept_key, force=force, dry_run=dry_run,
                            operator=operator)))
                    except StorageError:
                        raise
                    except JiangxinError as exc:
                        done.append((str(path), exc))
            out += done
            if on_result is not None:
                for path_text, result in done:
                    on_result(path_text, result)
        return out

    def _duplicate(self, digest: str) -> Receipt | None:
        """The receipt of a file already held as the current export, else None."""
        rows = self.db.query("SELECT * FROM submissions WHERE sha256 = ? AND state = 'current'",
                             [digest])
        if not rows:
            return None
        r = rows[0]
        return Receipt("duplicate", int(r["id"]), r["file"], r["sha256"], r["contest_uid"],
                       r["competition_id"], r["competition"], r["key_id"],
                       json.loads(r["counts"]), r["received_at"])

    def _check(self, f: ResultsFile, *, accept_key: bool, force: bool,
               recomputed: list[str] | None = None) -> Receipt:
        """What importing ``f`` would do, from what headquarters holds (raises if refused)."""
        comp = f.competition
        receipt = Receipt("imported", None, f.name, f.sha256, f.contest_uid, str(comp["id"]),
                          str(comp["name"]), f.key_id, self._counts(f), now())
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
        known = self.db.one("SELECT public FROM keys WHERE key_id = ?", [f.key_id])
        if known is not None and known != f.public_key.hex():
            raise VerificationFailed(f"{f.name}: key id {f.key_id} belongs to another key here")
        from db.hq import bindings  # one contest, one key: before --accept-key is looked at

        bindings.check_binding(self.db, f)
        if known is None and not accept_key:
            raise VerificationFailed(
                f"{f.name}: signed by contest key {f.key_id}, which headquarters does not know "
                f"({comp['id']} {comp['name']}). Check the key with the organiser, then register "
                "it (jiangxin hq keys --add) or re-run with --accept-key; nothing was imported "
                "/ 未知的赛事密钥，未导入")
        receipt.key_accepted = known is None
        current = self.db.execute(
            "SELECT id, sha256, exports FROM submissions WHERE contest_uid = ? AND "
            "state = 'current'", [f.contest_uid]).fetchone()
        if current is not None:
            if current[1] in f.export_hashes:
                # newer: it lists the held export among its earlier ones, and must carry
                # every signed head of it (a history cut back or rewritten is refused)
                bindings.check_history(bindings.held_body(self._held_bytes(str(current[1]))),
                                       f, int(current[0]))
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
        bindings.check_results(f, recomputed)  # every result recomputed from its marks
        other = self.db.one("SELECT contest_uid FROM competitions WHERE competition_id = ? "
                            "AND contest_uid != ?", [str(comp["id"]), f.contest_uid])
        if other is not None:
            receipt.warnings.append(
                f"competition id {comp['id']} was also submitted by another contest file "
                f"({other}); both are counted / 同一赛事编号有两个赛事文件")
        return receipt

    def _held_bytes(self, sha256: str) -> bytes:
        stored = self.db.one("SELECT stored FROM files WHERE sha256 = ?", [sha256])
        return (self.files_dir / str(stored)).read_bytes()

    def _write(self, f: ResultsFile, raw: bytes, receipt: Receipt, rows: list[tuple[Any, ...]],
               operator: str) -> None:
        """Write an accepted file (inside its transaction, after :meth:`_check`)."""
        comp = f.competition
        stored = self._keep_file(f.sha256, raw)
        at = receipt.received_at
        if receipt.key_accepted:
            self.db.execute("INSERT INTO keys (key_id, public, label, source, file_sha256, at, "
                            "by) VALUES (?, ?, ?, 'accepted', ?, ?, ?) ON CONFLICT DO NOTHING",
                            [f.key_id, f.public_key.hex(), f"{comp['id']} {comp['name']}",
                             f.sha256, at, operator])
        from db.hq.bindings import record_first_binding

        record_first_binding(self.db, f, at, operator)
        self.db.execute("INSERT INTO files (sha256, name, size, stored) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT DO NOTHING", [f.sha256, f.name, len(raw), stored.name])
        deltas = []
        if receipt.replaces:  # first: at most one current submission per contest
            self.db.execute("UPDATE submissions SET state = 'replaced' WHERE id = ?",
                            [receipt.replaces])
            deltas.append(self._forget_contest(f.contest_uid))
        receipt.submission = int(self.db.one(
            "INSERT INTO submissions (sha256, file, contest_uid, competition_id, competition, "
            "key_id, device_id, exported_at, audit_seq, audit_head, exports, counts, state, "
            "replaces, diff, key_accepted, received_at, received_by) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,'current',?,?,?,?,?) RETURNING id",
            [f.sha256, f.name, f.contest_uid, str(comp["id"]), str(comp["name"]), f.key_id,
             f.device_id, str(f.body["exported_at"]), int(f.body["audit_head"]["seq"]),
             str(f.body["audit_head"]["hash"]), json.dumps(sorted(f.export_hashes)),
             json.dumps(receipt.counts, sort_keys=True), receipt.replaces,
             canonical(receipt.diff) if receipt.diff is not None else None,
             int(receipt.key_accepted), at, operator]))
        if receipt.replaces:
            self.db.execute("UPDATE submissions SET replaced_by = ? WHERE id = ?",
                            [receipt.submission, receipt.replaces])
        deltas.append(self._store(f, receipt.submission, rows))
        groups.bump(self.db, *deltas)  # the rows every importer touches: last

    def _keep_file(self, sha256: str, raw: bytes) -> Path:
        """Write the file (synced) into :attr:`files_dir`, inside the import's transaction.

        Kept outside the database so that each megabyte is written once, not through the WAL
        and again at the checkpoint; named by hash, so a file left by a failed import is
        harmless and the same file from two importers is the same name.
        """
        d = self.files_dir
        d.mkdir(parents=True, exist_ok=True)
        target = d / f"{sha256}.jxr"
        if not target.exists():
            tmp = target.with_suffix(f".{os.getpid()}.part")
            with open(tmp, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(target)
        return target

    def _forget_contest(self, contest_uid: str) -> groups.Deltas:
        """Remove what the held submission of a contest contributed (inside the transaction);
        gives what it takes from the report's groups."""
        deltas = groups.remove(self.db, groups.participations_of(self.db, contest_uid))
        placed = ranking.held(self.db, contest_uid)
        for t in ("competitions", "events", "participations", "certificates",
                  "venue_revocations"):
            self.db.execute(f"DELETE FROM {t} WHERE contest_uid = ?", [contest_uid])
        ranking.remove(self.db, placed)
        return deltas

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

    def _store(self, f: ResultsFile, submission: int, rows: list[tuple[Any, ...]]
               ) -> groups.Deltas:
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
        self.db.insert_rows("participations", COLUMNS, rows)
        people = {r["uid"]: r["id_number"] for r in f.rows("competitors")}
        self.db.executemany(
            "INSERT INTO certificates (contest_uid, serial, event, id_number, duplicate_of, at) "
            "VALUES (?,?,?,?,?,?)",
            [(f.contest_uid, r["serial"], r["event"], people.get(r["competitor"]),
              r.get("duplicate_of"), r["at"]) for r in f.rows("certificates")])
        self.db.executemany(
            "INSERT INTO venue_revocations (contest_uid, serial, reason, at) VALUES (?,?,?,?)",
            [(f.contest_uid, r["serial"], r["reason"], r["at"]) for r in f.rows("revocations")])
        from db.hq.register import register_file

        register_file(self, f)  # the certificates on record, kept across replacements
        parts = groups.as_participations(rows, COLUMNS)
        deltas = groups.add(self.db, parts)
        ranking.add(self.db, parts, str(comp["name"]))
        return deltas

    def _diff(self, contest_uid: str, f: ResultsFile) -> dict[str, Any]:
        """What replacing the held export of this competition by ``f`` changes."""
        old_counts = json.loads(self.db.one(
            "SELECT counts FROM submissions WHERE contest_uid = ? AND state = 'current'",
            [contest_uid]))
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
