"""Award certificates of a contest: issuing, the print log, reprints (补发), corrections, revoking.

One certificate per award winner of an event that is locked and decrypted. A certificate is
recorded in ``certificates`` (append-only, audited) each time it is printed:

- **issue**: a new serial ``{competition id}-{event}-{NNNN}``, numbered in place order the first
  time an event is issued and continuing from the highest number after that, so a serial never
  changes and is never given twice in a contest;
- **reprint** (补发): the same serial and fields, flagged duplicate in the signed payload and
  printed with a 补发 mark; ``duplicate_of`` holds the uid of the first issue, ``reason`` why;
- **correction**: when the person's fields (name, award, title, grade, place, …) now differ
  from those last issued, the certificate needs reissuing; issuing it gives a new serial and
  revokes the old one (a ``revocations`` row) in the same transaction. Someone who no longer
  has an award has their serial revoked when the event's certificates are next issued.

Everything is checked before anything is recorded or printed: event state, every character of
every field against the embedded fonts, the template, the QR size. The PDF is written to a
temporary file first and moved into place only after the rows are committed, so no
certificate is printed without being recorded, nor recorded without its PDF (threads: one
Contest per thread, as everywhere in db/).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from db.ops.locking import event_locked
from db.ops.people import competitors
from db.ops.results import is_decrypted, standings
from db.store.changes import NOTHING, Changes
from db.store.contest import Contest
from judging.certificate import CertificateData, CertificateTemplate, certificate_award
from judging.errors import InputError, StateError
from judging.idnumber import mask_id_number

TEMPLATE_KEY = "certificate_template"
Progress = Callable[[int, int], None]
Out = str | Path | BinaryIO | None


class CertificatePrinter(Protocol):
    """What issuing asks of the printer it is handed (printing.certificates.PDF in the app and
    the command line): db/ never imports printing/."""

    def check(self, certs: Sequence[CertificateData], template: CertificateTemplate
              ) -> list[str]:
        """Problems that would stop printing (characters no font has), before any signing."""
        ...

    def render(self, certs: Sequence[CertificateData], template: CertificateTemplate,
               out: str | Path | BinaryIO, progress: Progress | None = None) -> None:
        """Write the signed certificates to ``out``, one page each."""
        ...


class Signed(list[CertificateData]):
    """The certificates an issue or reprint signed, in print order, with what it changed."""

    changes: Changes = NOTHING


# Issue states of one award winner's certificate (shown on the certificates screen).
NOT_ISSUED = "not_issued"
ISSUED = "issued"
REISSUE = "reissue"  # fields changed after printing: issue again, the old serial is revoked
WITHDRAWN = "withdrawn"  # no longer an award winner: the serial will be revoked
REVOKED = "revoked"
STATE_LABELS = {
    NOT_ISSUED: ("未颁发", "not issued"),
    ISSUED: ("已颁发", "issued"),
    REISSUE: ("需重新颁发", "needs reissue"),
    WITHDRAWN: ("奖项已取消，待撤销", "award withdrawn, to revoke"),
    REVOKED: ("已撤销", "revoked"),
}
# The fields that say what a certificate claims; any change means a reissue.
_CLAIM = ("name", "id_masked", "unit", "competition", "event", "group", "award", "title",
          "grade", "date", "organiser", "place")
_SERIAL_NO = re.compile(r"-(\d{4,})$")


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class Issued:
    """One row of the print log: an issue or a reprint of a certificate."""

    uid: str
    serial: str
    event: str
    competitor: str
    fields: CertificateData
    qr_text: str
    duplicate_of: str | None
    reason: str
    at: str
    by: str


@dataclass(frozen=True)
class CertificateState:
    """An award winner (or former winner) of an event and where their certificate stands."""

    event: str
    competitor: str  # competitor uid
    name: str
    station: str | None
    place: int | None
    award: str | None
    state: str  # one of NOT_ISSUED, ISSUED, REISSUE, WITHDRAWN, REVOKED
    serial: str | None  # the latest serial issued to them in this event
    prints: int  # rows of that serial: 1 + reprints
    changed: tuple[str, ...]  # fields that differ from those last issued
    current: CertificateData | None  # unsigned, from the results now (None: no award now)
    issued: Issued | None  # the first issue of the latest serial

    @property
    def label(self) -> tuple[str, str]:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class LogEntry:
    """The print log: issues, reprints and revocations in time order."""

    at: str
    kind: str  # issue, duplicate, revoke
    serial: str
    event: str
    name: str
    reason: str
    by: str


def _fields(text: str) -> CertificateData:
    data = json.loads(text)
    names = {f.name for f in dataclasses.fields(CertificateData)}
    return CertificateData(**{k: v for k, v in data.items() if k in names})


def _fields_json(cert: CertificateData) -> str:
    data = dataclasses.asdict(cert)
    data.pop("qr_text")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def issued_rows(c: Contest, event: str | None = None) -> list[Issued]:
    """Every issue and reprint, oldest first."""
    sql = ("SELECT uid, serial, event, competitor, fields, qr_text, duplicate_of, reason, at, by "
           "FROM certificates" + (" WHERE event = ?" if event else "") + " ORDER BY at, rowid")
    return [Issued(r[0], r[1], r[2], r[3], _fields(r[4]), r[5], r[6], r[7], r[8], r[9])
            for r in c.db.execute(sql, [event] if event else [])]


def revoked_serials(c: Contest) -> dict[str, str]:
    """Revoked serial -> the reason given."""
    return {str(r[0]): str(r[1]) for r in c.db.execute(
        "SELECT serial, reason FROM revocations ORDER BY at, rowid")}


# ---------------------------------------------------------------- template


def template(c: Contest) -> CertificateTemplate:
    """The contest's certificate template (kept in meta), or the default one."""
    text = c.meta(TEMPLATE_KEY)
    if not text:
        return CertificateTemplate()
    data = json.loads(text)
    names = {f.name for f in dataclasses.fields(CertificateTemplate)}
    return CertificateTemplate(**{k: v for k, v in data.items() if k in names})


