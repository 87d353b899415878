"""No dead widgets: switching contests with every screen built, the projector open and every
role signed in in turn raises no error dialog (issue 17: stacks of "程序错误" from lambdas
connected to contest_opened that outlived their screens)."""

from __future__ import annotations

from pathlib import Path

from db.ops.demo import DEMO_USERS
from db.store.changes import EVERYTHING
from tests.gui.conftest import DEMO_PINS, copy_db
from ui.errors import reporter
from ui.main_window import MainWindow
from ui.settings import Settings

ONE_PER_ROLE = list({role: name for name, role, _pin, _unit in DEMO_USERS}.values())


def test_switching_contests_ten_times_with_every_screen_built(qtbot, state, demo_db: Path,
                                                              tmp_path: Path) -> None:
    other = copy_db(demo_db, tmp_path / "other.jxdb")
    errors: list[tuple[str, str]] = []
    reporter.error_shown.connect(lambda kind, text: errors.append((kind, text)))
    w = MainWindow(state, Settings())
    w.quiet_dialogs = True
    qtbot.addWidget(w)
    w.show()
    files = [demo_db, other]
    built: set[str] = set()
    roles_seen: set[str] = set()
    gone: list[int] = []
    for i in range(10):
        before = list(w.screens.values())
        for screen in before:
            screen.destroyed.connect(lambda *_: gone.append(1))
        expected = len(gone) + len(before)
        w.open_contest(files[i % 2])
        # the old screens are really deleted (deleteLater), as in the running app
        qtbot.waitUntil(lambda n=expected: len(gone) == n, timeout=5000)
        user = ONE_PER_ROLE[i % len(ONE_PER_ROLE)]
        state.sign_in(user, DEMO_PINS[user])
        w.signin.signed_in_done.emit(user)
        roles_seen.add(state.session.role)
        for key in list(w.screens.keys()):
            assert w.show_screen(key) is not None
            built.add(key)
        if i == 0:
            w.open_hall()
            qtbot.addWidget(w.hall_window)
        # a change from elsewhere reaches every screen still alive, and only those
        state.check_file()
        state.changed.emit(EVERYTHING, None)
        assert state.contest.path == files[i % 2]
    assert roles_seen == {"admin", "chief", "judge", "recorder", "encryption", "supervisor"}
    assert {"board", "marking", "chief", "results", "audit", "verify"} <= built
    assert errors == []
