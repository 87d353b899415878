"""The audit log as the audit screen reads it: filters, records, the chain check, and each
record in words a supervisor reads (:func:`describe`: who did what to which workstation,
before → after, why; Chinese first, English beside it).

Over db/store/audit.py, taking the :class:`Contest` (screens never hold the raw database
handle) and giving typed :class:`AuditRecord` rows instead of dicts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.store import audit
from db.store.audit import AuditReport
from db.store.contest import Contest
from judging.entries import SlotState, Typed, replay

__all__ = ["ACTION_WORDS", "AuditLine", "AuditRecord", "AuditReport", "Words", "action_words",
           "check_chain", "describe", "filters", "log_records", "table_words"]


@dataclass(frozen=True)
class AuditRecord:
    """One audit record: who, role, device, when, what, on which table, why."""

    seq: int
    at: str
    user: str
    role: str
    device: str
    action: str
    table: str | None
    row_uid: str | None
    before: str | None
    after: str | None
    reason: str


def filters(c: Contest) -> dict[str, list[str]]:
    """The distinct users, actions and tables in the log (for the filter lists)."""
    return audit.facets(c.db)


def log_records(c: Contest, *, user: str | None = None, action: str | None = None,
                table: str | None = None, since: str | None = None, until: str | None = None,
                limit: int = 5000) -> list[AuditRecord]:
    """Audit records, newest first, filtered (``since``/``until`` compare ISO times)."""
    return [AuditRecord(int(r["seq"]), str(r["at"]), str(r["user"]), str(r["role"]),
                        str(r["device"] or ""), str(r["action"]), r["tbl"], r["row_uid"],
                        r["before"], r["after"], str(r["reason"] or ""))
            for r in audit.records(c.db, user=user, action=action, table=table, since=since,
                                   until=until, limit=limit)]


def check_chain(c: Contest) -> AuditReport:
    """The chain end to end and every append-only row against its record (can take long:
    run it on a worker, ui/worker.py)."""
    return audit.verify(c.db)


# ---- in words ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    """One text in both languages."""

    zh: str
    en: str

    def __bool__(self) -> bool:
        return bool(self.zh or self.en)


NONE = Words("", "")


@dataclass(frozen=True)
class AuditLine:
    """One audit record as a supervisor reads it: ``action`` (what was done), ``target`` (to
    which event, workstation, aspect, judge …), ``change`` (before → after) and ``why``."""

    record: AuditRecord
    action: Words
    target: Words
    change: Words
    why: str

    def sentence(self, lang: str = "zh") -> str:
        """李裁判长（chief）：清除分数 — GJQG 工位 05 · A1 · 赵一：7.5 → —；原因：…"""
        r = self.record
        def pick(w: Words) -> str:
            return w.zh if lang == "zh" else w.en

        zh_role, en_role = _ROLE.get(r.role, (r.role, r.role))
        text = f"{r.user}（{zh_role}）：{pick(self.action)}" if lang == "zh" \
            else f"{r.user} ({en_role}): {pick(self.action)}"
        if self.target:
            text += f" — {pick(self.target)}"
        if self.change:
            text += f"：{pick(self.change)}" if lang == "zh" else f": {pick(self.change)}"
        if self.why:
            text += f"；原因：{self.why}" if lang == "zh" else f"; why: {self.why}"
        return text


# action -> (Chinese, English); an action not listed reads as itself (nothing hidden)
ACTION_WORDS: dict[str, tuple[str, str]] = {
    "init": ("创建赛事", "created the contest"),
    "competitors.import": ("导入选手名单", "imported competitors"),
    "draw": ("抽签", "drew the workstations"),
    "checkin": ("检录签到", "checked in"),
    "status": ("更改选手状态", "changed a competitor's status"),
    "marks.enter": ("录入分数", "typed a mark"),
    "marks.file": ("按文件录入分数", "typed marks from a file"),
    "marks.retract": ("撤销录入", "undid a typed mark"),
    "marks.resolve": ("裁决录入分歧", "resolved a disagreement"),
    "marks.clear": ("清除分数", "cleared a mark"),
    "override.conflict": ("准许同单位裁判评分", "allowed a same-unit judge"),
    "override.spread": ("接受评分差距", "accepted a judges' spread"),
    "lock": ("锁定评分", "locked the marks"),
    "unlock": ("解锁评分", "unlocked the marks"),
    "times.import": ("导入用时", "imported times used"),
    "theory.import": ("导入理论成绩", "imported theory scores"),
    "clock.start": ("开始计时", "started the clock"),
    "clock.pause": ("暂停计时", "paused the clock"),
    "clock.resume": ("恢复计时", "resumed the clock"),
    "clock.extra": ("补时", "granted extra time"),
    "clock.stop": ("交卷停表", "stopped the clock (handed in)"),
    "decrypt": ("解密（显示姓名）", "decrypted (names shown)"),
    "publish": ("发布公示", "published the results"),
    "recheck.sample": ("抽取复核样本", "drew the re-check sample"),
    "appeal.file": ("登记申诉", "filed an appeal"),
    "appeal.rule": ("裁决申诉", "ruled on an appeal"),
    "certificates": ("颁发证书", "issued certificates"),
    "certificate_reprint": ("补发证书", "reprinted a certificate"),
    "certificate_revoke": ("撤销证书", "revoked a certificate"),
    "certificate_template": ("修改证书模板", "changed the certificate template"),
    "export": ("导出成绩文件", "exported the results file"),
    "merge": ("合并另一台电脑的数据", "merged another laptop's data"),
    "laptop.new": ("复制为新电脑", "copied for a new laptop"),
    "backup.folder": ("设置备份文件夹", "set the backup folder"),
    "rules": ("记录赛事规则文件", "recorded the competition rules"),
    "checkpoint": ("签署审计链", "signed the audit chain"),
    "officer.key": ("生成加密裁判密钥", "made the encryption officer's key"),
    "seal.legacy": ("将抽签结果加密封存", "sealed an earlier draw"),
    "device.new": ("登记新电脑的设备密钥", "registered a new laptop's device key"),
    "signin": ("在本电脑首次用 PIN 登录后操作", "first wrote here after signing in with their PIN"),
}

# a few actions read differently by the table their row went to
_TABLE_ACTION: dict[tuple[str, str], tuple[str, str]] = {
    ("init", "users"): ("添加用户", "added a user"),
    ("init", "keys"): ("生成赛事签名密钥", "made the contest signing key"),
    ("draw", "assignments"): ("抽签：分配工位", "drew a workstation"),
    ("draw", "draws"): ("抽签", "drew the workstations"),
    ("draw", "lots"): ("抽签：分配工位", "drew a workstation"),
    ("draw", "lot_conflicts"): ("抽签：同单位裁判回避", "kept a same-unit judge off a station"),
    ("draw", "seals"): ("抽签结果加密封存", "sealed the draw"),
    ("init", "officer_keys"): ("生成加密裁判密钥", "made the encryption officer's key"),
    ("decrypt", "assignments"): ("解密：参赛编号对应选手", "decrypted: who holds a lot"),
    ("decrypt", "theory"): ("解密：理论成绩对应选手", "decrypted: a sealed theory score joined"),
    ("checkin", "lot_statuses"): ("迟到超时，记为缺考", "late past the limit: absent"),
    ("theory.import", "seals"): ("理论成绩加密封存", "sealed the theory scores"),
    ("checkin", "statuses"): ("迟到超时，记为缺考", "late past the limit: absent"),
    ("certificates", "revocations"): ("撤销证书", "revoked a certificate"),
    ("init", "devices"): ("生成本机设备密钥", "made this laptop's device key"),
    ("decrypt", "openings"): ("解密：公开抽签封存的密钥",
                              "decrypted: published the draw seal's key"),
}

TABLE_WORDS: dict[str, tuple[str, str]] = {
    "users": ("用户", "users"), "keys": ("密钥", "keys"), "competitors": ("选手", "competitors"),
    "draws": ("抽签", "draws"), "assignments": ("工位分配", "workstation assignments"),
    "checkins": ("检录", "check-ins"), "statuses": ("选手状态", "statuses"),
    "marks": ("分数", "marks"), "overrides": ("裁判长准许", "chief's overrides"),
    "locks": ("锁定", "locks"), "times": ("用时", "times used"),
    "theory": ("理论成绩", "theory scores"), "clock_events": ("计时", "clock events"),
    "decryptions": ("解密", "decryptions"), "snapshots": ("公示版本", "published snapshots"),
    "appeals": ("申诉", "appeals"), "certificates": ("证书", "certificates"),
    "revocations": ("证书撤销", "revocations"), "meta": ("设置", "settings"),
    "merges": ("合并", "merges"), "lots": ("工位签", "lots"),
    "lot_conflicts": ("回避", "same-unit judges kept off"), "seals": ("加密封存", "seals"),
    "lot_checkins": ("检录", "check-ins"), "lot_statuses": ("选手状态", "statuses"),
    "officer_keys": ("加密裁判密钥", "officer keys"),
    "signed_heads": ("审计链签名", "signed heads"),
    "devices": ("设备密钥", "device keys"), "signins": ("登录记录", "sign-ins"),
    "openings": ("解密封存密钥", "opened seal keys"),
}

# never shown as raw content: blobs and bookkeeping; and for judges and recorders, who is who
_BOOKKEEPING = frozenset({"uid", "at", "by", "device", "draw", "signature", "sealed", "public"})
_IDENTITIES = frozenset({"candidate", "competitor", "name", "unit", "id_number", "judge",
                         "region", "gender"})

_STATUS = {"ok": ("正常", "OK"), "absent": ("缺考", "absent"),
           "withdrawn": ("弃权", "withdrawn"), "terminated": ("终止比赛", "terminated"),
           "disqualified": ("取消资格", "disqualified")}
_MARK_STATUS = {"entered": ("已录入", "entered"), "verified": ("已复核", "verified"),
                "resolved": ("已裁决", "resolved"), "disagreement": ("有分歧", "disagreement"),
                "retracted": ("空", "empty")}


def action_words(action: str, table: str | None = None) -> Words:
    """What an action did, in words (the action itself when it is not known)."""
    zh, en = _TABLE_ACTION.get((action, table or ""), ACTION_WORDS.get(action, (action, action)))
    return Words(zh, en)


def table_words(table: str) -> Words:
    zh, en = TABLE_WORDS.get(table, (table, table))
    return Words(zh, en)


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _num(value: Any) -> str:
    return "—" if value is None else str(value)


def _value(score: Any, measured: Any) -> str:
    """A mark as typed: the score, or 实测 59.985 for a measured value; — for none."""
    if score is None and measured is None:
        return "—"
    return str(score) if score is not None else f"实测 {measured}"


def _state_value(st: SlotState) -> str:
    if st.status == "disagreement":
        return " / ".join(_value(*v) for v in st.candidates.values())
    if not st.has_value:
        return "—"
    return _value(_plain(st.score), _plain(st.measured))


def _plain(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def _hms(seconds: Any) -> str:
    try:
        s = int(seconds)
    except (TypeError, ValueError):
        return str(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _where(event: Any = None, station: Any = None, aspect: Any = None,
           judge: Any = None) -> Words:
    zh, en = [], []
    if event:
        zh.append(str(event))
        en.append(str(event))
    if station:
        zh.append(f"工位 {station}")
        en.append(f"station {station}")
    if aspect:
        zh.append(f"评分项 {aspect}")
        en.append(f"aspect {aspect}")
    if judge:
        zh.append(f"裁判 {judge}")
        en.append(f"judge {judge}")
    return Words(" · ".join(zh), " · ".join(en))


def _w(zh: str, en: str | None = None) -> Words:
    """Words; without an English text the Chinese one with its few words translated
    (values are numbers, stations and names)."""
    return Words(zh, zh.replace("实测 ", "measured ") if en is None else en)


class _Context:
    """What the words need beyond the record: workstations of competitors, the rows of
    tables whose audit record keeps only part of the row, and each mark's slot history."""

    def __init__(self, c: Contest, records: Sequence[AuditRecord]) -> None:
        self.c = c
        self.station_of: dict[str, tuple[str, str, str]] = {
            str(uid): (str(ev), str(st), str(cand)) for uid, ev, st, cand in c.db.execute(
                "SELECT competitor, event, station, candidate FROM assignments")}
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        wanted: dict[str, list[str]] = defaultdict(list)
        for r in records:
            if r.table in ("checkins", "statuses", "theory", "certificates", "assignments") \
                    and r.row_uid:
                wanted[r.table].append(r.row_uid)
        for table, uids in wanted.items():
            for i in range(0, len(uids), 500):
                part = uids[i:i + 500]
                cur = c.db.execute(f"SELECT * FROM [{table}] WHERE uid IN "
                                   f"({','.join('?' * len(part))})", part)
                names = [d[0] for d in cur.description]
                for row in cur.fetchall():
                    d = dict(zip(names, row))
                    self.rows[(table, str(d["uid"]))] = d
        self.marks: dict[str, tuple[SlotState, SlotState]] = {}
        if any(r.table == "marks" for r in records):
            self._replay_marks()

    def _replay_marks(self) -> None:
        # every slot's rows in order, replayed by the rules (judging/entries.py): the state
        # before and after each row, so a correction reads "7.5 → 8"
        logs: dict[tuple[str, str, str, str], list[Typed]] = defaultdict(list)
        for uid, ev, st, asp, judge, by, action, score, measured, reason, target in \
                self.c.db.execute("SELECT uid, event, station, aspect, judge, by, action, "
                                  "score, measured, reason, target FROM marks "
                                  "ORDER BY at, uid"):
            logs[(ev, st, asp, judge)].append(Typed(
                str(uid), str(by), str(action),
                Decimal(score) if score is not None else None,
                Decimal(measured) if measured is not None else None,
                str(reason or ""), target))
        for log in logs.values():
            for i, row in enumerate(log):
                self.marks[row.uid] = (replay(log[:i]), replay(log[:i + 1]))

    def person(self, competitor: Any) -> tuple[str, str, str]:
        return self.station_of.get(str(competitor), ("", "", ""))

    def row(self, table: str | None, uid: str | None) -> dict[str, Any]:
        return self.rows.get((table or "", uid or ""), {})


