"""帮助 → 关于: the About box names the package version."""

from __future__ import annotations

from importlib import metadata

from ui import i18n
from ui.main_window import MainWindow
from ui.settings import Settings


def test_about_box_shows_the_package_version(qtbot, state) -> None:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    assert w.m_help.title() == "帮助(&H)"
    w.m_help.a_about.trigger()
    box = w.m_help.box
    assert box is not None and box.isVisible()
    assert f"Jiangxin {metadata.version('jiangxin')}" in box.text()
    box.accept()
    w.set_language("en")
    assert w.m_help.a_about.text() == "About Jiangxin…"
    w.set_language("zh")
    assert i18n.language() == "zh"

