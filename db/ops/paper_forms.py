"""The paper forms of an event, gathered from the contest and handed to the form printer the
caller gives (printing.forms, a FormPrinter): db/ never imports printing/.

Marking and summary sheets show workstation numbers only; the draw sheet ties names to numbers
and is the encryption officer's until the event is decrypted; the check-in list shows
identities (masked ID numbers), without numbers before decryption, for the organiser and chief
judge; the results list
(公示) shows names only once the event is decrypted, and the SHA-256 of the latest results
file exported since the results last changed, else of the published snapshot or of the
results as they stand (each labelled as what it is).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from db.ops.people import by_station, competitors, draw_record
from db.ops.results import Results, results, same_results
from db.store.contest import Contest
from judging.errors import InputError, NotAllowed, VerificationFailed
from judging.forms import FormAspect, FormEvent, FormModule, PersonRow
from judging.idnumber import mask_id_number

KINDS = ("marking", "summary", "draw", "checkin", "results")
KIND_LABELS = {
    "marking": ("评分表", "marking sheets"),
    "summary": ("工位成绩汇总表", "summary sheets"),
    "draw": ("抽签记录表", "draw sheet"),
    "checkin": ("检录签到表", "check-in list"),
    "results": ("成绩公示表", "results list"),
}
FORM_ROLES = frozenset({"admin", "chief"})
# Tables whose rows change results: a results file exported before such a row is stale.
_RESULT_TABLES = ("competitors", "assignments", "marks", "overrides", "clock_events", "times",
                  "theory", "statuses", "locks", "decryptions")


Out = str | BinaryIO


class FormPrinter(Protocol):
    """The sheets the caller's printer draws (the module printing.forms is one)."""

    def marking_sheets(self, event: FormEvent, out: Out, module_ids: Sequence[str] = ()
                       ) -> None: ...

    def summary_sheets(self, event: FormEvent, out: Out, stations: Sequence[str] = (),
                       chain_head: str = "") -> None: ...

    def draw_sheet(self, event: FormEvent, rows: Sequence[PersonRow], out: Out, *,
                   seed: str = "", witness: str = "") -> None: ...

    def checkin_list(self, event: FormEvent, rows: Sequence[PersonRow], out: Out,
                     late_limit_min: int = 15) -> None: ...

    def results_list(self, event: FormEvent, results: Mapping[str, Any], out: Out,
                     sha256: str, sha_label: str = ..., chain_head: str = "") -> None: ...


@dataclass(frozen=True)
class FormDigest:
    """The SHA-256 printed on the results list and what it is the digest of."""

    sha256: str
    label: str  # printed before the digest
    source: str  # export, snapshot, results


def _require(c: Contest, event_id: str, kind: str = "") -> None:
    s = c.session
    if s is None:
        raise NotAllowed("sign in first / 请先登录")
    if kind == "draw" and s.role != "encryption" and not _decrypted(c, event_id):
        # the draw sheet ties names to candidate numbers and workstations: before
        # decryption it is the encryption officer's, printed for the sealed envelope
        raise NotAllowed(f"{s.user} ({s.role}) may not print the draw sheet before decryption; "
                         "it is the encryption officer's / 解密前抽签记录表仅由加密裁判打印")
    if kind == "draw" and s.role == "encryption":
        if not s.may_see_event(event_id):
            raise NotAllowed(f"{s.user} is not assigned to event {event_id} / 未分配到该赛项")
        c.event(event_id)
        return
    if s.role not in FORM_ROLES:
        raise NotAllowed(f"{s.user} ({s.role}) may not print forms; the organiser or the chief "
                         "judge prints them / 仅组委会或裁判长可打印表格")
    if not s.may_see_event(event_id):
        raise NotAllowed(f"{s.user} is not assigned to event {event_id} / 未分配到该赛项")
    c.event(event_id)


def _decrypted(c: Contest, event_id: str) -> bool:
    return c.db.execute("SELECT 1 FROM decryptions WHERE event = ?",
                        [event_id]).fetchone() is not None


def form_event(c: Contest, event_id: str) -> FormEvent:
    """The event as the forms print it: scheme and stations (drawn ones, else all)."""
    comp = c.competition
    ev = c.event(event_id)
    drawn = sorted(by_station(c, event_id))
    stations = tuple(drawn) or tuple(ev.station_label(i) for i in range(1, ev.stations + 1))
    modules = tuple(FormModule(m.id, m.name, tuple(
        FormAspect(a.id, a.kind, _num(a.max), a.text, a.judges) for a in m.aspects))
        for m in ev.modules)
    return FormEvent(comp.name, ev.id, ev.name, ev.group, comp.organiser, comp.venue,
                     str(comp.date), modules, stations)


