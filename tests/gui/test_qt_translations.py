"""Qt's own strings (standard buttons, the text fields' context menu) in Chinese (ui/i18n.py)."""

from __future__ import annotations

from ui import i18n
from ui.qt import QCoreApplication, QDialogButtonBox


def test_qtbase_chinese_loaded_and_removed(qtbot) -> None:  # type: ignore[no-untyped-def]
    try:
        i18n.set_language("zh")
        assert i18n._qt_translators, "qtbase_zh_CN.qm did not load"
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        texts = {b.text() for b in box.buttons()}
        assert texts == {"确定", "取消"}, texts
        assert QCoreApplication.translate("QWidgetTextControl", "&Undo") != "&Undo"
        i18n.set_language("en")
        assert not i18n._qt_translators
        assert QCoreApplication.translate("QWidgetTextControl", "&Undo") == "&Undo"
    finally:
        i18n.set_language("zh")
