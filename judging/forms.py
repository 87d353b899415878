"""What a paper form prints of an event: heading, scheme, stations and people.

Plain data shared by db/ops/paper_forms.py (which gathers it from the contest) and
printing/forms.py (which draws it): db/ never imports printing/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FormAspect:
    """One aspect of the marking scheme: id, kind (M, J, P, D), maximum, text, judges."""

    id: str
    kind: str
    max: str
    text: str
    judges: int = 1


@dataclass(frozen=True)
class FormModule:
    """A module of the marking scheme with its aspects."""

    id: str
    name: str
    aspects: tuple[FormAspect, ...]


@dataclass(frozen=True)
class FormEvent:
    """What every form of one event prints in its heading, and the event's scheme and stations."""

    competition: str
    event_id: str
    name: str
    group: str = ""
    organiser: str = ""
    venue: str = ""
    date: str = ""
    modules: tuple[FormModule, ...] = ()
    stations: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """工具钳工（职工组）."""
        return f"{self.name}（{self.group}）" if self.group else self.name


@dataclass(frozen=True)
class PersonRow:
    """A competitor on the draw sheet or check-in list; numbers empty until drawn."""

    name: str
    unit: str = ""
    id_masked: str = ""
    candidate: str = ""
    station: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
