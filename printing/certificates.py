"""Award certificates (获奖证书) as a PDF: one page each, signed QR code, embedded CJK subset."""

from __future__ import annotations

import datetime as dt
import math
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from judging.certificate import CertificateData
from judging.certificate import CertificateTemplate as CertificateTemplate  # re-exported
from judging.errors import InputError
from printing import fonts
from printing.qr import draw_qr, qr_code

Progress = Callable[[int, int], None]
RED = (0.62, 0.09, 0.10)
GOLD = (0.74, 0.58, 0.30)
INK = (0.13, 0.12, 0.11)
GREY = (0.42, 0.40, 0.38)
_NO_LINE_START = set("，。、；：？！）》」』”’·…—%")
_NO_LINE_END = set("（《「『“‘")


PORTRAIT = CertificateTemplate(orientation="portrait")


def page_size(t: CertificateTemplate) -> tuple[float, float]:
    """The page size of a template in points: A4, landscape or portrait."""
    w, h = landscape(A4) if t.orientation == "landscape" else A4
    return float(w), float(h)


_DIGITS = "〇一二三四五六七八九"


def chinese_date(iso: str) -> str:
    """2020-09-25 → 二〇二〇年九月二十五日."""
    day = dt.date.fromisoformat(iso)

    def small(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (
            ("" if tens < 2 else _DIGITS[tens])
            + ("十" if tens else "")
            + (_DIGITS[ones] if ones else "")
        ) or "〇"

    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{small(day.month)}月{small(day.day)}日"


def _values(cert: CertificateData) -> dict[str, str]:
    event_group = f"{cert.event}（{cert.group}）" if cert.group else cert.event
    return {
        "name": cert.name,
        "unit": cert.unit,
        "competition": cert.competition,
        "event": cert.event,
        "group": cert.group,
        "event_group": event_group,
        "award": cert.award or "",
        "title": cert.title or "",
        "grade": cert.grade or "",
        "place": str(cert.place or ""),
    }


# ---------------------------------------------------------------- paragraphs

Span = tuple[str, str, bool]  # text, font, emphasised


def _spans(template: str, values: Mapping[str, str]) -> list[Span]:
    out: list[Span] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            out.append((literal, fonts.SERIF, False))
        if name:
            out.append((values.get(name, ""), fonts.SERIF_BOLD, True))
    return out


def _wrap(
    spans: list[Span], size: float, width: float, indent: float
) -> list[list[Span]]:
    """Lines of spans, broken between any two CJK characters, keeping punctuation rules and
    never breaking inside a filled-in value (a name, an event) that fits on a line: such a
    value moves whole to the next line (no "工具钳 / 工")."""
    chars: list[tuple[str, str, bool, int]] = []
    for n, (text, font, emph) in enumerate(spans):
        chars += [(ch, font, emph, n if emph else -1) for ch in text]
    span_width = {n: fonts.text_width(text, font, size)
                  for n, (text, font, emph) in enumerate(spans) if emph}
    lines: list[list[tuple[str, str, bool, int]]] = [[]]
    used = indent
    for ch, font, emph, group in chars:
        w = fonts.text_width(ch, font, size)
        if used + w > width and lines[-1]:
            carry: list[tuple[str, str, bool, int]] = []
            if group >= 0 and span_width[group] <= width:
                while lines[-1] and lines[-1][-1][3] == group:
                    carry.insert(0, lines[-1].pop())
            if not carry and ch in _NO_LINE_START and len(lines[-1]) > 1:
                carry = [lines[-1].pop()]
                held = carry[0][3]  # a value ending the line goes with its punctuation whole
                if held >= 0 and span_width[held] <= width:
                    while lines[-1] and lines[-1][-1][3] == held:
                        carry.insert(0, lines[-1].pop())
            while lines[-1] and lines[-1][-1][0] in _NO_LINE_END:
                carry.insert(0, lines[-1].pop())
            if not lines[-1]:  # nothing left to keep on this line: break where we are
                lines[-1], carry = carry, []
            lines.append(carry)
            used = sum(fonts.text_width(c, f, size) for c, f, _e, _g in carry)
        lines[-1].append((ch, font, emph, group))
        used += w
    out: list[list[Span]] = []
    for line in lines:
        merged: list[Span] = []
        for ch, font, emph, _g in line:
            if merged and merged[-1][1] == font and merged[-1][2] == emph:
                merged[-1] = (merged[-1][0] + ch, font, emph)
            else:
                merged.append((ch, font, emph))
        out.append(merged)
    return [line for line in out if line]


def _draw_line(c: Canvas, x: float, y: float, line: list[Span], size: float) -> None:
    for text, font, emph in line:
        c.setFillColorRGB(*(RED if emph and font == fonts.SERIF_BOLD else INK))
        x += fonts.draw_text(c, x, y, text, font, size)


# ---------------------------------------------------------------- frame


def _frame(c: Canvas, w: float, h: float) -> None:
    """Border, corner frets and a faint rosette, as one form drawn on every page."""
    outer, inner = 9 * mm, 12.5 * mm
    c.setStrokeColorRGB(*RED)
    c.setLineWidth(3.2)
    c.rect(outer, outer, w - 2 * outer, h - 2 * outer)
    c.setLineWidth(0.8)
    c.rect(
        outer + 2.2 * mm,
        outer + 2.2 * mm,
        w - 2 * outer - 4.4 * mm,
        h - 2 * outer - 4.4 * mm,
    )
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(1.1)
    c.rect(
        inner + 1.5 * mm,
        inner + 1.5 * mm,
        w - 2 * inner - 3 * mm,
        h - 2 * inner - 3 * mm,
    )
    # 回纹 frets in the corners: a square spiral, mirrored into each corner, with a tail.
    u = 1.7 * mm
    spiral = [
        (9, 0),
        (0, 0),
        (0, 6),
        (6, 6),
        (6, 1.5),
        (1.5, 1.5),
        (1.5, 4.5),
        (4.5, 4.5),
        (4.5, 3),
        (3, 3),
    ]
    tail = [(0, 9), (0, 0)]
    for sx, sy, ox, oy in ((1, 1, 0, 0), (-1, 1, w, 0), (1, -1, 0, h), (-1, -1, w, h)):
        for shape, colour, lw in ((spiral, RED, 1.1), (tail, RED, 1.1)):
            path = c.beginPath()
            for j, (px, py) in enumerate(shape):
                x = ox + sx * (inner + 3.5 * mm + px * u)
                y = oy + sy * (inner + 3.5 * mm + py * u)
                (path.moveTo if j == 0 else path.lineTo)(x, y)
            c.setStrokeColorRGB(*colour)
            c.setLineWidth(lw)
            c.drawPath(path, stroke=1, fill=0)
        c.setFillColorRGB(*GOLD)
        c.circle(
            ox + sx * (inner + 3.5 * mm + 8.4 * u),
            oy + sy * (inner + 3.5 * mm + 8.4 * u),
            0.8 * mm,
            stroke=0,
            fill=1,
        )
    # A faint guilloche rosette behind the body text.
    cx, cy = w / 2, h * 0.52
    radius = min(w, h) * 0.30
    c.setStrokeColorRGB(0.96, 0.90, 0.80)
    c.setLineWidth(0.35)
    for k in range(24):
        path = c.beginPath()
        phase = 2 * math.pi * k / 24
        for j in range(121):
            t = 2 * math.pi * j / 120
            r = (
                radius
                * (0.62 + 0.38 * math.cos(3 * t))
                * (0.9 + 0.1 * math.cos(8 * t + phase))
            )
            x, y = cx + r * math.cos(t + phase), cy + r * math.sin(t + phase)
            (path.moveTo if j == 0 else path.lineTo)(x, y)
        c.drawPath(path, stroke=1, fill=0)


def _heading_ornament(c: Canvas, cx: float, y: float, half: float) -> None:
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(0.9)
    c.line(cx - half, y, cx - 5 * mm, y)
    c.line(cx + 5 * mm, y, cx + half, y)
    c.setFillColorRGB(*RED)
    d = 2.2 * mm
    path = c.beginPath()
    path.moveTo(cx, y + d)
    path.lineTo(cx + d, y)
    path.lineTo(cx, y - d)
    path.lineTo(cx - d, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    c.setFillColorRGB(*GOLD)
    for s in (-1, 1):
        c.circle(cx + s * 3.6 * mm, y, 0.7 * mm, stroke=0, fill=1)


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class _Geometry:
    w: float
    h: float
    heading_y: float
    body_x: float
    body_w: float
    body_top: float
    qr_x: float
    qr_y: float
    qr_size: float
    sign_x: float
    sign_y: float
    info_x: float
    info_y: float


def _geometry(template: CertificateTemplate) -> _Geometry:
    """Where things go. The QR code is large (50 mm landscape, 48 mm portrait: modules of
    0.7 mm and more, for a phone at arm's length) and its quiet zone (4 modules) is kept clear
    of the corner frets (which end 31.3 mm from the page's edges) and of all text: the short
    code and the hint stand to its right, in the information block."""
    w, h = page_size(template)
    if template.orientation == "landscape":
        return _Geometry(
            w,
            h,
            h - 47 * mm,
            42 * mm,
            w - 84 * mm,
            h - 70 * mm,
            40 * mm,
            24 * mm,
            50 * mm,
            w - 72 * mm,
            45 * mm,
            97 * mm,
            66 * mm,
        )
    return _Geometry(
        w,
        h,
        h - 62 * mm,
        30 * mm,
        w - 60 * mm,
        h - 95 * mm,
        36 * mm,
        26 * mm,
        48 * mm,
        w - 62 * mm,
        100 * mm,
        91 * mm,
        66 * mm,
    )


def _page(
    c: Canvas, cert: CertificateData, t: CertificateTemplate, g: _Geometry
) -> None:
    if t.preprinted:
        _variable_text(c, cert, t, g)
        return
    if t.background:
        c.drawImage(t.background, 0, 0, g.w, g.h, preserveAspectRatio=False)
    if t.draw_frame:
        c.doForm("frame")
    # Heading, letter-spaced.
    size = 46.0 if t.orientation == "landscape" else 50.0
    chars = list(t.heading)
    gap = size * 0.55
    total = sum(fonts.text_width(ch, fonts.SERIF_BOLD, size) for ch in chars) + gap * (
        len(chars) - 1
    )
    x = g.w / 2 - total / 2
    c.setFillColorRGB(*RED)
    for ch in chars:
        x += fonts.draw_text(c, x, g.heading_y, ch, fonts.SERIF_BOLD, size) + gap
    _heading_ornament(c, g.w / 2, g.heading_y - 8 * mm, 62 * mm)
    _variable_text(c, cert, t, g)


def _variable_text(
    c: Canvas, cert: CertificateData, t: CertificateTemplate, g: _Geometry
) -> None:
    values = _values(cert)
    # Salutation: the name large.
    y = g.body_top
    sal = _spans(t.salutation, values)
    x = g.body_x
    for text, font, emph in sal:
        s = 24 if emph else 18
        c.setFillColorRGB(*(INK))
        width = fonts.draw_text(c, x, y, text, font, s)
        if emph:
            c.setStrokeColorRGB(*GOLD)
            c.setLineWidth(0.8)
            c.line(x - 1 * mm, y - 2.2 * mm, x + width + 1 * mm, y - 2.2 * mm)
        x += width + (2 * mm if emph else 0)
    # Body paragraphs.
    size, leading = (17.0, 31.0) if t.orientation == "landscape" else (17.0, 34.0)
    body = t.wording.get(cert.award or "", t.body if cert.award else t.body_no_award)
    paragraphs = [body]
    if cert.title:
        paragraphs.append(t.title_line)
    if cert.grade:
        paragraphs.append(t.grade_line)
    paragraphs.append(t.closing)
    y -= leading * 1.25
    for para in paragraphs:
        spans = _spans(para, values)
        for i, line in enumerate(_wrap(spans, size, g.body_w, 2 * size)):
            _draw_line(c, g.body_x + (2 * size if i == 0 else 0), y, line, size)
            y -= leading
    _signature(c, cert, t, g)
    _verification(c, cert, t, g)
    if cert.duplicate:
        _duplicate_mark(c, g)


def _signature(
    c: Canvas, cert: CertificateData, t: CertificateTemplate, g: _Geometry
) -> None:
    size = 15.0
    name_size = fonts.fit_size(cert.organiser, fonts.SERIF, size, 70 * mm, 9)
    c.setFillColorRGB(*INK)
    fonts.draw_text(
        c, g.sign_x, g.sign_y, cert.organiser, fonts.SERIF, name_size, "centre"
    )
    fonts.draw_text(
        c,
        g.sign_x,
        g.sign_y - 9 * mm,
        chinese_date(cert.date),
        fonts.SERIF,
        size,
        "centre",
    )
    if t.seal and not t.preprinted:
        d = 42 * mm
        c.drawImage(
            t.seal, g.sign_x - d / 2, g.sign_y - 4.5 * mm - d / 2, d, d, mask="auto"
        )
    elif t.seal_placeholder and not t.preprinted:
        c.setFillColorRGB(*GREY)
        fonts.draw_text(
            c,
            g.sign_x,
            g.sign_y + 11 * mm,
            t.seal_placeholder,
            fonts.SERIF,
            11,
            "centre",
        )


QUIET_MODULES = 4  # the quiet zone ISO/IEC 18004 asks for around the symbol


def qr_box(cert: CertificateData, t: CertificateTemplate) -> tuple[float, float, float, float]:
    """(x, y, width, height) in points of the QR code with its quiet zone: nothing else is
    drawn there (tests check it on the rendered page)."""
    g = _geometry(t)
    code = qr_code(cert.qr_text, "M")
    quiet = QUIET_MODULES * g.qr_size / code.size
    return g.qr_x - quiet, g.qr_y - quiet, g.qr_size + 2 * quiet, g.qr_size + 2 * quiet


def _verification(
    c: Canvas, cert: CertificateData, t: CertificateTemplate, g: _Geometry
) -> None:
    if cert.qr_text:
        code = qr_code(cert.qr_text, "M")
        draw_qr(c, code, g.qr_x, g.qr_y, g.qr_size)
    y = g.info_y
    if cert.short_code:
        c.setFillColorRGB(*GREY)
        w = fonts.draw_text(c, g.info_x, y, t.short_code_label + "：", fonts.SANS, 11)
        c.setFillColorRGB(*INK)
        fonts.draw_text(c, g.info_x + w, y, cert.short_code, fonts.SANS, 13)
        y -= 7.5 * mm
    rows = [
        ("证书编号", cert.serial),
        ("身份证号", cert.id_masked),
        ("工作单位", cert.unit),
    ]
    for label, value in rows:
        if not value:
            continue
        c.setFillColorRGB(*GREY)
        w = fonts.draw_text(c, g.info_x, y, label + "：", fonts.SANS, 9.5)
        c.setFillColorRGB(*INK)
        vs = fonts.fit_size(value, fonts.SANS, 9.5, 68 * mm, 6)
        fonts.draw_text(c, g.info_x + w, y, value, fonts.SANS, vs)
        y -= 6 * mm
    c.setFillColorRGB(*GREY)
    fonts.draw_text(c, g.info_x, y - 2 * mm, t.verify_hint, fonts.SANS, 8.5)


def _duplicate_mark(c: Canvas, g: _Geometry) -> None:
    c.saveState()
    c.translate(g.w - 52 * mm, g.h - 36 * mm)
    c.rotate(12)
    c.setStrokeColorRGB(*RED)
    c.setFillColorRGB(*RED)
    c.setLineWidth(1.6)
    c.roundRect(-24 * mm, -7 * mm, 48 * mm, 15 * mm, 2 * mm)
    fonts.draw_text(c, 0, -1.6 * mm, "补发 DUPLICATE", fonts.SANS, 15, "centre")
    c.restoreState()


# ---------------------------------------------------------------- batch


def template_problems(t: CertificateTemplate) -> list[str]:
    """Characters of the template's fixed texts that no embedded font has, in words."""
    return [f"证书模板「{text}」中的字「{ch}」(U+{ord(ch):04X}) 字库中没有 / no font has this "
            "character" for text in t.texts() for ch in fonts.missing_glyphs(text)]


def check_certificates(
    certs: Sequence[CertificateData], template: CertificateTemplate | None = None
) -> list[str]:
    """Every problem that would stop printing, in words: characters no font has, missing QR."""
    t = template or CertificateTemplate()
    problems = [p.message for p in fonts.check_fields(certs)] + template_problems(t)
    for cert in certs:
        if not cert.qr_text:
            problems.append(f"{cert.name}（{cert.serial}）没有签名二维码 / not signed")
    return problems


def render_certificates(
    certs: Sequence[CertificateData],
    template: CertificateTemplate | None = None,
    out: str | Path | BinaryIO = "certificates.pdf",
    progress: Progress | None = None,
) -> None:
    """Write one page per certificate to out (a path or a binary file).

    Everything is checked first (check_certificates): any problem raises InputError listing
    them all, and nothing is written. Pages are streamed into one canvas; progress(done, total)
    is called after each page.
    """
    t = template or CertificateTemplate()
    problems = check_certificates(certs, t)
    if problems:
        raise InputError(
            "不能打印证书 / cannot print certificates:\n" + "\n".join(problems)
        )
    fonts.register_fonts()
    g = _geometry(t)
    c = Canvas(
        out if not isinstance(out, Path) else str(out),
        pagesize=page_size(t),
        pageCompression=1,
        initialFontName=fonts.SANS,  # never a reference to a font that is not embedded
    )
    c.setTitle("获奖证书")
    c.setCreator("匠心 Jiangxin")
    if t.draw_frame and not t.preprinted:
        c.beginForm("frame")
        _frame(c, g.w, g.h)
        c.endForm()
    total = len(certs)
    for i, cert in enumerate(certs, start=1):
        _page(c, cert, t, g)
        c.showPage()
        if progress:
            progress(i, total)
    c.save()


class PdfCertificates:
    """The certificate printer that db.ops.certificates is handed (its CertificatePrinter):
    the check before anything is signed, and the render callable that writes the PDF."""

    def check(self, certs: Sequence[CertificateData], template: CertificateTemplate
              ) -> list[str]:
        """Characters of the fields (unsigned yet) or of the template that no font has."""
        return [p.message for p in fonts.check_fields(certs)] + template_problems(template)

    def render(self, certs: Sequence[CertificateData], template: CertificateTemplate,
               out: str | Path | BinaryIO, progress: Progress | None = None) -> None:
        """One page per signed certificate to ``out`` (render_certificates)."""
        render_certificates(certs, template, out, progress)


PDF = PdfCertificates()
