"""The Qt binding must not leak references to None (PySide6 6.12.0 did, and aborted the app)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_void_calls_do_not_eat_references_to_none() -> None:
    o = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        o.setObjectName("x")
    assert sys.getrefcount(None) >= before - 50
