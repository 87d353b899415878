"""Aspect marks, practical and total scores (docs/rules.md), in exact decimals."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from judging.decimals import ZERO, round_half_up
from judging.scheme import Aspect, Event, Overtime

THREE = Decimal(3)


def band_points(aspect: Aspect, measured: Decimal) -> Decimal:
    """Points for a measured value: the first band whose tolerance holds |measured − nominal|."""
    deviation = abs(measured - aspect.nominal)
    for tolerance, points in aspect.bands:
        if deviation <= tolerance:
            return points
    return ZERO


def check_value(aspect: Aspect, score: Decimal | None, measured: Decimal | None) -> str | None:
    """Why a typed value is not acceptable for this aspect, or None when it is."""
    if score is not None and measured is not None:
        return "give either score or measured, not both / 分数与实测值只能填一个"
    if measured is not None:
        if not aspect.has_bands:
            return f"aspect {aspect.id} has no tolerance bands; type the points as score"
        return None
    if score is None:
        if aspect.has_bands:
            return f"aspect {aspect.id} needs the measured value (measured) / 需填写实测值"
        return "score is empty / 分数为空"
    if aspect.kind == "J":
        if score not in (0, 1, 2, 3):
            return f"a J score is 0, 1, 2 or 3 (got {score}) / 评价分只能为0–3"
        return None
    if score < 0 or score > aspect.max:
        return f"{score} is outside 0..{aspect.max} / 超出范围"
    return None


def entry_points(aspect: Aspect, score: Decimal | None, measured: Decimal | None) -> Decimal:
    """One judge's points for the aspect (bands applied to a measured value)."""
    if measured is not None:
        return band_points(aspect, measured)
    return score if score is not None else ZERO


@dataclass(frozen=True)
class AspectMark:
    """The mark of one aspect for one workstation."""

    value: Decimal  # rounded to the event's decimals; D marks are positive deductions
    entries: int
    complete: bool
    spread: Decimal | None = None  # J only: max − min of the judges' scores
    spread_flagged: bool = False


def aspect_mark(aspect: Aspect, points: Sequence[Decimal], decimals: int) -> AspectMark:
    """Combine the judges' points (one per judge) into the aspect's mark."""
    n = len(points)
    complete = n >= aspect.judges
    if n == 0:
        return AspectMark(ZERO, 0, False)
    spread: Decimal | None = None
    flagged = False
    if aspect.kind == "M":
        raw = sum(points, ZERO) / n
    elif aspect.kind == "J":
        raw = sum(points, ZERO) / n / THREE * aspect.max
        spread = max(points) - min(points)
        flagged = spread > aspect.spread_limit
    elif aspect.kind == "P":
        ordered = sorted(points)
        if n > 2 * aspect.trim:
            kept = ordered[aspect.trim: n - aspect.trim]
        else:  # incomplete panel: average what there is so far
            kept = ordered
        raw = sum(kept, ZERO) / len(kept)
    else:  # D
        raw = min(sum(points, ZERO), aspect.max)
    return AspectMark(round_half_up(raw, decimals), n, complete, spread, flagged)


def raw_practical(event: Event, marks: Mapping[str, AspectMark]) -> Decimal:
    """Σ M, J, P marks − Σ D marks, at least 0, before any overtime penalty."""
    plus = ZERO
    minus = ZERO
    for aspect_id, mark in marks.items():
        aspect = event.aspects[aspect_id]
        if aspect.kind == "D":
            minus += mark.value
        else:
            plus += mark.value
    return max(plus - minus, ZERO)


def minutes_over(used_seconds: int | None, limit_seconds: int) -> int:
    """Started minutes over the limit (1 second over is 1 minute)."""
    if used_seconds is None or used_seconds <= limit_seconds:
        return 0
    return math.ceil((used_seconds - limit_seconds) / 60)


@dataclass(frozen=True)
class OvertimePenalty:
    """What the event's overtime rule does to one workstation's practical.

    ``minutes``: started minutes over the limit; ``points``: points taken off (0 in time or
    under the rule "stop"); ``zeroed``: the practical becomes 0 (rule "zero", or more minutes
    over than ``max_min``)."""

    minutes: int
    points: Decimal = ZERO
    zeroed: bool = False

    @property
    def applies(self) -> bool:
        return self.zeroed or self.points > 0


def overtime_penalty(overtime: Overtime, used_seconds: int | None,
                     limit_seconds: int) -> OvertimePenalty:
    """The overtime rule's penalty for a time used against the limit (extra time included)."""
    over = minutes_over(used_seconds, limit_seconds)
    if over == 0 or overtime.rule == "stop":
        return OvertimePenalty(over)
    if overtime.rule == "zero" or (overtime.max_min is not None and over > overtime.max_min):
        return OvertimePenalty(over, zeroed=True)
    return OvertimePenalty(over, overtime.points_per_min * over)


def apply_overtime(overtime: Overtime, practical: Decimal, used_seconds: int | None,
                   limit_seconds: int) -> Decimal:
    """The practical after the event's overtime rule (deduct per started minute, or zero)."""
    p = overtime_penalty(overtime, used_seconds, limit_seconds)
    if p.zeroed:
        return ZERO
    if not p.points:
        return practical
    return max(practical - p.points, ZERO)


def practical_score(event: Event, marks: Mapping[str, AspectMark], used_seconds: int | None,
                    extra_seconds: int = 0) -> Decimal:
    """The practical score of one workstation, rounded to the event's decimals."""
    return practical_from_raw(event, raw_practical(event, marks), used_seconds, extra_seconds)


def practical_penalty(event: Event, used_seconds: int | None,
                      extra_seconds: int = 0) -> OvertimePenalty:
    """The overtime penalty the practical of one workstation takes (what the screens show
    beside it): the event's rule against its limit plus the extra time granted."""
    return overtime_penalty(event.overtime, used_seconds, event.limit_seconds + extra_seconds)


def practical_from_raw(event: Event, raw: Decimal, used_seconds: int | None,
                       extra_seconds: int = 0) -> Decimal:
    """The practical from Σ M, J, P − Σ D (at least 0), after overtime, rounded."""
    value = apply_overtime(event.overtime, max(raw, ZERO), used_seconds,
                           event.limit_seconds + extra_seconds)
    return round_half_up(value, event.decimals)


def total_score(event: Event, theory: Decimal | None, practical: Decimal) -> Decimal:
    """theory × weight + practical × weight (theory unrounded, missing as 0), rounded."""
    t = theory if theory is not None else ZERO
    return round_half_up(t * event.theory_weight + practical * event.practical_weight,
                         event.decimals)


def marks_for(event: Event, points_by_aspect: Mapping[str, Iterable[Decimal]]
              ) -> dict[str, AspectMark]:
    """Every aspect's mark from the judges' points keyed by aspect id (missing aspects: 0)."""
    out: dict[str, AspectMark] = {}
    for aspect_id, aspect in event.aspects.items():
        pts = list(points_by_aspect.get(aspect_id, ()))
        out[aspect_id] = aspect_mark(aspect, pts, event.decimals)
    return out
