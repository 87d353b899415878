"""The competition file's loader speaks to the organiser: every refusal names the file and the
field, says what was found, in Chinese and in English (issue 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from judging.errors import InputError, InputErrors
from judging.scheme import load_competition
from tests.conftest import cli, example_competition

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[A-Za-z]+ [A-Za-z]{2,}\b")  # two English words

BAD = """format = 1
[competition]
id = "T"
name = "测试"
level = "galaxy"
date = "2026-13-45"
verify_url = "ftp://x y"

[[user]]
name = "甲"
role = "king"
pin = "12"
events = "E"

[[user]]
name = "甲"
role = "chief"
pin = "123456"
events = ["NOPE"]

[[event]]
id = "E"
name = "e"
stations = 0
duration_min = 60
weights = { theory = 0.5, practical = 0.6 }
tie_break = ["luck"]
scale = "metric"
overtime = { rule = "forgive" }
awards = { rule = "lottery" }
titles = [{ places = [3, 1], title = "x" }]
  [[event.module]]
  id = "A"
  [[event.module.aspect]]
  id = "A1"
  kind = "Q"
  max = -5
  [[event.module.aspect]]
  id = "A2"
  kind = "P"
  max = 90
  judges = 2
  [[event.module.aspect]]
  id = "A3"
  kind = "J"
  max = 3
  bands = [[0.1, 1]]
  [[event.module.aspect]]
  id = "A4"
  kind = "M"
  max = 4
  bands = [[0.2, 1], [0.1, 9], ["x"]]

[[event]]
id = "F"
name = "f"
stations = 2
duration_min = 60
awards = { rule = "quota", levels = ["一等奖", "二等奖"], shares = [0.6, 0.6, 0.1] }
  [[event.module]]
  id = "B"
  [[event.module.aspect]]
  id = "B1"
  kind = "M"
  max = 100

[[event]]
id = "G"
name = "g"
stations = 2
duration_min = 60
scale = "worldskills"
awards = { rule = "worldskills", levels = ["金", "银"] }
  [[event.module]]
  id = "C"
"""

# field -> what the message must quote of the file (the value found, or the count)
QUOTED = {
    "competition.level": "galaxy",
    "competition.date": "2026-13-45",
    "competition.verify_url": "ftp://x y",
    "user[1].role": "king",
    "user[1].pin": "6",
    "user[1].events": "\"E\"",
    "user.name": "甲",
    "user[2].events": "NOPE",
    "event.E.stations": "0",
    "event.E.weights": "0.6",
    "event.E.tie_break": "luck",
    "event.E.scale": "metric",
    "event.E.overtime": "forgive",
    "event.E.awards.rule": "lottery",
    "event.E.titles[1].places": "[3, 1]",
    "event.E.module.A.aspect.A1.kind": "Q",
    "event.E.module.A.aspect.A1.max": "-5",
    "event.E.module.A.aspect.A2.judges": "2",
    "event.E.module.A.aspect.A3.bands": "J",
    "event.E.module.A.aspect.A4.bands": "0.1",
    "event.E.module": "",
    "event.F.awards.shares": "0.6",
    "event.G.awards.levels": "2",
    "event.G.module.C.aspect": "",
}


def test_every_refusal_names_file_field_and_value_in_both_languages() -> None:
    with pytest.raises(InputErrors) as e:
        load_competition(BAD, "赛事.toml")
    errors = e.value.errors
    fields = {err.field for err in errors}
    assert set(QUOTED) <= fields, sorted(set(QUOTED) - fields)
    for err in errors:
        text = str(err)
        assert err.file == "赛事.toml" and text.startswith("赛事.toml, field "), text
        assert err.field, text
        assert CJK.search(err.detail), f"no Chinese: {text}"
        assert ENGLISH.search(err.detail), f"no English: {text}"
    for field, quoted in QUOTED.items():
        said = [err.detail for err in errors if err.field == field]
        assert any(quoted in d for d in said), f"{field}: {quoted!r} not quoted in {said}"
    assert not any("Decimal(" in str(err) for err in errors)  # values as the file writes them


@pytest.mark.parametrize("text", [
    "format = 1\n[competition\n",  # not TOML
    "format = 1\n",  # no [competition]
])
def test_a_file_that_is_not_a_competition_file_says_so_in_both_languages(text: str) -> None:
    with pytest.raises(InputError) as e:
        load_competition(text, "x.toml")
    assert e.value.file == "x.toml"
    assert CJK.search(e.value.detail) and ENGLISH.search(e.value.detail), str(e.value)


def test_init_from_a_bad_competition_file_says_why_and_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # as an organiser meets it: one typo in the example's file, then `init`
    good = example_competition(tmp_path)
    bad = tmp_path / "赛事.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace("stations = 12", 'stations = "十二"'),
                   encoding="utf-8")
    db = tmp_path / "contest.jxdb"
    assert cli("init", bad, "--db", db, who="admin") == 2
    err = capsys.readouterr().err
    assert "赛事.toml" in err and "stations" in err and "十二" in err
    assert CJK.search(err.split("stations", 1)[1]) and "expected" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["competition.toml", "赛事.toml"]
