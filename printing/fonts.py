"""The embedded CJK fonts: registration with reportlab, glyph coverage, per-character fallback."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Protocol

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from judging.certificate import CertificateData

SERIF = "NotoSerifSC"
SERIF_BOLD = "NotoSerifSC-Bold"
SANS = "NotoSansSC"
FALLBACK = "HanaMinB"
_FILES = {
    SERIF: "NotoSerifSC-Regular.ttf",
    SERIF_BOLD: "NotoSerifSC-Bold.ttf",
    SANS: "NotoSansSC-Regular.ttf",
    FALLBACK: "HanaMinB.ttf",
}
# The printed fields of a certificate, with their Chinese labels for messages.
CHECKED_FIELDS = {
    "name": "姓名",
    "unit": "单位",
    "competition": "赛事",
    "event": "赛项",
    "group": "组别",
    "award": "奖项",
    "title": "称号",
    "grade": "等级",
    "organiser": "主办单位",
    "serial": "证书编号",
    "id_masked": "身份证号",
    "date": "日期",
}


_make_to_unicode = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map, with characters beyond U+FFFF as UTF-16 pairs.

    reportlab writes such a character as five hex digits, so copying 𠮷 out of a PDF gave
    another character; the PDF specification wants the UTF-16BE code units.
    """
    text = str(_make_to_unicode(fontname, subset))
    for i, code in enumerate(subset):
        if code > 0xFFFF:
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            text = text.replace(f"<{i:02X}> <{code:04X}>", f"<{i:02X}> <{utf16}>")
    return text


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def font_path(name: str) -> str:
    """The file of a registered font name (a real file in assets/fonts)."""
    return str(files("assets").joinpath("fonts", _FILES[name]))


@cache
def register(name: str) -> str:
    """Register one font with reportlab (embedded as a subset when used); returns its name."""
    pdfmetrics.registerFont(TTFont(name, font_path(name)))
    return name


def register_fonts() -> None:
    """Register the three Noto fonts; the fallback is registered when first needed."""
    for name in (SERIF, SERIF_BOLD, SANS):
        register(name)


@cache
def coverage(name: str) -> frozenset[int]:
    """The code points a font has a glyph for."""
    font = pdfmetrics.getFont(register(name))
    assert isinstance(font, TTFont)
    return frozenset(font.face.charToGlyph)


def missing_glyphs(text: str, font: str = SERIF) -> list[str]:
    """Each distinct character of text that neither font nor the fallback can print, in order."""
    primary = coverage(font)
    missing: list[str] = []
    for ch in text:
        code = ord(ch)
        if code in primary or ch in missing:
            continue
        if unicodedata.category(ch).startswith("C") or code not in coverage(FALLBACK):
            missing.append(ch)
    return missing


@dataclass(frozen=True)
class GlyphProblem:
    """A character of a certificate field that no embedded font has."""

    serial: str
    person: str
    field: str
    value: str
    char: str

    @property
    def message(self) -> str:
        """The problem in words, Chinese first."""
        label = CHECKED_FIELDS.get(self.field, self.field)
        return (
            f"{self.person}（{self.serial}）{label}「{self.value}」中的字「{self.char}」"
            f"(U+{ord(self.char):04X}) 字库中没有 / no font has this character "
            f"in field {self.field}"
        )


def check_fields(
    certs: Iterable[CertificateData], font: str = SERIF
) -> list[GlyphProblem]:
    """Every character of every printed field that no embedded font covers, per person."""
    problems: list[GlyphProblem] = []
    for cert in certs:
        for field in CHECKED_FIELDS:
            value = getattr(cert, field) or ""
            for ch in missing_glyphs(value, font):
                problems.append(GlyphProblem(cert.serial, cert.name, field, value, ch))
    return problems


@lru_cache(maxsize=4096)
def runs(text: str, font: str) -> tuple[tuple[str, str], ...]:
    """Text split into (font, chars) runs: the fallback font only where the primary lacks a glyph.

    Raises ValueError for a character no font has (check_fields reports those beforehand).
    """
    primary = coverage(font)
    out: list[tuple[str, str]] = []
    for ch in text:
        if ord(ch) in primary:
            use = font
        elif ch in missing_glyphs(ch, font):
            raise ValueError(f"no font has {ch!r} (U+{ord(ch):04X})")
        else:
            use = register(FALLBACK)
        if out and out[-1][0] == use:
            out[-1] = (use, out[-1][1] + ch)
        else:
            out.append((use, ch))
    return tuple(out)


def text_width(text: str, font: str, size: float) -> float:
    """The width of text in points, with fallback glyphs measured in their own font."""
    return float(
        sum(
            pdfmetrics.stringWidth(chars, name, size)
            for name, chars in runs(text, font)
        )
    )


class _Canvas(Protocol):
    def setFont(
        self, psfontname: str, size: float, leading: float | None = None
    ) -> None: ...
    def drawString(self, x: float, y: float, text: str) -> None: ...


def draw_text(
    canvas: _Canvas,
    x: float,
    y: float,
    text: str,
    font: str,
    size: float,
    align: str = "left",
) -> float:
    """Draw text at a baseline, aligned left, centre or right of x; returns its width."""
    width = text_width(text, font, size)
    if align == "centre":
        x -= width / 2
    elif align == "right":
        x -= width
    for name, chars in runs(text, font):
        canvas.setFont(name, size)
        canvas.drawString(x, y, chars)
        x += pdfmetrics.stringWidth(chars, name, size)
    return width


def fit_size(
    text: str, font: str, size: float, max_width: float, min_size: float = 6
) -> float:
    """The largest size up to ``size`` at which text fits max_width (not below min_size)."""
    width = text_width(text, font, size)
    if width <= max_width:
        return size
    return max(min_size, size * max_width / width)
