"""The app asks for the signing passphrase once per session and holds it in memory only."""

from __future__ import annotations

from typing import Any

import pytest

from db.keys import passphrase as pp


def test_asked_once_then_held_and_forgotten_when_wrong(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import passphrase_dialog as dlg
    from ui.qt import QInputDialog, QWidget

    monkeypatch.delenv(pp.ENV)
    asked: list[str] = []

    def fake_get_text(*args: Any, **kwargs: Any) -> tuple[str, bool]:
        asked.append(args[2])
        return "typed passphrase 123", True

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    w = QWidget()
    qtbot.addWidget(w)
    try:
        assert dlg.signing_passphrase(w, demo=True) == "typed passphrase 123"
        assert dlg.signing_passphrase(w) == "typed passphrase 123"
        assert len(asked) == 1 and pp.DEMO_PASSPHRASE in asked[0]
        assert pp.current() == "typed passphrase 123"
        dlg.forget()
        assert pp.current() is None
        monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
        assert dlg.signing_passphrase(w) is None  # cancelled: nothing held
        assert pp.current() is None
    finally:
        pp.hold(None)


def test_the_headquarters_passphrase_is_asked_when_not_set(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import passphrase_dialog as dlg
    from ui.qt import QInputDialog, QWidget

    monkeypatch.delenv(pp.ENV)
    monkeypatch.delenv("JIANGXIN_HQ_PASSPHRASE", raising=False)
    asked: list[str] = []

    def fake_get_text(*args: Any, **kwargs: Any) -> tuple[str, bool]:
        asked.append(args[1])
        return "hq operator passphrase", True

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    w = QWidget()
    qtbot.addWidget(w)
    assert dlg.hq_passphrase(w) == "hq operator passphrase" and len(asked) == 1
    monkeypatch.setenv("JIANGXIN_HQ_PASSPHRASE", "from the environment")
    assert dlg.hq_passphrase(w) == "from the environment" and len(asked) == 1
