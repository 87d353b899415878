"""Long work off the GUI thread, one way (like Picard's run_task or Anki's QueryOp).

``run_work(work, on_done)`` runs ``work(progress)`` on a pool thread; ``work`` opens whatever
connection it needs (a headquarters store, a file to check), because SQLite connections belong
to one thread. ``run_task(state, work, on_done)`` is the common case: ``work(contest,
progress)`` gets its OWN :class:`Contest` opened on the open contest's file and signed in as
the same session, so writes carry the same user and device.

The result and any error come back through Qt signals, i.e. on the GUI thread; ``work`` must
never touch widgets. ``progress(done, total, text)`` may be called from ``work``; it is
delivered as ``Task.progressed``. Errors go to ui.errors.show_error unless ``on_error`` is
given. Pass ``owner`` (the widget that asked): when it is gone by the time the work reports
(its window was closed, the contest switched), the callbacks are dropped instead of touching a
deleted object; the work's changes are still announced. Work that writes returns what it
changed, as every operation does (Changes, or a value with ``.changes``): ``run_task`` emits
``AppState.changed(changes, initiator)`` on the GUI thread before ``on_done`` runs, so screens
refresh exactly as after an operation run there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from db.store.contest import Contest
from ui.ops import changes_of
from ui.qt import QObject, QRunnable, QThreadPool, QTimer, Signal, qvalid
from ui.state import AppState

Progress = Callable[[int, int, str], None]
R = TypeVar("R")


class Task(QObject):
    """The GUI-thread side of one piece of background work."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()  # after succeeded or failed

    owner: QObject | None = None  # callbacks are dropped once it is deleted

    def on_finished(self, slot: Callable[[], Any]) -> None:
        """Run ``slot`` when the work is over, unless the owner is gone by then."""
        self.finished.connect(_guarded(self.owner, slot))


_running: set[Task] = set()  # keep tasks alive until they report


class _Runnable(QRunnable):
    def __init__(self, task: Task, work: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.task, self.work = task, work

    def run(self) -> None:  # pool thread
        try:
            result = self.work(self.task.progressed.emit)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, never dropped
            _emit(self.task.failed, exc)
        else:
            _emit(self.task.succeeded, result)
        finally:
            _emit(self.task.finished)


def _emit(signal: Any, *args: Any) -> None:
    """Report to the GUI thread, unless the task itself is gone: the application quit while
    the work ran (``main.py --screenshot`` right after opening a contest, whose health check
    was still running). The work's own writes are committed or not by then; there is nobody
    left to tell, and a 'Signal source has been deleted' from a pool thread helps no one."""
    try:
        signal.emit(*args)
    except RuntimeError as exc:
        if "deleted" not in str(exc):
            raise


def _guarded(owner: QObject | None, slot: Callable[..., Any]) -> Callable[..., None]:
    """``slot``, dropped once ``owner`` is deleted (a bound ``signal.emit`` of a deleted
    widget raises 'Signal source has been deleted' from inside Qt, with no frame to catch)."""
    def call(*args: Any) -> None:
        if owner is None or qvalid(owner):
            slot(*args)

    return call


def run_work(work: Callable[[Progress], R], on_done: Callable[[R], None] | None = None, *,
             on_error: Callable[[BaseException], None] | None = None,
             on_progress: Callable[[int, int, str], None] | None = None,
             owner: QObject | None = None) -> Task:
    """Run ``work(progress)`` on a worker thread; returns the Task (its signals)."""
    task = Task()
    task.owner = owner
    if on_done is not None:
        task.succeeded.connect(_guarded(owner, on_done))
    if on_progress is not None:
        task.progressed.connect(_guarded(owner, on_progress))
    if on_error is None:
        from ui.errors import show_error

        task.failed.connect(show_error)  # an error is never dropped, even with no window
    else:
        task.failed.connect(_guarded(owner, on_error))
    _running.add(task)
    # let go of the task on a later turn of the event loop: slots connected to ``finished``
    # after this one (the caller's, run_task's) still run with their source alive
    task.finished.connect(lambda: QTimer.singleShot(0, lambda: _running.discard(task)))
    runnable = _Runnable(task, work)
    # start on the next turn of the event loop: slots the caller connects to the returned
    # task right after this call are then in place before the work can finish
    QTimer.singleShot(0, lambda: QThreadPool.globalInstance().start(runnable))
    return task


def run_task(state: AppState, work: Callable[[Contest, Progress], R],
             on_done: Callable[[R], None] | None = None, *,
             on_error: Callable[[BaseException], None] | None = None,
             on_progress: Callable[[int, int, str], None] | None = None,
             initiator: object = None, owner: QObject | None = None) -> Task:
    """Run ``work(contest, progress)`` on a worker thread with its own connection to the open
    contest's file (signed in as the same session); returns the Task."""
    assert state.contest is not None
    path, session = str(state.contest.path), state.contest.session
    pin_checked = state.contest.pin_checked  # the PIN proved on the app's own connection

    def opened(progress: Progress) -> R:  # pool thread
        contest = Contest.open(path)
        try:
            contest.session = session
            contest.pin_checked = pin_checked
            return work(contest, progress)
        finally:
            contest.close()

    def announce(result: object) -> None:  # GUI thread, before on_done
        try:
            changes = changes_of(result)
        except TypeError:
            return  # read-only work (a check, a backup): nothing changed
        if changes:
            state.changed.emit(changes, initiator)

    task = run_work(opened, None, on_error=on_error, on_progress=on_progress, owner=owner)
    task.succeeded.connect(announce)
    if on_done is not None:
        task.succeeded.connect(_guarded(owner, on_done))
    return task