def template_json(t: CertificateTemplate) -> str:
    data = dataclasses.asdict(t)
    data["wording"] = dict(t.wording)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def check_template(t: CertificateTemplate, printer: CertificatePrinter) -> list[str]:
    """Problems with a template in words: orientation, missing image files, missing glyphs."""
    return _settings_problems(t) + printer.check([], t)


def _settings_problems(t: CertificateTemplate) -> list[str]:
    problems = []
    if t.orientation not in ("landscape", "portrait"):
        problems.append(f"版式只能是 landscape 或 portrait / orientation: {t.orientation!r}")
    for label, path in (("背景图 background", t.background), ("印章图 seal", t.seal)):
        if path and not Path(path).is_file():
            problems.append(f"{label} 文件不存在 / not found: {path}")
    for award in t.wording:
        if not isinstance(award, str) or not isinstance(t.wording[award], str):
            problems.append(f"奖项措辞应为文字 / wording must map award text to text: {award!r}")
    return problems


def set_template(c: Contest, t: CertificateTemplate | None = None, *,
                 printer: CertificatePrinter, **settings: Any) -> Changes:
    """Keep the certificate template with the contest (audited); ``settings`` override fields;
    ``printer`` checks that its fonts have every character.

    E.g. ``set_template(c, orientation="portrait", seal="seal.png",
    wording={"一等奖": "…荣获{award}…"}, printer=printing.certificates.PDF)``.
    """
    c.require("certificates")
    base = t if t is not None else template(c)
    try:
        new = dataclasses.replace(base, **settings)
    except TypeError as exc:
        raise InputError(f"unknown template setting: {exc}") from None
    problems = check_template(new, printer)
    if problems:
        raise InputError("证书模板有误 / template problems:\n" + "\n".join(problems))
    before = c.meta(TEMPLATE_KEY)
    text = template_json(new)
    if text == before:
        return NOTHING
    with c.write("certificate_template") as w:
        w.set_meta(TEMPLATE_KEY, text)
        w.log(table="meta", after=json.loads(text),
              before=json.loads(before) if before else None)
    return w.changes


