"""The two-layer draw, sealed: until `decrypt` nothing in the file links a person to a
candidate number or a workstation (docs/security.md, "What the file tells").

At the draw the file gets, in clear, only what the venue needs before decryption:

- ``lots``: each candidate number with its workstation (no person);
- ``lot_conflicts``: the (workstation, judge) pairs that need 回避 (same unit), computed from
  the competitors' units at the draw, so marking can refuse them without knowing who is where;
- ``draws``: method and witness, but neither the seed nor the paper file's hash (either one
  would give the draw back to anyone who tries).

The links person → candidate → workstation, the seed and the paper file's hash go into a
``seals`` row sealed to the encryption officer's key (db/keys/sealing.py), and a second copy to
headquarters' recovery key when the competition file names one. Check-ins and statuses given
by candidate number or workstation before decryption are kept by workstation (``lot_checkins``,
``lot_statuses``); theory scores keyed by candidate number are sealed too. `decrypt` opens the
seal with the officer's passphrase and writes the links (``assignments``) and the theory rows.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.keys import sealing
from db.keys.officer import officer_key, recovery_key, unlock_officer_key
from db.store.changes import Changes
from db.store.contest import Contest, Writer
from judging.draw import Lot
from judging.errors import StateError, VerificationFailed

SEAL_FORMAT = "jiangxin-seal-1"


def _aad(c: Contest, event: str, kind: str, ref: str) -> bytes:
    return f"{SEAL_FORMAT}|{c.meta('contest_uid')}|{event}|{kind}|{ref}".encode()


def seal_payload(c: Contest, w: Writer, event: str, kind: str, ref: str,
                 payload: dict[str, Any]) -> None:
    """Seal ``payload`` to the officer (and the recovery key) as ``seals`` rows."""
    officer = officer_key(c)
    if officer is None:
        raise StateError("the encryption officer has no key yet: the officer makes it first "
                         "(jiangxin officer key) / 加密裁判须先生成保密密钥")
    plain = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    recipients = [("officer", officer)]
    recovery = recovery_key(c)
    if recovery is not None:
        recipients.append(("recovery", recovery))
    for purpose, (kid, public) in recipients:
        blob = sealing.seal(public, plain, _aad(c, event, kind, ref))
        w.insert("seals", {"event": event, "kind": kind, "ref": ref, "purpose": purpose,
                           "key_id": kid, "sealed": base64.b64encode(blob).decode()},
                 audit_row={"event": event, "kind": kind, "ref": ref, "purpose": purpose,
                            "key_id": kid})


def open_payloads(c: Contest, private: bytes, event: str, kind: str) -> list[dict[str, Any]]:
    """Every sealed payload of one kind for an event, opened with a private key."""
    from db.keys.signing import key_id

    kid = key_id(sealing.public_of(private))
    out = []
    for ref, blob in c.db.execute(
            "SELECT ref, sealed FROM seals WHERE event = ? AND kind = ? AND key_id = ? "
            "ORDER BY rowid", [event, kind, kid]).fetchall():
        plain = sealing.open_sealed(private, base64.b64decode(blob), _aad(c, event, kind, ref))
        out.append(json.loads(plain))
    return out


def is_sealed(c: Contest, event: str) -> bool:
    """Drawn under seal and not decrypted yet."""
    return c.db.execute(
        "SELECT 1 FROM seals WHERE event = ? AND kind = 'draw' AND NOT EXISTS "
        "(SELECT 1 FROM decryptions d WHERE d.event = seals.event)", [event]).fetchone() \
        is not None


def legacy_clear(c: Contest) -> list[str]:
    """Events drawn in clear by an older version and not decrypted (their links still readable:
    the officer's key seals them, see seal_legacy_draws)."""
    return [str(r[0]) for r in c.db.execute(
        "SELECT DISTINCT a.event FROM assignments a WHERE NOT EXISTS (SELECT 1 FROM decryptions "
        "d WHERE d.event = a.event) AND NOT EXISTS (SELECT 1 FROM seals s WHERE s.event = "
        "a.event AND s.kind = 'draw') ORDER BY a.event").fetchall()]


# ---- the draw -------------------------------------------------------------------------------
def record_draw(c: Contest, event_id: str, method: str, seed: str | None, witness: str,
                digest: str | None, lots: Sequence[Lot]) -> Changes:
    """Write a draw: lots and 回避 pairs in clear, the links sealed."""
    if officer_key(c) is None:
        raise StateError("the encryption officer has no key yet: the officer makes it first "
                         "(jiangxin officer key) / 加密裁判须先生成保密密钥，才能抽签")
    units = {str(r[0]): str(r[1]) for r in c.db.execute(
        "SELECT uid, unit FROM competitors WHERE event = ?", [event_id])}
    judges = [(str(r[0]), str(r[1]), r[2]) for r in c.db.execute(
        "SELECT name, unit, events FROM users WHERE role IN ('judge', 'chief') "
        "ORDER BY rowid")]
    ordered = sorted(lots, key=lambda lot: lot.station)  # insertion order tells nothing
    with c.write("draw", reason=f"{method} draw of {event_id}") as w:
        d = w.insert("draws", {"event": event_id, "method": method, "seed": None,
                               "witness": witness, "file_sha256": None})
        for lot in ordered:
            w.insert("lots", {"draw": d["uid"], "event": event_id, "candidate": lot.candidate,
                              "station": lot.station}, device=False)
        for lot in ordered:
            unit = units.get(lot.key, "")
            for name, junit, events in judges:
                if events and event_id not in json.loads(events):
                    continue
                if unit and junit == unit:
                    w.insert("lot_conflicts", {"draw": d["uid"], "event": event_id,
                                               "station": lot.station, "judge": name},
                             device=False)
        seal_payload(c, w, event_id, "draw", d["uid"], {
            "event": event_id, "draw": d["uid"], "method": method, "seed": seed,
            "file_sha256": digest,
            "lots": [{"competitor": lot.key, "candidate": lot.candidate,
                      "station": lot.station} for lot in ordered]})
    return w.changes


@dataclass(frozen=True)
class LotRow:
    """A clear lot of a sealed draw: its candidate number and workstation, with the status and
    check-in given by workstation and the judges kept off it (回避)."""

    uid: str
    candidate: str
    station: str
    status: str
    checked_in: bool
    conflicts: frozenset[str]


def lot_rows(c: Contest, event: str) -> list[LotRow]:
    """The clear lots of an event with the status and check-in given by workstation."""
    statuses: dict[str, str] = {}
    for st, status in c.db.execute("SELECT station, status FROM lot_statuses WHERE event = ? "
                                   "ORDER BY at, uid", [event]):
        statuses[str(st)] = str(status)
    checked = {str(r[0]) for r in c.db.execute(
        "SELECT station FROM lot_checkins WHERE event = ?", [event])}
    conflicts: dict[str, set[str]] = {}
    for st, judge in c.db.execute("SELECT station, judge FROM lot_conflicts WHERE event = ?",
                                  [event]):
        conflicts.setdefault(str(st), set()).add(str(judge))
    return [LotRow(str(u), str(cand), str(st), statuses.get(str(st), "ok"), str(st) in checked,
                   frozenset(conflicts.get(str(st), ())))
            for u, cand, st in c.db.execute(
                "SELECT uid, candidate, station FROM lots WHERE event = ? ORDER BY station",
                [event])]


def lot_statuses(c: Contest, event: str) -> list[tuple[str, str, str, str]]:
    """(station, status, at, uid) given by workstation, oldest first."""
    return [(str(a), str(b), str(t), str(u)) for a, b, t, u in c.db.execute(
        "SELECT station, status, at, uid FROM lot_statuses WHERE event = ? ORDER BY at, uid",
        [event])]


def conflicted(c: Contest, event: str, station: str, judge: str) -> bool:
    """Whether a judge must not mark a workstation (回避), known without identities."""
    return c.db.execute("SELECT 1 FROM lot_conflicts WHERE event = ? AND station = ? AND "
                        "judge = ?", [event, station, judge]).fetchone() is not None


def seal_theory(c: Contest, w: Writer, event: str, rows: list[dict[str, Any]]) -> None:
    """Theory scores keyed by candidate number before decryption: sealed, joined at decrypt."""
    import uuid

    seal_payload(c, w, event, "theory", uuid.uuid4().hex, {"event": event, "rows": rows})


# ---- decryption -----------------------------------------------------------------------------
def open_draw(c: Contest, w: Writer, event: str, passphrase: str | None) -> dict[str, Any]:
    """Inside decrypt's write: open the seals of an event and write the links and theory.

    Returns what the audit record of the decryption shows (seed, paper file hash, counts)."""
    if not is_sealed(c, event):
        return {}
    private = unlock_officer_key(c, passphrase)
    draws = open_payloads(c, private, event, "draw")
    if not draws:
        raise VerificationFailed(f"{event}: the sealed draw is not for this officer's key "
                                 "/ 密封的抽签结果不属于此保密密钥")
    sealed = draws[-1]
    clear = {(r.candidate, r.station) for r in lot_rows(c, event)}
    opened = {(x["candidate"], x["station"]) for x in sealed["lots"]}
    if clear != opened:
        raise VerificationFailed(f"{event}: the lots in the file differ from the sealed draw "
                                 "/ 文件中的签号与密封记录不一致")
    record_opening(c, w, event, private)  # evidence for a laptop this decryption is merged into
    for lot in sealed["lots"]:
        w.insert("assignments", {"draw": sealed["draw"], "event": event,
                                 "competitor": lot["competitor"], "candidate": lot["candidate"],
                                 "station": lot["station"]}, device=False)
    by_candidate = {x["candidate"]: x["competitor"] for x in sealed["lots"]}
    theory = 0
    from decimal import Decimal

    from judging.decimals import canonical

    for payload in open_payloads(c, private, event, "theory"):
        for r in payload["rows"]:
            w.insert("theory", {"event": event, "competitor": by_candidate[r["candidate"]],
                                "score": canonical(Decimal(r["score"])), "source": r["source"]},
                     audit_row={"event": event, "row": r["row"], "score": r["score"]},
                     opened=True)  # sealed before the lock; the event is locked now
            theory += 1
    return {"seed": sealed.get("seed"), "file_sha256": sealed.get("file_sha256"),
            "method": sealed.get("method"), "lots": len(sealed["lots"]), "theory": theory}


def record_opening(c: Contest, w: Writer, event: str, private: bytes) -> None:
    """The content keys of the officer's newest sealed draw of ``event`` and of its sealed
    theory scores (``openings`` rows): each opens its one blob only, so another laptop can check
    the links and the theory rows this decryption writes against them."""
    from db.keys.signing import key_id

    kid = key_id(sealing.public_of(private))
    rows = c.db.execute("SELECT uid, sealed FROM seals WHERE event = ? AND kind = 'draw' AND "
                        "key_id = ? ORDER BY rowid DESC LIMIT 1", [event, kid]).fetchall()
    rows += c.db.execute("SELECT uid, sealed FROM seals WHERE event = ? AND kind = 'theory' AND "
                         "key_id = ? ORDER BY rowid", [event, kid]).fetchall()
    for uid, blob in rows:
        key = sealing.content_key(private, base64.b64decode(blob))
        w.insert("openings", {"event": event, "seal": str(uid),
                              "key": base64.b64encode(key).decode()})


def opened_theory(c: Contest, event: str, openings: Sequence[dict[str, Any]],
                  links: dict[str, str]) -> Counter[tuple[str, str, str]]:
    """The theory rows (competitor, score, source) a decryption writes for ``event``, from the
    sealed theory scores here that ``openings`` keys open, joined by ``links`` (candidate →
    competitor): what a merged decryption may bring past the lock gate (db/files/merge.py)."""
    from decimal import Decimal

    from judging.decimals import canonical

    seals = {str(u): (str(ref), str(blob)) for u, ref, blob in c.db.execute(
        "SELECT uid, ref, sealed FROM seals WHERE event = ? AND kind = 'theory'", [event])}
    out: Counter[tuple[str, str, str]] = Counter()
    done: set[str] = set()
    for o in openings:
        seal = str(o.get("seal"))
        if str(o.get("event")) != event or seal not in seals or seal in done:
            continue
        ref, blob = seals[seal]
        try:
            plain = sealing.open_with_key(base64.b64decode(str(o.get("key"))),
                                          base64.b64decode(blob), _aad(c, event, "theory", ref))
        except (VerificationFailed, ValueError):
            continue
        done.add(seal)
        for r in json.loads(plain)["rows"]:
            who = links.get(str(r["candidate"]))
            if who is not None:
                out[(who, canonical(Decimal(r["score"])), str(r["source"]))] += 1
    return out


def opening_problem(c: Contest, event: str) -> str | None:
    """Why the links of a sealed ``event`` are not shown to come from the officer's sealed draw
    (None: an opening's key opens a sealed draw of the event and its links are exactly the
    ``assignments``; or the event was drawn in clear by an older version, nothing to check)."""
    seals = {str(u): (str(ref), str(blob)) for u, ref, blob in c.db.execute(
        "SELECT uid, ref, sealed FROM seals WHERE event = ? AND kind = 'draw'", [event])}
    if not seals:
        return None
    have = {(str(a), str(b), str(s)) for a, b, s in c.db.execute(
        "SELECT competitor, candidate, station FROM assignments WHERE event = ?", [event])}
    clear = {(r.candidate, r.station) for r in lot_rows(c, event)}
    for seal, key in c.db.execute("SELECT seal, key FROM openings WHERE event = ? "
                                  "ORDER BY rowid DESC", [event]).fetchall():
        if str(seal) not in seals:
            continue
        ref, blob = seals[str(seal)]
        try:
            plain = sealing.open_with_key(base64.b64decode(str(key)), base64.b64decode(blob),
                                          _aad(c, event, "draw", ref))
        except (VerificationFailed, ValueError):
            continue
        lots = json.loads(plain)["lots"]
        links = {(str(x["competitor"]), str(x["candidate"]), str(x["station"])) for x in lots}
        if links != have or {(b, s) for _a, b, s in links} != clear:
            return (f"{event}: the links differ from the sealed draw "
                    "/ 人员与工位的对应和密封的抽签结果不一致")
        return None
    return (f"{event}: no key of the encryption officer's sealed draw comes with the decryption "
            "(not opened with the officer's key) / 解密未使用加密裁判的密钥")


def seal_legacy_draws(c: Contest) -> list[str]:
    """Move the clear links of events an older version drew (and not decrypted) into a seal.

    The ``assignments`` rows, the draw's seed and paper-file hash leave the file, and so do the
    copies of them in the audit records (which are rewritten and the chain's hashes recomputed
    from the first one touched): allowed only while no signed head covers those records, since
    a signed head vouches for the chain as it was. Deleted pages are overwritten
    (``secure_delete``) and the file is vacuumed. Returns the events sealed.
    """
    from db.store import audit
    from db.store.schema import _guard_sql, run_script

    events = legacy_clear(c)
    if not events:
        return []
    marks = ", ".join("?" for _ in events)
    draw_uids = {str(r[0]) for r in c.db.execute(
        f"SELECT uid FROM draws WHERE event IN ({marks})", events)}
    moved = {str(r[0]) for r in c.db.execute(
        f"SELECT uid FROM assignments WHERE event IN ({marks})", events)}
    first = c.db.execute(
        "SELECT MIN(seq) FROM audit WHERE (tbl = 'assignments' AND row_uid IN (SELECT uid FROM "
        f"assignments WHERE event IN ({marks}))) OR (tbl = 'draws' AND row_uid IN (SELECT uid "
        f"FROM draws WHERE event IN ({marks})))", [*events, *events]).fetchone()[0]
    signed = c.db.execute("SELECT MAX(seq) FROM signed_heads").fetchone()[0]
    if first is not None and signed is not None and int(signed) >= int(first):
        raise StateError("this file was drawn by an older version and a signed head covers its "
                         "draw; its links cannot be sealed any more "
                         "/ 旧版本抽签记录已被签名，无法补加密")
    with c.write("seal.legacy", reason="the draw sealed to the encryption officer "
                 "/ 抽签结果加密") as w:
        for ev in events:
            rows = c.db.execute("SELECT uid, draw, competitor, candidate, station FROM "
                                "assignments WHERE event = ? ORDER BY station", [ev]).fetchall()
            d = c.db.execute("SELECT uid, method, seed, file_sha256 FROM draws WHERE event = ?",
                             [ev]).fetchone()
            for r in rows:
                w.insert("lots", {"draw": r[1], "event": ev, "candidate": r[3],
                                  "station": r[4]}, device=False)
            seal_payload(c, w, ev, "draw", str(d[0]), {
                "event": ev, "draw": str(d[0]), "method": d[1], "seed": d[2],
                "file_sha256": d[3],
                "lots": [{"competitor": r[2], "candidate": r[3], "station": r[4]}
                         for r in rows]})
            w.log(after={"event": ev, "moved_links": len(rows), "draw": str(d[0])})
        db = c.db
        db.execute("PRAGMA secure_delete = ON")
        for t in ("assignments", "draws", "audit"):
            db.execute(f"DROP TRIGGER IF EXISTS {t}_no_delete")
            db.execute(f"DROP TRIGGER IF EXISTS {t}_no_update")
        db.execute(f"DELETE FROM assignments WHERE event IN ({marks})", events)
        db.execute(f"UPDATE draws SET seed = NULL, file_sha256 = NULL WHERE event IN ({marks})",
                   events)
        cur = db.execute("SELECT * FROM draws WHERE uid IN (SELECT row_uid FROM audit WHERE "
                         "tbl = 'draws')")
        cols = [x[0] for x in cur.description]
        new_draws = {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}
        cur = db.execute("SELECT * FROM audit WHERE seq >= ? ORDER BY seq", [first])
        cols = [x[0] for x in cur.description]
        prev = db.execute("SELECT hash FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                          [first]).fetchone()
        prev_hash = audit.GENESIS if prev is None else str(prev[0])
        for values in cur.fetchall():
            rec = dict(zip(cols, values))
            if rec["tbl"] == "assignments" and rec["row_uid"] in moved:
                rec.update(tbl=None, row_uid=None, row_hash=None, after=None)
            elif rec["tbl"] == "draws" and rec["row_uid"] in draw_uids:
                row = new_draws[rec["row_uid"]]
                rec.update(row_hash=audit.row_hash(row), after=audit.canonical_json(row))
            rec["prev"] = prev_hash
            rec["hash"] = audit.record_hash(rec)
            prev_hash = rec["hash"]
            db.execute("UPDATE audit SET tbl = ?, row_uid = ?, row_hash = ?, after = ?, "
                       "prev = ?, hash = ? WHERE seq = ?",
                       [rec["tbl"], rec["row_uid"], rec["row_hash"], rec["after"], rec["prev"],
                        rec["hash"], rec["seq"]])
        run_script(db, _guard_sql("assignments") + _guard_sql("draws") + _guard_sql("audit"))
    c.db.execute("VACUUM")
    return events
