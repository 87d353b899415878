"""Operations from the screens, as in Anki's CollectionOp: run, then one ``changed`` signal.

A screen runs a user action with ``state.run_op(lambda c: enter_mark(c, ...), self)``:

1. the operation (one function of db/ops, one transaction) runs on the GUI thread's contest
   and returns a :class:`db.store.changes.Changes`, or a value carrying one as ``.changes``;
   an operation returning neither is a bug, refused with TypeError (nothing is emitted);
2. ``AppState.changed(changes, initiator)`` is emitted once;
3. every other screen that shows one of the changed kinds reloads, at once if it is the one
   on show, else the next time it is shown (:class:`ScreenWatcher`); the initiator skips its
   reload and repaints what it changed from the value ``run_op`` returned.

Errors are the operation's own (JiangxinError with a plain message): ``run_op`` lets them
through untouched, so the initiator shows them where the user is looking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from db.store.changes import Changes
from db.store.contest import Contest
from ui.qt import QObject, QWidget

R = TypeVar("R")


class Refreshable(Protocol):
    def refresh(self, changes: Changes, initiator: object = None) -> None: ...


def changes_of(result: object) -> Changes:
    """The Changes an operation returned (itself, or its ``.changes``); TypeError if none."""
    if isinstance(result, Changes):
        return result
    changes = getattr(result, "changes", None)
    if isinstance(changes, Changes):
        return changes
    raise TypeError(f"an operation must return Changes (or a value with .changes), not "
                    f"{type(result).__name__}: see db/store/changes.py")


def run_op(contest: Contest, op: Callable[[Contest], R],
           emit: Callable[[Changes, object], None], initiator: object = None) -> R:
    """Run ``op`` on ``contest``; emit its Changes once; return what it returned."""
    result = op(contest)
    changes = changes_of(result)
    if changes:
        emit(changes, initiator)
    return result


class ScreenWatcher(QObject):
    """Delivers ``changed`` to one screen: now if it is on show, else when it is next shown.

    ``on_show()`` tells whether the screen is the one the user sees (the main window's
    current page, or a window of its own); the main window calls :meth:`shown` when it
    brings the screen forward. Changes met while hidden are merged, so a hidden screen
    reloads once, however many marks were typed meanwhile.
    """

    def __init__(self, screen: QWidget, on_show: Callable[[], bool]) -> None:
        super().__init__(screen)
        self.screen = screen
        self.on_show = on_show
        self.pending: Changes | None = None

    @property
    def stale(self) -> bool:
        return self.pending is not None

    def changed(self, changes: Changes, initiator: object = None) -> None:
        if initiator is self.screen:
            return  # the initiator repaints from the operation's own result
        if self.on_show():
            self._deliver(changes, initiator)
        else:
            self.pending = changes if self.pending is None else self.pending | changes

    def shown(self) -> None:
        if self.pending is not None:
            changes, self.pending = self.pending, None
            self._deliver(changes, None)

    def _deliver(self, changes: Changes, initiator: object) -> None:
        refresh: Any = getattr(self.screen, "refresh", None)
        if refresh is not None:
            refresh(changes, initiator)
