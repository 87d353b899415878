"""The one event chooser: a combo box of the contest's events (those the signed-in user may
see), shared by every screen that works on one event."""

from __future__ import annotations

from collections.abc import Callable

from db.ops.auth import Session
from db.store.changes import Changes, Kind
from db.store.contest import Contest
from ui.qt import QComboBox, QWidget, Signal
from ui.state import AppState


class EventPicker(QComboBox):
    """Lists ``id  name group``; emits ``event_chosen(event_id)`` when the user picks one."""

    event_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumContentsLength(14)
        self.currentIndexChanged.connect(self._index_changed)
        self._filling = False

    def fill(self, contest: Contest | None,
             prefer: Callable[[Contest], str | None] | None = None, *,
             session: Session | None = None) -> None:
        """(Re)fill from the contest, keeping the current event if it is still there, else
        the one ``prefer`` names; with ``session``, only the events it may see (none when
        ``session`` is given as None by a signed-out screen: use ``clear()``)."""
        current = self.event_id
        self._filling = True
        try:
            self.clear()
            if contest is None:
                return
            for ev in contest.competition.events:
                if session is None or session.may_see_event(ev.id):
                    self.addItem(f"{ev.id}  {ev.name}{ev.group}", ev.id)
            i = self.findData(current) if current else -1
            if i < 0 and prefer is not None:
                want = prefer(contest)
                i = self.findData(want) if want else -1
            self.setCurrentIndex(max(i, 0))
        finally:
            self._filling = False

    @property
    def event_id(self) -> str | None:
        data = self.currentData()
        return str(data) if data else None

    def _index_changed(self, _i: int) -> None:
        if not self._filling and self.event_id:
            self.event_chosen.emit(self.event_id)


def last_event(state: AppState) -> Callable[[Contest], str | None]:
    """The chief judge's screens start on the last event they may see."""
    def prefer(c: Contest) -> str | None:
        s = state.session
        seen = [ev.id for ev in c.competition.events if s is not None and s.may_see_event(ev.id)]
        return seen[-1] if seen else None
    return prefer


def event_combo(state: AppState, box: EventPicker) -> None:
    """Fill ``box`` with the events the signed-in user may see (empty when signed out)."""
    if state.session is None:
        box.clear()
        return
    box.fill(state.contest, last_event(state), session=state.session)


def wants_reload(state: AppState, box: EventPicker, changes: Changes, *kinds: Kind,
                 event: str | None) -> bool:
    """Whether a screen working on one event (chosen in ``box``) reloads for ``changes``: a
    new session refills the box and reloads; otherwise only changes of ``kinds`` to ``event``
    do. Signed out: never."""
    if state.session is None:
        return False
    if changes.touches(Kind.SESSION):
        event_combo(state, box)
        return True
    return changes.touches(*kinds, event=event)


class EventScreen(QWidget):
    """A screen that shows one event at a time, chosen in ``self.picker``: it reloads (and
    refills the picker) whenever a contest is opened. Subclasses set ``picker`` and
    ``state`` and define ``reload``; they call ``watch_contest()`` at the end of __init__."""

    picker: EventPicker
    state: AppState

    def reload(self, refill: bool = False) -> None:
        raise NotImplementedError

    def watch_contest(self) -> None:
        self.state.contest_opened.connect(self._contest_opened)
        self.reload(refill=True)

    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self.reload(refill=True)

    @property
    def event_id(self) -> str | None:
        return self.picker.event_id