# ---------------------------------------------------------------- state


NO_ADDRESS = ("证书核验网址未设置：赛事文件 [competition] 中应有 verify_url"
              "（总部核验页面的地址，由总部提供），否则证书上的二维码无处可验，不能打印 / the "
              "competition file names no verification address ([competition] verify_url: "
              "headquarters' verification page, given by headquarters); certificates are not "
              "printed without one, as their QR code would lead nowhere")


def verify_url(c: Contest) -> str:
    """The verification address as signed: scheme and host upper case (QR alphanumeric mode).

    Scheme and host are case-insensitive, so upper-casing them changes nothing for a browser;
    the path is kept as written (it may be case-sensitive on the server). The demo's
    placeholder address is upper-cased whole. InputError (exit 2) when the competition file
    names none: certificates are refused before anything is signed or printed.
    """
    from judging.scheme import DEFAULT_VERIFY_URL

    url = c.competition.verify_url
    if not url:
        raise InputError(NO_ADDRESS, field="verify_url")
    if url == DEFAULT_VERIFY_URL:
        return url.upper()
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/#?]*)(.*)$", url)
    return m.group(1).upper() + m.group(2) if m else url


def event_readiness(c: Contest) -> tuple[list[str], dict[str, str]]:
    """(events whose certificates may be issued, {other event: why not})."""
    ready, skipped = [], {}
    for ev in c.competition.events:
        if not is_decrypted(c, ev.id):
            skipped[ev.id] = "尚未解密 / not decrypted"
        elif not event_locked(c, ev.id):
            skipped[ev.id] = "未锁定（正在更正？）/ not locked"
        else:
            ready.append(ev.id)
    return ready, skipped


def _require_ready(c: Contest, event_id: str) -> None:
    c.event(event_id)
    if not is_decrypted(c, event_id):
        raise StateError(f"{event_id}: results are not decrypted yet; certificates come after "
                         "decryption / 尚未解密，不能打印证书")
    if not event_locked(c, event_id):
        raise StateError(f"{event_id}: the event is not locked; lock it before printing "
                         "certificates / 赛项未锁定，不能打印证书")


def _current(c: Contest, event_id: str) -> dict[str, CertificateData]:
    """competitor uid -> the certificate their results give now (serial empty), winners only."""
    comp = c.competition
    ev = c.event(event_id)
    people = {p.uid: p for p in competitors(c, event_id)}
    out = {}
    for s in standings(c, event_id):
        if not s.award or not s.placed:
            continue
        p = people[s.key]
        out[s.key] = CertificateData(
            serial="", name=p.name, id_masked=mask_id_number(p.id_number), unit=p.unit,
            competition=comp.name, event=ev.name, group=ev.group,
            award=certificate_award(s.award, ev.awards.rule),
            title=s.title, grade=s.grade, date=str(comp.date), organiser=comp.organiser,
            place=s.place)
    return out


def _differences(a: CertificateData, b: CertificateData) -> tuple[str, ...]:
    return tuple(f for f in _CLAIM if getattr(a, f) != getattr(b, f))


def list_certificates(c: Contest, event: str | None = None) -> list[CertificateState]:
    """Every award winner of every decrypted event (or one event), and every former winner
    holding a certificate, with the state of their certificate; by event, then place."""
    c.require("certificates")
    events = [event] if event else [e.id for e in c.competition.events]
    revoked = revoked_serials(c)
    out: list[CertificateState] = []
    for ev_id in events:
        c.event(ev_id)
        if not is_decrypted(c, ev_id):
            continue
        rows = issued_rows(c, ev_id)
        people = {p.uid: p for p in competitors(c, ev_id)}
        current = _current(c, ev_id)
        latest: dict[str, Issued] = {}  # competitor -> first issue of their latest serial
        prints: dict[str, int] = {}
        for r in rows:
            prints[r.serial] = prints.get(r.serial, 0) + 1
            if r.duplicate_of is None:
                latest[r.competitor] = r
        order = list(current) + [k for k in latest if k not in current]
        for uid in order:
            now, last = current.get(uid), latest.get(uid)
            p = people[uid]
            changed: tuple[str, ...] = ()
            if last is None:
                state = NOT_ISSUED
            elif last.serial in revoked:
                state = REVOKED
            elif now is None:
                state, changed = WITHDRAWN, ("award",)
            else:
                changed = _differences(now, last.fields)
                state = REISSUE if changed else ISSUED
            shown = now or (last.fields if last else None)
            out.append(CertificateState(
                ev_id, uid, p.name, p.station, shown.place if shown else None,
                shown.award if shown else None, state, last.serial if last else None,
                prints.get(last.serial, 0) if last else 0, changed, now, last))
    index = {e.id: i for i, e in enumerate(c.competition.events)}
    out.sort(key=lambda s: (index[s.event], s.place or 10**6, s.station or ""))
    return out


