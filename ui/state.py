"""The application's state: the open contest, who is signed in, and one `changed` signal.

Screens call domain operations through :meth:`AppState.apply`, which runs the operation
(one transaction in db/), then emits ``changed`` with the set of things it changed
(e.g. ``{"marks", "results"}``). Screens refresh only for the flags they show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.ops.auth import Session
from db.store.contest import Contest
from ui.qt import QObject, Signal


class AppState(QObject):
    """Owned by the main window; passed to every screen."""

    changed = Signal(object)  # frozenset[str] of change flags
    contest_opened = Signal(object)  # Contest
    signed_in = Signal(object)  # Session | None (None: signed out / screen locked)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.contest: Contest | None = None

    @property
    def session(self) -> Session | None:
        return self.contest.session if self.contest else None

    def open(self, path: str | Path) -> Contest:
        if self.contest is not None:
            self.contest.close()
        self.contest = Contest.open(path, background_checkpoints=True)
        self.contest_opened.emit(self.contest)
        return self.contest

    def sign_in(self, user: str, pin: str) -> Session:
        assert self.contest is not None
        session = self.contest.sign_in(user, pin)
        self.signed_in.emit(session)
        self.changed.emit(frozenset({"session"}))
        return session

    def sign_out(self) -> None:
        if self.contest is not None:
            self.contest.session = None
        self.signed_in.emit(None)
        self.changed.emit(frozenset({"session"}))

    def apply(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a domain operation on the open contest; emit what changed.

        Operations return a frozenset of change flags, or another value (counts, numbers),
        in which case ``default`` flags {"marks", "results"} are emitted.
        """
        assert self.contest is not None
        result = operation(self.contest, *args, **kwargs)
        flags = result if isinstance(result, frozenset) else frozenset({"marks", "results",
                                                                        "people"})
        if flags:
            self.changed.emit(flags)
        return result
