"""Paper forms: what each sheet shows, and what it must never show."""

from __future__ import annotations

import io
import json
import re

import pypdfium2 as pdfium
import pytest

from printing.forms import (
    FormAspect,
    FormEvent,
    FormModule,
    PersonRow,
    checkin_list,
    draw_sheet,
    marking_sheets,
    results_list,
    summary_sheets,
)
from tests.conftest import EXAMPLES

MODULES = (
    FormModule(
        "A",
        "零件加工",
        (
            FormAspect("A1", "M", "8", "外形尺寸 60±0.02 mm"),
            FormAspect("A3", "J", "9", "表面粗糙度与外观", 3),
            FormAspect("A4", "P", "20", "装配配合与功能", 5),
            FormAspect("A5", "D", "10", "安全文明生产"),
        ),
    ),
    FormModule("B", "装配调试", (FormAspect("B1", "J", "12", "工艺规范", 3),)),
)
EVENT = FormEvent(
    "2020年黑龙江省职工职业技能大赛工具钳工决赛",
    "GJQG",
    "工具钳工",
    "职工组",
    "黑龙江省总工会",
    "哈尔滨",
    "2020-09-25",
    MODULES,
    tuple(f"{i:02d}" for i in range(1, 31)),
)
PEOPLE = [
    PersonRow(
        "王建国",
        "哈尔滨东安汽车发动机制造有限公司",
        "2302**********378X",
        "GJQG-001",
        "07",
    ),
    PersonRow("阿卜杜热合曼·买买提明", "大庆油田有限责任公司", "6501**********0011"),
]
SHA = "3f7a" * 16


def pages_text(pdf: bytes) -> list[str]:
    return [
        re.sub(r"\s", "", p.get_textpage().get_text_range())
        for p in pdfium.PdfDocument(pdf)
    ]


def make(fn, *args, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    fn(EVENT, *args, out, **kw) if args else fn(EVENT, out, **kw)
    return pages_text(out.getvalue())


def test_marking_sheet_shows_stations_judge_columns_and_signatures_never_names() -> (
    None
):
    pages = make(marking_sheets)
    text = "".join(pages)
    assert all(f"{i:02d}" in text for i in range(1, 31))
    assert (
        "裁判5" in text
        and "满分20" in text
        and "裁判员签名" in text
        and "裁判长签名" in text
    )
    assert "模块A" in pages[0] and any("模块B" in p for p in pages)
    assert "王建国" not in text and "哈尔滨东安" not in text
    only_b = make(marking_sheets, module_ids=["B"])
    assert all("模块A" not in p for p in only_b)


def test_summary_sheet_one_page_per_station() -> None:
    pages = make(summary_sheets, stations=["01", "02", "03"])
    assert len(pages) == 3
    assert all(f"工位号{s}" in p for s, p in zip(["01", "02", "03"], pages))
    assert all("实操成绩" in p and "复核员" in p for p in pages)


def test_draw_sheet_and_check_in_list() -> None:
    draw = "".join(make(draw_sheet, PEOPLE, seed="42", witness="褚监督"))
    assert "GJQG-001" in draw and "随机种子42" in draw and "褚监督" in draw
    checkin = "".join(make(checkin_list, PEOPLE))
    assert "2302**********378X" in checkin and "阿卜杜热合曼·买买提明" in checkin
    assert "15分钟" in checkin


@pytest.fixture(scope="module")
def results() -> dict:  # type: ignore[type-arg]
    data = json.loads((EXAMPLES / "expected-results.json").read_text(encoding="utf-8"))
    return dict(data, decrypted=True, snapshot=2)


def test_results_list_after_decryption_by_place_with_the_hash(results: dict) -> None:  # type: ignore[type-arg]
    [page] = make(results_list, results, sha256=SHA)
    first = min(
        (r for r in results["rows"] if r["place"] == 1), key=lambda r: r["station"]
    )
    assert first["name"] in page and SHA in page and "第2次公示" in page
    ranked = sorted(results["rows"], key=lambda r: (r["place"] or 99, r["station"]))
    positions = [page.index(r["name"] + r["candidate"]) for r in ranked]
    assert positions == sorted(positions)


def test_results_list_before_decryption_shows_no_names(results: dict) -> None:  # type: ignore[type-arg]
    hidden = dict(
        results,
        decrypted=False,
        rows=[dict(r, name=None, unit=None) for r in results["rows"]],
    )
    [page] = make(results_list, hidden, sha256=SHA)
    assert "按工位号" in page and SHA in page
    for r in results["rows"]:
        assert r["name"] not in page
        assert r["candidate"] in page
