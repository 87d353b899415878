"""The competition file (docs/formats.md, docs/rules.md): its model and a validating loader."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from judging.decimals import to_decimal
from judging.errors import InputError, InputErrors

ROLES = ("admin", "chief", "judge", "recorder", "encryption", "supervisor")
LEVELS = ("enterprise", "county", "city", "provincial", "national")
KINDS = ("M", "J", "P", "D")
TIE_BREAKS = ("time_used", "practical", "theory")
# The demo contest's verification address (a placeholder: no page is served there). A real
# competition file names headquarters' page ([competition] verify_url); without one,
# certificates are not printed (db/ops/certificates.py).
DEFAULT_VERIFY_URL = "https://verify.jiangxin.example/c"
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$")


def check_verify_url(url: str, field: str = "competition.verify_url") -> str | None:
    """Why ``url`` cannot be the verification address (None when it can): http(s), a host,
    an optional path; no '#' (the payload follows the last '#'), '?' or spaces."""
    if not _URL.match(url):
        return (f"{field}: 核验网址格式不对：{url!r}（应为 https://主机/路径，不含 '#'、'?' 或"
                f"空格）/ not a web address of headquarters' verification page (https://host/"
                f"path, no '#', '?' or spaces): {url!r}")
    return None


@dataclass(frozen=True)
class Aspect:
    """One line of the marking scheme."""

    id: str
    module: str
    kind: str
    max: Decimal
    text: str = ""
    judges: int = 1
    trim: int = 0
    spread_limit: int = 1
    nominal: Decimal = Decimal(0)
    bands: tuple[tuple[Decimal, Decimal], ...] = ()

    @property
    def has_bands(self) -> bool:
        return bool(self.bands)


@dataclass(frozen=True)
class Module:
    id: str
    name: str
    aspects: tuple[Aspect, ...]


@dataclass(frozen=True)
class Overtime:
    rule: str = "stop"  # stop | deduct | zero
    points_per_min: Decimal = Decimal(1)
    max_min: int | None = None


@dataclass(frozen=True)
class AwardRule:
    rule: str = "quota"  # quota | places | worldskills
    levels: tuple[str, ...] = ("一等奖", "二等奖", "三等奖")
    shares: tuple[Decimal, ...] = (Decimal("0.1"), Decimal("0.2"), Decimal("0.3"))
    honourable: str | None = None
    honourable_share: Decimal = Decimal("0.5")


@dataclass(frozen=True)
class TitleRule:
    first: int
    last: int
    title: str | None = None
    grade: str | None = None


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    group: str
    stations: int
    duration_min: int
    modules: tuple[Module, ...]
    late_limit_min: int = 15
    decimals: int = 2
    theory_weight: Decimal = Decimal("0.3")
    practical_weight: Decimal = Decimal("0.7")
    tie_break: tuple[str, ...] = TIE_BREAKS
    overtime: Overtime = Overtime()
    min_total_for_award: Decimal | None = None
    awards: AwardRule = AwardRule()
    titles: tuple[TitleRule, ...] = ()
    scale: str | None = None

    @cached_property
    def aspects(self) -> dict[str, Aspect]:
        """Aspects by id, in scheme order (computed once: results ask for it per mark)."""
        return {a.id: a for m in self.modules for a in m.aspects}

    def module_of(self, aspect_id: str) -> Module:
        for m in self.modules:
            if any(a.id == aspect_id for a in m.aspects):
                return m
        raise KeyError(aspect_id)

    def station_label(self, number: int) -> str:
        """Workstation numbers are zero-padded to the width of the largest ("05" of 12)."""
        return str(number).zfill(max(2, len(str(self.stations))))

    def parse_station(self, text: str) -> str | None:
        """Normalise a typed workstation number ("5", "05") or None when out of range."""
        t = text.strip()
        if not t.isdigit():
            return None
        n = int(t)
        if not 1 <= n <= self.stations:
            return None
        return self.station_label(n)

    @property
    def limit_seconds(self) -> int:
        return self.duration_min * 60


@dataclass(frozen=True)
class UserSpec:
    name: str
    role: str
    unit: str = ""
    pin: str = ""
    events: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Competition:
    id: str
    name: str
    organiser: str
    venue: str
    level: str
    date: str
    events: tuple[Event, ...]
    users: tuple[UserSpec, ...] = ()
    verify_url: str = ""  # headquarters' verification page; "" when the file names none

    def event(self, event_id: str) -> Event:
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    @property
    def event_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.events)


MAX_COUNTS = {"stations": 9999, "duration_min": 24 * 60, "late_limit_min": 24 * 60,
              "decimals": 6, "judges": 50, "trim": 24, "spread_limit": 3, "points_per_min": 100,
              "max_min": 24 * 60}
"""Upper bounds of the whole numbers of a competition file (``stations = 10^9`` would make the
draw allocate a billion workstations); any other count is bounded by :data:`MAX_COUNT`."""
MAX_COUNT = 100_000
MAX_TEXT = 500
"""No text of a competition file is longer (names, units and aspect texts are far shorter)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      r"\u2066-\u2069\u2028\u2029]")


