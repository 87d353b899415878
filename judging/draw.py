"""The two-layer draw: candidate numbers (layer 1) and workstations (layer 2)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Lot:
    key: str  # competitor uid
    candidate: str
    station: str


def candidate_number(event_id: str, n: int) -> str:
    return f"{event_id}-{n:03d}"


def electronic_draw(event_id: str, keys: Sequence[str], stations: Sequence[str],
                    seed: int) -> list[Lot]:
    """A reproducible draw from a recorded seed.

    Round one shuffles the competitors (taken in a stable order: sorted keys) to give the
    candidate numbers; round two, in candidate order, draws the workstations.
    """
    if len(keys) > len(stations):
        raise ValueError(f"{len(keys)} competitors but only {len(stations)} workstations")
    rng = random.Random(seed)
    order = sorted(keys)
    rng.shuffle(order)
    pool = list(stations)
    rng.shuffle(pool)
    return [Lot(key, candidate_number(event_id, i + 1), pool[i]) for i, key in enumerate(order)]