def describe(c: Contest, records: Iterable[AuditRecord], *,
             identities: bool = True) -> list[AuditLine]:
    """Each record in words (see :class:`AuditLine`), in the order given.

    With ``identities`` False (judges and recorders) candidate numbers, names and units are
    left out: the words then say which workstation, never who is at it."""
    recs = list(records)
    ctx = _Context(c, recs)
    return [_line(ctx, r, identities) for r in recs]


def _line(ctx: _Context, r: AuditRecord, identities: bool) -> AuditLine:
    after = _json(r.after)
    before = _json(r.before)
    a = after if isinstance(after, dict) else {}
    b = before if isinstance(before, dict) else {}
    action = action_words(r.action, r.table)
    target, change = NONE, NONE
    why = r.reason
    act = r.action
    if r.table == "marks" and isinstance(a.get("slot"), list) and len(a["slot"]) == 4:
        ev, st, asp, judge = a["slot"]
        target = _where(ev, st, asp, judge)
        what = a.get("what")
        if act == "marks.enter" and what in _MARK_WHAT:
            action = Words(*_MARK_WHAT[what])
        typed = _value(a.get("score"), a.get("measured"))
        states = ctx.marks.get(r.row_uid or "")
        old = _state_value(states[0]) if states else "—"
        if act == "marks.enter" and what == "verify":
            change = _w(f"{typed} ✓（与第一次录入一致）",
                        f"{_w(typed).en} ✓ (matches the first entry)")
        elif act == "marks.enter" and what == "disagree":
            change = _w(f"{old} ≠ {typed}（与第一次录入不一致）",
                        f"{_w(old).en} ≠ {_w(typed).en} (differs from the first entry)")
        elif act == "marks.resolve":
            change = _w(f"{old} → {typed}")
        else:
            change = _w(f"{old} → {typed}")
    elif r.table == "marks":
        # undo and clear rows: the audit record is the mark row itself
        target = _where(a.get("event"), a.get("station"), a.get("aspect"), a.get("judge"))
        states = ctx.marks.get(r.row_uid or "")
        if states is not None:
            change = _w(f"{_state_value(states[0])} → {_state_value(states[1])}")
        elif b:
            change = _w(f"{_value(b.get('score'), b.get('measured'))} → —")
    elif act == "marks.file":
        n = {k: a.get(k) for k in ("enter", "verify", "correct", "disagree") if a.get(k)}
        target = _w(f"文件 {a.get('file', '')}", f"file {a.get('file', '')}")
        change = Words("，".join(f"{_COUNTED[k][0]} {v} 条" for k, v in n.items()),
                       ", ".join(f"{v} {_COUNTED[k][1]}" for k, v in n.items()))
    elif r.table == "clock_events":
        target = _where(a.get("event"), a.get("station"))
        if act == "clock.extra":
            m = int(a.get("seconds") or 0) // 60
            change = _w(f"+{m} 分钟", f"+{m} min")
    elif r.table in ("times",):
        target = _where(a.get("event"), a.get("station"))
        extra = int(a.get("extra_seconds") or 0)
        change = _w(f"用时 {_hms(a.get('used_seconds'))}" +
                    (f"，补时 {extra // 60} 分" if extra else ""),
                    f"time used {_hms(a.get('used_seconds'))}" +
                    (f", extra {extra // 60} min" if extra else ""))
    elif r.table == "theory":
        row = ctx.row("theory", r.row_uid)
        ev, st, cand = ctx.person(row.get("competitor"))
        target = _person_words(ev or a.get("event"), st, cand, a.get("row"), identities)
        change = _w(f"理论 {_num(a.get('score'))}", f"theory {_num(a.get('score'))}")
    elif r.table in ("checkins", "statuses", "lot_checkins", "lot_statuses"):
        row = ctx.row(r.table, r.row_uid) if r.table in ("checkins", "statuses") else a
        ev, st, cand = ctx.person(row.get("competitor"))
        target = _person_words(ev or row.get("event"), st or str(row.get("station") or ""),
                               cand, None, identities)
        if r.table.endswith("checkins"):
            late = int(a.get("late_min") or row.get("late_min") or 0)
            change = _w(f"迟到 {late} 分钟", f"{late} min late") if late else _w("准时", "on time")
        else:
            new = str(a.get("status") or row.get("status") or "")
            old = str(b.get("status") or "")
            change = Words(f"{_STATUS.get(old, (old, old))[0] or '—'} → "
                           f"{_STATUS.get(new, (new, new))[0]}",
                           f"{_STATUS.get(old, (old, old))[1] or '—'} → "
                           f"{_STATUS.get(new, (new, new))[1]}")
            if not why:
                why = str(row.get("reason") or "")
    elif r.table == "competitors":
        row_no = a.get("row")
        target = _w(f"{a.get('event', '')} 第 {row_no} 行", f"{a.get('event', '')} row {row_no}")
    elif r.table in ("assignments", "lots"):
        lot = a.get("candidate")
        drawn = a.get("station")
        target = _where(a.get("event") or ctx.row("assignments", r.row_uid).get("event"))
        if identities and lot:
            change = _w(f"参赛编号 {lot} → 工位 {drawn}", f"candidate {lot} → station {drawn}")
        else:
            change = _w(f"工位 {drawn}", f"station {drawn}")
    elif r.table == "draws":
        method = a.get("method")
        target = _where(a.get("event"))
        zh = {"paper": "纸质抽签录入", "electronic": "电子抽签"}.get(str(method), str(method))
        en = {"paper": "paper draw typed in", "electronic": "electronic draw"}.get(
            str(method), str(method))
        if a.get("seed"):
            zh += f"，种子 {a['seed']}"
            en += f", seed {a['seed']}"
        if a.get("witness"):
            zh += f"，监督 {a['witness']}"
            en += f", witnessed by {a['witness']}"
        change = Words(zh, en)
    elif r.table == "lot_conflicts":
        target = _where(a.get("event"), a.get("station"))
        if identities:
            change = _w(f"裁判 {a.get('judge', '')} 不评此工位",
                        f"judge {a.get('judge', '')} does not mark it")
    elif r.table == "seals":
        target = _where(a.get("event"))
        holder = {"officer": ("加密裁判", "the encryption officer"),
                  "recovery": ("总部恢复密钥", "headquarters' recovery key")}.get(
            str(a.get("purpose")), (str(a.get("purpose")), str(a.get("purpose"))))
        what_zh = {"draw": "抽签结果", "theory": "理论成绩"}.get(str(a.get("kind")),
                                                             str(a.get("kind")))
        what_en = {"draw": "the draw", "theory": "theory scores"}.get(str(a.get("kind")),
                                                                  str(a.get("kind")))
        change = _w(f"{what_zh}封存给{holder[0]}（密钥 {a.get('key_id', '')}）",
                    f"{what_en} sealed to {holder[1]} (key {a.get('key_id', '')})")
    elif r.table == "officer_keys":
        change = _w(f"密钥 {a.get('key_id', '')}", f"key {a.get('key_id', '')}")
    elif r.table == "devices":
        change = _w(f"设备 {a.get('device_id', '')}（密钥 {a.get('key_id', '')}）",
                    f"device {a.get('device_id', '')} (key {a.get('key_id', '')})")
    elif r.table == "signins":
        change = _w(f"设备 {r.device}", f"device {r.device}")
    elif r.table == "openings":
        target = _where(a.get("event"))
        change = _w("抽签封存的密钥已公开，供合并时核对",
                    "the draw seal's key published, for merges to check")
    elif r.table == "signed_heads":
        change = _w(f"审计链至第 {a.get('seq')} 条已签名（密钥 {a.get('key_id', '')}）",
                    f"chain signed up to record {a.get('seq')} (key {a.get('key_id', '')})")
        # the reason it writes itself: "lock GJQG", "publish GJQG #2", "export"
        when = why.split(" ")
        if when and when[0] in ("lock", "publish", "export"):
            zh = {"lock": "锁定", "publish": "发布公示", "export": "导出成绩文件"}[when[0]]
            target = _w(f"{zh}时 {' '.join(when[1:])}".strip(),
                        f"at {' '.join(when)}".strip())
            why = ""
    elif act == "rules":
        change = _w(f"{a.get('file', '')} SHA-256 {str(a.get('competition_sha256', ''))[:16]}…")
    elif r.table == "locks":
        target = _where(a.get("event"))
        module = a.get("module")
        change = _w(f"模块 {module}" if module else "全部模块",
                    f"module {module}" if module else "every module")
    elif r.table == "overrides":
        target = _where(a.get("event"), a.get("station"), a.get("aspect"), a.get("judge"))
    elif r.table == "appeals":
        target = _where(a.get("event"), a.get("station"))
        outcome = {"upheld": ("申诉成立", "upheld"), "rejected": ("申诉驳回", "rejected"),
                   "file": ("已登记", "filed")}.get(str(a.get("action")), ("", ""))
        change = Words(f"申诉 {a.get('appeal', '')} {outcome[0]}".strip(),
                       f"appeal {a.get('appeal', '')} {outcome[1]}".strip())
    elif r.table == "snapshots":
        target = _where(a.get("event"))
        change = _w(f"第 {a.get('number')} 版", f"snapshot {a.get('number')}")
    elif r.table == "decryptions":
        target = _where(a.get("event"))
        if a.get("lots") is not None:
            change = _w(f"{a.get('lots')} 个工位签已对应选手，理论成绩 {a.get('theory', 0)} 条",
                        f"{a.get('lots')} lots joined to their competitors, "
                        f"{a.get('theory', 0)} theory scores")
    elif r.table == "certificates":
        row = ctx.row("certificates", r.row_uid)
        ev, st, _cand = ctx.person(row.get("competitor"))
        target = _where(ev or row.get("event"), st)
        serial = a.get("serial") or row.get("serial") or ""
        award = a.get("award") or ""
        name = f" {a['name']}" if identities and a.get("name") else ""
        change = _w(f"证书 {serial}{name} {award}".rstrip(),
                    f"certificate {serial}{name} {award}".rstrip())
    elif r.table == "revocations":
        change = _w(f"证书 {a.get('serial', '')}", f"certificate {a.get('serial', '')}")
    elif r.table == "users":
        role = str(a.get("role") or "")
        change = _w(f"{a.get('name', '')}（{_ROLE.get(role, (role, role))[0]}）",
                    f"{a.get('name', '')} ({_ROLE.get(role, (role, role))[1]})")
    elif r.table == "keys":
        change = _w(f"密钥 {a.get('key_id', '')}", f"key {a.get('key_id', '')}")
    elif act == "recheck.sample":
        target = _where(a.get("event"))
        stations = a.get("stations") or []
        change = _w(f"工位 {', '.join(map(str, stations))}",
                    f"stations {', '.join(map(str, stations))}")
        if why == f"seed {a.get('seed')}":
            why = ""
        change = Words(f"{change.zh}（种子 {a.get('seed')}）",
                       f"{change.en} (seed {a.get('seed')})")
    elif act == "backup.folder":
        change = _w(f"{b.get('folder') or '—'} → {a.get('folder', '')}")
        if why == a.get("folder"):
            why = ""
    elif act == "certificate_template":
        change = _w("模板已修改", "template changed")
    elif act == "export":
        change = _w(f"SHA-256 {str(a.get('sha256', ''))[:16]}…") if a.get("sha256") else NONE
    elif a:  # anything else: its content, compact (what its reader may see)
        hidden = _BOOKKEEPING if identities else _BOOKKEEPING | _IDENTITIES
        target = _where(a.get("event"), a.get("station"))
        change = _w(", ".join(f"{k}: {v}" for k, v in a.items()
                              if k not in hidden and k not in ("event", "station")))
    if r.action == "draw" and why.endswith(" draw of " + (target.zh.split(" ")[0] or "?")):
        why = ""  # the bookkeeping reason the draw writes itself ("paper draw of GJQG")
    # an import's reason is "from file.csv": the file is where it came from, not why
    if why.startswith("from ") and r.action.endswith((".import", ".enter", ".file", "init",
                                                      "rules")):
        source = why[5:]
        if source in target.zh or source in change.zh:
            return AuditLine(r, action, target, change, "")
        target = Words(f"{target.zh}（文件 {source}）" if target else f"文件 {source}",
                       f"{target.en} (file {source})" if target else f"file {source}")
        why = ""
    return AuditLine(r, action, target, change, why)


_MARK_WHAT = {"enter": ("录入分数", "typed a mark"), "verify": ("复核录入", "verified a mark"),
              "correct": ("更正分数", "corrected a mark"),
              "disagree": ("复核不一致", "typed a different value")}
_COUNTED = {"enter": ("录入", "typed"), "verify": ("复核一致", "verified"),
            "correct": ("更正", "corrected"), "disagree": ("复核不一致", "differing")}
_ROLE = {"admin": ("组委会/赛务", "organiser"), "chief": ("裁判长", "chief judge"),
         "judge": ("裁判员", "judge"), "recorder": ("记分员", "recorder"),
         "encryption": ("加密裁判", "encryption officer"),
         "supervisor": ("监督仲裁", "supervisor")}


def _person_words(event: Any, station: str, candidate: str, row: Any,
                  identities: bool) -> Words:
    if station:
        w = _where(event, station)
        if identities and candidate:
            return Words(f"{w.zh}（{candidate}）", f"{w.en} ({candidate})")
        return w
    if row is not None:
        return _w(f"{event or ''} 第 {row} 行".strip(), f"{event or ''} row {row}".strip())
    return _where(event)
