"""帮助 → 关于匠心 (Help → About): the version from the package metadata, and what it runs on."""

from __future__ import annotations

import platform
import sys

from db.store.connection import APP_VERSION
from ui import qt
from ui.i18n import t
from ui.qt import QMainWindow, QMenu, QMessageBox, QWidget, qaction, qVersion


def about_text() -> str:
    bundle = t("（独立安装包）", " (bundle)") if getattr(sys, "frozen", False) else ""
    binding = getattr(qt, "PYSIDE_VERSION", "?")
    return (f"<h3>匠心 Jiangxin {APP_VERSION}</h3>"
            + t("<p>职工技能大赛评分系统，离线运行。</p>",
                "<p>Offline judging for worker skills competitions.</p>")
            + f"<p>Python {platform.python_version()}{bundle} · Qt {qVersion()} · "
              f"PySide6 {binding} · {platform.system()} {platform.release()}</p>")


class HelpMenu(QMenu):
    """The menu bar's 帮助 menu; ``retranslate`` follows the language switch."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.a_about = qaction(self, lambda: self.show_about(window))
        self.addAction(self.a_about)
        window.menuBar().addMenu(self)
        self.box: QMessageBox | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(t("帮助(&H)", "&Help"))
        self.a_about.setText(t("关于匠心…", "About Jiangxin…"))

    def show_about(self, parent: QWidget) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Information, t("关于匠心", "About Jiangxin"),
                          about_text(), QMessageBox.StandardButton.Ok, parent)
        self.box = box
        box.open()
        return box
