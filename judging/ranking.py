"""Ranking with the tie-break chain, awards, titles and the WorldSkills scale (contracts §2)."""

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
    placed = [s for s in standings if s.placed]
    others = [s for s in standings if not s.placed]
    placed.sort(key=lambda s: (_sort_key(event, s), s.station or "", s.key))
    ranked: list[Standing] = []
    prev_key: tuple[object, ...] | None = None
    place = 0
    for i, s in enumerate(placed):
        k = _sort_key(event, s)
        if k != prev_key:
            place = i + 1
            prev_key = k
        ranked.append(replace(s, place=place))
    if event.scale == "worldskills":
        ranked = apply_scale(ranked)
    ranked = assign_awards(event, ranked)
    ranked = assign_titles(event, ranked)
    others.sort(key=lambda s: (s.station or "", s.key))
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


def apply_scale(placed: list[Standing]) -> list[Standing]:
    scales = scale_scores([s.total for s in placed])
    return [replace(s, scale=v) for s, v in zip(placed, scales)]


def quota_cutoffs(n: int, shares: Sequence[Decimal]) -> list[int]:
    """Last place of each level: round_half_up(N × (s1 + … + sk))."""
    cut: list[int] = []
    acc = ZERO
    for share in shares:
        acc += share
        cut.append(round_half_up_int(Decimal(n) * acc))
    return cut


def _eligible(event: Event, s: Standing) -> bool:
    return event.min_total_for_award is None or s.total >= event.min_total_for_award


def assign_awards(event: Event, placed: list[Standing]) -> list[Standing]:
    rule = event.awards
    n = len(placed)
    out = []
    cutoffs = quota_cutoffs(n, rule.shares) if rule.rule == "quota" else []
    hon_cut = round_half_up_int(Decimal(n) * rule.honourable_share)
    for s in placed:
        assert s.place is not None
        award: str | None = None
        if rule.rule == "quota":
            for level, cut in zip(rule.levels, cutoffs):
                if s.place <= cut:
                    award = level
                    break
        elif rule.rule == "places":
            if s.place <= len(rule.levels):
                award = rule.levels[s.place - 1]
            elif rule.honourable and s.place <= hon_cut:
                award = rule.honourable
        elif rule.rule == "worldskills":
            if s.place <= 3:
                award = rule.levels[s.place - 1]
            elif s.scale is not None and s.scale >= 700:
                award = rule.levels[3]
        if not _eligible(event, s):
            award = None
        out.append(replace(s, award=award))
    return out


def assign_titles(event: Event, placed: list[Standing]) -> list[Standing]:
    out = []
    for s in placed:
        title = grade = None
        for t in event.titles:
            if s.place is not None and t.first <= s.place <= t.last:
                if title is None and t.title:
                    title = t.title
                if grade is None and t.grade:
                    grade = t.grade
        out.append(replace(s, title=title, grade=grade))
    return out