def _v(value: Any) -> str:
    """A value as the competition file writes it, for a message: "text", 0.5, [1, 2]."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_v(x) for x in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_v(x)}" for k, x in value.items()) + " }"
    return str(value)


class _Reader:
    """Collects every problem of a competition file so that all are reported at once."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[InputError] = []

    def err(self, where: str, message: str) -> None:
        self.errors.append(InputError(message, file=self.file, field=where))

    def text(self, table: dict[str, Any], key: str, where: str, *, required: bool = True,
             default: str = "") -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.err(f"{where}.{key}", "缺少此项 / missing")
            return default
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.err(f"{where}.{key}",
                     f"应为文字，而不是 {_v(value)} / expected text, got {_v(value)}")
            return default
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            self.err(f"{where}.{key}", f"过长：{len(text)}个字，最多{MAX_TEXT}个 "
                     f"/ {len(text)} characters, at most {MAX_TEXT}")
            return default
        bad = _CONTROL.search(text)
        if bad:
            self.err(f"{where}.{key}", f"含有不可见的控制字符 U+{ord(bad.group()):04X} / holds the "
                     f"invisible control character U+{ord(bad.group()):04X}")
            return default
        return text

    def integer(self, table: dict[str, Any], key: str, where: str, default: int | None = None,
                minimum: int = 0) -> int:
        value = table.get(key, default)
        if value is None:
            self.err(f"{where}.{key}", "缺少此项 / missing")
            return minimum
        if (isinstance(value, Decimal) and value.is_finite()
                and value == value.to_integral_value()):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.err(f"{where}.{key}", f"应为不小于{minimum}的整数，而不是 {_v(value)} "
                     f"/ expected a whole number ≥ {minimum}, got {_v(value)}")
            return minimum
        maximum = MAX_COUNTS.get(key, MAX_COUNT)
        if value > maximum:
            self.err(f"{where}.{key}",
                     f"{value} 超过上限{maximum} / {value} is more than {maximum}")
            return minimum
        return value

    def number(self, table: dict[str, Any], key: str, where: str,
               default: Decimal | None = None) -> Decimal | None:
        value = table.get(key)
        if value is None:
            return default
        try:
            return to_decimal(value)
        except ValueError:
            self.err(f"{where}.{key}",
                     f"应为数字，而不是 {_v(value)} / expected a number, got {_v(value)}")
            return default


_PIN_VALUE = re.compile(r"""(\bpin\s*=\s*)("[^"\n]*"|'[^'\n]*'|[0-9]+)""")


def strip_pins(text: str) -> str:
    """The competition file with every user's PIN emptied (``pin = ""``).

    PINs are kept only as salted slow hashes; the file text kept with the contest (and every
    backup and export of it) must not carry them.
    """
    return _PIN_VALUE.sub(r'\1""', text)


