"""A complete, ready demo contest: several events drawn and marked, most finished, the last
with its clocks running. Users: admin (PIN 0000) and the others listed in DEMO_USERS."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from db.files.competitor_file import CompetitorRow
from db.ops.locking import lock
from db.ops.marking import MarkInput, enter_marks
from db.ops.people import add_competitors, by_station, draw
from db.ops.results import decrypt, publish
from db.ops.timing import clock_action, clocks
from db.store.contest import Contest
from judging.idnumber import check_char
from judging.scheme import Event

DEMO_USERS = [
    ("admin", "admin", "0000", "省总工会职工技能大赛组委会"),
    ("裁判长", "chief", "1111", "省职业技能鉴定中心"),
    ("赵一", "judge", "2001", "省职业技能鉴定中心"),
    ("钱二", "judge", "2002", "省技师学院"),
    ("孙三", "judge", "2003", "省工程学院"),
    ("周四", "judge", "2004", "省建设职业技术学院"),
    ("吴五", "judge", "2005", "省卫生健康委员会"),
    ("记分员甲", "recorder", "3001", "省总工会"),
    ("记分员乙", "recorder", "3002", "省总工会"),
    ("保密员", "encryption", "4000", "省总工会"),
    ("监督员", "supervisor", "5000", "省总工会"),
]

_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
             "蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段"
             "雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞建国志军海燕宇浩晨阳凯"
          "欣怡子涵思远嘉俊博文雪梅立新红梅永健春雷秋菊冬梅")
_UNITS = ["哈尔滨电机厂有限责任公司", "大庆油田有限责任公司", "中国一重集团有限公司",
          "齐齐哈尔第二机床有限责任公司", "哈尔滨锅炉厂有限责任公司", "东北轻合金有限责任公司",
          "黑龙江建龙钢铁有限公司", "哈尔滨医科大学附属第一医院", "黑龙江省邮政分公司",
          "顺丰速运哈尔滨分公司"]
_REGIONS = [("230102", "哈尔滨"), ("230202", "齐齐哈尔"), ("230602", "大庆"),
            ("231002", "牡丹江"), ("230402", "鹤岗")]


def _scheme_ws(stations: int) -> str:
    return f"""
[[event]]
id = "HL"
name = "护理"
group = "职工组"
stations = {stations}
duration_min = 90
weights = {{ theory = 0.2, practical = 0.8 }}
scale = "worldskills"
awards = {{ rule = "worldskills" }}
titles = [{{ places = [1, 3], title = "省技术能手" }}]
  [[event.module]]
  id = "A"
  name = "基础护理操作"
    [[event.module.aspect]]
    id = "A1"
    kind = "M"
    max = 20
    text = "无菌操作规范"
    [[event.module.aspect]]
    id = "A2"
    kind = "M"
    max = 20
    text = "操作时间与流程"
  [[event.module]]
  id = "B"
  name = "人文关怀 (三人评价)"
    [[event.module.aspect]]
    id = "B1"
    kind = "J"
    max = 30
    text = "沟通与人文关怀"
    [[event.module.aspect]]
    id = "B2"
    kind = "J"
    max = 30
    text = "整体表现"
"""


def _competition_toml(per_event: list[int]) -> str:
    s1, s2, s3, s4 = (n + 2 for n in per_event)
    users = "".join(f'\n[[user]]\nname = "{n}"\nrole = "{r}"\nunit = "{u}"\npin = "{p}"\n'
                    for n, r, p, u in DEMO_USERS)
    return f"""format = 1

[competition]
id = "DEMO-2026-001"
name = "2026年全省职工职业技能大赛（演示）"
organiser = "省总工会"
venue = "哈电集团实训基地"
level = "provincial"
date = 2026-09-25
verify_url = "https://verify.jiangxin.example/c"
{users}
[[event]]
id = "GJQG"
name = "工具钳工"
group = "职工组"
stations = {s1}
duration_min = 240
overtime = {{ rule = "deduct", points_per_min = 1, max_min = 10 }}
min_total_for_award = 60
awards = {{ rule = "quota", levels = ["一等奖", "二等奖", "三等奖"], shares = [0.1, 0.2, 0.3] }}
titles = [
  {{ places = [1, 3], title = "省技术能手", grade = "技师" }},
  {{ places = [4, 6], grade = "高级工" }},
]
  [[event.module]]
  id = "A"
  name = "配合件加工 (测量)"
    [[event.module.aspect]]
    id = "A1"
    kind = "M"
    max = 20
    text = "外形尺寸 60±0.02"
    nominal = 60.00
    bands = [[0.02, 20], [0.04, 10]]
    [[event.module.aspect]]
    id = "A2"
    kind = "M"
    max = 20
    text = "配合间隙 ≤0.04"
    [[event.module.aspect]]
    id = "A3"
    kind = "M"
    max = 20
    text = "表面粗糙度 Ra1.6"
  [[event.module]]
  id = "B"
  name = "工艺规范 (五人评分)"
    [[event.module.aspect]]
    id = "B1"
    kind = "P"
    max = 20
    judges = 5
    trim = 1
    text = "加工工艺合理"
  [[event.module]]
  id = "C"
  name = "外观质量 (三人评价)"
    [[event.module.aspect]]
    id = "C1"
    kind = "J"
    max = 20
    text = "整体外观"
  [[event.module]]
  id = "S"
  name = "安全文明生产"
    [[event.module.aspect]]
    id = "S1"
    kind = "D"
    max = 10
    text = "违规每次扣2分"

