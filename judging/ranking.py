"""Ranking with the tie-break chain, awards, titles and the WorldSkills scale (docs/rules.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from statistics import median as _median

from judging.decimals import ZERO, round_half_up, round_half_up_int
from judging.scheme import Event

STATUSES = ("ok", "absent", "withdrawn", "terminated", "disqualified")
PLACED_STATUSES = ("ok", "terminated")
MAD_FACTOR = Decimal("1.4826")


@dataclass(frozen=True)
class Standing:
    """One competitor's computed scores, before and after ranking."""

    key: str  # any stable id (competitor uid)
    station: str | None
    candidate: str | None
    theory: Decimal | None
    practical: Decimal
    total: Decimal
    time_used_s: int | None
    status: str = "ok"
    place: int | None = None
    award: str | None = None
    title: str | None = None
    grade: str | None = None
    scale: int | None = None

    @property
    def placed(self) -> bool:
        return self.status in PLACED_STATUSES


def _sort_key(event: Event, s: Standing) -> tuple[object, ...]:
    """Smaller sorts first. Compares the values as rounded to the event's decimals."""
    d = event.decimals
    key: list[object] = [-s.total]
    for tb in event.tie_break:
        if tb == "time_used":
            key.append((1, 0) if s.time_used_s is None else (0, s.time_used_s))
        elif tb == "practical":
            key.append(-round_half_up(s.practical, d))
        elif tb == "theory":
            key.append(-round_half_up(s.theory if s.theory is not None else ZERO, d))
    return tuple(key)


def rank(event: Event, standings: Sequence[Standing]) -> list[Standing]:
    """Places (1, 2, 2, 4) for the placed, then awards, titles and scale.

    Returns the standings in ranking order: placed ones by place (ties by station), then
    the others by station. Equal keys share a place; input order never breaks a tie.
    """
    keyed = sorted(((_sort_key(event, s), s) for s in standings if s.placed),
                   key=lambda ks: (ks[0], ks[1].station or "", ks[1].key))
    places: list[int] = []
    for i, (k, _) in enumerate(keyed):
        places.append(places[-1] if i and k == keyed[i - 1][0] else i + 1)
    placed = [s for _, s in keyed]
    scales: list[int | None] = (list(scale_scores([s.total for s in placed]))
                                if event.scale == "worldskills" else [None] * len(placed))
    awards = _Awards(event, len(placed))
    ranked = []
    for s, place, scale in zip(placed, places, scales):
        title, grade = title_for(event, place)
        ranked.append(replace(s, place=place, scale=scale, award=awards.award(s, place, scale),
                              title=title, grade=grade))
    others = sorted((s for s in standings if not s.placed), key=lambda s: (s.station or "", s.key))
    return ranked + [replace(s, place=None, award=None, title=None, grade=None, scale=None)
                     for s in others]


def scale_scores(totals: Sequence[Decimal]) -> list[int]:
    """700 + 30 × (total − median) / (1.4826 × MAD), clamped to 0..1000, rounded half up."""
    if not totals:
        return []
    med = Decimal(_median(totals))
    mad = Decimal(_median([abs(t - med) for t in totals]))
    out = []
    for t in totals:
        if mad == 0:
            out.append(700)
            continue
        value = Decimal(700) + Decimal(30) * (t - med) / (MAD_FACTOR * mad)
        value = min(max(value, ZERO), Decimal(1000))
        out.append(round_half_up_int(value))
    return out


def quota_cutoffs(n: int, shares: Sequence[Decimal]) -> list[int]:
    """Last place of each level: round_half_up(N × (s1 + … + sk))."""
    cut: list[int] = []
    acc = ZERO
    for share in shares:
        acc += share
        cut.append(round_half_up_int(Decimal(n) * acc))
    return cut


class _Awards:
    """The event's award rule for N placed competitors."""

    def __init__(self, event: Event, n: int) -> None:
        self.event = event
        self.rule = event.awards
        self.cutoffs = quota_cutoffs(n, self.rule.shares) if self.rule.rule == "quota" else []
        self.hon_cut = round_half_up_int(Decimal(n) * self.rule.honourable_share)

    def award(self, s: Standing, place: int, scale: int | None) -> str | None:
        rule = self.rule
        mta = self.event.min_total_for_award
        if mta is not None and s.total < mta:
            return None
        if rule.rule == "quota":
            for level, cut in zip(rule.levels, self.cutoffs):
                if place <= cut:
                    return level
        elif rule.rule == "places":
            if place <= len(rule.levels):
                return rule.levels[place - 1]
            if rule.honourable and place <= self.hon_cut:
                return rule.honourable
        elif rule.rule == "worldskills":
            if place <= 3:
                return rule.levels[place - 1]
            if scale is not None and scale >= 700:
                return rule.levels[3]
        return None


def title_for(event: Event, place: int) -> tuple[str | None, str | None]:
    """(title, grade) by place: the first entry giving a title sets it, likewise the grade."""
    title = grade = None
    for t in event.titles:
        if t.first <= place <= t.last:
            if title is None and t.title:
                title = t.title
            if grade is None and t.grade:
                grade = t.grade
    return title, grade