def print_log(c: Contest, event: str | None = None) -> list[LogEntry]:
    """Issues, reprints (补发) and revocations, oldest first."""
    c.require("certificates")
    rows = issued_rows(c, event)
    by_serial = {r.serial: r for r in rows}
    out = [LogEntry(r.at, "duplicate" if r.duplicate_of else "issue", r.serial, r.event,
                    r.fields.name, r.reason, r.by) for r in rows]
    for serial, reason, at, by in c.db.execute(
            "SELECT serial, reason, at, by FROM revocations ORDER BY at, rowid"):
        r = by_serial.get(serial)
        if event and (r is None or r.event != event):
            continue
        out.append(LogEntry(at, "revoke", serial, r.event if r else "",
                            r.fields.name if r else "", reason, by))
    out.sort(key=lambda e: e.at)
    return out


# ---------------------------------------------------------------- issuing


@dataclass(frozen=True)
class _Plan:
    issue: list[tuple[str, str, CertificateData, str]]  # event, competitor, fields, reason
    revoke: list[tuple[str, str]]  # serial, reason (after the issue rows)
    supersedes: dict[str, str]  # new serial -> old serial


def _plan(c: Contest, events: Sequence[str], *, reissue_revoked: bool = False) -> _Plan:
    comp = c.competition
    states = [s for ev in events for s in list_certificates(c, ev)]
    issue: list[tuple[str, str, CertificateData, str]] = []
    revoke: list[tuple[str, str]] = []
    supersedes: dict[str, str] = {}
    used = {r[0] for r in c.db.execute("SELECT DISTINCT serial FROM certificates")}
    for ev in events:
        numbers = [int(m.group(1)) for s in used if s.startswith(f"{comp.id}-{ev}-")
                   and (m := _SERIAL_NO.search(s))]
        next_no = max(numbers, default=0) + 1
        for s in states:  # already in place order
            if s.event != ev:
                continue
            again = reissue_revoked and s.state == REVOKED
            if (s.state in (NOT_ISSUED, REISSUE) or again) and s.current is not None:
                serial = f"{comp.id}-{ev}-{next_no:04d}"
                while serial in used:
                    next_no += 1
                    serial = f"{comp.id}-{ev}-{next_no:04d}"
                used.add(serial)
                next_no += 1
                reason = ""
                if s.state == REISSUE and s.serial:
                    supersedes[serial] = s.serial
                    reason = (f"成绩更正后重新颁发，替代 {s.serial}（{'、'.join(s.changed)}）"
                              f" / reissued after a correction, replaces {s.serial}")
                    revoke.append((s.serial, (f"成绩更正，已由 {serial} 替代 / results corrected, "
                                             f"replaced by {serial}")))
                if again and s.serial:
                    supersedes[serial] = s.serial
                    reason = (f"撤销后重新颁发，替代 {s.serial} / reissued after revocation, "
                              f"replaces {s.serial}")
                issue.append((ev, s.competitor, dataclasses.replace(s.current, serial=serial),
                              reason))
            elif s.state == WITHDRAWN and s.serial:
                revoke.append((s.serial, ("成绩更正，不再获奖 / award withdrawn after a "
                                         "correction")))
    return _Plan(issue, revoke, supersedes)


