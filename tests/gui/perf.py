"""A contest with many stations and aspects, for the marking grid's performance figures."""

from __future__ import annotations

from pathlib import Path

from db.files.competitor_file import CompetitorRow
from db.ops.people import add_competitors, draw
from db.store.contest import Contest
from judging.idnumber import check_char


def build_big_contest(path: Path, *, stations: int = 60, aspects: int = 60) -> Path:
    # maxima must sum to 100: 100 // aspects each, the remainder spread over the first ones
    base, extra = divmod(100, aspects)
    asp = "".join(f'\n    [[event.module.aspect]]\n    id = "A{i + 1}"\n    kind = "M"\n'
                  f'    max = {base + (1 if i < extra else 0)}\n    text = "项目{i + 1}"\n'
                  for i in range(aspects))
    toml = f"""format = 1
[competition]
id = "BIG"
name = "大规模测试"
organiser = "测试"
venue = "测试"
level = "city"
date = 2026-01-01
[[user]]
name = "管理"
role = "admin"
unit = "组委会"
pin = "0000"
[[user]]
name = "录入"
role = "recorder"
unit = "组委会"
pin = "1111"
[[user]]
name = "评委"
role = "judge"
unit = "评委会"
pin = "2222"
[[event]]
id = "BIG"
name = "大赛项"
group = "职工组"
stations = {stations}
duration_min = 60
  [[event.module]]
  id = "A"
  name = "全部"
{asp}"""
    c = Contest.create(path, toml, "big.toml", "管理", "0000")
    people = []
    for i in range(stations):
        first17 = f"230102199001{(i % 28) + 1:02d}{i:03d}"
        people.append(CompetitorRow(i + 2, f"选手{i}", first17 + check_char(first17), "男",
                                    "某厂", "哈尔滨", "BIG"))
    add_competitors(c, people, "big.csv")
    draw(c, "BIG", seed=1)
    c.close()
    return path
