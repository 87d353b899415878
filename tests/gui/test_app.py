"""Starting the app: which contest, the font, screenshots, the language, worker and errors."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from judging.errors import InputError
from tests.gui.conftest import copy_db
from ui import app as app_module
from ui import i18n
from ui.errors import reporter, show_error
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.worker import run_task, run_work


def test_screenshot_of_the_demo_signed_in_as_admin(qapp, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    assert app_module.run_app(["--db", str(demo_db), "--screenshot", str(out)]) == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1280, 800)
    assert "Noto Sans SC" in QApplication.font().family()  # the bundled CJK font
    assert Settings().last_db == demo_db.resolve()  # remembered for next time


def test_without_db_the_last_contest_then_the_demo(qapp, demo_db: Path, monkeypatch) -> None:
    args = app_module.parse_args([])
    assert app_module.choose_contest(args, demo_db) == demo_db
    written: list[Path] = []

    def fake_demo(path: Path, **_: object) -> Path:  # the real one takes seconds at size 60
        written.append(path)
        return copy_db(demo_db, path)

    monkeypatch.setattr("db.ops.demo.write_demo", fake_demo)
    first = app_module.choose_contest(args, None)
    assert first == app_module.demo_path() and first.exists() and len(written) == 1
    assert app_module.choose_contest(args, Path("/nonexistent.jxdb")) == first
    assert len(written) == 1  # ready: not written again


def test_a_demo_whose_clocks_ran_out_is_kept_aside_and_written_afresh(
        qapp, demo_db: Path, demo_master: Path, monkeypatch) -> None:
    """The README's first command promises a ready demo: the day after, the running event's
    clocks are over. The old demo (what was practised in it) is kept under another name."""
    import sqlite3

    from db.ops.demo import clocks_run_out
    from db.ops.timing import clock_action, clocks
    from db.store.contest import Contest

    args = app_module.parse_args([])
    monkeypatch.setattr("db.ops.demo.write_demo",
                        lambda path, **_: copy_db(demo_master, Path(path)))
    demo = app_module.demo_path()
    demo.parent.mkdir(parents=True, exist_ok=True)
    copy_db(demo_db, demo)
    notes: list[str] = []
    assert app_module.choose_contest(args, demo, notes) == demo and notes == []  # still running
    c = Contest.open(demo)
    assert not clocks_run_out(c)
    running = c.competition.events[-1].id
    stations = sorted(st for st, state in clocks(c, running).items()
                      if state.state in ("running", "paused"))
    c.sign_in("裁判长", "1111")
    clock_action(c, running, stations, "stop")  # as the time running out leaves it
    assert clocks_run_out(c)
    practised = c.db.execute("SELECT count(*) FROM clock_events").fetchone()[0]
    c.close()
    assert app_module.choose_contest(args, demo, notes) == demo
    kept = sorted(demo.parent.glob("demo-*.jxdb"))
    assert len(kept) == 1 and str(kept[0]) in notes[0] and "计时已结束" in notes[0]
    with sqlite3.connect(kept[0]) as old:  # nothing lost: the stopped clocks are in it
        assert old.execute("SELECT count(*) FROM clock_events").fetchone()[0] == practised
    fresh = Contest.open(demo)
    try:
        assert not clocks_run_out(fresh)  # the new demo's clocks run
    finally:
        fresh.close()
    # the last contest being the demo: the same; any other contest is opened as it is
    assert app_module.choose_contest(args, demo_db, notes) == demo_db


def test_roles_see_their_screens_and_the_language_switches(qtbot, state) -> None:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    state.sign_in("赵一", "2001")
    w.signin.signed_in_done.emit("赵一")
    titles = [w.nav.item(i).text() for i in range(w.nav.count())]
    assert "评分录入" in titles and "裁判长" not in titles
    assert w.screens["marking"].who_box.currentText() == "赵一"  # a judge marks as themself
    w.set_language("en")
    assert "Marking" in [w.nav.item(i).text() for i in range(w.nav.count())]
    assert w.m_file.title() == "&File" and "Judge" in w.status_user.text()
    assert Settings().language == "en"
    w.set_language("zh")
    assert i18n.language() == "zh"


def test_backup_runs_on_a_worker_and_reports_back(qtbot, state, tmp_path: Path) -> None:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    state.sign_in("admin", "0000")
    w.signin.signed_in_done.emit("admin")
    with qtbot.waitSignal(w.backup_written, timeout=10000) as done:
        w.a_backup.trigger()
    assert Path(done.args[0]).exists()
    assert str(tmp_path) in str(done.args[0])  # the private data dir


def test_work_reporting_after_its_window_is_gone_touches_nothing(qtbot) -> None:
    """A check that ends after its window closed (a contest switched, a test over) reports to
    no one: a bound signal of the deleted window would raise 'Signal source has been deleted'
    inside Qt's event loop."""
    from PySide6.QtCore import QObject, Signal

    class Owner(QObject):
        told = Signal(object)

    gate = threading.Event()
    owner = Owner()
    task = run_work(lambda _p: gate.wait(5) and "done", owner.told.emit, owner=owner)
    hidden: list[bool] = []
    task.on_finished(lambda: hidden.append(True))
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken_valid(owner), timeout=2000)
    with qtbot.waitSignal(task.finished, timeout=5000):
        gate.set()
    qtbot.wait(50)  # queued slots run; any exception here fails the test (pytest-qt)
    assert hidden == []