def pending(c: Contest, events: Sequence[str] | None = None) -> list[CertificateState]:
    """The winners whose certificate would be issued (or revoked) by issue_certificates."""
    evs = list(events) if events is not None else event_readiness(c)[0]
    return [s for ev in evs for s in list_certificates(c, ev)
            if s.state in (NOT_ISSUED, REISSUE, WITHDRAWN)]


def _check_glyphs(certs: Sequence[CertificateData], t: CertificateTemplate,
                  printer: CertificatePrinter) -> None:
    problems = _settings_problems(t) + printer.check(certs, t)
    if problems:
        raise InputError("不能打印证书，未写入任何内容 / cannot print certificates, nothing "
                         "written:\n" + "\n".join(problems))


def _sign_all(c: Contest, user: str, pin: str | None, certs: Sequence[CertificateData],
              passphrase: str | None = None) -> list[CertificateData]:
    from db.keys import signing
    from db.keys.contest_key import confirm_pin, unlock_private_key

    if not certs:
        return []
    if pin is not None:
        confirm_pin(c, user, pin)
    private = unlock_private_key(c, passphrase)
    url = verify_url(c)
    return [signing.sign_certificate(cert, private, url) for cert in certs]


def _render_then_record(certs: Sequence[CertificateData], t: CertificateTemplate, out: Out,
                        progress: Progress | None, record: Callable[[], None],
                        printer: CertificatePrinter) -> None:
    """Render to a temporary file, record, then move the file into place."""
    if out is None:
        record()
        return
    if not isinstance(out, (str, Path)):
        printer.render(certs, t, out, progress)
        record()
        return
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    try:
        printer.render(certs, t, tmp, progress)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the PDF: {exc.strerror} / 无法写入",
                         file=str(target)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        record()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"certificates recorded, but the PDF could not be moved into place "
                         f"({exc.strerror}); it is at {tmp} / 已记录，PDF 在 {tmp}",
                         file=str(target)) from None


def issue_certificates(c: Contest, user: str, pin: str | None,
                       events: Iterable[str] | None = None,
                       *, printer: CertificatePrinter,
                       template_override: CertificateTemplate | None = None,
                       out: Out = None, progress: Progress | None = None,
                       reissue_revoked: bool = False,
                       passphrase: str | None = None) -> Signed:
    """Issue (sign, record and, with ``out``, print) every pending certificate of ``events``.

    Without ``events``: every event that is locked and decrypted (see event_readiness for the
    others). A named event that is not ready raises StateError (exit 2). Pending: winners never
    issued, and winners whose fields changed since their last issue (a new serial; the old one
    is revoked); former winners' serials are revoked. Already issued, unchanged certificates
    are left alone (print them again with reprint_certificates). With ``reissue_revoked``,
    winners whose serial was revoked by hand (a lost or misused certificate) get a new serial.
    The contest key is unlocked by the signing passphrase (``passphrase``, else the one held
    for the session or JIANGXIN_PASSPHRASE; none or a wrong one: NotAllowed, exit 5), never
    by a PIN; ``pin`` (when not None) confirms ``user`` again. Returns the signed certificates
    in print order. ``printer`` checks the fields' characters before anything is signed and
    renders the PDF (printing.certificates.PDF): db/ never imports printing/.
    """
    c.require("certificates")
    if events is None:
        evs = event_readiness(c)[0]
    else:
        evs = list(dict.fromkeys(events))
        for ev in evs:
            _require_ready(c, ev)
    verify_url(c)  # no address: refused before anything
    t = template_override or template(c)
    plan = _plan(c, evs, reissue_revoked=reissue_revoked)
    _check_glyphs([f for _e, _p, f, _r in plan.issue], t, printer)
    signed = Signed(_sign_all(c, user, pin, [f for _e, _p, f, _r in plan.issue], passphrase))

    def record() -> None:
        if not signed and not plan.revoke:
            return
        with c.write("certificates") as w:
            for (ev, person, _f, reason), cert in zip(plan.issue, signed):
                w.insert("certificates", {"serial": cert.serial, "event": ev,
                                          "competitor": person, "fields": _fields_json(cert),
                                          "qr_text": cert.qr_text, "duplicate_of": None,
                                          "reason": reason},
                         audit_row={"serial": cert.serial, "name": cert.name,
                                    "award": cert.award})
            for serial, reason in plan.revoke:
                w.insert("revocations", {"serial": serial, "reason": reason}, reason=reason)
        signed.changes = w.changes

    _render_then_record(signed, t, out if signed else None, progress, record, printer)
    return signed


