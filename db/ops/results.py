"""Results of an event: computed from the marks, never stored as a source; decryption and
published snapshots."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from db.ops.locking import event_locked
from db.ops.people import Competitor, entrants, theory_scores
from db.ops.timing import times_used
from db.store.changes import NOTHING, Changes, Done
from db.store.contest import Contest
from judging.decimals import ZERO, fmt
from judging.errors import StateError
from judging.ranking import Standing, rank
from judging.scoring import practical_from_raw, total_score
from judging.snapshots import Change, diff


def is_decrypted(c: Contest, event_id: str) -> bool:
    return c.db.execute("SELECT 1 FROM decryptions WHERE event = ?",
                        [event_id]).fetchone() is not None


def snapshot_count(c: Contest, event_id: str) -> int:
    return int(c.db.execute("SELECT COUNT(*) FROM snapshots WHERE event = ?",
                            [event_id]).fetchone()[0])


def standings(c: Contest, event_id: str, now: float | None = None,
              people: Sequence[Competitor] | None = None) -> list[Standing]:
    """Ranked standings of an event, as the rules compute them now (``people``: the event's
    competitors when the caller has them already)."""
    ev = c.event(event_id)
    # Σ M, J, P − Σ D per workstation, summed exactly as whole units of the event's step
    raw: dict[str, Decimal] = {}
    for st, plus, minus in c.db.execute(
            "SELECT station, SUM(CASE WHEN kind = 'D' THEN 0 ELSE units END), "
            "SUM(CASE WHEN kind = 'D' THEN units ELSE 0 END) FROM aspect_marks "
            "WHERE event = ? GROUP BY station", [event_id]):
        raw[st] = Decimal(int(plus) - int(minus)).scaleb(-ev.decimals)
    theory = theory_scores(c, event_id)
    times = times_used(c, event_id, time.time() if now is None else now)
    rows: list[Standing] = []
    unmarked: list[Standing] = []
    for p in people if people is not None else entrants(c, event_id):
        station = p.station
        used, extra = times.get(station or "", (None, 0))
        # aspects without entries count 0; nobody marked yet: practical 0
        r = raw.get(station or "")
        practical = practical_from_raw(ev, r, used, extra) if r is not None else ZERO
        th = theory.get(p.uid)
        s = Standing(key=p.uid, station=station, candidate=p.candidate, theory=th,
                     practical=practical, total=total_score(ev, th, practical),
                     time_used_s=used, status=p.status)
        # nobody is placed on marks nobody typed: no marks at all, no place (yet)
        (rows if r is not None or p.status != "ok" else unmarked).append(s)
    return rank(ev, rows) + sorted(unmarked, key=lambda s: (s.station or "", s.key))


@dataclass(frozen=True)
class ResultRow:
    """One competitor's line of the results (names and units only once decrypted; awards,
    titles and grades only once locked). Scores are exact decimal strings."""

    place: int | None
    station: str | None
    candidate: str | None
    name: str | None
    unit: str | None
    theory: str | None
    practical: str | None
    total: str | None
    time_used_s: int | None
    status: str
    award: str | None
    title: str | None
    grade: str | None
    scale: int | None = None  # the WorldSkills scale point, for events with a scale


_ROW_KEYS = tuple(f.name for f in fields(ResultRow) if f.name != "scale")


@dataclass(frozen=True)
class Results:
    """The results of one event as computed now, or as published in a snapshot."""

    competition: str
    competition_id: str
    event: str
    event_name: str
    group: str
    snapshot: int  # snapshots published so far (or this snapshot's number)
    locked: bool
    provisional: bool
    decrypted: bool
    rows: tuple[ResultRow, ...]
    scaled: bool = False  # rows carry ``scale`` (the event has one)

    def json_rows(self) -> list[dict[str, Any]]:
        """The rows as the results JSON has them (docs/formats.md#results)."""
        out = []
        for r in self.rows:
            row = {k: getattr(r, k) for k in _ROW_KEYS}
            if self.scaled:
                row["scale"] = r.scale
            out.append(row)
        return out

    def as_json(self) -> dict[str, Any]:
        """The results JSON (docs/formats.md#results), key for key."""
        return {"competition": self.competition, "competition_id": self.competition_id,
                "event": self.event, "event_name": self.event_name, "group": self.group,
                "snapshot": self.snapshot, "locked": self.locked,
                "provisional": self.provisional, "decrypted": self.decrypted,
                "rows": self.json_rows()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Results:
        """Results as a snapshot or a results file holds them."""
        rows = tuple(ResultRow(**{k: r.get(k) for k in _ROW_KEYS}, scale=r.get("scale"))
                     for r in data.get("rows", []))
        return cls(str(data["competition"]), str(data["competition_id"]), str(data["event"]),
                   str(data["event_name"]), str(data.get("group") or ""),
                   int(data.get("snapshot") or 0), bool(data.get("locked")),
                   bool(data.get("provisional")), bool(data.get("decrypted")), rows,
                   any("scale" in r for r in data.get("rows", [])))


def results(c: Contest, event_id: str, now: float | None = None) -> Results:
    """The results of an event (names and units only once decrypted); ``.as_json()`` is the
    results JSON of docs/formats.md#results."""
    c.require("results", event_id)
    ev = c.event(event_id)
    decrypted = is_decrypted(c, event_id)
    # provisional until every module is locked (locking needs every mark complete and
    # verified): no awards, titles or grades before that
    locked = event_locked(c, event_id)
    everyone = entrants(c, event_id)
    people = {p.uid: p for p in everyone}
    d = ev.decimals
    rows = []
    for s in standings(c, event_id, now, everyone):
        p = people[s.key]
        rows.append(ResultRow(
            place=s.place, station=s.station, candidate=s.candidate,
            name=p.name if decrypted else None, unit=p.unit if decrypted else None,
            theory=fmt(s.theory, d), practical=fmt(s.practical, d), total=fmt(s.total, d),
            time_used_s=s.time_used_s, status=s.status,
            award=s.award if locked else None, title=s.title if locked else None,
            grade=s.grade if locked else None, scale=s.scale if ev.scale else None))
    return Results(c.competition.name, c.competition.id, ev.id, ev.name, ev.group,
                   snapshot_count(c, event_id), locked, not locked, decrypted, tuple(rows),
                   bool(ev.scale))


def decrypt(c: Contest, event_id: str, passphrase: str | None = None) -> Changes:
    """The encryption officer reveals names and units, only after the event is locked.

    A sealed draw (db/ops/blind.py) is opened with the officer's passphrase (``passphrase``,
    else ``JIANGXIN_OFFICER_PASSPHRASE`` / ``JIANGXIN_PASSPHRASE``; NotAllowed, exit 5,
    without it or with a wrong one): the links and sealed theory scores are written then."""
    from db.keys.officer import passphrase_from_env
    from db.ops.blind import open_draw

    c.require("decrypt", event_id)
    c.event(event_id)
    if not event_locked(c, event_id):
        raise StateError(f"{event_id} is not locked yet; the chief judge locks it first "
                         "/ 裁判长锁定后方可解密")
    if is_decrypted(c, event_id):
        return NOTHING
    with c.write("decrypt") as w:
        opened = open_draw(c, w, event_id, passphrase or passphrase_from_env())
        w.insert("decryptions", {"event": event_id},
                 audit_row={"event": event_id, **opened} if opened else None)
    return w.changes


def publish(c: Contest, event_id: str, note: str = "") -> Done[int]:
    """Freeze the current results as the next numbered snapshot (公示); returns its number.

    Only a locked event is published (before that results are provisional). Results identical
    to the last snapshot make no new one: the value is that snapshot's number and nothing
    changed (``not done.changes``; say :func:`unchanged_text`).
    """
    c.require("publish", event_id)
    c.event(event_id)
    if not event_locked(c, event_id):
        raise StateError(f"{event_id} is not locked: its results are provisional and cannot be "
                         "published; the chief judge locks the event first "
                         "/ 成绩尚未锁定，为暂定成绩，不能公示；请裁判长先锁定")
    last = snapshot_count(c, event_id)
    now = results(c, event_id)
    if last and same_results(snapshot(c, event_id, last), now):
        return Done(last, NOTHING)
    number = last + 1
    text = json.dumps(replace(now, snapshot=number).as_json(), ensure_ascii=False,
                      sort_keys=True)
    with c.write("publish", reason=note) as w:
        w.insert("snapshots", {"event": event_id, "number": number, "results": text,
                               "sha256": hashlib.sha256(text.encode()).hexdigest(),
                               "note": note},
                 audit_row={"event": event_id, "number": number})
    from db.store.checkpoints import sign_head

    sign_head(c, f"publish {event_id} #{number}")
    return Done(number, w.changes)


def same_results(a: Results, b: Results) -> bool:
    """The same results, whatever snapshot number each carries."""
    return replace(a, snapshot=0).as_json() == replace(b, snapshot=0).as_json()


def unchanged_text(number: int) -> str:
    """What a publish that made no new snapshot says."""
    return (f"unchanged since snapshot {number}: no new snapshot / 与第{number}版相同，"
            "未生成新版")


def snapshot_changes(c: Contest, event_id: str, number: int) -> list[Change]:
    """What changed from snapshot ``number - 1`` to ``number`` (nothing for the first)."""
    if number <= 1:
        return []
    return diff(snapshot(c, event_id, number - 1).json_rows(),
                snapshot(c, event_id, number).json_rows())


def record_recheck(c: Contest, event_id: str, seed: int, stations: list[str]) -> Changes:
    """Record the re-check sample drawn (its seed and stations) in the audit log."""
    c.require("results", event_id)
    c.event(event_id)
    with c.write("recheck.sample", reason=f"seed {seed}") as w:
        w.log(after={"event": event_id, "seed": seed, "stations": stations})
    return w.changes


def snapshot(c: Contest, event_id: str, number: int) -> Results:
    """Published snapshot ``number`` of an event, as it was published."""
    row = c.db.execute("SELECT results FROM snapshots WHERE event = ? AND number = ?",
                       [event_id, number]).fetchone()
    if row is None:
        raise StateError(f"{event_id} has no snapshot {number} / 无此公示版本")
    return Results.from_json(json.loads(row[0]))


def results_csv(res: Results) -> str:
    """The results as CSV: the JSON rows' fields as columns."""
    import csv
    import io

    rows = res.json_rows()
    cols = [*_ROW_KEYS, *(["scale"] if res.scaled else [])]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in cols])
    return buf.getvalue()
