"""The one gateway to Qt: every screen imports Qt names from here, never from PySide6.

As in qutebrowser's ``qt`` package and Anki's ``aqt.qt``: one place that knows the binding
(PySide6), so an upgrade or a workaround for a binding bug touches one module, and the
import contract (``lint-imports``, see pyproject.toml) can say "only ui/qt.py imports
PySide6". :func:`qconnect` connects a signal to a slot with both sides typed, where
keyword-argument connections (``QAction(..., triggered=f)``) are invisible to mypy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import __version__ as PYSIDE_VERSION  # noqa: F401 - re-exported
from PySide6.QtCore import *  # noqa: F403
from PySide6.QtCore import SignalInstance as SignalInstance

# the star imports repeat a few list types (QIntList) across modules: same class, ignored
from PySide6.QtGui import *  # type: ignore[assignment]  # noqa: F403
from PySide6.QtPrintSupport import *  # type: ignore[assignment]  # noqa: F403
from PySide6.QtWidgets import *  # type: ignore[assignment]  # noqa: F403
from shiboken6 import isValid

qvalid = isValid  # is the C++ object behind this Python wrapper still alive?


def qconnect(signal: SignalInstance, slot: Callable[..., Any]) -> None:
    """``signal.connect(slot)``, typed: the one way screens connect signals to slots."""
    signal.connect(slot)


def qaction(parent: QObject, slot: Callable[[], Any] | None = None, text: str = "", *,  # noqa: F405
            checkable: bool = False) -> QAction:  # noqa: F405
    """A QAction whose ``triggered`` runs ``slot`` (typed, unlike ``QAction(triggered=)``)."""
    action = QAction(text, parent)  # noqa: F405
    action.setCheckable(checkable)
    if slot is not None:
        qconnect(action.triggered, lambda _checked=False: slot())
    return action