def load_competition(text: str, file: str = "competition.toml", *,
                     pins: bool = True) -> Competition:
    """Parse and validate a competition file; raises InputErrors naming every bad field.

    ``pins=False`` reads a file whose PINs were stripped (the copy kept in a contest).
    """
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"不是有效的赛事文件（TOML 格式有误）/ not valid TOML: {exc}",
                         file=file) from None
    r = _Reader(file)
    fmt_version = data.get("format")
    if fmt_version != 1:
        r.err("format", f"不支持的格式版本 {_v(fmt_version)}，本版本读取 format = 1 "
              f"/ unsupported format {_v(fmt_version)}; this version reads format = 1")
    comp = data.get("competition")
    if not isinstance(comp, dict):
        raise InputError("缺少 [competition] 赛事信息 / the [competition] table is missing",
                         file=file, field="competition")
    cid = r.text(comp, "id", "competition")
    name = r.text(comp, "name", "competition")
    level = r.text(comp, "level", "competition", required=False, default="provincial")
    if level not in LEVELS:
        r.err("competition.level", f"赛事级别 {_v(level)} 无效，应为 {', '.join(LEVELS)} 之一 "
              f"/ {_v(level)} is not one of {', '.join(LEVELS)}")
    date = r.text(comp, "date", "competition")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        r.err("competition.date", f"日期格式应为 YYYY-MM-DD，而不是 {_v(date)} "
              f"/ not a date (YYYY-MM-DD): {_v(date)}")
    # [[user]] and [[event]] tables are counted from 1, as a person counts them in the file
    digits = pin_digits(date)
    users = tuple(_user(r, u, i, pins, digits)
                  for i, u in enumerate(_list(r, data, "user"), 1))
    events = tuple(_event(r, e, i) for i, e in enumerate(_list(r, data, "event"), 1))
    if not events:
        r.err("event", "至少需要一个赛项 [[event]] / at least one [[event]] is needed")
    _unique(r, [e.id for e in events], "event.id")
    _unique(r, [u.name for u in users], "user.name")
    known = {e.id for e in events}
    for i, u in enumerate(users, 1):
        for ev in u.events or ():
            if ev not in known:
                r.err(f"user[{i}].events", f"没有赛项 {_v(ev)} / unknown event {_v(ev)}")
    url = r.text(comp, "verify_url", "competition", required=False)
    if url and (problem := check_verify_url(url)):
        r.err("competition.verify_url", problem)
    if r.errors:
        raise InputErrors(r.errors)
    return Competition(
        id=cid, name=name, organiser=r.text(comp, "organiser", "competition", required=False),
        venue=r.text(comp, "venue", "competition", required=False), level=level, date=date,
        events=events, users=users,
        verify_url=url,
    )


