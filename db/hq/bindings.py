"""One contest, one key at headquarters; a newer export must extend the history held.

* A competition id is bound to the contest key that first registered it (its first accepted
  import, or ``jiangxin hq bind`` in advance). A file for that competition signed by another
  key is refused (exit 3) unless an operator rebinds the competition with a reason
  (``jiangxin hq bind --rebind --reason``); ``--accept-key`` never rebinds. A key bound to one
  competition may not sign another, and a contest file (contest uid) stays with its key.
* A newer export of a contest must carry every signed head of the export headquarters holds
  (db/store/checkpoints.py): a history rewritten or cut back since is refused.
* The results a file states are recomputed from its marks (db/files/recompute.py).

Every statement is portable SQL (``?`` placeholders, ``ON CONFLICT DO NOTHING``) through the
headquarters engine, for SQLite and PostgreSQL alike. Bindings are never overwritten in place
without a trace: every bind and rebind is a row of ``key_bindings_log``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from judging.errors import InputError, VerificationFailed

if TYPE_CHECKING:
    from db.files.exchange import ResultsFile
    from db.hq.engine import Engine

BINDINGS_SQL = """
CREATE TABLE competition_keys (competition_id TEXT PRIMARY KEY, key_id TEXT NOT NULL,
  source TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE INDEX competition_keys_key ON competition_keys (key_id);
CREATE TABLE key_bindings_log (competition_id TEXT NOT NULL, key_id TEXT NOT NULL,
  previous TEXT, action TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL)
"""


def create_tables(engine: Engine) -> None:
    """Migration h004: the tables, and a binding for every competition already held (its
    first submission's key)."""
    from db.hq.engine import ddl

    for statement in ddl(engine, BINDINGS_SQL):
        engine.execute(statement)
    rows = engine.execute("SELECT competition_id, key_id, received_at, received_by FROM "
                          "submissions ORDER BY id").fetchall()
    seen: set[str] = set()
    for comp, kid, at, by in rows:
        if comp in seen:
            continue
        seen.add(comp)
        engine.execute("INSERT INTO competition_keys (competition_id, key_id, source, reason, "
                       "at, by) VALUES (?, ?, 'first import', '', ?, ?) ON CONFLICT DO NOTHING",
                       [comp, kid, at, by])


def bound_key(engine: Engine, competition_id: str) -> str | None:
    value = engine.one("SELECT key_id FROM competition_keys WHERE competition_id = ?",
                       [competition_id])
    return None if value is None else str(value)


def check_binding(engine: Engine, f: ResultsFile) -> None:
    """Refuse a file whose key is not the one its competition (or contest) is bound to."""
    comp = str(f.competition["id"])
    bound = bound_key(engine, comp)
    if bound is not None and bound != f.key_id:
        raise VerificationFailed(
            f"{f.name}: competition {comp} is bound at headquarters to contest key {bound}; this "
            f"file is signed by key {f.key_id}. If the venue's key really changed, an operator "
            f"rebinds it: jiangxin hq bind --competition {comp} --key PUBLIC_HEX --rebind "
            "--reason TEXT (--accept-key never does); nothing was imported "
            "/ 该赛事已绑定其他密钥，未导入")
    other = engine.one("SELECT competition_id FROM competition_keys WHERE key_id = ? AND "
                       "competition_id != ?", [f.key_id, comp])
    if other is not None:
        raise VerificationFailed(
            f"{f.name}: contest key {f.key_id} belongs to competition {other}; a key signs only "
            f"its own competition, not {comp} / 一个密钥只能签署自己的赛事")
    held = engine.execute("SELECT key_id, competition_id FROM submissions WHERE contest_uid = ? "
                          "AND state = 'current'", [f.contest_uid]).fetchone()
    if held is not None and (str(held[0]) != f.key_id or str(held[1]) != comp):
        raise VerificationFailed(
            f"{f.name}: the contest file {f.contest_uid} held here is competition {held[1]} "
            f"signed by key {held[0]}; this file claims it for {comp} with key {f.key_id}; "
            "refused / 赛事文件与已导入的密钥或赛事不符")


def record_first_binding(engine: Engine, f: ResultsFile, at: str, operator: str) -> None:
    """Inside an accepted import: bind the competition to its key when it is not yet bound."""
    comp = str(f.competition["id"])
    if bound_key(engine, comp) is not None:
        return
    engine.execute("INSERT INTO competition_keys (competition_id, key_id, source, reason, at, "
                   "by) VALUES (?, ?, 'first import', '', ?, ?) ON CONFLICT DO NOTHING",
                   [comp, f.key_id, at, operator])
    engine.execute("INSERT INTO key_bindings_log (competition_id, key_id, previous, action, "
                   "reason, at, by) VALUES (?, ?, NULL, 'bind', ?, ?, ?)",
                   [comp, f.key_id, f"first import of {f.name}", at, operator])


def bind(engine: Engine, competition_id: str, key_id: str, *, rebind: bool, reason: str,
         at: str, operator: str) -> str | None:
    """An operator binds a competition in advance, or rebinds it (a reason needed); returns
    the key it was bound to before (None when new)."""
    comp = competition_id.strip()
    if not comp:
        raise InputError("a competition id is needed / 需要赛事编号", field="--competition")
    before = bound_key(engine, comp)
    if before == key_id:
        return before
    if before is not None:
        if not rebind:
            raise VerificationFailed(
                f"competition {comp} is bound to key {before}; to bind it to {key_id} instead, "
                "give --rebind and --reason / 该赛事已绑定其他密钥")
        if not reason.strip():
            raise InputError("rebinding needs a reason / 重新绑定需填写原因", field="--reason")
        engine.execute("DELETE FROM competition_keys WHERE competition_id = ?", [comp])
    other = engine.one("SELECT competition_id FROM competition_keys WHERE key_id = ?", [key_id])
    if other is not None:
        raise VerificationFailed(f"key {key_id} is bound to competition {other}; a key signs "
                                 "only its own competition / 一个密钥只能签署自己的赛事")
    engine.execute("INSERT INTO competition_keys (competition_id, key_id, source, reason, at, "
                   "by) VALUES (?, ?, ?, ?, ?, ?)",
                   [comp, key_id, "rebound" if before else "registered", reason, at, operator])
    engine.execute("INSERT INTO key_bindings_log (competition_id, key_id, previous, action, "
                   "reason, at, by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [comp, key_id, before, "rebind" if before else "bind", reason, at, operator])
    return before


def _heads(body: dict[str, Any]) -> dict[int, str]:
    out: dict[int, str] = {}
    for h in body.get("signed_heads") or []:
        try:
            out[int(h["seq"])] = str(h["head"])
        except (KeyError, TypeError, ValueError):
            continue
    return out


def check_history(held_body: dict[str, Any], f: ResultsFile, held_id: int) -> None:
    """A newer export must carry every signed head of the one held (refused otherwise)."""
    from db.store.checkpoints import check_heads

    old, new = _heads(held_body), _heads(f.body)
    for seq, head in sorted(old.items()):
        if new.get(seq) != head:
            why = "is missing" if seq not in new else "differs"
            raise VerificationFailed(
                f"{f.name}: the signed head at audit record {seq} of the export headquarters "
                f"holds (submission {held_id}) {why} in this file: its history does not extend "
                "the one held (cut back or rewritten); refused / 审计历史与已导入的版本不连续")
    seq_old = int(held_body.get("audit_head", {}).get("seq", 0))
    if int(f.body.get("audit_head", {}).get("seq", 0)) < seq_old:
        raise VerificationFailed(f"{f.name}: its audit chain ({f.body['audit_head']['seq']} "
                                 f"records) is shorter than the one held ({seq_old}); refused "
                                 "/ 审计链短于已导入的版本")
    # the file's own heads must check against its key
    problems, _ = check_heads({s: h for s, h in new.items()}, list(f.body.get("signed_heads")
                                                                    or []),
                              f.contest_uid, f.public_key)
    bad = [p for p in problems if "does not check" in p]
    if bad:
        raise VerificationFailed(f"{f.name}: {bad[0]}")


def check_results(f: ResultsFile, problems: list[str] | None = None) -> None:
    """Recompute every result from the file's marks with this rulebook (exit 3 on a
    difference, naming the first). ``problems``: the recomputation's findings when it was
    run already (outside the import's transaction)."""
    from db.files.recompute import recompute_problems

    if problems is None:
        problems = recompute_problems(f, limit=3)
    if problems:
        raise VerificationFailed(problems[0] + (f" (+{len(problems) - 1} more)"
                                                if len(problems) > 1 else ""))


def held_body(data: bytes) -> dict[str, Any]:
    """The body of a held file's bytes (already verified when it was imported)."""
    doc = orjson.loads(data)
    body: dict[str, Any] = doc["body"]
    return body
