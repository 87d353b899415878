"""What a certificate says (the printed fields) and how it looks (the template kept with the
contest): plain data shared by db/ (which issues and records), printing/ (which draws) and
verification."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CertificateData:
    """One award certificate as printed. ``id_masked`` is first 4 and last 4 of the ID number."""

    serial: str  # e.g. "HLJ-2020-GJQG-F-GJQG-0001"
    name: str
    id_masked: str  # "2302**********3780"
    unit: str
    competition: str
    event: str  # event name, e.g. "工具钳工"
    group: str  # e.g. "职工组"
    award: str | None
    title: str | None
    grade: str | None
    date: str  # ISO date "2020-09-25"
    organiser: str
    place: int | None = None
    duplicate: bool = False  # 补发: a reprint
    qr_text: str = ""  # the full QR content (URL with signed payload after '#')
    short_code: str = ""  # printed under the QR for typing


# The WorldSkills rule's award strings as a certificate says them in Chinese (a competition
# file's own `levels` names are printed as written).
WORLDSKILLS_AWARDS_ZH = {"Gold": "金牌", "Silver": "银牌", "Bronze": "铜牌",
                         "Medallion for Excellence": "优胜奖"}


def certificate_award(award: str | None, rule: str) -> str | None:
    """The award as printed and signed on a certificate: WorldSkills' stock English award
    strings in Chinese (金牌, 银牌, 铜牌, 优胜奖); every other award as it is."""
    if award is not None and rule == "worldskills":
        return WORLDSKILLS_AWARDS_ZH.get(award, award)
    return award


@dataclass(frozen=True)
class CertificateTemplate:
    """How certificates look and read: a contest setting. Wording uses {field} placeholders.

    Placeholders: name, unit, competition, event, group, event_group (工具钳工（职工组）),
    award, title, grade, place. ``wording`` maps an award string to its own body text.
    """

    orientation: str = "landscape"  # or "portrait"
    heading: str = "荣誉证书"
    salutation: str = "{name} 同志："
    body: str = "在{competition}“{event_group}”项目中，成绩优异，荣获{award}。"
    body_no_award: str = "在{competition}“{event_group}”项目中，成绩优良。"
    wording: Mapping[str, str] = field(default_factory=dict)
    title_line: str = "授予“{title}”称号。"
    grade_line: str = "晋升{grade}职业技能等级。"
    closing: str = "特发此证，以资鼓励。"
    seal_placeholder: str = "（盖章）"
    background: str | None = (
        None  # an image under everything (e.g. a scanned paper design)
    )
    seal: str | None = None  # a PNG with transparency placed over organiser and date
    draw_frame: bool = True  # the vector border; off when a background already has one
    verify_hint: str = "手机扫码核验 Scan to verify"
    short_code_label: str = "验证码"
    # 套打: pre-printed stock already has the border, the heading and the seal line, so only
    # the variable text (name, wording, organiser, date, serial, QR) is printed
    preprinted: bool = False

    def texts(self) -> list[str]:
        """Every fixed text printed, for the glyph check."""
        return [
            self.heading,
            self.salutation,
            self.body,
            self.body_no_award,
            self.title_line,
            self.grade_line,
            self.closing,
            self.seal_placeholder,
            self.verify_hint,
            self.short_code_label,
            *self.wording.values(),
        ]
