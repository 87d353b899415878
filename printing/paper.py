"""Paper sizes the venue prints on: A4, A3 and the 16开 / 8开 sizes certificate blanks come in.

Chinese paper is cut from two parent sheets: 正度 (787 × 1092 mm) and 大度 (889 × 1194 mm).
A 16开 sheet is a sixteenth of one, an 8开 sheet an eighth; the sizes below are the trimmed
(净) sizes printers and stationers sell, in millimetres. 荣誉证书 inner sheets (内芯) are most
often 大16开 or 正16开 (and 8开 for large ones); A4 and A3 are the office sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

from judging.errors import InputError

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Paper:
    key: str  # what --paper takes
    zh: str
    en: str
    width_mm: float  # portrait: width < height
    height_mm: float

    @property
    def points(self) -> tuple[float, float]:
        """(width, height) in points, portrait."""
        return self.width_mm * MM, self.height_mm * MM

    def oriented(self, landscape: bool) -> tuple[float, float]:
        w, h = self.points
        return (h, w) if landscape else (w, h)

    @property
    def cups_media(self) -> str:
        """The CUPS ``media`` option: a standard name, else a custom size in millimetres."""
        if self.key in ("A4", "A3", "A5"):
            return self.key
        return f"Custom.{self.width_mm:g}x{self.height_mm:g}mm"

    @property
    def label(self) -> str:
        return f"{self.zh} {self.width_mm:g}×{self.height_mm:g} mm"


PAPERS: dict[str, Paper] = {p.key: p for p in (
    Paper("A4", "A4", "A4", 210, 297),
    Paper("A3", "A3", "A3", 297, 420),
    Paper("A5", "A5", "A5", 148, 210),
    Paper("16K", "正16开", "16K (正度)", 185, 260),
    Paper("big16K", "大16开", "big 16K (大度)", 210, 285),
    Paper("8K", "正8开", "8K (正度)", 260, 370),
    Paper("big8K", "大8开", "big 8K (大度)", 285, 420),
)}
_ALIASES = {"16开": "16K", "正16开": "16K", "正度16开": "16K", "大16开": "big16K",
            "大度16开": "big16K", "8开": "8K", "正8开": "8K", "大8开": "big8K",
            "大度8开": "big8K"}


def paper(name: str) -> Paper:
    """The paper called ``name`` (A4, A3, 16K, big16K, 8K, big8K or the Chinese names)."""
    key = _ALIASES.get(name.strip(), name.strip())
    for k, p in PAPERS.items():
        if k.lower() == key.lower():
            return p
    raise InputError(f"unknown paper size {name!r}; one of {', '.join(PAPERS)} / 未知纸张规格",
                     field="--paper")


def paper_for_size(width_pt: float, height_pt: float, tolerance: float = 2.0) -> Paper | None:
    """The paper whose size (either orientation) is within ``tolerance`` points."""
    short, long_ = sorted((width_pt, height_pt))
    for p in PAPERS.values():
        w, h = p.points
        if abs(w - short) <= tolerance and abs(h - long_) <= tolerance:
            return p
    return None
