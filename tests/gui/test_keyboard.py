"""Keyboard first (issue 17): screens by Ctrl+1…9, a focus ring one can see, and no window
shortcut that a text box also wants (Ctrl+U cleared the check-in box instead of switching
user: on X11 it deletes to the start of the line)."""

from __future__ import annotations

from ui.main_window import FOCUS_COLOUR, MainWindow
from ui.qt import QAction, QApplication, QEvent, QKeyEvent, QKeySequence, QLineEdit, QSpinBox
from ui.settings import Settings

# keys a text box uses under some platform's key bindings (Qt's tables: X11, Windows, macOS)
TEXT_KEYS = {"Ctrl+U", "Ctrl+K", "Ctrl+A", "Ctrl+C", "Ctrl+V", "Ctrl+X", "Ctrl+Z", "Ctrl+Y",
             "Ctrl+Shift+Z", "Ctrl+Backspace", "Ctrl+Del", "Ctrl+Left", "Ctrl+Right",
             "Home", "End", "Ctrl+Home", "Ctrl+End", "Shift+Home", "Shift+End", "Ctrl+E",
             "Ctrl+H", "Ctrl+D", "Ctrl+B", "Ctrl+F", "Ctrl+P", "Ctrl+N"}


def window(qtbot, state, user: str = "裁判长", pin: str = "1111") -> MainWindow:
    w = MainWindow(state, Settings())
    w.quiet_dialogs = True
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.open_contest(state.contest.path)
    state.sign_in(user, pin)
    w.signin.signed_in_done.emit(user)
    return w


def test_ctrl_and_a_number_goes_to_that_screen(qtbot, state) -> None:
    w = window(qtbot, state)
    keys = [spec.key for spec in w.specs]
    assert len(keys) >= 5
    for i, key in enumerate(keys[:9]):
        a = w.a_screens[i]
        assert a.shortcut().toString() == f"Ctrl+{i + 1}"
        assert w.nav.item(i).toolTip() == f"Ctrl+{i + 1}"
        a.trigger()  # offscreen, shortcuts need an active window: the action is what they run
        assert w.current_screen_key() == key
    assert w.go_to_screen(len(keys) + 5) is None  # no such screen: nothing happens


def test_no_window_shortcut_fights_a_text_box(qtbot, state) -> None:
    w = window(qtbot, state)
    shortcuts = {a.shortcut().toString() for a in w.findChildren(QAction)
                 if not a.shortcut().isEmpty()}
    assert "Ctrl+Shift+U" in shortcuts and "Ctrl+1" in shortcuts
    assert shortcuts & TEXT_KEYS == set()
    app = QApplication.instance()
    for box in (QLineEdit("abc"), QSpinBox()):  # and none that this platform's boxes claim
        for text in shortcuts:
            combo = QKeySequence(text)[0]
            ev = QKeyEvent(QEvent.Type.ShortcutOverride, combo.key(), combo.keyboardModifiers())
            ev.ignore()
            app.sendEvent(box, ev)
            assert not ev.isAccepted(), f"{text} is taken by a {type(box).__name__}"


def test_the_focus_ring_is_drawn(qtbot, state) -> None:
    w = window(qtbot, state)
    with qtbot.waitActive(w):
        w.activateWindow()
    w.show_screen("checkin")
    box = next(e for e in w.screens["checkin"].findChildren(QLineEdit)
               if e.isVisible() and not e.objectName().startswith("qt_"))
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=3000)
    img = box.grab().toImage()
    ring = sum(1 for x in range(img.width())
               if img.pixelColor(x, 1).name() == FOCUS_COLOUR.lower())
    assert ring > img.width() // 2  # a solid line along the top edge