[[event]]
id = "HG"
name = "焊工"
group = "职工组"
stations = {s2}
duration_min = 120
weights = {{ theory = 0.3, practical = 0.7 }}
awards = {{ rule = "places", levels = ["金奖", "银奖", "铜奖"], honourable = "优胜奖", \
honourable_share = 0.5 }}
titles = [{{ places = [1, 3], title = "省技术能手", grade = "技师" }}]
  [[event.module]]
  id = "A"
  name = "焊缝外观"
    [[event.module.aspect]]
    id = "A1"
    kind = "M"
    max = 40
    text = "焊缝宽度 12±1"
    nominal = 12
    bands = [[0.5, 40], [1.0, 25], [1.5, 10]]
    [[event.module.aspect]]
    id = "A2"
    kind = "M"
    max = 30
    text = "焊缝余高"
  [[event.module]]
  id = "B"
  name = "内部质量"
    [[event.module.aspect]]
    id = "B1"
    kind = "P"
    max = 30
    judges = 5
    trim = 1
    text = "射线探伤评定"
    [[event.module.aspect]]
    id = "B2"
    kind = "D"
    max = 20
    text = "气孔每个扣5分"
{_scheme_ws(s3)}
[[event]]
id = "KD"
name = "快递员"
group = "职工组"
stations = {s4}
duration_min = 60
awards = {{ rule = "quota", levels = ["一等奖", "二等奖", "三等奖"], shares = [0.1, 0.2, 0.3] }}
  [[event.module]]
  id = "A"
  name = "分拣与封装"
    [[event.module.aspect]]
    id = "A1"
    kind = "M"
    max = 50
    text = "分拣准确率"
    [[event.module.aspect]]
    id = "A2"
    kind = "M"
    max = 50
    text = "封装规范"
