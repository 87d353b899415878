"""Sign-in with the PIN pad, wrong PINs, the lock screen and the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ui.main_window import MainWindow
from ui.settings import Settings
from ui.signin import IdleWatcher, SignInScreen


def click_pin(qtbot, screen: SignInScreen, pin: str) -> None:
    for d in pin:
        qtbot.mouseClick(screen.pad_buttons[d], Qt.MouseButton.LeftButton)


def test_wrong_pin_then_the_pad(qtbot, state) -> None:
    screen = SignInScreen(state)
    qtbot.addWidget(screen)
    screen.select_user("裁判长")
    with qtbot.waitSignal(screen.sign_in_failed):
        qtbot.keyClicks(screen.pin, "9999")
        qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    assert state.session is None
    assert "PIN" in screen.message.text()
    click_pin(qtbot, screen, "1111")
    with qtbot.waitSignal(screen.signed_in_done) as done:
        qtbot.mouseClick(screen.ok, Qt.MouseButton.LeftButton)
    assert done.args == ["裁判长"]
    assert state.session.user == "裁判长" and state.session.role == "chief"


def window(qtbot, state) -> MainWindow:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    return w


def test_lock_screen_opens_only_for_the_same_user(qtbot, state) -> None:
    w = window(qtbot, state)
    w.signin.select_user("记分员甲")
    click_pin(qtbot, w.signin, "3001")
    with qtbot.waitSignal(w.screens_built):
        qtbot.mouseClick(w.signin.ok, Qt.MouseButton.LeftButton)
    assert w.pages.currentWidget() is w.work
    marking_screen = w.screens["marking"]
    with qtbot.waitSignal(w.screen_locked):
        w.a_lock.trigger()
    assert state.session is None  # nothing can be written while locked
    assert w.pages.currentWidget() is w.signin
    assert [w.signin.users.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(w.signin.users.count())] == ["记分员甲"]
    qtbot.keyClicks(w.signin.pin, "3002")
    with qtbot.waitSignal(w.signin.sign_in_failed):
        qtbot.keyClick(w.signin.pin, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.signin
    qtbot.keyClicks(w.signin.pin, "3001")
    qtbot.keyClick(w.signin.pin, Qt.Key.Key_Return)
    assert w.pages.currentWidget() is w.work
    assert w.screens["marking"] is marking_screen  # same user: work kept as it was


def test_quick_switch_of_user_changes_the_screens(qtbot, state) -> None:
    w = window(qtbot, state)
    state.sign_in("记分员甲", "3001")
    w.signin.signed_in_done.emit("记分员甲")
    assert "marking" in w.screens and "chief" not in w.screens
    w.a_switch.trigger()
    assert w.pages.currentWidget() is w.signin and state.session is None
    w.signin.select_user("裁判长")
    qtbot.keyClicks(w.signin.pin, "1111")
    with qtbot.waitSignal(w.screens_built):
        qtbot.keyClick(w.signin.pin, Qt.Key.Key_Return)
    assert "chief" in w.screens
    assert "裁判长" in w.status_user.text()


def test_idle_time_locks_the_screen(qtbot, state) -> None:
    w = window(qtbot, state)
    state.sign_in("裁判长", "1111")
    w.signin.signed_in_done.emit("裁判长")
    w.idle.set_minutes(0.002)  # 120 ms
    assert w.idle.timer.isActive() and w.idle.timer.interval() == 120
    # no input from here on: the lock comes from the idle timer alone. Wait on its signal,
    # not on a wall-time budget a loaded machine can overrun (the lock itself is checked)
    with qtbot.waitSignal(w.screen_locked, timeout=60_000) as locked:
        pass
    assert locked.args == ["裁判长"]
    assert w.signin.locked_user == "裁判长" and state.session is None
    assert w.pages.currentWidget() is w.signin
    watcher = IdleWatcher(0)
    assert not watcher.timer.isActive()  # 0: never lock
    watcher.stop()


def test_sign_in_by_typing_a_name_or_number_then_the_pin(qtbot, state) -> None:
    screen = SignInScreen(state)
    qtbot.addWidget(screen)
    screen.show()
    screen.who.setFocus()
    screen.who.insert("记分员")  # as an input method commits Chinese text
    assert screen.selected_user() == "记分员甲"  # the first whose name starts so
    screen.who.insert("乙")
    assert screen.selected_user() == "记分员乙"
    assert screen.pin.text() == ""
    qtbot.keyClick(screen.who, Qt.Key.Key_Return)
    qtbot.keyClicks(screen.pin, "3002")
    with qtbot.waitSignal(screen.signed_in_done) as done:
        qtbot.keyClick(screen.pin, Qt.Key.Key_Return)
    assert done.args == ["记分员乙"]
    screen.who.clear()
    qtbot.keyClicks(screen.who, "2")  # the list's numbering
    assert screen.selected_user() == screen.users.item(1).data(Qt.ItemDataRole.UserRole)
    screen.who.clear()
    qtbot.keyClicks(screen.who, "ADM")  # a name from its start, case ignored
    assert screen.selected_user() == "admin"
    screen.who.clear()
    qtbot.keyClicks(screen.who, "nobody")
    assert "没有这个用户" in screen.message.text()
