"""Attributable merges: every laptop (device) has its own Ed25519 key, every row it wrote is
signed by it in the files it exports, and a merge takes only rows signed by a registered
device and written by a user who signed in on that device.

* The original laptop's key is made at ``init``; each copy for another laptop
  (``merge --new-laptop``) gets its own, registered in the contest (table ``devices``, audited)
  *before* the copy is taken, so both laptops know it. The private half is wrapped by that
  laptop's admin passphrase (``JIANGXIN_PASSPHRASE``, the envelope of db/keys/signing.py).
* The first write of a user on a device after they proved their PIN there records a
  ``signins`` row (user, device); a session made up in code writes none.
* ``export`` adds ``body.row_signatures``: ``{uid: [device, signature]}`` for every row written
  on this laptop (signed now) and every row merged in from another (the signature it came
  with, kept in ``row_signatures``).
* ``merge`` refuses (exit 3, nothing merged) a new row whose device is unknown, whose
  signature is missing or does not check, or whose user never signed in on that device; and
  re-checks merged locks and decryptions against the rules (role, lock conditions, locked
  before decryption).

Residual risk (docs/security.md): whoever holds a laptop's admin passphrase holds its device
key and can sign rows as that laptop, including sign-in records of its users.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from db.keys import signing
from judging.errors import JiangxinError, NotAllowed, VerificationFailed

if TYPE_CHECKING:
    from db.files.exchange import ResultsFile
    from db.store.contest import Contest, Writer

HOLDER = "device-admin"
CONTEXT = b"jiangxin-row-1\n"


def row_message(table: str, row: dict[str, Any]) -> bytes:
    from db.store.audit import canonical_json

    return CONTEXT + canonical_json({"table": table, "row": row}).encode("utf-8")


def make_device_key(c: Contest, w: Writer, device_id: str, passphrase: str) -> str:
    """Register a device's key (inside the caller's write); returns its key id."""
    private, public = signing.generate_key()
    wrapped = signing.wrap_private_key(private, {HOLDER: passphrase})
    kid = signing.key_id(public)
    w.insert("devices", {"device_id": device_id, "key_id": kid, "public": public.hex(),
                         "wrapped": json.dumps(wrapped, sort_keys=True)},
             audit_row={"device_id": device_id, "key_id": kid, "public": public.hex()})
    return kid


def registered(c: Contest) -> dict[str, bytes]:
    """{device id: public key} of every registered device."""
    if "devices" not in c.db.table_names():
        return {}
    return {str(d): bytes.fromhex(p) for d, p in c.db.execute(
        "SELECT device_id, public FROM devices ORDER BY rowid")}


def unlock_device_key(c: Contest, passphrase: str | None, *, strict: bool = False
                      ) -> bytes | None:
    """This laptop's device key, or None (no key registered, or no/wrong passphrase).

    ``strict``: NotAllowed (exit 5) instead of None when a key is registered but the
    passphrase is missing or does not open it."""
    from db.keys import passphrase as pp

    row = c.db.execute("SELECT wrapped FROM devices WHERE device_id = ? ORDER BY rowid DESC "
                       "LIMIT 1", [c.device_id]).fetchone() if "devices" in \
        c.db.table_names() else None
    if row is None:
        return None
    try:
        secret = pp.required(passphrase)
        return signing.unwrap_private_key(json.loads(row[0]), HOLDER, secret)
    except NotAllowed:
        if strict:
            raise NotAllowed("wrong passphrase for this laptop's device key (JIANGXIN_PASSPHRASE)"
                             " / 本机设备密钥口令错误") from None
        return None
    except JiangxinError:
        if strict:
            raise
        return None


def record_signin(c: Contest, w: Writer) -> None:
    """The first write of a user on this device records that they signed in here (called by
    Writer.log before a write's first audit record)."""
    s = w.session
    if c.pin_checked != s.user:  # a session made up in code, without the PIN: no record
        return
    key = (s.user, s.device)
    if key in c.signins_seen:
        return
    if c.db.execute("SELECT 1 FROM signins WHERE user = ? AND device = ?",
                    list(key)).fetchone() is None:
        tables, events, action = set(w.tables), w._events, w.action
        w.action = "signin"  # its own audit action, inside the write it came with
        try:
            w.insert("signins", {"user": s.user}, reason="")
            w.signin = key
        finally:
            # bookkeeping, not a change of what the write is about (Writer.changes stays)
            w.tables, w._events, w.action = tables, events, action


def row_signatures(c: Contest, tables: dict[str, Any], private: bytes | None, *,
                   device: str | None = None) -> dict[str, list[str]]:
    """``{uid: [device, signature]}`` for the exported rows: this laptop's (``device``) signed
    now with ``private`` (when given), the others' as they were merged in or copied."""
    carried = {str(u): [str(d), str(s)] for u, d, s in c.db.execute(
        "SELECT uid, device, signature FROM row_signatures")}
    out: dict[str, list[str]] = {}
    me = device or c.device_id
    for table, data in tables.items():
        cols = data["columns"]
        has_device = "device" in cols
        for values in data["rows"]:
            row = dict(zip(cols, values))
            uid = str(row["uid"])
            if uid in carried:
                out[uid] = carried[uid]
            elif private is not None and (row.get("device") == me or not has_device):
                sig = signing.sign(private, row_message(table, row))
                out[uid] = [me, base64.b64encode(sig).decode()]
    return out


def sign_copy(copy: Contest, private: bytes, origin: str) -> int:
    """In a new laptop's copy, the origin's signatures of the rows it holds from the origin
    (kept in ``row_signatures``, so that the copy's exports carry them); returns how many."""
    from db.files.exchange import TABLES, table_rows

    tables = {t: table_rows(copy, t) for t in TABLES}
    sigs = row_signatures(copy, tables, private, device=origin)
    rows = [[uid, d, sig] for uid, (d, sig) in sigs.items() if d == origin]
    copy.db.conn.executemany("INSERT OR IGNORE INTO row_signatures (uid, device, signature) "
                             "VALUES (?, ?, ?)", rows)
    copy.db.conn.commit()
    return len(rows)


def check_merge(c: Contest, f: ResultsFile, new: dict[str, list[dict[str, Any]]]) -> bool:
    """Refuse the merge (VerificationFailed) unless every new row is attributable; returns
    whether the rows were checked so (False: this laptop knows no device key at all, i.e.
    every copy of the contest was made before device keys: accepted unattributed, see
    docs/security.md, "Contests made before device keys")."""
    known = registered(c)
    if not known:
        return False
    sigs: dict[str, Any] = f.body.get("row_signatures") or {}
    omit = _omitted()
    # devices registered elsewhere arrive first, checked like any row
    order = sorted(new, key=lambda t: (t != "devices", t != "signins"))
    signed_in = {(str(u), str(d)) for u, d in c.db.execute("SELECT user, device FROM signins")}
    for table in order:
        for row in new[table]:
            uid = str(row["uid"])
            entry = sigs.get(uid)
            device = str(row.get("device") or (entry[0] if entry else f.device_id))
            where = f"{f.name}: {table} row {uid} (by {row.get('by')} on device {device})"
            if device not in known:
                raise VerificationFailed(
                    f"{where}: the device is not registered in this contest (a laptop copied "
                    "before device keys, or never copied from this contest with `merge "
                    "--new-laptop`); nothing was merged / 未登记的设备，未合并")
            if not entry or str(entry[0]) != device:
                raise VerificationFailed(f"{where}: not signed by its device; nothing was "
                                         "merged / 数据未经设备签名，未合并")
            try:
                sig = base64.b64decode(str(entry[1]))
            except ValueError:
                sig = b""
            body = {k: v for k, v in row.items() if k not in omit.get(table, ())}
            if not signing.verify(known[device], row_message(table, _wire(body)), sig):
                raise VerificationFailed(f"{where}: its device signature does not check; "
                                         "nothing was merged / 设备签名无效，未合并")
            if table == "devices":
                known[str(row["device_id"])] = bytes.fromhex(str(row["public"]))
            if table == "signins":
                signed_in.add((str(row["by"]), device))
                continue
            if row.get("by") is not None and (str(row["by"]), device) not in signed_in:
                raise VerificationFailed(f"{where}: {row.get('by')} never signed in on device "
                                         f"{device}; nothing was merged / 该用户从未在此设备登录")
    return True


def _omitted() -> Mapping[str, tuple[str, ...]]:
    from db.files.exchange import OMITTED

    return OMITTED


def _wire(row: dict[str, Any]) -> dict[str, Any]:
    """A row as a results file carries it (REAL columns as decimal strings)."""
    return {k: repr(v) if isinstance(v, float) else v for k, v in row.items()}


def keep_signatures(c: Contest, f: ResultsFile, new: dict[str, list[dict[str, Any]]]) -> None:
    """Keep the signatures of merged rows, so that this laptop's exports carry them on."""
    sigs: dict[str, Any] = f.body.get("row_signatures") or {}
    for rows in new.values():
        for row in rows:
            entry = sigs.get(str(row["uid"]))
            if entry:
                c.db.execute("INSERT OR IGNORE INTO row_signatures (uid, device, signature) "
                             "VALUES (?, ?, ?)", [str(row["uid"]), str(entry[0]),
                                                   str(entry[1])])


def recheck_rules(c: Contest, new: dict[str, list[dict[str, Any]]]) -> None:
    """Merged locks and decryptions must hold by the rules, as if made here (inside the merge's
    write, on the merged state): the role of who did them; a lock's conditions (every mark
    complete, verified, no disagreement, spreads overridden) and, once the whole event is
    locked, no clock still running; a decryption of a locked event only, and for a sealed
    draw the officer's key (an ``openings`` key that opens the sealed draw, whose links are
    exactly the merged ones: db/ops/blind.py)."""
    from db.ops.blind import opening_problem
    from db.ops.locking import _running_clocks, event_locked, lock_problems, module_locked
    from judging.roles import allowed

    roles = {str(n): str(r) for n, r in c.db.execute("SELECT name, role FROM users")}
    whole: set[str] = set()
    for row in new.get("locks", []):
        who = str(row.get("by"))
        op = "lock" if row.get("action") == "lock" else "unlock"
        if not allowed(roles.get(who, ""), op):
            raise VerificationFailed(f"merged {op} of {row['event']} module {row['module']} by "
                                     f"{who}, whose role may not {op}; nothing was merged "
                                     "/ 无权锁定")
        if op == "lock" and module_locked(c, str(row["event"]), str(row["module"])):
            problems = lock_problems(c, str(row["event"]), str(row["module"]))
            if problems:
                raise VerificationFailed(f"merged lock of {row['event']} module "
                                         f"{row['module']} by {who}: {problems[0]}; nothing "
                                         "was merged / 合并的锁定不符合规则")
            if event_locked(c, str(row["event"])):
                whole.add(str(row["event"]))
    for event in sorted(whole):
        running = _running_clocks(c, event)
        if running:
            raise VerificationFailed(f"merged lock of {event}: {running[0]}; nothing was merged "
                                     "/ 合并的锁定不符合规则")
    for row in new.get("decryptions", []):
        who = str(row.get("by"))
        if not allowed(roles.get(who, ""), "decrypt"):
            raise VerificationFailed(f"merged decryption of {row['event']} by {who}, whose role "
                                     "may not decrypt; nothing was merged / 无权解密")
        if not event_locked(c, str(row["event"])):
            raise VerificationFailed(f"merged decryption of {row['event']}: the event is not "
                                     "locked; nothing was merged / 未锁定即解密")
    linked = {str(r["event"]) for t in ("decryptions", "assignments", "openings")
              for r in new.get(t, [])}
    for event in sorted(linked):
        problem = opening_problem(c, event)
        if problem is not None:
            raise VerificationFailed(f"merged decryption of {problem}; nothing was merged")
