"""Signed heads of the audit chain: the chain's newest hash, signed with the contest key.

The audit chain alone has no key: anyone holding the file can change rows and recompute every
hash with the project's own ``row_hash``/``record_hash``. A signed head fixes the chain up to a
record: at every lock, publication and export the head (sequence number and hash) is
signed with the contest's Ed25519 key, which only the signing passphrase unwraps. ``audit
verify`` then fails (exit 3) when the chain no longer reaches a signed head (records removed)
or reaches it with another hash (history rewritten), or when a signature does not check.

Without the passphrase (a chief judge locking on a laptop where it is not given) nothing is
signed then: the head is signed at the next signing operation (an export always signs), and
``audit verify`` reports how many records are not yet covered by a signature ("unsigned tail").
What a signed head cannot stop, in the file alone: removing the signed heads themselves along
with everything after an earlier one. The heads also travel in every results file and on the
printed 公示 and summary sheets, and headquarters refuses an export that does not extend the
history it holds (docs/security.md).
"""

from __future__ import annotations

import base64
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from judging.errors import JiangxinError

if TYPE_CHECKING:
    from db.store.contest import Contest

CONTEXT = b"jiangxin-audit-head-1\n"  # a signed head is never mistaken for anything else


def message(contest_uid: str, seq: int, head: str) -> bytes:
    return CONTEXT + f"{contest_uid}|{seq}|{head}".encode()


def _unlock(c: Contest, passphrase: str | None) -> bytes | None:
    """The contest's private key from the signing passphrase (given, held for the session or
    JIANGXIN_PASSPHRASE), or None when it cannot be had: then nothing is signed now."""
    from db.keys import contest_key

    fn: Any = contest_key.unlock_private_key
    try:
        params = list(inspect.signature(fn).parameters)
        if len(params) >= 3 and params[1] == "user":  # the older PIN-wrapped key
            return None
        return bytes(fn(c, passphrase))
    except JiangxinError:
        return None


def sign_head(c: Contest, reason: str, *, private: bytes | None = None,
              passphrase: str | None = None) -> dict[str, Any] | None:
    """Sign the current head (inside its own write); None when no key could be had."""
    from db.keys import signing
    from db.keys.contest_key import contest_key
    from db.store import audit

    key = private if private is not None else _unlock(c, passphrase)
    if key is None or c.session is None:
        return None
    kid, public = contest_key(c)
    if signing.public_key(key) != public:
        return None
    seq, head = audit.head(c.db)
    last = c.db.execute("SELECT seq FROM signed_heads ORDER BY rowid DESC LIMIT 1").fetchone()
    if last is not None and int(last[0]) == seq:
        return None  # this head is signed already
    sig = signing.sign(key, message(c.meta("contest_uid") or "", seq, head))
    with c.write("checkpoint", reason=reason) as w:
        return w.insert("signed_heads", {"seq": seq, "head": head, "key_id": kid,
                                         "signature": base64.b64encode(sig).decode(),
                                         "reason": reason})


def heads(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The signed heads, oldest first (as a results file carries them)."""
    cur = db.execute("SELECT seq, head, key_id, signature, reason, at, by FROM signed_heads "
                     "ORDER BY seq, rowid")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@dataclass(frozen=True)
class HeadReport:
    problems: list[str]
    newest: tuple[int, str] | None  # (seq, hash) of the newest signed head that checked out
    unsigned: int  # audit records after it (not counting the heads' own records)


def check_heads(chain: dict[int, str], signed: list[dict[str, Any]], contest_uid: str,
                public: bytes, where: str = "") -> tuple[list[str], tuple[int, str] | None]:
    """Problems of signed heads against a chain {seq: hash}; and the newest that checks."""
    from db.keys import signing

    problems: list[str] = []
    newest: tuple[int, str] | None = None
    last_seq = max(chain) if chain else 0
    src = f"{where}: " if where else ""
    for h in signed:
        seq, head = int(h["seq"]), str(h["head"])
        try:
            sig = base64.b64decode(str(h["signature"]))
        except ValueError:
            sig = b""
        if not signing.verify(public, message(contest_uid, seq, head), sig):
            problems.append(f"{src}the signed head at record {seq} does not check against the "
                            "contest key / 签名的审计链头无效")
            continue
        if seq > last_seq:
            problems.append(f"{src}the audit chain ends at record {last_seq}, but record {seq} "
                            "was signed: records were removed / 审计记录被删除")
        elif seq and chain.get(seq) != head:
            problems.append(f"{src}audit record {seq} differs from its signed head: the history "
                            "was rewritten / 审计历史被改写")
        elif newest is None or seq > newest[0]:
            newest = (seq, head)
    return problems, newest


def contest_identity(db: sqlite_utils.Database) -> tuple[str, bytes]:
    row = db.execute("SELECT value FROM meta WHERE key = 'contest_uid'").fetchone()
    uid = "" if row is None else str(row[0])
    row = db.execute("SELECT public FROM keys ORDER BY rowid LIMIT 1").fetchone()
    return uid, (b"" if row is None else bytes.fromhex(row[0]))


def verify_heads(db: sqlite_utils.Database, chain: dict[int, str] | None = None) -> HeadReport:
    """Check every signed head against the chain: signature, presence, hash."""
    if "signed_heads" not in db.table_names():
        return HeadReport([], None, 0)
    if chain is None:
        chain = {int(s): str(h) for s, h in db.execute("SELECT seq, hash FROM audit")}
    uid, public = contest_identity(db)
    problems, newest = check_heads(chain, heads(db), uid, public)
    after = newest[0] if newest else 0
    unsigned = int(db.execute("SELECT COUNT(*) FROM audit WHERE seq > ? AND action != "
                              "'checkpoint'", [after]).fetchone()[0])
    return HeadReport(problems, newest, unsigned)


def backup_heads_problems(db: sqlite_utils.Database, folder: Any) -> list[str]:
    """Signed heads kept in this contest's backups (another medium, e.g. the USB stick) that
    the file's chain no longer reaches: the file lost records or was rewritten since."""
    import sqlite3
    from pathlib import Path

    uid, public = contest_identity(db)
    chain = {int(s): str(h) for s, h in db.execute("SELECT seq, hash FROM audit")}
    problems: list[str] = []
    root = Path(folder)
    if not root.is_dir():
        return []
    for f in sorted(root.rglob("*.jxdb")):
        try:
            con = sqlite3.connect(f"file:{f}?mode=ro", uri=True)
            try:
                same = con.execute("SELECT value FROM meta WHERE key = 'contest_uid'").fetchone()
                if same is None or same[0] != uid:
                    continue
                rows = con.execute("SELECT seq, head, key_id, signature FROM signed_heads"
                                   ).fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            continue
        signed = [dict(zip(("seq", "head", "key_id", "signature"), r)) for r in rows]
        found, _ = check_heads(chain, signed, uid, public, where=f"backup {f.name}")
        problems += [p for p in found if "does not check" not in p]
    return problems
