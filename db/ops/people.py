"""Competitors, check-in, the draw, statuses and theory scores."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from db.store.changes import NOTHING, Changes, Done
from db.store.contest import Contest
from judging.decimals import canonical
from judging.draw import Lot, electronic_draw, fingerprint
from judging.errors import InputError, InputErrors, StateError, VerificationFailed
from judging.ranking import STATUSES


class CompetitorLike(Protocol):
    """A row of a competitor list (db.files.competitor_file.CompetitorRow or the demo's)."""

    @property
    def row(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def id_number(self) -> str: ...
    @property
    def gender(self) -> str | None: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def event(self) -> str: ...


def import_competitors(c: Contest, path: str | Path) -> Done[int]:
    """Add competitors from a CSV/XLSX list (docs/formats.md); all or nothing."""
    c.require("competitors")
    from db.files.competitor_file import event_spellings, read_competitors

    file = str(path)
    rows = read_competitors(path, event_spellings(c.competition.events))
    return add_competitors(c, rows, file, rows.labels)


def add_competitors(c: Contest, rows: Sequence[CompetitorLike], file: str,
                    labels: Mapping[str, str] | None = None) -> Done[int]:
    """Add these competitors, all or none; a refusal names a row's field by the file's own
    header (``labels``, as read_competitors gives them), else as the organiser's template."""
    from db.files.competitor_file import field_label

    c.require("competitors")
    errors: list[InputError] = []
    for r in rows:
        c.event(r.event, file=file, row=r.row, field=field_label(labels, "event"))
        existing = c.db.execute("SELECT 1 FROM competitors WHERE event = ? AND id_number = ?",
                                [r.event, r.id_number]).fetchone()
        if existing:
            errors.append(InputError(f"this person is already entered in {r.event} / 已报名该赛项",
                                     file=file, row=r.row, field=field_label(labels, "id_number")))
        drawn = c.db.execute("SELECT 1 FROM draws WHERE event = ?", [r.event]).fetchone()
        if drawn:
            errors.append(InputError(f"the draw of {r.event} is done; no one can be added "
                                     "/ 已抽签，不能再添加选手", file=file, row=r.row,
                                     field=field_label(labels, "event")))
    if errors:
        raise InputErrors(errors)
    with c.write("competitors.import", reason=f"from {Path(file).name}") as w:
        for r in rows:
            w.insert("competitors", {"event": r.event, "name": r.name, "id_number": r.id_number,
                                     "gender": r.gender or "", "unit": r.unit or "",
                                     "region": r.region or "",
                                     "source": Path(file).name},
                     audit_row={"event": r.event, "row": r.row})
    return Done(len(rows), w.changes)


@dataclass(frozen=True)
class Competitor:
    uid: str
    event: str
    name: str
    id_number: str
    gender: str
    unit: str
    region: str
    candidate: str | None
    station: str | None
    status: str
    checked_in: bool
    # a lot under a sealed draw: the judges who must not mark it (回避, computed at the draw)
    conflicts: frozenset[str] = frozenset()


def competitors(c: Contest, event: str) -> list[Competitor]:
    """The competitors of an event with their draw, status and check-in (identity included:
    callers that show judges anything use stations only).

    While the event's draw is sealed (db/ops/blind.py) nobody here has a candidate number or
    a workstation: see :func:`entrants` and :func:`by_station` for the workstations."""
    from db.ops.blind import is_sealed, lot_statuses

    sealed = is_sealed(c, event)
    rows = c.db.execute(
        """SELECT p.uid, p.event, p.name, p.id_number, p.gender, p.unit, p.region,
                  a.candidate, a.station,
                  EXISTS (SELECT 1 FROM checkins k WHERE k.competitor = p.uid)
                  OR EXISTS (SELECT 1 FROM lot_checkins l WHERE l.event = p.event
                             AND l.station = a.station)
           FROM competitors p LEFT JOIN assignments a ON a.competitor = p.uid
           WHERE p.event = ? ORDER BY a.station, p.rowid""", [event]).fetchall()
    # the newest status, whether given for the person or (before decryption) for a workstation
    latest: dict[str, tuple[str, str, str]] = {}
    for uid, status, at, suid in c.db.execute(
            "SELECT competitor, status, at, uid FROM statuses WHERE event = ?", [event]):
        if uid not in latest or (at, suid) > latest[uid][1:]:
            latest[uid] = (status, at, suid)
    if not sealed:
        station_of = {r[8]: r[0] for r in rows if r[8]}
        for st, status, at, suid in lot_statuses(c, event):
            uid = station_of.get(st)
            if uid is not None and (uid not in latest or (at, suid) > latest[uid][1:]):
                latest[uid] = (status, at, suid)
    return [Competitor(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                       latest[r[0]][0] if r[0] in latest else "ok", bool(r[9])) for r in rows]


def lots(c: Contest, event: str) -> list[Competitor]:
    """The workstations of an event under a sealed draw, as anonymous entrants (uid of the
    lot, no name, unit or ID number; status and check-in given by workstation)."""
    from db.ops.blind import lot_rows

    return [Competitor(r.uid, event, "", "", "", "", "", r.candidate, r.station, r.status,
                       r.checked_in, r.conflicts) for r in lot_rows(c, event)]


def entrants(c: Contest, event: str) -> list[Competitor]:
    """Who the results rank: the anonymous lots while the draw is sealed, else the people."""
    from db.ops.blind import is_sealed

    return lots(c, event) if is_sealed(c, event) else competitors(c, event)


def by_station(c: Contest, event: str) -> dict[str, Competitor]:
    return {p.station: p for p in entrants(c, event) if p.station}


def is_drawn(c: Contest, event: str) -> bool:
    return c.db.execute("SELECT 1 FROM draws WHERE event = ?", [event]).fetchone() is not None


@dataclass(frozen=True)
class DrawRecord:
    """How an event was drawn: electronic (with its seed) or from paper lots (the lots
    file's SHA-256), who witnessed it, who recorded it and when."""

    method: str  # electronic | paper
    seed: str | None
    witness: str
    file_sha256: str | None
    at: str
    by: str


def draw_record(c: Contest, event: str) -> DrawRecord | None:
    """The recorded draw of an event, or None before the draw."""
    row = c.db.execute("SELECT method, seed, witness, file_sha256, at, by FROM draws "
                       "WHERE event = ?", [event]).fetchone()
    return None if row is None else DrawRecord(str(row[0]), row[1], str(row[2] or ""), row[3],
                                               str(row[4]), str(row[5]))


# ---- the draw ---------------------------------------------------------------------------------
def draw(c: Contest, event_id: str, *, seed: int | None = None, witness: str = "") -> Changes:
    """Electronic draw with a recorded seed (a random one when none is given)."""
    c.require("draw", event_id)
    if is_drawn(c, event_id):
        raise StateError(f"{event_id} is drawn already / 该赛项已抽签")
    if seed is None:
        seed = secrets.randbelow(10**12)
    lots = seeded_lots(c, event_id, seed)
    return _record_draw(c, event_id, "electronic", str(seed), witness, None, lots)


def seeded_lots(c: Contest, event_id: str, seed: int) -> list[Lot]:
    """The seeded draw (judging/draw.py) of the event's competitor list, keyed by row uid.

    A function of the seed, the ID numbers and the workstation labels only: the same list
    and seed give the same draw in any contest file on any machine.
    """
    ev = c.event(event_id)
    people = competitors(c, event_id)
    if not people:
        raise StateError(f"{event_id} has no competitors to draw / 没有选手")
    stations = [ev.station_label(i) for i in range(1, ev.stations + 1)]
    uid_of = {p.id_number: p.uid for p in people}
    try:
        lots = electronic_draw(event_id, list(uid_of), stations, seed)
    except ValueError as exc:
        raise StateError(f"{event_id}: {exc}") from None
    return [Lot(uid_of[lot.key], lot.candidate, lot.station) for lot in lots]


def draw_fingerprint(c: Contest, event_id: str, lots: Sequence[Lot] | None = None) -> str:
    """The fingerprint (judging/draw.py) of the recorded draw, or of ``lots`` (by uid)."""
    people = {p.uid: p for p in competitors(c, event_id)}
    if lots is None:
        lots = [Lot(p.uid, p.candidate, p.station) for p in people.values()
                if p.candidate is not None and p.station is not None]
    return fingerprint([Lot(people[lot.key].id_number, lot.candidate, lot.station)
                        for lot in lots])


def verify_draw(c: Contest, event_id: str, seed: int,
                passphrase: str | None = None) -> tuple[bool, str, str]:
    """`jiangxin draw verify`: recompute the seeded draw from the list and ``seed`` and
    compare it with the recorded one: (matches, recorded fingerprint, recomputed one).

    While the draw is sealed (before ``decrypt``) only the encryption officer can, with the
    officer's passphrase (``passphrase``, else ``JIANGXIN_OFFICER_PASSPHRASE`` /
    ``JIANGXIN_PASSPHRASE``): the recorded draw is the sealed one. Anyone else is told to
    verify after decryption (exit 2): a fingerprint readable before it would let whoever holds
    the file try seeds until one gives it, and so learn who has which workstation."""
    s = c.require("draw_verify", event_id)
    rec = draw_record(c, event_id)
    if rec is None:
        raise StateError(f"{event_id} is not drawn yet / 该赛项尚未抽签")
    if rec.method != "electronic":
        raise StateError(f"{event_id} was drawn with paper lots (file SHA-256 "
                         f"{rec.file_sha256}); there is no seed to recompute "
                         "/ 该赛项为纸签抽签，无种子可复算")
    from db.ops.blind import is_sealed

    again = draw_fingerprint(c, event_id, seeded_lots(c, event_id, seed))
    if is_sealed(c, event_id):
        if s.role != "encryption":
            raise StateError(f"{event_id}: the draw is sealed to the encryption officer until "
                             "decryption; verify it after decrypt, or the encryption officer "
                             "verifies it now with the officer's passphrase "
                             "/ 抽签结果已加密，解密后方可复核（或由加密裁判凭保密口令复核）")
        from db.keys.officer import passphrase_from_env, unlock_officer_key
        from db.ops.blind import open_payloads

        private = unlock_officer_key(c, passphrase or passphrase_from_env())
        draws = open_payloads(c, private, event_id, "draw")
        if not draws:
            raise VerificationFailed(f"{event_id}: the sealed draw is not for this officer's "
                                     "key / 密封的抽签结果不属于此保密密钥")
        # the sealed person -> candidate, with the workstation the venue works from: the clear
        # candidate -> workstation rows (a changed clear row, or one that differs from the
        # sealed draw, does not match)
        from db.ops.blind import lot_rows

        clear = {r.candidate: r.station for r in lot_rows(c, event_id)}
        sealed = draws[-1]["lots"]
        if sorted(clear.items()) != sorted((str(x["candidate"]), str(x["station"]))
                                           for x in sealed):
            clear = {}
        recorded = draw_fingerprint(c, event_id, [
            Lot(str(x["competitor"]), str(x["candidate"]), clear.get(str(x["candidate"]), "?"))
            for x in sealed])
    else:
        recorded = draw_fingerprint(c, event_id)
    return recorded == again, recorded, again


def draw_from_file(c: Contest, event_id: str, path: str | Path, *, witness: str = "") -> Changes:
    """A draw made with paper lots: rows of id_number,candidate,station."""
    c.require("draw", event_id)
    ev = c.event(event_id)
    file = str(path)
    if is_drawn(c, event_id):
        raise StateError(f"{event_id} is drawn already / 该赛项已抽签")
    from db.files.tables import read_table

    table = read_table(path, columns={"id_number": ["id_number", "身份证号", "身份证号码"],
                                      "candidate": ["candidate", "参赛编号", "考号"],
                                      "station": ["station", "工位号", "工位"]},
                       required=["id_number", "candidate", "station"])
    people = {p.id_number: p for p in competitors(c, event_id)}
    errors: list[InputError] = []
    lots: list[Lot] = []
    label = table.label  # the file's own headers (身份证号, 参赛编号, 工位号) in messages
    seen_c: dict[str, int] = {}
    seen_s: dict[str, int] = {}
    seen_p: set[str] = set()
    from judging.idnumber import validate_id_number

    for tr in table.rows:
        v = tr.values
        try:
            idn = validate_id_number(v.get("id_number", ""),
                                     stored_as_number=tr.is_number("id_number"))
        except ValueError as exc:
            errors.append(InputError(str(exc), file=file, row=tr.number, field=label("id_number")))
            continue
        p = people.get(idn)
        if p is None:
            errors.append(InputError(f"no competitor of {event_id} has this ID number / 无此选手",
                                     file=file, row=tr.number, field=label("id_number")))
            continue
        if idn in seen_p:
            errors.append(InputError("this person appears twice / 重复", file=file,
                                     row=tr.number, field=label("id_number")))
        seen_p.add(idn)
        st = ev.parse_station(v.get("station", ""))
        if st is None:
            errors.append(InputError(f"workstation must be 1..{ev.stations} / 工位号无效",
                                     file=file, row=tr.number, field=label("station")))
            continue
        cand = v.get("candidate", "").strip()
        if not cand:
            errors.append(InputError("empty candidate number / 参赛编号为空", file=file,
                                     row=tr.number, field=label("candidate")))
            continue
        for seen, val, fld in ((seen_c, cand, "candidate"), (seen_s, st, "station")):
            if val in seen:
                errors.append(InputError(f"{val} is also on row {seen[val]} / 重复", file=file,
                                         row=tr.number, field=label(fld)))
            seen[val] = tr.number
        lots.append(Lot(p.uid, cand, st))
    missing = [p for k, p in people.items() if k not in seen_p]
    for p in missing:
        errors.append(InputError(f"competitor {p.name} has no lot / 有选手未抽签", file=file,
                                 field=label("id_number")))
    if errors:
        raise InputErrors(errors)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return _record_draw(c, event_id, "paper", None, witness, digest, lots)


def _record_draw(c: Contest, event_id: str, method: str, seed: str | None, witness: str,
                 digest: str | None, lots: list[Lot]) -> Changes:
    from db.ops.blind import record_draw

    return record_draw(c, event_id, method, seed, witness, digest, lots)


# ---- check-in and statuses --------------------------------------------------------------------
def check_in(c: Contest, competitor_uid: str, late_min: int = 0) -> Changes:
    """Check a person in (``competitor_uid``) or, while the draw is sealed, a workstation (the
    uid of a lot, as :func:`lots` gives)."""
    row = c.db.execute("SELECT event FROM competitors WHERE uid = ?", [competitor_uid]).fetchone()
    if row is None:
        lot = c.db.execute("SELECT event, station FROM lots WHERE uid = ?",
                           [competitor_uid]).fetchone()
        if lot is not None:
            return _check_in_lot(c, str(lot[0]), str(lot[1]), late_min)
    if row is None:
        raise InputError("no such competitor / 无此选手")
    event_id = row[0]
    c.require("checkin", event_id)
    ev = c.event(event_id)
    if c.db.execute("SELECT 1 FROM checkins WHERE competitor = ?",
                    [competitor_uid]).fetchone():
        return NOTHING
    with c.write("checkin") as w:
        w.insert("checkins", {"event": event_id, "competitor": competitor_uid,
                              "late_min": late_min}, audit_row={"late_min": late_min})
        if late_min > ev.late_limit_min:
            w.insert("statuses", {"event": event_id, "competitor": competitor_uid,
                                  "status": "absent",
                                  "reason": f"late by {late_min} min (limit {ev.late_limit_min}) "
                                            f"/ 迟到{late_min}分钟"})
    return w.changes


def _check_in_lot(c: Contest, event_id: str, station: str, late_min: int) -> Changes:
    c.require("checkin", event_id)
    ev = c.event(event_id)
    if c.db.execute("SELECT 1 FROM lot_checkins WHERE event = ? AND station = ?",
                    [event_id, station]).fetchone():
        return NOTHING
    with c.write("checkin") as w:
        w.insert("lot_checkins", {"event": event_id, "station": station, "late_min": late_min})
        if late_min > ev.late_limit_min:
            w.insert("lot_statuses", {"event": event_id, "station": station, "status": "absent",
                                      "reason": f"late by {late_min} min (limit "
                                                f"{ev.late_limit_min}) / 迟到{late_min}分钟"})
    return w.changes


def set_status(c: Contest, event_id: str, station: str, status: str, reason: str) -> Changes:
    """Discipline: absent, withdrawn, terminated, disqualified (or back to ok), with a reason."""
    c.require("status", event_id)
    ev = c.event(event_id)
    if status == "present":
        status = "ok"
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}", field="--set")
    if not reason.strip():
        raise InputError("a reason is needed / 需填写原因", field="--reason")
    st = ev.parse_station(station)
    person = by_station(c, event_id).get(st or "")
    if person is None:
        raise InputError(f"no competitor at workstation {station} of {event_id} / 该工位无选手",
                         field="--station")
    if person.status == status:
        return NOTHING
    from db.ops.blind import is_sealed

    with c.write("status", reason=reason) as w:
        if is_sealed(c, event_id):  # kept by workstation: nothing names the person yet
            w.insert("lot_statuses", {"event": event_id, "station": person.station,
                                      "status": status, "reason": reason},
                     before={"status": person.status})
        else:
            w.insert("statuses", {"event": event_id, "competitor": person.uid,
                                  "status": status, "reason": reason},
                     before={"status": person.status})
    return w.changes


# ---- theory -----------------------------------------------------------------------------------
def import_theory(c: Contest, path: str | Path) -> Done[int]:
    """Theory scores keyed by candidate number or ID number (docs/formats.md); all or nothing."""
    c.require("theory")
    from db.files.competitor_file import event_spellings
    from db.files.theory_file import match_theory, read_theory_table

    file = str(path)
    table, rows = read_theory_table(path, event_spellings(c.competition.events))
    for r in rows:
        c.event(r.event, file=file, row=r.row,
                field=table.label("event") if table.has("event") else "赛项")
    from db.ops.blind import is_sealed

    # while a draw is sealed, a candidate number names a lot (no person): its score is sealed
    # too and joins its person at decryption
    people: dict[str, list[Competitor]] = {}
    lot_candidate: dict[str, str] = {}
    for e in {r.event for r in rows}:
        people[e] = competitors(c, e)
        if is_sealed(c, e):
            for lot in lots(c, e):
                people[e].append(lot)
                lot_candidate[lot.uid] = lot.candidate or ""
    _, matched = match_theory(table, rows, people)
    # 缺考 in the exam system: no score, shown as null
    resolved = [(r.event, uid, r.theory, r.row) for r, uid in matched
                if r.theory is not None and uid not in lot_candidate]
    sealed: dict[str, list[dict[str, Any]]] = {}
    for r, uid in matched:
        if r.theory is not None and uid in lot_candidate:
            sealed.setdefault(r.event, []).append(
                {"candidate": lot_candidate[uid], "score": canonical(r.theory), "row": r.row,
                 "source": f"{Path(file).name}:{r.row}"})
    with c.write("theory.import", reason=f"from {Path(file).name}") as w:
        from db.ops.blind import seal_theory

        for event_id, sealed_rows in sealed.items():
            seal_theory(c, w, event_id, sealed_rows)
        for event_id, uid, score, row in resolved:
            w.insert("theory", {"event": event_id, "competitor": uid, "score": canonical(score),
                                "source": f"{Path(file).name}:{row}"},
                     audit_row={"event": event_id, "row": row, "score": canonical(score)})
    return Done(len(resolved) + sum(len(v) for v in sealed.values()), w.changes)


def theory_scores(c: Contest, event_id: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for uid, score in c.db.execute(
            "SELECT competitor, score FROM theory WHERE event = ? ORDER BY at, uid",
            [event_id]).fetchall():
        out[uid] = Decimal(score)
    return out
