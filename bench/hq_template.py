"""The real contest every synthetic headquarters file is derived from.

Headquarters believes no stated result: it recomputes every result from the marks a file
carries (db/files/recompute.py). So the benchmark's files must be real contests. Running
10,758 contests through the engine would take hours; instead one contest per file size is
run through the product's own operations (competition file, competitor list, sealed draw,
blind double entry by two recorders, clocks, theory, lock, decryption, publication) and its
export body is the template. Each synthetic file is that body with its own people, units,
regions, competition, trades, contest id, device and key (bench/bench_hq.py make_body), so
its stated results are exactly what the rules give for its marks.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from judging.idnumber import check_char  # noqa: E402

EVENTS = 3
JUDGES = ("赵一", "钱二", "孙三")
USERS = [("admin", "admin", "100000"), ("裁判长", "chief", "111111"),
         ("赵一", "judge", "200001"), ("钱二", "judge", "200002"), ("孙三", "judge", "200003"),
         ("记分员甲", "recorder", "300001"), ("记分员乙", "recorder", "300002"),
         ("保密员", "encryption", "400000"), ("监督员", "supervisor", "500000")]
PASSPHRASE = "bench-template-passphrase"
OFFICER = "bench-officer-passphrase"
# the template's own values, replaced in every file made from it
COMP_ID, COMP_NAME, ORGANISER = "TPL-COMP", "模板赛事", "模板主办"
DATE, LEVEL = "2025-02-03", "city"


def name_token(k: int) -> str:
    return f"模板选手{k:05d}"


def unit_token(k: int) -> str:
    return f"模板单位{k:05d}"


def region_token(k: int) -> str:
    return f"模板地区{k:05d}"


def trade_token(e: int) -> str:
    return f"模板工种{e + 1}"


def id_token(k: int) -> str:
    """A valid resident ID number no real person has (born 1900 + k days)."""
    import datetime as dt

    first17 = f"110101{dt.date(1900, 1, 1) + dt.timedelta(days=k):%Y%m%d}{k % 1000:03d}"
    return first17 + check_char(first17)


def competition_toml(per_event: int) -> str:
    users = "".join(f'\n[[user]]\nname = "{n}"\nrole = "{r}"\nunit = "总工会"\npin = "{p}"\n'
                    for n, r, p in USERS)
    events = "".join(f"""
[[event]]
id = "E{e + 1}"
name = "{trade_token(e)}"
group = "{("职工组", "学生组", "教师组")[e % 3]}"
stations = {per_event}
duration_min = 240
weights = {{ theory = 0.3, practical = 0.7 }}
overtime = {{ rule = "deduct", points_per_min = 1, max_min = 10 }}
awards = {{ rule = "quota", levels = ["一等奖", "二等奖", "三等奖"], shares = [0.1, 0.2, 0.3] }}
titles = [
  {{ places = [1, 3], title = "技术能手", grade = "技师" }},
  {{ places = [4, 6], grade = "高级工" }},
]
  [[event.module]]
  id = "M1"
  name = "加工 (测量)"
{"".join(f'''    [[event.module.aspect]]
    id = "A{a}"
    kind = "M"
    max = 16
    text = "尺寸{a}"
''' for a in range(1, 6))}  [[event.module]]
  id = "M2"
  name = "工艺与安全"
    [[event.module.aspect]]
    id = "B1"
    kind = "J"
    max = 10
    text = "工艺"
    [[event.module.aspect]]
    id = "B2"
    kind = "J"
    max = 10
    text = "外观"
    [[event.module.aspect]]
    id = "D1"
    kind = "D"
    max = 3
    text = "安全违规扣分"
""" for e in range(EVENTS))
    return f"""format = 1

[competition]
id = "{COMP_ID}"
name = "{COMP_NAME}"
organiser = "{ORGANISER}"
venue = "实训基地"
level = "{LEVEL}"
date = {DATE}
{users}{events}"""


def build(per_file: int, *, seed: int = 7) -> dict[str, Any]:
    """The unsigned export body of a finished contest of ``per_file`` participations (3
    events), made by the product's own operations in a temporary folder."""
    import os

    os.environ.setdefault("JIANGXIN_SCRYPT_N", str(2 ** 12))  # a throwaway key
    from db.files.competitor_file import CompetitorRow
    from db.files.exchange import build_body
    from db.keys.contest_key import unlock_private_key
    from db.ops.demo import play_event
    from db.ops.marking import MarkInput
    from db.ops.people import add_competitors, by_station, draw
    from db.ops.results import decrypt, publish
    from db.store.checkpoints import sign_head
    from db.store.contest import Contest

    r = random.Random(seed)
    per_event = max(1, per_file // EVENTS)
    pins = {n: p for n, _, p in USERS}
    with tempfile.TemporaryDirectory() as d:
        c = Contest.create(Path(d) / "template.jxdb", competition_toml(per_event),
                           "competition.toml", "admin", pins["admin"], passphrase=PASSPHRASE,
                           officer_passphrase=OFFICER)
        people = [CompetitorRow(k + 2, name_token(k), id_token(k), "男" if k % 2 else "女",
                                unit_token(k), region_token(k), f"E{k // per_event + 1}")
                  for k in range(per_event * EVENTS)]
        add_competitors(c, people, "list.csv")
        events = c.competition.events
        now = time.time() - 86400
        for i, ev in enumerate(events):
            draw(c, ev.id, seed=1000 + i, witness="监督员")
        for i, ev in enumerate(events):
            stations = sorted(by_station(c, ev.id))
            marks = []
            for st in stations:
                skill = r.uniform(0.3, 0.98)
                for a in ev.aspects.values():
                    for j in JUDGES[:a.judges]:
                        if a.kind == "J":
                            v = max(0, min(3, round(skill * 3 + r.uniform(-0.6, 0.6))))
                        elif a.kind == "D":
                            v = r.choice([0, 0, 0, 0, 1, 2])
                        else:
                            v = round(float(a.max) * min(1.0, skill + r.uniform(-0.15, 0.1)))
                            v = max(0, v)
                        marks.append(MarkInput(ev.id, st, a.id, j, Decimal(v), None))
            used = {st: int(ev.limit_seconds * r.uniform(0.7, 1.03))  # a few over time
                    for st in stations}
            play_event(c, ev, marks, lambda who: c.sign_in(who, pins[who]),
                       start=now + i * 600, used=used, theory=lambda: str(r.randint(40, 100)),
                       marks_file="sheet.csv")
        c.sign_in("保密员", pins["保密员"])
        for ev in events:
            decrypt(c, ev.id, OFFICER)
        c.sign_in("裁判长", pins["裁判长"])
        for ev in events:
            publish(c, ev.id, "公示")
        c.sign_in("admin", pins["admin"])
        sign_head(c, "export", private=unlock_private_key(c, PASSPHRASE))
        body = build_body(c, exported_by="admin")
        c.close()
    return body


if __name__ == "__main__":
    t = time.perf_counter()
    b = build(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
    print(f"built in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    sizes = {k: len(json.dumps(v, ensure_ascii=False)) for k, v in b["tables"].items()}
    print(json.dumps(sizes, indent=0), file=sys.stderr)
    print(json.dumps(b, ensure_ascii=False)[:3000])
