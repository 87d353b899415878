"""The 套打 calibration page: where this printer really puts a point meant for (20 mm, 20 mm).

Printed on the paper the certificates go on (with the printer's current offset applied),
it carries a cross at 20 mm from the left and top edges (A), the same at the other corners
(B, C, D) and one at the centre, each labelled with its intended position, and mm scales
beside A. Measure with a ruler the distance from the sheet's left edge and top edge to the
centre of cross A: X and Y. The new offset is the current one plus (20 − X, 20 − Y);
:func:`corrected_offset` does the sum and the app and ``jiangxin print --measured X,Y``
remember it for this printer.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from judging.errors import InputError
from printing import fonts
from printing.paper import MM, Paper

MARK_MM = 20.0


def corrected_offset(current: tuple[float, float], measured: tuple[float, float]
                     ) -> tuple[float, float]:
    """The offset to remember after cross A was measured at ``measured`` (mm)."""
    x, y = measured
    if not (0 < x < 60 and 0 < y < 60):
        raise InputError(f"cross A measured at {x:g}, {y:g} mm: it is printed at about "
                         f"{MARK_MM:g} mm from the left and top edges; measure its centre "
                         "/ 请量十字A中心到纸张左边、上边的距离", field="--measured")
    return (round(current[0] + MARK_MM - x, 2), round(current[1] + MARK_MM - y, 2))


def _cross(c: Canvas, x: float, y: float, label: str) -> None:
    arm = 8 * MM
    c.setLineWidth(0.3)
    c.line(x - arm, y, x + arm, y)
    c.line(x, y - arm, x, y + arm)
    c.circle(x, y, 2 * MM, stroke=1, fill=0)
    fonts.draw_text(c, x + 2.5 * MM, y + 2.5 * MM, label, fonts.SANS, 7)


def _scale(c: Canvas, horizontal: bool, w: float, h: float) -> None:
    """A mm scale from 5 to 45 mm along the top (horizontal) or the left edge."""
    c.setLineWidth(0.2)
    for mm in range(5, 46):
        long_ = 4 if mm % 10 == 0 else (2.5 if mm % 5 == 0 else 1.5)
        if horizontal:
            x = mm * MM
            c.line(x, h - 8 * MM, x, h - (8 + long_) * MM)
            if mm % 10 == 0:
                fonts.draw_text(c, x, h - 15.5 * MM, str(mm), fonts.SANS, 5, "centre")
        else:
            y = h - mm * MM
            c.line(8 * MM, y, (8 + long_) * MM, y)
            if mm % 10 == 0:
                fonts.draw_text(c, 13 * MM, y - 0.6 * MM, str(mm), fonts.SANS, 5)


def calibration_page(out: Path, paper: Paper, landscape: bool = True,
                     current: tuple[float, float] = (0.0, 0.0), printer: str = "") -> Path:
    """Write the calibration page for ``paper`` to ``out`` (vector, one page)."""
    fonts.register_fonts()
    w, h = paper.oriented(landscape)
    c = Canvas(str(out), pagesize=(w, h))
    c.setTitle("套打校准页 calibration")
    c.setCreator("匠心 Jiangxin")
    m = MARK_MM * MM
    wmm, hmm = w / MM, h / MM
    for x, y, label in ((m, h - m, f"A {MARK_MM:g},{MARK_MM:g} mm"),
                        (w - m, h - m, f"B {wmm - MARK_MM:g},{MARK_MM:g} mm"),
                        (m, m, f"C {MARK_MM:g},{hmm - MARK_MM:g} mm"),
                        (w - m, m, f"D {wmm - MARK_MM:g},{hmm - MARK_MM:g} mm"),
                        (w / 2, h / 2, f"E {wmm / 2:g},{hmm / 2:g} mm")):
        _cross(c, x, y, label)
    _scale(c, True, w, h)
    _scale(c, False, w, h)
    lines = [
        ("套打校准页", 16),
        (f"纸张 {paper.label} · 打印机 {printer or '默认'} · 当前偏移 右 {current[0]:g} mm, "
         f"下 {current[1]:g} mm", 9),
        ("用直尺量十字A中心到纸张左边的距离X、到上边的距离Y（单位毫米），", 10),
        ("在“证书打印 → 套打校准”中填入X、Y并保存；以后这台打印机的套打都按此修正。", 10),
        ("Calibration page for pre-printed stock", 12),
        ("Measure the centre of cross A from the sheet's left edge (X) and top edge (Y)",
         9),
        ("in mm; enter X, Y in Certificates > Calibrate (or jiangxin print --measured X,Y).",
         9),
    ]
    y = h / 2 - 16 * MM  # below the centre cross
    for text, size in lines:
        fonts.draw_text(c, w / 2, y, text, fonts.SANS, size, "centre")
        y -= size * 1.8
    c.showPage()
    c.save()
    return out
