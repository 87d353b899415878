"""The two-layer draw: candidate numbers (layer 1) and workstations (layer 2).

The seeded draw is a function of the seed, the competitors' resident ID numbers and the event's
workstation labels only (never row ids, file order or the time), so that anyone with the same
list and seed gets the same draw on any machine, with nothing but SHA-256. docs/rules.md
("The seeded draw") gives the algorithm and a worked example; in short (version 1):

1. For each competitor: ``SHA-256("<seed>|candidate|<ID number>")`` in hex. Sorted by that
   (then by ID number), the competitors get candidate numbers ``<event>-001``, ``-002``, ….
2. For each workstation label: ``SHA-256("<seed>|station|<label>")``. Sorted by that (then by
   label), the workstations are dealt in that order: candidate 1 gets the first, 2 the second.
3. The fingerprint is ``SHA-256`` of the lines ``<candidate>,<station>,<ID number>\\n`` in
   candidate order; the first 16 hex digits are printed.

The seed is written as a decimal integer without leading zeros or sign.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

ALGORITHM = "seeded-sha256-v1"


@dataclass(frozen=True)
class Lot:
    key: str  # the competitor: their ID number in a seeded draw (the caller maps it back)
    candidate: str
    station: str


def candidate_number(event_id: str, n: int) -> str:
    return f"{event_id}-{n:03d}"


def draw_hash(seed: int, layer: str, value: str) -> str:
    """The hex SHA-256 of ``"<seed>|<layer>|<value>"`` (UTF-8) that orders one layer."""
    if seed < 0:
        raise ValueError("the seed is a whole number ≥ 0 / 种子须为非负整数")
    return hashlib.sha256(f"{seed}|{layer}|{value}".encode()).hexdigest()


def electronic_draw(event_id: str, keys: Sequence[str], stations: Sequence[str],
                    seed: int) -> list[Lot]:
    """The seeded draw of the module docstring. ``keys`` are the competitors' stable keys
    (resident ID numbers); the result is in candidate order."""
    if len(keys) > len(stations):
        raise ValueError(f"{len(keys)} competitors but only {len(stations)} workstations "
                         f"/ 选手{len(keys)}人，工位仅{len(stations)}个")
    if len(set(keys)) != len(keys):
        raise ValueError("the same ID number appears twice / 身份证号重复")
    order = sorted(keys, key=lambda k: (draw_hash(seed, "candidate", k), k))
    pool = sorted(stations, key=lambda s: (draw_hash(seed, "station", s), s))
    return [Lot(key, candidate_number(event_id, i + 1), pool[i]) for i, key in enumerate(order)]


def fingerprint(lots: Sequence[Lot]) -> str:
    """The hex SHA-256 of ``<candidate>,<station>,<key>\\n`` lines in candidate order."""
    text = "".join(f"{lot.candidate},{lot.station},{lot.key}\n"
                   for lot in sorted(lots, key=lambda x: (len(x.candidate), x.candidate)))
    return hashlib.sha256(text.encode()).hexdigest()
