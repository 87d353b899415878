"""The difference between two published results snapshots, workstation by workstation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The fields a reader of the public notice cares about, in the order they are shown.
FIELDS = ("place", "total", "award", "status")

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """What happened to one workstation between two snapshots."""

    station: str
    kind: str  # added | removed | changed
    fields: tuple[FieldChange, ...] = ()

    def field(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.field == name), None)


def _key(row: Mapping[str, Any]) -> str:
    # rows of the results JSON always carry the station once drawn; the candidate number is
    # the fallback for a row without one so that no row is silently merged with another
    return str(row.get("station") or row.get("candidate") or "")


def diff(old_rows: Iterable[Mapping[str, Any]], new_rows: Iterable[Mapping[str, Any]],
         fields: tuple[str, ...] = FIELDS) -> list[Change]:
    """Changes from ``old_rows`` to ``new_rows`` (rows of the results JSON), by station.

    A station only in the new rows is ``added``, only in the old ``removed``; otherwise it is
    ``changed`` when any of ``fields`` differs. Unchanged stations are left out. The list is
    sorted by station.
    """
    old = {_key(r): r for r in old_rows}
    new = {_key(r): r for r in new_rows}
    out: list[Change] = []
    for st in sorted(old.keys() | new.keys()):
        if st not in old:
            out.append(Change(st, ADDED, tuple(FieldChange(f, None, new[st].get(f))
                                               for f in fields)))
        elif st not in new:
            out.append(Change(st, REMOVED, tuple(FieldChange(f, old[st].get(f), None)
                                                 for f in fields)))
        else:
            changed = tuple(FieldChange(f, old[st].get(f), new[st].get(f)) for f in fields
                            if old[st].get(f) != new[st].get(f))
            if changed:
                out.append(Change(st, CHANGED, changed))
    return out
