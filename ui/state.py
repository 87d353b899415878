"""The application's state: the open contest, who is signed in, and one `changed` signal.

Screens run user actions through :meth:`AppState.run_op` (see ui/ops.py): the operation runs
(one transaction in db/ops) and returns a :class:`db.store.changes.Changes`; ``changed``
is emitted once with it and the screen that ran it (the initiator). Screens refresh only
for the kinds (and events) they show.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from db.ops.auth import Session
from db.store.changes import EVERYTHING, Changes, Kind
from db.store.contest import Contest
from db.store.identity import FileChanged
from ui.ops import run_op
from ui.qt import QObject, QTimer, Signal

R = TypeVar("R")
SESSION = Changes.of(Kind.SESSION)


class AppState(QObject):
    """Owned by the main window; passed to every screen."""

    changed = Signal(object, object)  # Changes, the initiator (a screen, or None)
    contest_opened = Signal(object)  # Contest
    signed_in = Signal(object)  # Session | None (None: signed out / screen locked)
    file_reopened = Signal(str)  # why: the file was replaced or its journal deleted under us

    last_folder: Path | None = None  # the folder of the contest opened last (file dialogs)
    instances: weakref.WeakSet[AppState] = weakref.WeakSet()  # tests stop their watching

    def __init__(self, parent: QObject | None = None, *, watch_ms: int = 1000) -> None:
        super().__init__(parent)
        self.contest: Contest | None = None
        self.tasks_running = 0  # ui.worker tasks: their commits are this app's own
        # Another program (a `jiangxin` command, a second window) may commit to or replace
        # the file: look once a second (two stats and one pragma), refresh or reopen.
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(watch_ms)
        self.watch_timer.timeout.connect(self.check_file)
        AppState.instances.add(self)

    def close(self) -> None:
        """Stop watching and close the contest (the app on exit, tests at teardown)."""
        self.watch_timer.stop()
        if self.contest is not None:
            self.contest.close()
            self.contest = None

    @property
    def session(self) -> Session | None:
        return self.contest.session if self.contest else None

    def open(self, path: str | Path) -> Contest:
        if self.contest is not None:
            self.contest.close()
        self.contest = Contest.open(path, background_checkpoints=True)
        AppState.last_folder = self.contest.path.resolve().parent
        self.watch_timer.start()
        self.contest_opened.emit(self.contest)
        return self.contest

    def check_file(self) -> bool:
        """Has the file changed under the open contest? A commit by another program
        refreshes every screen; a replaced file (or a deleted journal) is reopened, keeping
        who is signed in when that user is still there. True when something changed."""
        c = self.contest
        if c is None or c.closed:
            return False
        problem = c.file_problem()
        if problem is not None:
            self.reopen(problem)
            return True
        if self.tasks_running:
            return False  # our own worker is committing: its result says what changed
        if c.outside_commit():
            self.changed.emit(EVERYTHING, None)
            return True
        return False

    def task_started(self) -> None:
        self.tasks_running += 1

    def task_finished(self) -> None:
        """A worker's commits are reported by its result, not as another program's."""
        self.tasks_running = max(0, self.tasks_running - 1)
        if not self.tasks_running and self.contest is not None:
            self.contest.outside_commit()

    def reopen(self, why: str) -> Contest:
        """Close the stale connection (leaving the new file's -wal/-shm alone), open the file
        again, tell the screens (``contest_opened``, then ``file_reopened`` with why)."""
        assert self.contest is not None
        old = self.contest
        self.contest = None
        try:
            fresh = old.reopened()
        except Exception:
            self.signed_in.emit(None)
            raise
        self.contest = fresh
        self.contest_opened.emit(fresh)
        self.signed_in.emit(fresh.session)
        self.changed.emit(EVERYTHING, None)
        self.file_reopened.emit(why)
        return fresh

    def sign_in(self, user: str, pin: str) -> Session:
        assert self.contest is not None
        session = self.contest.sign_in(user, pin)
        self.signed_in.emit(session)
        self.changed.emit(SESSION, None)
        return session

    def sign_out(self) -> None:
        if self.contest is not None:
            self.contest.session = None
        self.signed_in.emit(None)
        self.changed.emit(SESSION, None)

    def run_op(self, op: Callable[[Contest], R], initiator: object = None) -> R:
        """Run one operation on the open contest and emit what it changed, once.

        ``op`` must return Changes (or a value with ``.changes``): TypeError otherwise.
        """
        assert self.contest is not None
        try:
            return run_op(self.contest, op, self.changed.emit, initiator)
        except FileChanged as exc:
            self.reopen(str(exc))  # then the screens show the fresh file; the error says why
            raise

    def apply(self, operation: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """``run_op(lambda c: operation(c, *args, **kwargs))`` with no initiator."""
        return self.run_op(lambda c: operation(c, *args, **kwargs))