"""


def _people(rng: random.Random, event: str, n: int, start_row: int) -> list[CompetitorRow]:
    out = []
    used: set[str] = set()
    for i in range(n):
        code, region = rng.choice(_REGIONS)
        while True:
            birth = f"{rng.randint(1970, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            seq = f"{rng.randint(0, 999):03d}"
            first17 = code + birth + seq
            if first17 not in used:
                used.add(first17)
                break
        idn = first17 + check_char(first17)
        gender = "男" if int(seq[-1]) % 2 else "女"
        name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN)
                                               for _ in range(rng.choice((1, 2))))
        out.append(CompetitorRow(start_row + i, name, idn, gender, rng.choice(_UNITS), region,
                                 event))
    return out


def _sign(c: Contest, name: str) -> None:
    pin = next(p for n, _, p, _ in DEMO_USERS if n == name)
    c.sign_in(name, pin)


def _marks_for(rng: random.Random, ev: Event, station: str, skill: float) -> list[MarkInput]:
    judges = ["赵一", "钱二", "孙三", "周四", "吴五"]
    out: list[MarkInput] = []
    for a in ev.aspects.values():
        for j in judges[:a.judges]:
            if a.kind == "J":
                score: Decimal | None = Decimal(max(0, min(3, round(skill * 3 + rng.uniform(-0.6,
                                                                                           0.6)))))
                out.append(MarkInput(ev.id, station, a.id, j, score, None))
            elif a.kind == "D":
                out.append(MarkInput(ev.id, station, a.id, j,
                                     Decimal(rng.choice([0, 0, 0, 2, 5])).min(a.max), None))
            elif a.has_bands:
                dev = Decimal(str(round(rng.gauss(0, (1.2 - skill) * float(a.bands[-1][0])), 3)))
                out.append(MarkInput(ev.id, station, a.id, j, None, a.nominal + dev))
            else:
                v = a.max * Decimal(str(min(1.0, max(0.0, skill + rng.uniform(-0.12, 0.08)))))
                out.append(MarkInput(ev.id, station, a.id, j, (v * 2).quantize(Decimal(1)) / 2,
                                     None))
    return out


def play_event(c: Contest, ev: Event, marks: Sequence[MarkInput], sign: Callable[[str], None],
               *, start: float, used: Mapping[str, int], theory: Callable[[], str],
               prefix: str = "", marks_file: str = "marks.csv",
               source: str = "theory.csv") -> None:
    """An event played through to its lock by the product's own operations, as the demo and
    the benchmarks' template contests need it: the marks typed twice (记分员甲, 记分员乙), the
    clocks run (``used`` seconds a workstation from ``start``), over-limit J spreads kept by
    the chief judge, theory scores (``theory()`` one after another, by workstation) sealed with
    the draw (recorded from ``source``), then locked. ``sign(name)`` signs that user in;
    ``prefix`` starts the reasons."""
    from db.ops.blind import lot_rows, seal_theory
    from db.ops.marking import override

    stations = sorted(used)
    for typist in ("记分员甲", "记分员乙"):  # blind double entry
        sign(typist)
        enter_marks(c, marks, file=marks_file)
    sign("裁判长")
    clock_action(c, ev.id, stations, "start", at=start)
    for st in stations:
        clock_action(c, ev.id, [st], "stop", at=start + used[st])
    for st in stations:
        for a in ev.aspects.values():
            if a.kind == "J":
                flagged = c.db.execute(
                    "SELECT flagged FROM aspect_marks WHERE event=? AND station=? AND "
                    "aspect=?", [ev.id, st, a.id]).fetchone()
                if flagged and flagged[0]:
                    override(c, ev.id, st, "spread", f"{prefix}评分差异经裁判组复议维持",
                             aspect=a.id)
    # theory before the lock (the lock gate refuses it after), keyed by candidate number:
    # the draw is sealed, so it is sealed too and joins its person at decryption
    rows = [{"candidate": r.candidate, "score": theory(), "row": n, "source": f"{source}:{n}"}
            for n, r in enumerate(sorted(lot_rows(c, ev.id), key=lambda r: r.station), start=2)]
    sign("admin")
    with c.write("theory.import", reason=source) as w:
        seal_theory(c, w, ev.id, rows)
    sign("裁判长")
    lock(c, ev.id, reason=f"{prefix}评分完成")


def write_demo(path: str | Path, *, size: int = 60, seed: int = 2026,
               passphrase: str | None = None) -> Path:
    """Write the demo contest to ``path`` (which must not exist).

    Its signing key is wrapped under ``passphrase``, else JIANGXIN_PASSPHRASE, else the demo
    default documented in the README (db.keys.passphrase.DEMO_PASSPHRASE).
    """
    from db.keys import passphrase as pp

    p = Path(path)
    rng = random.Random(seed)
    size = max(8, size)
    per = [size // 4 + (1 if i < size % 4 else 0) for i in range(4)]
    import os

    from db.keys.officer import DEMO_PASSPHRASE as DEMO_OFFICER_PASSPHRASE

    secret = passphrase or pp.current() or pp.DEMO_PASSPHRASE
    # the officer's key: JIANGXIN_OFFICER_PASSPHRASE, else JIANGXIN_PASSPHRASE, else the demo's
    officer_passphrase = (os.environ.get("JIANGXIN_OFFICER_PASSPHRASE")
                          or os.environ.get("JIANGXIN_PASSPHRASE") or DEMO_OFFICER_PASSPHRASE)
    c = Contest.create(p, _competition_toml(per), "demo-competition.toml", "admin", "0000",
                       passphrase=secret, officer_passphrase=officer_passphrase)
    people: list[CompetitorRow] = []
    row = 2
    for ev, n in zip(c.competition.events, per):
        people += _people(rng, ev.id, n, row)
        row += n
    add_competitors(c, people, "demo-competitors.csv")
    events = c.competition.events
    for i, ev in enumerate(events):
        draw(c, ev.id, seed=1000 + i, witness="监督员")
    now = time.time()
    for ev in events[:-1]:
        stations = sorted(by_station(c, ev.id))
        skills = {st: rng.uniform(0.45, 0.97) for st in stations}
        marks = [m for st in stations for m in _marks_for(rng, ev, st, skills[st])]
        used = {st: int(ev.limit_seconds * rng.uniform(0.7, 0.99)) for st in stations}
        play_event(c, ev, marks, lambda who: _sign(c, who), start=now - 86400 + i * 600,
                   used=used, theory=lambda: str(Decimal(rng.randint(550, 980)) / 10),
                   prefix="演示：", marks_file="demo-marks.csv", source="demo")
    _sign(c, "保密员")
    for ev in events[:-1]:
        decrypt(c, ev.id, officer_passphrase)
    _sign(c, "裁判长")
    for ev in events[:-1]:
        publish(c, ev.id, "演示公示")
    last = events[-1]
    stations = sorted(by_station(c, last.id))
    clock_action(c, last.id, stations, "start", at=now - 35 * 60)
    if len(stations) > 2:
        clock_action(c, last.id, [stations[1]], "pause", reason="设备故障：扫码枪失灵",
                     at=now - 20 * 60)
        clock_action(c, last.id, [stations[1]], "resume", at=now - 15 * 60)
        clock_action(c, last.id, [stations[1]], "extra", seconds=300,
                     reason="设备故障补时5分钟", at=now - 15 * 60)
    _sign(c, "记分员甲")
    partial = [m for st in stations[:3] for m in _marks_for(rng, last, st, 0.8)]
    enter_marks(c, partial, file="demo-marks.csv")
    c.session = None
    c.close()
    return p


def clocks_run_out(c: Contest, now: float | None = None) -> bool:
    """No workstation clock of any event is running or paused with time left: the demo's last
    event, started 35 minutes before the demo was written, has run out (a day later it always
    has), so the demo is no longer the ready contest it was written as."""
    for ev in c.competition.events:
        for st in clocks(c, ev.id, now).values():
            if st.state in ("running", "paused") and st.remaining_seconds > 0:
                return False
    return True
