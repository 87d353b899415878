"""What a certificate says: the printed fields, shared by printing/ and verification."""

from __future__ import annotations

from dataclasses import dataclass


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
