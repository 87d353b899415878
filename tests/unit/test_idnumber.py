"""Resident ID numbers: check character, Excel-damage messages, masking (judging/idnumber.py)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from judging.idnumber import (
    birth_date,
    check_char,
    gender_from_id,
    is_valid_id_number,
    mask_id_number,
    validate_id_number,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "spreadsheets" / "src"


def example_ids() -> list[str]:
    with (EXAMPLES / "competitors_example.csv").open(encoding="utf-8-sig") as f:
        return [row["id_number"] for row in csv.DictReader(f)]


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    region = draw(st.integers(110000, 829999))
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date.today()))
    sequence = draw(st.integers(0, 999))
    first17 = f"{region:06d}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def test_check_characters_of_the_example_contest() -> None:
    ids = example_ids()
    assert len(ids) == 12
    for i in ids:
        assert check_char(i[:17]) == i[17]
        assert validate_id_number(i) == i


def test_check_char_x() -> None:
    assert check_char("23010219870512102") == "X"
    assert validate_id_number("23010219870512102x") == "23010219870512102X"


def test_check_char_needs_17_digits() -> None:
    with pytest.raises(ValueError):
        check_char("1234")


@given(valid_ids())
def test_valid_ids_round_trip(id_number: str) -> None:
    assert validate_id_number(id_number) == id_number
    assert validate_id_number(f" {id_number.lower()} ") == id_number
    assert birth_date(id_number).strftime("%Y%m%d") == id_number[6:14]


@given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_caught(id_number: str, position: int, char: str) -> None:
    changed = id_number[:position] + char + id_number[position + 1 :]
    if changed != id_number:
        assert not is_valid_id_number(changed)


def test_full_width_digits_are_normalised() -> None:
    assert validate_id_number("２３０２０２１９９９０８１６３７８０") == "230202199908163780"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2.30202E+17", ["scientific notation", "Text"]),
        ("2.30202199908164E+017", ["scientific notation", "文本"]),
        ("230202199908163780.0", ["decimal point"]),
        ("23020219990816378", ["17 digits", "X"]),
        ("2302021999081637", ["16 digits"]),
        ("230202990816378", ["15 digits"]),
        ("2302021999081637", ["表格软件"]),
    ],
)
def test_excel_damage_is_named(text: str, words: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        validate_id_number(text)
    for word in words:
        assert word in str(info.value)


def test_a_number_cell_is_never_trusted() -> None:
    # Excel kept 15 digits: 230202199908163000 passes the check character by chance.
    assert is_valid_id_number("230202199908163000")
    with pytest.raises(ValueError, match="stored the ID number as a number"):
        validate_id_number("230202199908163000", stored_as_number=True)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("2302021999081637801", "19 characters"),
        ("23020219990816378Y", "only digits"),
        ("2302021999A816378X", "only digits"),
        ("230202199913163786", "birth date"),
        ("230202189908163786", "out of range"),
        ("230202199908163781", "check character"),
    ],
)
def test_plain_reasons(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_id_number(text)


def test_bad_check_character_message_is_bilingual() -> None:
    with pytest.raises(ValueError, match="校验位"):
        validate_id_number("230202199908163781")


def test_mask_keeps_first_and_last_four() -> None:
    assert mask_id_number("230202199908163780") == "2302**********3780"
    assert mask_id_number("23010219870512102x") == "2301**********102X"
    assert mask_id_number("1234") == "****"


def test_gender_and_birth_date() -> None:
    assert gender_from_id("231002198504146875") == "男"
    assert gender_from_id("230202199908163780") == "女"
    assert birth_date("230202199908163780") == dt.date(1999, 8, 16)
    with pytest.raises(ValueError):
        gender_from_id("230202199908163781")