def _list(r: _Reader, table: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        r.err(key, f"应为 [[{key}]] 表，而不是 {_v(value)} / expected [[{key}]] tables")
        return []
    return value


def _unique(r: _Reader, values: list[str], where: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            r.err(where, f"{_v(v)} 重复 / {_v(v)} is given twice")
        seen.add(v)


MIN_PIN_DIGITS = 6
LEGACY_PIN_DIGITS = 4
PIN_RULE_FROM = "2027-01-01"


def pin_digits(date: str) -> int:
    """How many digits a PIN needs in a competition file of this date.

    New competitions need at least 6 digits. Competitions dated before 2027-01-01 (files
    written, and demo contests, before the rule came in) keep their 4- or 5-digit PINs;
    ``init`` warns about them.
    """
    return LEGACY_PIN_DIGITS if date[:10] < PIN_RULE_FROM else MIN_PIN_DIGITS


def _user(r: _Reader, u: dict[str, Any], i: int, pins: bool,
          digits: int = MIN_PIN_DIGITS) -> UserSpec:
    where = f"user[{i}]"
    role = r.text(u, "role", where)
    if role and role not in ROLES:
        r.err(f"{where}.role", f"角色 {_v(role)} 无效，应为 {', '.join(ROLES)} 之一 "
              f"/ {_v(role)} is not one of {', '.join(ROLES)}")
    pin = r.text(u, "pin", where, required=pins)
    if pins and not pin:
        r.err(f"{where}.pin", "缺少 PIN / missing")
    if pins and pin and (len(pin) < digits or not pin.isdigit()):
        r.err(f"{where}.pin", f"PIN至少{digits}位数字（{PIN_RULE_FROM}起的赛事："
                              f"{MIN_PIN_DIGITS}位）/ a PIN is at least {digits} digits "
                              f"(competitions dated from {PIN_RULE_FROM}: {MIN_PIN_DIGITS})")
    events = u.get("events")
    if events is not None and (not isinstance(events, list)
                               or not all(isinstance(e, str) for e in events)):
        r.err(f"{where}.events", f"应为赛项编号列表，而不是 {_v(events)} "
              f"/ expected a list of event ids, got {_v(events)}")
        events = None
    return UserSpec(name=r.text(u, "name", where), role=role,
                    unit=r.text(u, "unit", where, required=False), pin=pin,
                    events=tuple(events) if events is not None else None)


def _event(r: _Reader, e: dict[str, Any], i: int) -> Event:
    eid = r.text(e, "id", f"event[{i}]")
    where = f"event.{eid or i}"
    decimals = r.integer(e, "decimals", where, 2)
    weights = e.get("weights", {})
    if not isinstance(weights, dict):
        r.err(f"{where}.weights", f"应为 {{ theory = …, practical = … }}，而不是 {_v(weights)} "
              "/ expected { theory = ..., practical = ... }")
        weights = {}
    tw = r.number(weights, "theory", f"{where}.weights", Decimal("0.3")) or Decimal(0)
    pw = r.number(weights, "practical", f"{where}.weights", Decimal("0.7")) or Decimal(0)
    if tw < 0 or pw < 0 or tw + pw != 1:
        r.err(f"{where}.weights", f"理论与实操权重之和应为 1（现为 {tw} + {pw}）"
              f"/ theory + practical must be 1 (got {tw} + {pw})")
    tie = e.get("tie_break", list(TIE_BREAKS))
    if not isinstance(tie, list) or any(t not in TIE_BREAKS for t in tie):
        r.err(f"{where}.tie_break", f"同分排序 {_v(tie)} 的每项应为 "
              f"{', '.join(TIE_BREAKS)} 之一 / items must be among {', '.join(TIE_BREAKS)}")
        tie = list(TIE_BREAKS)
    modules = tuple(_module(r, m, where, j) for j, m in enumerate(_list(r, e, "module"), 1))
    if not modules:
        r.err(f"{where}.module", "至少需要一个模块 [[event.module]] "
              "/ at least one [[event.module]] is needed")
    aspect_ids = [a.id for m in modules for a in m.aspects]
    _unique(r, aspect_ids, f"{where}.module.aspect.id")
    _unique(r, [m.id for m in modules], f"{where}.module.id")
    positive = sum((a.max for m in modules for a in m.aspects if a.kind != "D"), Decimal(0))
    if modules and positive != 100:
        r.err(f"{where}.module", f"M、J、P 类配分之和应为 100（现为 {positive}）"
              f"/ the M, J and P maxima must sum to 100 (they sum to {positive})")
    scale = e.get("scale")
    if scale is not None and scale != "worldskills":
        r.err(f"{where}.scale", f"换算方式只有 \"worldskills\"，而不是 {_v(scale)} "
              "/ the only scale is \"worldskills\"")
    awards = _awards(r, e.get("awards"), where)
    if awards.rule == "worldskills" and scale != "worldskills":
        r.err(f"{where}.awards", "世赛评奖 rule = \"worldskills\" 需要 scale = \"worldskills\" "
              "/ rule = \"worldskills\" needs scale = \"worldskills\"")
    mta = e.get("min_total_for_award")
    return Event(
        id=eid, name=r.text(e, "name", where), group=r.text(e, "group", where, required=False),
        stations=r.integer(e, "stations", where, None, 1),
        duration_min=r.integer(e, "duration_min", where, None, 1),
        modules=modules, late_limit_min=r.integer(e, "late_limit_min", where, 15),
        decimals=decimals, theory_weight=tw, practical_weight=pw, tie_break=tuple(tie),
        overtime=_overtime(r, e.get("overtime"), where),
        min_total_for_award=(r.number(e, "min_total_for_award", where)
                             if mta is not None else None),
        awards=awards, titles=_titles(r, e.get("titles"), where),
        scale=scale if isinstance(scale, str) else None,
    )


def _module(r: _Reader, m: dict[str, Any], ev: str, j: int) -> Module:
    mid = r.text(m, "id", f"{ev}.module[{j}]")
    where = f"{ev}.module.{mid or j}"
    aspects = tuple(_aspect(r, a, mid, where, k) for k, a in enumerate(_list(r, m, "aspect"), 1))
    if not aspects:
        r.err(f"{where}.aspect", "模块至少需要一个评分项 / a module needs at least one aspect")
    return Module(id=mid, name=r.text(m, "name", where, required=False, default=mid),
                  aspects=aspects)


def _aspect(r: _Reader, a: dict[str, Any], module: str, mw: str, k: int) -> Aspect:
    aid = r.text(a, "id", f"{mw}.aspect[{k}]")
    where = f"{mw}.aspect.{aid or k}"
    kind = r.text(a, "kind", where)
    if kind not in KINDS:
        r.err(f"{where}.kind", f"评分项类型 {_v(kind)} 无效，应为 M、J、P、D 之一 "
              f"/ {_v(kind)} is not one of M, J, P, D")
    mx = r.number(a, "max", where)
    if mx is None or mx <= 0:
        r.err(f"{where}.max", f"配分应为正数，而不是 {_v(a.get('max'))} "
              "/ a positive maximum is needed")
        mx = Decimal(1)
    default_judges = {"J": 3, "P": 5}.get(kind, 1)
    judges = r.integer(a, "judges", where, default_judges, 1)
    trim = r.integer(a, "trim", where, 1 if kind == "P" else 0, 0)
    if kind == "P" and judges <= 2 * trim:
        r.err(f"{where}.judges", f"P 类评分项的裁判人数 {judges} 应多于 2 × 去掉人数 = "
              f"{2 * trim} / a P aspect needs more than 2 × trim = {2 * trim} judges "
              f"(has {judges})")
    spread = r.integer(a, "spread_limit", where, 1, 0)
    nominal = r.number(a, "nominal", where, Decimal(0)) or Decimal(0)
    bands: list[tuple[Decimal, Decimal]] = []
    raw = a.get("bands")
    if raw is not None:
        if kind != "M":
            r.err(f"{where}.bands", f"只有 M 类评分项有公差带（此项为 {_v(kind)}）"
                  "/ only M aspects have tolerance bands")
        elif not isinstance(raw, list):
            r.err(f"{where}.bands", f"公差带应为 [[公差, 得分], …]，而不是 {_v(raw)} "
                  "/ expected [[tolerance, points], ...]")
        else:
            for b in raw:
                try:
                    tol, pts = to_decimal(b[0]), to_decimal(b[1])
                except (ValueError, TypeError, IndexError, KeyError):
                    r.err(f"{where}.bands", f"公差带 {_v(b)} 有误，应为 [公差, 得分] "
                          f"/ bad band {_v(b)}; expected [tolerance, points]")
                    continue
                if tol < 0 or pts < 0 or pts > mx:
                    r.err(f"{where}.bands", f"公差带 {_v(b)}：公差应≥0，得分应在 0 与配分 {mx} "
                          f"之间 / band {_v(b)}: the tolerance must be ≥ 0 and the points "
                          f"between 0 and the maximum ({mx})")
                if bands and tol <= bands[-1][0]:
                    r.err(f"{where}.bands", f"公差应逐档增大（{_v(b)} 不大于前一档）"
                          f"/ tolerances must increase from band to band ({_v(b)})")
                bands.append((tol, pts))
    return Aspect(id=aid, module=module, kind=kind, max=mx,
                  text=r.text(a, "text", where, required=False), judges=judges, trim=trim,
                  spread_limit=spread, nominal=nominal, bands=tuple(bands))


def _overtime(r: _Reader, o: Any, where: str) -> Overtime:
    if o is None:
        return Overtime()
    if not isinstance(o, dict) or o.get("rule") not in ("stop", "deduct", "zero"):
        r.err(f"{where}.overtime", f"超时规则应为 \"stop\"、\"deduct\" 或 \"zero\"，而不是 "
              f"{_v(o)} / rule must be \"stop\", \"deduct\" or \"zero\"")
        return Overtime()
    max_min = o.get("max_min")
    if max_min is not None:
        max_min = r.integer(o, "max_min", f"{where}.overtime", None, 0)
    return Overtime(rule=o["rule"],
                    points_per_min=r.number(o, "points_per_min", f"{where}.overtime",
                                            Decimal(1)) or Decimal(0),
                    max_min=max_min)


def _awards(r: _Reader, a: Any, where: str) -> AwardRule:
    if a is None:
        return AwardRule()
    w = f"{where}.awards"
    if not isinstance(a, dict):
        r.err(w, f"应为 {{ rule = … }}，而不是 {_v(a)} / expected {{ rule = ... }}")
        return AwardRule()
    rule = a.get("rule", "quota")
    levels = a.get("levels")
    if levels is not None and (not isinstance(levels, list)
                               or not all(isinstance(x, str) for x in levels)):
        r.err(f"{w}.levels", f"应为奖项名称列表，而不是 {_v(levels)} "
              "/ expected a list of award names")
        levels = None
    if rule == "quota":
        lv = tuple(levels) if levels else AwardRule().levels
        raw = a.get("shares", [Decimal("0.1"), Decimal("0.2"), Decimal("0.3")])
        try:
            shares = tuple(to_decimal(s) for s in raw)
        except (ValueError, TypeError):
            r.err(f"{w}.shares", f"应为数字列表，而不是 {_v(raw)} / expected a list of numbers")
            shares = AwardRule().shares
        if len(shares) != len(lv):
            r.err(f"{w}.shares", f"每个奖项一个比例：{len(lv)}个奖项，{len(shares)}个比例 "
                  f"/ one share per level is needed ({len(lv)} levels, {len(shares)} shares)")
        if any(s < 0 for s in shares) or sum(shares, Decimal(0)) > 1:
            r.err(f"{w}.shares", f"比例应≥0且总和不超过 1（现为 "
                  f"{', '.join(str(x) for x in shares)}）/ shares are ≥ 0 and sum to at most 1")
        return AwardRule(rule="quota", levels=lv, shares=shares)
    if rule == "places":
        lv = tuple(levels) if levels else ("金奖", "银奖", "铜奖")
        hon = a.get("honourable")
        share = r.number(a, "honourable_share", w, Decimal("0.5")) or Decimal(0)
        return AwardRule(rule="places", levels=lv, shares=(),
                         honourable=hon if isinstance(hon, str) else None,
                         honourable_share=share)
    if rule == "worldskills":
        lv = tuple(levels) if levels else ("Gold", "Silver", "Bronze", "Medallion for Excellence")
        if len(lv) != 4:
            r.err(f"{w}.levels", f"世赛评奖需要四个奖项名称（现有{len(lv)}个）"
                  f"/ the worldskills rule takes four names ({len(lv)} given)")
            lv = ("Gold", "Silver", "Bronze", "Medallion for Excellence")
        return AwardRule(rule="worldskills", levels=lv, shares=())
    r.err(f"{w}.rule", f"评奖规则 {_v(rule)} 无效，应为 quota、places、worldskills 之一 "
          f"/ {_v(rule)} is not one of quota, places, worldskills")
    return AwardRule()


def _titles(r: _Reader, t: Any, where: str) -> tuple[TitleRule, ...]:
    if t is None:
        return ()
    out: list[TitleRule] = []
    if not isinstance(t, list):
        r.err(f"{where}.titles", f"应为 {{ places = [a, b], title, grade }} 的列表，而不是 "
              f"{_v(t)} / expected a list of {{ places = [a, b], title, grade }}")
        return ()
    for i, item in enumerate(t, 1):
        w = f"{where}.titles[{i}]"
        places = item.get("places") if isinstance(item, dict) else None
        if (not isinstance(places, list) or len(places) != 2
                or not all(isinstance(p, int) and p >= 1 for p in places)
                or places[0] > places[1]):
            r.err(f"{w}.places", f"名次范围应为 places = [起, 止]，而不是 {_v(places)} "
                  "/ expected places = [first, last]")
            continue
        title, grade = item.get("title"), item.get("grade")
        out.append(TitleRule(first=places[0], last=places[1],
                             title=title if isinstance(title, str) else None,
                             grade=grade if isinstance(grade, str) else None))
    return tuple(out)


__all__ = ["Aspect", "AwardRule", "Competition", "Event", "Module", "Overtime", "TitleRule",
           "UserSpec", "load_competition"]
