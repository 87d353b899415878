"""Laptops that merge: pooling another laptop's results file of the same contest into this one.

Rows are pooled by their globally unique ids: a row this laptop has already is skipped; a row
it lacks is inserted exactly as the other laptop wrote it (same uid, time, typist, device), so
both histories are kept and nothing is ever deleted because a file lacks it. A uid that exists
here with different contents means one side was tampered with: the whole merge is refused.

Each merged row gets its own audit record on this laptop (action ``merge``), carrying the row's
hash like any other write, so ``jiangxin audit verify`` checks merged rows the same way; the
record names the device, the typist and the time the row was first written there.

Marks are replayed in order of their time stamps (db.ops.marking.rebuild_derived), so two values
typed for the same slot on two laptops by different users become a disagreement for the chief
judge, and merging several files gives the same state whatever order they come in.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.files.exchange import OMITTED, TABLES, ResultsFile, read_results_file
from db.store.audit import row_hash
from db.store.changes import NOTHING, Changes
from db.store.contest import Contest
from judging.errors import InputError, VerificationFailed

# Tables fixed at init: the file must agree with this laptop, never add to them (the file
# lacks their secrets, PIN hashes and the wrapped key, on purpose).
FIXED = ("users", "keys")


@dataclass
class MergeReport:
    """What a merge did; ``added`` is empty when the file held nothing new (a no-op)."""

    file: str
    sha256: str
    source_device: str
    added: dict[str, int] = field(default_factory=dict)
    already: int = 0
    backup: Path | None = None
    disagreements: int = 0
    changes: Changes = NOTHING  # what the merge changed (nothing for a no-op)
    # every new row signed by a registered device and by a user who signed in there; False:
    # a contest whose copies were all made before device keys (db/keys/devices.py)
    attributed: bool = True

    @property
    def noop(self) -> bool:
        return not self.added

    def summary(self) -> str:
        if self.noop:
            return (f"{self.file}: nothing new from device {self.source_device} "
                    f"({self.already} rows already here) / 无新数据")
        parts = ", ".join(f"{t} {n}" for t, n in self.added.items())
        return (f"merged {sum(self.added.values())} rows from device {self.source_device} "
                f"({parts}); {self.already} already here; backup {self.backup}; "
                f"{self.disagreements} disagreement(s) for the chief judge / 已合并"
                + ("" if self.attributed else
                   "; rows not attributable to a device (copies made before device keys) "
                   "/ 旧版本副本，无法核实录入设备"))


def _column_types(c: Contest, table: str) -> dict[str, str]:
    return {r[1]: str(r[2]).upper() for r in c.db.execute(f"PRAGMA table_info({table})")}


def _typed_row(row: dict[str, Any], types: dict[str, str]) -> dict[str, Any]:
    """Values as SQLite stores them here (REAL columns travel as decimal strings)."""
    out = dict(row)
    for k, v in out.items():
        if isinstance(v, str) and types.get(k) == "REAL":
            out[k] = float(v)
    return out


def plan_merge(c: Contest, f: ResultsFile) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """The rows of ``f`` this laptop lacks, per table, and how many it has already.

    Raises VerificationFailed when a row with the same uid differs, InputError when the file
    adds users or keys (another contest, or a changed competition file).
    """
    new: dict[str, list[dict[str, Any]]] = {}
    already = 0
    for table in TABLES:
        if table == "signed_heads":  # they vouch for the other laptop's chain, not this one's
            continue
        rows = f.rows(table)
        if not rows:
            continue
        types = _column_types(c, table)
        if set(rows[0]) - set(types):
            raise InputError(f"{f.name}: table {table} has columns this version does not know "
                             f"({', '.join(sorted(set(rows[0]) - set(types)))})")
        omit = OMITTED.get(table, ())
        cols = [k for k in types if k not in omit]
        local: dict[str, str] = {}
        for values in c.db.execute(f"SELECT {', '.join(cols)} FROM {table}"):
            r = dict(zip(cols, values))
            local[str(r["uid"])] = row_hash(r)
        todo = []
        for raw in rows:
            row = _typed_row(raw, types)
            have = local.get(str(row["uid"]))
            if have is None:
                if table in FIXED:
                    raise InputError(f"{f.name}: the file has a {table[:-1]} this contest lacks "
                                     f"({row.get('name') or row.get('key_id')}); merging needs "
                                     "laptops of the same contest / 非同一赛事")
                todo.append(row)
            elif have != row_hash(row):
                raise VerificationFailed(
                    f"{f.name}: {table} row {row['uid']} differs from this laptop's row with the "
                    "same id: one of them was altered; nothing was merged / 数据被篡改，拒绝合并")
            else:
                already += 1
        if todo:
            new[table] = sorted(todo, key=lambda r: (str(r.get("at")), str(r["uid"])))
    return new, already


def check_same_contest(c: Contest, f: ResultsFile) -> None:
    from db.keys.contest_key import contest_key

    key_id, public = contest_key(c)
    if f.contest_uid != c.meta("contest_uid") or f.public_key != public:
        raise VerificationFailed(
            f"{f.name}: a results file of another contest ({f.competition.get('name')}, key "
            f"{f.key_id}); only laptops of this contest (key {key_id}) can be merged "
            "/ 不是本赛事的文件")


def merge_file(c: Contest, path: str | Path, *, backup_dir: str | Path | None = None
               ) -> MergeReport:
    """`jiangxin merge FILE`: pool another laptop's export of this contest into this one.

    One transaction: either every new row is added (with its audit record, a ``merges`` row and
    rebuilt mark caches) or nothing is. A backup is taken first; a repeat is a no-op that
    writes nothing, not even a backup.
    """
    from db.ops.marking import rebuild_derived
    from db.store.backups import backup_to

    c.require("merge")
    f = read_results_file(path)
    check_same_contest(c, f)
    new, already = plan_merge(c, f)
    report = MergeReport(f.name, f.sha256, f.device_id, already=already)
    if not new:
        return report
    from db.keys.devices import check_merge, keep_signatures, recheck_rules

    # every row signed by a registered device, by a user who signed in there
    report.attributed = check_merge(c, f, new)
    report.backup = backup_to(c, Path(backup_dir) if backup_dir else c.path.parent / "backups",
                              label="before-merge")
    reason = f"from device {f.device_id}, file {f.name} ({f.sha256[:16]})" + (
        "" if report.attributed else "; unattributed (copies made before device keys)")
    sealed_theory = _opened_theory(c, new)
    try:
        with c.write("merge", reason=reason) as w:
            for table, rows in new.items():
                for row in rows:
                    if table == "devices":  # another laptop's key: its wrapped half stays there
                        row = {**row, "wrapped": row.get("wrapped") or "{}"}
                    cols = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    # the lock gate (db/store/gate.py); a theory score a merged decryption
                    # opened from a seal here was admitted when it was sealed
                    w.admit(table, row, opened=table == "theory" and _take(sealed_theory, row))
                    try:
                        c.db.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                                          list(row.values()))
                    except sqlite3.IntegrityError as exc:
                        raise InputError(
                            f"{f.name}: {table} row {row['uid']} (by {row.get('by')} on "
                            f"device {row.get('device', f.device_id)}) clashes with this "
                            "laptop's data "
                            f"({exc}): the same {table} was recorded on both laptops. Nothing "
                            "was merged / 两台电脑记录了相同的数据，未合并") from None
                    w.log(table=table, row=row, action="merge",
                          after={"source_device": row.get("device", f.device_id),
                                 "by": row.get("by"), "at": row.get("at")})
                report.added[table] = len(rows)
            w.insert("merges", {"source_device": f.device_id, "file_sha256": f.sha256,
                                "counts": json.dumps(report.added, sort_keys=True)})
            keep_signatures(c, f, new)
            rebuild_derived(c)
            recheck_rules(c, new)  # merged locks and decryptions hold by the rules
    except BaseException:
        # refused (a clash, the lock gate, the rules): nothing was written, so no copy is left
        report.backup.unlink(missing_ok=True)
        raise
    report.changes = w.changes
    report.disagreements = int(c.db.execute(
        "SELECT COUNT(*) FROM slots WHERE status = 'disagreement'").fetchone()[0])
    return report


def _opened_theory(c: Contest, new: dict[str, list[dict[str, Any]]]
                   ) -> Counter[tuple[str, str, str]]:
    """The theory rows the merged decryptions opened from sealed theory scores held here (the
    officer's keys in the merged ``openings``, the links in the merged ``assignments``)."""
    from db.ops.blind import opened_theory

    out: Counter[tuple[str, str, str]] = Counter()
    for d in new.get("decryptions", []):
        event = str(d["event"])
        links = {str(a["candidate"]): str(a["competitor"]) for a in new.get("assignments", [])
                 if str(a["event"]) == event}
        out += opened_theory(c, event, new.get("openings", []), links)
    return out


def _take(opened: Counter[tuple[str, str, str]], row: dict[str, Any]) -> bool:
    key = (str(row.get("competitor")), str(row.get("score")), str(row.get("source")))
    if opened[key] > 0:
        opened[key] -= 1
        return True
    return False


def new_laptop(c: Contest, dest: str | Path, *, passphrase: str | None = None) -> Path:
    """A copy of this contest for another laptop, with its own device id and device key.

    Every row a laptop writes carries its device id; two laptops with the same id could not be
    told apart in a merge, so copy the contest with this instead of copying the file by hand.
    The new laptop's device key is registered here first (both laptops know it), wrapped under
    the admin passphrase (``passphrase``, else the session's or JIANGXIN_PASSPHRASE; none or a
    wrong one: NotAllowed, exit 5, nothing written); the copy carries this laptop's signatures
    of the rows it holds from here (db/keys/devices.py).
    """
    from db.ops.auth import Session
    from db.store.connection import new_uid

    s = c.require("merge")
    target = Path(dest)
    if target.exists():
        raise InputError(f"{target} exists already; choose a new file / 文件已存在",
                         file=str(target))
    device = new_uid()[:12]
    from db.keys import passphrase as pp
    from db.keys.devices import make_device_key, registered, sign_copy, unlock_device_key

    secret = pp.required(passphrase)
    old = c.device_id
    own = unlock_device_key(c, secret, strict=True)  # wrong passphrase: nothing written
    # the new laptop's key is registered here first, so that both laptops know it (and this
    # laptop's own, when the contest was made before device keys)
    with c.write("device.new", reason=f"a copy for another laptop, device {device}") as w:
        if own is None and old not in registered(c):
            make_device_key(c, w, old, secret)
        make_device_key(c, w, device, secret)
    own = own or unlock_device_key(c, secret, strict=True)
    assert own is not None
    out = sqlite3.connect(str(target))
    try:
        c.db.conn.backup(out)
    finally:
        out.close()
    copy = Contest.open(target)
    copy.db.execute("UPDATE meta SET value = ? WHERE key = 'device_id'", [device])
    copy.db.conn.commit()
    sign_copy(copy, own, old)  # the rows it holds from here, signed by this laptop
    copy.session = Session(user=s.user, role=s.role, unit=s.unit, events=s.events,
                           device=device)
    copy.pin_checked = c.pin_checked  # the user signed in on the laptop that makes the copy
    with copy.write("laptop.new", reason=f"copied from device {old}") as w:
        w.log(after={"from_device": old, "device": device})
    copy.close()
    return target
