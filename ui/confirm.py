"""Asking before an action that cannot be undone (lock, draw, stopping several clocks).

The box is window-modal and opened with ``open()`` (never ``exec()``), Cancel is the default
button, and the action runs only on the affirmative button; the caller keeps the returned box
(tests press its button)."""

from __future__ import annotations

from collections.abc import Callable

from ui.qt import QMessageBox, QWidget


def ask(parent: QWidget, title: str, text: str, yes: str, on_yes: Callable[[], object]
        ) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    button = box.button(QMessageBox.StandardButton.Yes)
    button.setText(yes)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.accepted.connect(on_yes)
    box.open()
    return box


def press_yes(box: QMessageBox | None) -> None:
    """What a user's Yes does (for tests and scripted screenshots)."""
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
