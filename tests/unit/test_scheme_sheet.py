"""Marking schemes as spreadsheets: our layout, WorldSkills CIS, validation (db/files)."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.files.scheme_sheet import parse_bands, read_scheme_sheet, write_scheme_xlsx
from judging.errors import InputErrors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
COMPETITION = Path(__file__).resolve().parents[1] / "fixtures" / "example" / "competition.toml"


def example_modules() -> dict[str, Any]:
    data = tomllib.loads(COMPETITION.read_text(encoding="utf-8"), parse_float=Decimal)
    return {"module": data["event"][0]["module"]}


def sheet(tmp_path: Path, rows: list[list[Any]], name: str = "s.xlsx") -> Path:
    path = tmp_path / name
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def errors(path: Path) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputErrors) as info:
        read_scheme_sheet(path)
    return [(e.row, e.field, e.detail) for e in info.value.errors]


def test_libreoffice_sheet_equals_the_example_competition_file() -> None:
    scheme = read_scheme_sheet(FIXTURES / "scheme.xlsx")
    assert scheme == example_modules()
    a1 = scheme["module"][0]["aspect"][0]
    assert a1["bands"] == [[Decimal("0.02"), 8], [Decimal("0.04"), 4]]
    assert all(not isinstance(v, float) for v in a1.values())


def test_write_then_read_gives_the_same_scheme(tmp_path: Path) -> None:
    modules = example_modules()
    write_scheme_xlsx(modules, tmp_path / "out.xlsx")
    assert read_scheme_sheet(tmp_path / "out.xlsx") == modules
    write_scheme_xlsx(modules["module"], tmp_path / "list.xlsx")
    assert read_scheme_sheet(tmp_path / "list.xlsx") == modules


_ids = st.from_regex(r"[A-Z][0-9]{0,2}", fullmatch=True)


@st.composite
def schemes(draw: st.DrawFn) -> dict[str, Any]:
    """Valid schemes: M/J/P maxima summing to 100, plus optional D aspects."""
    count = draw(st.integers(1, 8))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1,
                                unique=True)))
    maxima = [b - a for a, b in zip([0, *cuts], [*cuts, 100])]
    modules: list[dict[str, Any]] = []
    for i, mx in enumerate(maxima):
        if i == 0 or draw(st.booleans()):
            name = " ".join(draw(st.text(st.sampled_from("模块测量外观ABC 1"), max_size=8)).split())
            modules.append({"id": f"M{len(modules)}", "name": name or "x", "aspect": []})
        kind = draw(st.sampled_from("MJP"))
        aspect: dict[str, Any] = {"id": f"A{i}", "kind": kind, "max": mx,
                                  "text": " ".join(draw(st.text(st.sampled_from("尺寸 ±0.2外观"),
                                                                max_size=10)).split())}
        if kind == "M" and draw(st.booleans()):
            aspect["nominal"] = Decimal("60.00")
            aspect["bands"] = [[Decimal("0.02"), mx], [Decimal("0.05"), Decimal(mx) / 2]]
        if kind == "P":
            aspect["judges"] = draw(st.integers(3, 7))
            aspect["trim"] = 1
        if kind == "J":
            aspect["judges"] = 3
            aspect["spread_limit"] = 1
        modules[-1]["aspect"].append(aspect)
    if draw(st.booleans()):
        modules[-1]["aspect"].append({"id": "S1", "kind": "D", "max": 10, "text": "安全"})
    return {"module": modules}


@settings(max_examples=30, deadline=None)
@given(schemes())
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory,
                             scheme: dict[str, Any]) -> None:
    path = tmp_path_factory.mktemp("scheme") / "s.xlsx"
    write_scheme_xlsx(scheme, path)
    assert read_scheme_sheet(path) == scheme


def test_every_inconsistency_is_named_by_row() -> None:
    found = errors(FIXTURES / "scheme_bad.xlsx")
    by_row: dict[int | None, set[str | None]] = {}
    for row, field, _ in found:
        by_row.setdefault(row, set()).add(field)
    assert by_row == {
        2: {"bands", "aspect"},  # unordered bands; duplicate id A1
        3: {"bands"},  # overlapping bands
        4: {"bands"},  # points above max
        5: {"aspect"},  # duplicate id A1
        6: {"judges"},  # P with judges <= 2 x trim
        7: {"kind"},  # unknown kind
        8: {"scale"},  # J scored 1-5
        None: {"max"},  # maxima sum to 95
    }
    texts = " ".join(d for _, _, d in found)
    assert "95" in texts and "order" in texts and "overlap" in texts


def test_libreoffice_cis_layout() -> None:
    scheme = read_scheme_sheet(FIXTURES / "scheme_cis.xlsx")
    assert [m["id"] for m in scheme["module"]] == ["A1", "B1"]
    assert scheme["module"][0]["name"] == "Dimensions"
    a = scheme["module"][0]["aspect"][0]
    assert a == {"id": "A1.1", "kind": "M", "max": 30, "text": "Overall length (60.00 ±0.02)"}
    assert [x["kind"] for x in scheme["module"][1]["aspect"]] == ["J", "J"]


def test_cis_judgement_scale_other_than_0_to_3(tmp_path: Path) -> None:
    rows = [
        ["Sub Criterion ID", "Sub Criterion Name or Description", "Aspect Type\nM = Meas\nJ = Judg",
         "Aspect - Description", "Judg Score", "Max Mark"],
        ["A1", "Finish", None, None, None, None],
        [None, None, "J", "Surface", None, 60],
        *[[None, None, None, None, s, None] for s in (1, 2, 3, 4, 5)],
        [None, None, "S", "Old subjective", None, 20],
        [None, None, "M", "Length", None, 40],
    ]
    found = errors(sheet(tmp_path, rows))
    assert (3, "Judg Score") in [(r, f) for r, f, _ in found]
    assert (9, "Aspect Type\nM = Meas\nJ = Judg") in [(r, f) for r, f, _ in found]


def test_chinese_kinds_and_continued_modules(tmp_path: Path) -> None:
    rows = [
        ["模块", "模块名称", "评分项", "类型", "配分", "评分内容", "裁判人数", "去掉最高最低"],
        ["A", "测量", "A1", "测量/客观", 40, "尺寸", None, None],
        [None, None, "A2", "评价", 30, "外观", None, None],
        ["B", "工艺", "B1", "主观评分", 30, "工艺", 7, 2],
        [None, None, "B2", "扣分", 5, "安全", None, None],
    ]
    scheme = read_scheme_sheet(sheet(tmp_path, rows))
    a, b = scheme["module"]
    assert [x["kind"] for x in a["aspect"]] == ["M", "J"]
    assert b["aspect"][0] == {"id": "B1", "kind": "P", "max": 30, "text": "工艺", "judges": 7,
                              "trim": 2}
    assert b["aspect"][1]["kind"] == "D"


def test_keys_only_for_their_kind(tmp_path: Path) -> None:
    rows = [
        ["module", "aspect", "kind", "max", "bands", "trim", "nominal"],
        ["A", "A1", "J", 50, "0.1:5", None, None],
        ["A", "A2", "M", 50, None, 1, 3],
    ]
    found = {(r, f) for r, f, _ in errors(sheet(tmp_path, rows))}
    assert found == {(2, "bands"), (3, "trim"), (3, "nominal")}


def test_empty_and_bad_cells(tmp_path: Path) -> None:
    rows = [
        ["module", "aspect", "kind", "max", "judges"],
        ["A", None, "M", 50, None],
        ["A", "A2", "M", None, None],
        ["A", "A3", "M", -5, None],
        ["A", "A4", "P", 50, "five"],
        [None, None, None, None, None],
    ]
    found = [(r, f) for r, f, _ in errors(sheet(tmp_path, rows))]
    assert (2, "aspect") in found and (3, "max") in found and (4, "max") in found
    assert (5, "judges") in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.02:8; 0.04:4", [[Decimal("0.02"), 8], [Decimal("0.04"), 4]]),
        ("±0.02=8，±0.04=4", [[Decimal("0.02"), 8], [Decimal("0.04"), 4]]),
        ("[[0.02, 8], [0.04, 4.5]]", [[Decimal("0.02"), 8], [Decimal("0.04"), Decimal("4.5")]]),
        ("0.05：6", [[Decimal("0.05"), 6]]),
    ],
)
def test_band_spellings(text: str, expected: list[list[Any]]) -> None:
    assert parse_bands(text) == expected


def test_bad_band_text() -> None:
    with pytest.raises(ValueError):
        parse_bands("0.02 8")
