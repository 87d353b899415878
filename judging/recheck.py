"""Choosing the re-check sample (all of the top share, a seeded random share of the rest) and
the error rule that forces a full re-check."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

TOP_SHARE = 0.3
REST_SHARE = 0.15
ERROR_LIMIT = Decimal("0.05")


@dataclass(frozen=True)
class Sample:
    seed: int
    top: tuple[str, ...]  # stations, in ranking order
    random: tuple[str, ...]  # stations drawn from the rest, sorted
    rest: int  # how many placed stations were outside the top

    @property
    def stations(self) -> tuple[str, ...]:
        return self.top + self.random


def recheck_sample(rows: Sequence[Mapping[str, Any]], seed: int, top_share: float = TOP_SHARE,
                   rest_share: float = REST_SHARE) -> Sample:
    """The stations to re-check from ranked result rows (``place`` and ``station`` keys).

    Only placed rows count. The top is every row whose place is within the first
    ceil(N × top_share) rows; a tie on the boundary brings everyone sharing that place in,
    so the top is never cut through a tie. From the rest ceil(len(rest) × rest_share)
    stations are drawn with ``random.Random(seed)`` from the station-sorted rest, so the same
    seed and rows always give the same sample.
    """
    if not (0 <= top_share <= 1 and 0 <= rest_share <= 1):
        raise ValueError("shares must be between 0 and 1")
    placed = sorted((r for r in rows if r.get("place") is not None and r.get("station")),
                    key=lambda r: (int(r["place"]), str(r["station"])))
    n_top = math.ceil(len(placed) * top_share - 1e-9)
    if n_top:
        boundary = int(placed[n_top - 1]["place"])
        top = [r for r in placed if int(r["place"]) <= boundary]
    else:
        top = []
    top_stations = tuple(str(r["station"]) for r in top)
    rest = sorted(str(r["station"]) for r in placed if str(r["station"]) not in top_stations)
    k = math.ceil(len(rest) * rest_share - 1e-9)
    chosen = sorted(random.Random(seed).sample(rest, k)) if k else []
    return Sample(seed, top_stations, tuple(chosen), len(rest))


def error_rate(checked: int, errors: int) -> Decimal:
    if checked <= 0:
        raise ValueError("nothing was re-checked")
    if not 0 <= errors <= checked:
        raise ValueError("errors must be between 0 and the number re-checked")
    return Decimal(errors) / Decimal(checked)


def full_recheck_needed(checked: int, errors: int, limit: Decimal = ERROR_LIMIT) -> bool:
    """Errors found in more than ``limit`` (5 %) of the re-checked stations force a full
    re-check; exactly 5 % does not."""
    return error_rate(checked, errors) > limit