def shiboken_valid(obj: object) -> bool:
    from shiboken6 import isValid

    return bool(isValid(obj))


def test_worker_uses_its_own_connection_and_reports_errors(qtbot, signed_in) -> None:
    state = signed_in("裁判长")
    gui = threading.get_ident()

    def work(c, progress):
        progress(1, 2, "half")
        assert c is not state.contest and c.session == state.session
        return threading.get_ident(), c.competition.name

    got: list[object] = []
    progressed: list[tuple[int, int, str]] = []
    run_task(state, work, got.append, on_progress=lambda *a: progressed.append(a))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)  # connected before the work starts
    assert progressed == [(1, 2, "half")]
    (tid, name), = got
    assert tid != gui and name == state.contest.competition.name

    def broken(c, progress):
        raise InputError("bad value / 数值错误", file="marks.csv", row=7, field="score")

    with qtbot.waitSignal(reporter.error_shown, timeout=5000) as shown:
        run_task(state, broken)
    assert shown.args[0] == "known"
    assert "marks.csv" in shown.args[1] and "第7行" in shown.args[1] and "score" in shown.args[1]
    reporter.last_dialog.close()


def test_work_that_writes_announces_its_changes_on_the_gui_thread(qtbot, signed_in) -> None:
    from db.ops.people import by_station, set_status
    from db.store.changes import Kind

    state = signed_in("裁判长")
    station = sorted(by_station(state.contest, "KD"))[0]
    seen: list[tuple[object, object, bool]] = []
    state.changed.connect(lambda ch, who: seen.append(
        (ch, who, threading.get_ident() == threading.main_thread().ident)))
    me = object()
    done: list[object] = []
    run_task(state, lambda c, _p: set_status(c, "KD", station, "absent", "病假"), done.append,
             initiator=me)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    (changes, who, on_gui), = seen  # once, before on_done, on the GUI thread
    assert changes is done[0] and who is me and on_gui
    assert changes.touches(Kind.PEOPLE, event="KD")
    seen.clear()
    run_task(state, lambda c, _p: c.competition.name, done.append)  # reads: says nothing
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    assert seen == []


def test_work_without_a_contest_reports_on_the_gui_thread(qtbot) -> None:
    from ui.worker import run_work

    got: list[tuple[int, int]] = []
    run_work(lambda _p: threading.get_ident(), lambda tid: got.append(
        (tid, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    (worker, gui), = got
    assert worker != gui == threading.main_thread().ident
    errors: list[BaseException] = []
    run_work(lambda _p: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)


def test_a_bug_is_a_report_with_details(qtbot) -> None:
    with qtbot.waitSignal(reporter.error_shown) as shown:
        box = show_error(ZeroDivisionError("division by zero"))
    assert shown.args[0] == "bug"
    assert "ZeroDivisionError" in box.detailedText()
    box.button(box.StandardButton.Ok).click() if box.button(box.StandardButton.Ok) else None
