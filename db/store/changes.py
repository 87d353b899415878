"""What a writing operation changed: kinds of things, and for which events (Anki's OpChanges).

Every writing operation returns a :class:`Changes` (or a value carrying one as ``.changes``,
see :class:`Done`), normally ``w.changes`` of its :class:`db.store.contest.Writer`, which
derives it from the tables the operation wrote rows into and the events of those rows
(:data:`TABLE_KINDS`). The app emits it once (``ui.ops.run_op``); each screen asks
``changes.touches(Kind.MARKS, event=shown_event)`` and reloads only when it is true.

``events`` is ``None`` when the change is not limited to particular events (users, settings,
a merge of a whole file): it then touches every event.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class Kind(enum.StrEnum):
    """A kind of thing a screen may show. Values are stable strings (also used in tests)."""

    SESSION = "session"  # who is signed in (the app's own change; no table)
    USERS = "users"
    PEOPLE = "people"  # competitors, check-in, statuses, theory scores, names revealed
    DRAW = "draw"  # candidate numbers and workstations
    MARKS = "marks"  # marks, resolutions, overrides (and the slots/aspect caches)
    CLOCKS = "clocks"  # clock events and recorded times
    LOCKS = "locks"
    RESULTS = "results"  # anything the ranking is computed from
    SNAPSHOTS = "snapshots"  # published results (公示)
    APPEALS = "appeals"
    CERTIFICATES = "certificates"  # issues, reprints, revocations, the template
    SETTINGS = "settings"  # contest settings kept in meta (backup folder, template, keys)
    AUDIT = "audit"  # every write adds audit records; an export or sample adds only that
    OUTSIDE = "outside"  # another program committed to the file: anything may have changed


# The kinds a row in each table changes. A table missing here is a bug (see Writer.insert).
TABLE_KINDS: dict[str, frozenset[Kind]] = {
    "meta": frozenset({Kind.SETTINGS}),
    "users": frozenset({Kind.USERS}),
    "login_failures": frozenset(),
    "keys": frozenset({Kind.SETTINGS}),
    "competitors": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "draws": frozenset({Kind.DRAW, Kind.PEOPLE, Kind.RESULTS}),
    "assignments": frozenset({Kind.DRAW, Kind.PEOPLE, Kind.RESULTS}),
    "checkins": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "marks": frozenset({Kind.MARKS, Kind.RESULTS}),
    "overrides": frozenset({Kind.MARKS, Kind.RESULTS}),
    "clock_events": frozenset({Kind.CLOCKS, Kind.RESULTS}),
    "times": frozenset({Kind.CLOCKS, Kind.RESULTS}),
    "theory": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "statuses": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "locks": frozenset({Kind.LOCKS, Kind.MARKS, Kind.RESULTS}),
    "decryptions": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "snapshots": frozenset({Kind.SNAPSHOTS}),
    "appeals": frozenset({Kind.APPEALS}),
    "certificates": frozenset({Kind.CERTIFICATES}),
    "revocations": frozenset({Kind.CERTIFICATES}),
    "merges": frozenset({Kind.AUDIT}),
    "audit": frozenset({Kind.AUDIT}),
    # the sealed draw (db/ops/blind.py), signed heads, devices (issue 16)
    "officer_keys": frozenset({Kind.SETTINGS}),
    "lots": frozenset({Kind.DRAW, Kind.PEOPLE, Kind.RESULTS}),
    "lot_conflicts": frozenset({Kind.DRAW, Kind.MARKS}),
    "lot_checkins": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "lot_statuses": frozenset({Kind.PEOPLE, Kind.RESULTS}),
    "seals": frozenset({Kind.DRAW, Kind.PEOPLE, Kind.RESULTS}),
    "signed_heads": frozenset({Kind.AUDIT}),
    "devices": frozenset({Kind.SETTINGS}),
    "signins": frozenset(),
    "row_signatures": frozenset(),  # evidence of merged rows (db/keys/devices.py)
    "openings": frozenset({Kind.PEOPLE, Kind.RESULTS}),
}

# The kinds a setting kept in ``meta`` changes, by key (any other key: SETTINGS).
META_KINDS: dict[str, frozenset[Kind]] = {
    "certificate_template": frozenset({Kind.SETTINGS, Kind.CERTIFICATES}),
}


@dataclass(frozen=True)
class Changes:
    """Kinds of things changed, and the events they changed for (``None``: all events)."""

    kinds: frozenset[Kind] = frozenset()
    events: frozenset[str] | None = frozenset()

    @classmethod
    def of(cls, *kinds: Kind, events: Iterable[str] | None = None) -> Changes:
        return cls(frozenset(kinds), None if events is None else frozenset(events))

    @classmethod
    def from_tables(cls, tables: Iterable[str], events: Iterable[str] | None,
                    meta_keys: Iterable[str] = ()) -> Changes:
        """What rows written into ``tables`` (for ``events``) and settings written under
        ``meta_keys`` change."""
        kinds: set[Kind] = set()
        for table in tables:
            kinds |= TABLE_KINDS[table]
        for key in meta_keys:
            kinds |= META_KINDS.get(key, frozenset({Kind.SETTINGS}))
        return cls(frozenset(kinds), None if events is None else frozenset(events))

    def touches(self, *kinds: Kind | str, event: str | None = None) -> bool:
        """Whether any of ``kinds`` changed, for ``event`` when one is given."""
        if not self.kinds.intersection(kinds):
            return False
        return event is None or self.events is None or event in self.events

    def __or__(self, other: Changes) -> Changes:
        events = None if self.events is None or other.events is None \
            else self.events | other.events
        return Changes(self.kinds | other.kinds, events)

    def __bool__(self) -> bool:
        return bool(self.kinds)

    # a set of kinds for code that still asks ``"marks" in changes``
    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def __iter__(self) -> Iterator[Kind]:
        return iter(sorted(self.kinds))

    def __and__(self, kinds: Iterable[str]) -> frozenset[Kind]:
        return frozenset(k for k in self.kinds if k in set(kinds))


NOTHING = Changes()
EVERYTHING = Changes(frozenset(Kind), None)


@dataclass(frozen=True)
class Done(Generic[T]):
    """An operation's value (counts, a serial, a path) together with what it changed."""

    value: T
    changes: Changes
