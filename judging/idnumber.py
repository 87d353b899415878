"""Resident ID numbers (GB 11643): check character, validation with Excel-damage hints, masking."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]+)?E[+-]?[0-9]+$")
_DIGITS_DOT_ZERO = re.compile(r"^([0-9]+)\.0+$")

EXCEL_HINT = (
    "it looks like a spreadsheet stored the ID number as a number, which keeps only 15 digits "
    "and drops the X; format the column as Text and type the numbers again "
    "(身份证号被表格软件存成了数字, 只保留15位且丢失X; 请把该列设为“文本”格式后重新录入)"
)


def _shown(raw: str) -> str:
    """An ID number as it may appear in a message: first 4 and last 4 only."""
    if len(raw) <= 8:
        return "*" * len(raw)
    return raw[:4] + "*" * (len(raw) - 8) + raw[-4:]


def check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_char needs exactly 17 digits (需要17位数字)")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\u200b\ufeff]+", "", text).upper()


def validate_id_number(text: str, *, stored_as_number: bool = False) -> str:
    """Return the 18-character ID number normalised (upper-case X), or raise ValueError.

    The message is plain and bilingual. ``stored_as_number`` says the spreadsheet cell held a
    number rather than text: such an ID cannot be trusted (Excel keeps 15 significant digits,
    LibreOffice 17, and neither can hold an X), so it is refused with a hint whatever its digits.
    """
    raw = _normalise(text)
    if not raw:
        raise ValueError("the ID number is empty (身份证号为空)")
    if stored_as_number:
        raise ValueError(f"{_shown(raw)}: {EXCEL_HINT}")
    if _SCIENTIFIC.match(raw):
        raise ValueError(f"{_shown(raw)} is in scientific notation: {EXCEL_HINT}")
    dotted = _DIGITS_DOT_ZERO.match(raw)
    if dotted:
        raise ValueError(f"{_shown(raw)} ends in a decimal point: {EXCEL_HINT}")
    if raw.isascii() and raw.isdigit() and 15 <= len(raw) <= 17:
        if len(raw) == 15:
            reason = (
                "has 15 digits: an old 15-digit ID number, or a spreadsheet cut it short; "
                "the 18-digit number is needed (身份证号只有15位: 旧的15位号码或被表格软件截断, "
                "请提供18位号码)"
            )
            raise ValueError(f"{_shown(raw)} {reason}; {EXCEL_HINT}")
        raise ValueError(
            f"{_shown(raw)} has {len(raw)} digits, 18 are needed: the last characters (often an X) "
            f"were lost (身份证号只有{len(raw)}位, 末尾字符可能丢失); {EXCEL_HINT}"
        )
    if len(raw) != 18:
        raise ValueError(
            f"{_shown(raw)} has {len(raw)} characters, 18 are needed "
            f"(身份证号应为18位, 此处为{len(raw)}位)"
        )
    body, last = raw[:17], raw[17]
    if not (body.isascii() and body.isdigit()) or not (last == "X" or last.isdigit()):
        raise ValueError(
            f"{_shown(raw)}: only digits and a final X are allowed (身份证号只能由数字和末位X组成)"
        )
    try:
        birth = _dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise ValueError(
            f"{_shown(raw)}: the birth date is not a real date (出生日期无效)"
        ) from None
    if birth.year < 1900 or birth > _dt.date.today():
        raise ValueError(
            f"{_shown(raw)}: the birth date is out of range (出生日期不在合理范围)"
        )
    expected = check_char(body)
    if last != expected:
        hint = ""
        if raw.endswith("000"):
            hint = f"; {EXCEL_HINT}"
        raise ValueError(
            f"{_shown(raw)}: the check character is wrong, a digit was probably mistyped "
            f"(身份证号校验位不符, 可能有数字录错){hint}"
        )
    return raw


def is_valid_id_number(text: str) -> bool:
    """True when ``text`` is a valid 18-character ID number."""
    try:
        validate_id_number(text)
    except ValueError:
        return False
    return True


def mask_id_number(id_number: str) -> str:
    """The first 4 and last 4 characters with the rest starred: ``2302**********3780``."""
    s = _normalise(id_number)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def birth_date(id_number: str) -> _dt.date:
    """The birth date encoded in a valid ID number."""
    s = validate_id_number(id_number)
    return _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))


def gender_from_id(id_number: str) -> str:
    """``男`` or ``女`` from the 17th digit (odd: male, even: female)."""
    s = validate_id_number(id_number)
    return "男" if int(s[16]) % 2 else "女"