def _num(value: Any) -> str:
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def results_digest(c: Contest, event_id: str, res: Results) -> FormDigest:
    """The digest for the results list: latest export if nothing changed results since it."""
    from db.files.exchange import previous_exports

    exports = previous_exports(c)
    if exports:
        last = exports[-1]
        seq = c.db.execute("SELECT MAX(seq) FROM audit WHERE action = 'export'").fetchone()[0]
        marks = ", ".join("?" for _ in _RESULT_TABLES)
        later = c.db.execute(f"SELECT COUNT(*) FROM audit WHERE seq > ? AND tbl IN ({marks})",
                             [seq, *_RESULT_TABLES]).fetchone()[0]
        if not later and last.sha256:
            return FormDigest(last.sha256, "成绩文件 SHA-256：", "export")
    row = c.db.execute("SELECT number, sha256, results FROM snapshots WHERE event = ? "
                       "ORDER BY number DESC LIMIT 1", [event_id]).fetchone()
    if row is not None:
        if same_results(Results.from_json(json.loads(row[2])), res):
            return FormDigest(str(row[1]), f"第{row[0]}次公示快照 SHA-256：", "snapshot")
    text = json.dumps(res.as_json(), ensure_ascii=False, sort_keys=True)
    return FormDigest(hashlib.sha256(text.encode()).hexdigest(),
                      "成绩数据（未导出）SHA-256：", "results")


def chain_head_text(c: Contest) -> str:
    """The audit chain's head as printed: record number, hash, and whether it is signed."""
    from db.store.audit import head
    from db.store.checkpoints import heads

    seq, digest = head(c.db)
    signed = heads(c.db)
    note = f" signed to #{signed[-1]['seq']}" if signed else " unsigned"
    return f"#{seq} {digest}{note}"  # ASCII: printed in Courier


def write_form(c: Contest, kind: str, event_id: str, out: str | Path | BinaryIO,
               forms: FormPrinter) -> FormDigest | None:
    """Write one kind of form for an event to ``out`` with the printer ``forms``
    (printing.forms); the digest for the results list."""
    if kind not in KINDS:
        raise InputError(f"unknown form {kind!r}; one of {', '.join(KINDS)}", field="form")
    _require(c, event_id, kind)
    fe = form_event(c, event_id)
    target: Out = str(out) if isinstance(out, Path) else out
    ev = c.event(event_id)
    if kind == "marking":
        forms.marking_sheets(fe, target)
    elif kind == "summary":
        forms.summary_sheets(fe, target, chain_head=chain_head_text(c))
    elif kind in ("draw", "checkin"):
        people = competitors(c, event_id)
        if kind == "draw":  # the encryption record: by candidate number
            people.sort(key=lambda p: (p.candidate or "~", p.station or "~", p.name))
            rows = [PersonRow(p.name, p.unit, candidate=p.candidate or "",
                              station=p.station or "") for p in people]
            rec = draw_record(c, event_id)
            forms.draw_sheet(fe, rows, target, seed=(rec.seed or "") if rec else "",
                             witness=rec.witness if rec else "")
        else:  # by unit and name: an order by number would give numbers away to anyone
            people.sort(key=lambda p: (p.unit, p.name))
            # and no numbers at all before decryption: the list is at the door for all to see
            shown = _decrypted(c, event_id)
            rows = [PersonRow(p.name, p.unit, mask_id_number(p.id_number),
                              (p.candidate or "") if shown else "",
                              (p.station or "") if shown else "") for p in people]
            forms.checkin_list(fe, rows, target, ev.late_limit_min)
    else:
        from db.ops.derived import derived_problems
        problems = derived_problems(c)  # a changed cache or rulebook never reaches the wall
        if problems:
            raise VerificationFailed("the results do not follow from the marks; not printing "
                                     "/ 成绩与评分记录不符，不能打印:\n  " + "\n  ".join(problems))
        res = results(c, event_id)
        digest = results_digest(c, event_id, res)
        forms.results_list(fe, res.as_json(), target, digest.sha256, digest.label,
                           chain_head=chain_head_text(c))
        return digest
    return None