def reprint_certificates(c: Contest, user: str, pin: str | None, serials: Sequence[str],
                         reason: str, *, printer: CertificatePrinter,
                         template_override: CertificateTemplate | None = None,
                         out: Out = None, progress: Progress | None = None,
                         passphrase: str | None = None) -> Signed:
    """Print certificates again as duplicates (补发), same serial and fields, with a reason.

    Refused (exit 2) for an unknown or revoked serial, one replaced by a later serial, or one
    whose person's results changed since (issue the corrected certificate instead).
    """
    c.require("certificates")
    if not reason.strip():
        raise InputError("a reprint needs a reason (e.g. lost, damaged) / 补发须注明原因",
                         field="--reason")
    if not serials:
        raise InputError("which certificate? give its serial / 请给出证书编号", field="--reprint")
    verify_url(c)
    revoked = revoked_serials(c)
    states = {s.serial: s for s in list_certificates(c) if s.serial}
    originals = {r.serial: r for r in issued_rows(c) if r.duplicate_of is None}
    certs, sources = [], []
    problems = []
    for serial in dict.fromkeys(serials):
        orig = originals.get(serial)
        if orig is None:
            problems.append(f"{serial}: no such certificate / 没有这个证书编号")
        elif serial in revoked:
            problems.append(f"{serial}: revoked ({revoked[serial]}) / 已撤销，不能补发")
        elif serial not in states:
            problems.append(f"{serial}: replaced by a later certificate / 已被新证书替代")
        elif states[serial].state != ISSUED:
            st = states[serial]
            problems.append(f"{serial}: {st.name}'s results changed since "
                            f"({'、'.join(st.changed)}); issue the corrected certificate "
                            "instead / 成绩已更正，请重新颁发")
        else:
            certs.append(dataclasses.replace(orig.fields, duplicate=True, qr_text="",
                                             short_code=""))
            sources.append(orig)
    if problems:
        raise InputError("不能补发 / cannot reprint:\n" + "\n".join(problems), field="--reprint")
    t = template_override or template(c)
    _check_glyphs(certs, t, printer)
    signed = Signed(_sign_all(c, user, pin, certs, passphrase))

    def record() -> None:
        with c.write("certificate_reprint", reason=reason) as w:
            for orig, cert in zip(sources, signed):
                w.insert("certificates", {"serial": cert.serial, "event": orig.event,
                                          "competitor": orig.competitor,
                                          "fields": _fields_json(cert), "qr_text": cert.qr_text,
                                          "duplicate_of": orig.uid, "reason": reason},
                         audit_row={"serial": cert.serial, "name": cert.name,
                                    "duplicate": True})
        signed.changes = w.changes

    _render_then_record(signed, t, out, progress, record, printer)
    return signed


def revoke(c: Contest, serial: str, reason: str) -> Changes:
    """Revoke a certificate's serial (every print of it) with a reason; a no-op if revoked."""
    c.require("certificates")
    if not reason.strip():
        raise InputError("a revocation needs a reason / 撤销须注明原因", field="--reason")
    if c.db.execute("SELECT 1 FROM certificates WHERE serial = ?", [serial]).fetchone() is None:
        raise InputError(f"{serial}: no such certificate / 没有这个证书编号", field="serial")
    if serial in revoked_serials(c):
        return NOTHING
    with c.write("certificate_revoke", reason=reason) as w:
        w.insert("revocations", {"serial": serial, "reason": reason})
    return w.changes
