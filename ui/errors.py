"""One place for errors: known ones as plain messages, anything else as a bug report.

Known errors are :class:`judging.errors.JiangxinError` (wrong PIN, bad input naming the file,
row and field, a locked module, a full disk): the user can act on them, so they get a short
message in their language. Anything else is a bug: a dialog with the details to copy into a
report. :func:`install_excepthook` routes exceptions escaping Qt slots here, so no slot needs
(or may have) a bare ``except``; screens catch ``JiangxinError`` where they show it inline.

Dialogs are opened non-modally (``open()``, never ``exec()``) so that a test or a worker
never blocks on them; :data:`reporter` emits ``error_shown`` for every one.
"""

from __future__ import annotations

import sys
import traceback
from types import TracebackType

from judging.errors import InputError, JiangxinError, NotAllowed, StorageError
from ui.i18n import t
from ui.qt import QApplication, QMessageBox, QObject, QWidget, Signal


class ErrorReporter(QObject):
    """Emits ``error_shown(kind, text)`` with kind ``known`` or ``bug``."""

    error_shown = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.last_dialog: QMessageBox | None = None


reporter = ErrorReporter()


# the fields that messages name, in the user's words (issue 17: "字段：reason")
FIELD_NAMES = {
    "reason": ("原因", "reason"), "score": ("分数", "score"), "measured": ("实测值", "measured"),
    "station": ("工位号", "workstation"), "event": ("赛项", "event"),
    "aspect": ("评分项", "aspect"),
    "judge": ("裁判", "judge"), "seconds": ("补时（秒）", "seconds"), "seed": ("随机种子", "seed"),
    "witness": ("见证人", "witness"), "pin": ("PIN", "PIN"), "name": ("姓名", "name"),
    "id_number": ("身份证号", "ID number"), "candidate": ("参赛编号", "candidate number"),
    "unit": ("单位", "unit"), "module": ("模块", "module"), "status": ("状态", "status"),
    "theory": ("理论成绩", "theory"), "time_used": ("用时", "time used"),
}


def plain_message(exc: BaseException) -> str:
    """The text a user reads for a known error (InputError: file, row and field first)."""
    if isinstance(exc, InputError) and not hasattr(exc, "errors"):
        where = []
        if exc.file:
            where.append(t(f"文件：{exc.file}", f"File: {exc.file}"))
        if exc.row is not None:
            where.append(t(f"第{exc.row}行", f"Row {exc.row}"))
        if exc.field:
            zh, en = FIELD_NAMES.get(exc.field, (exc.field, exc.field))
            where.append(t(f"字段：{zh}（{en}）" if zh != en else f"字段：{zh}", f"Field: {en}"))
        return ("\n".join(where) + "\n\n" if where else "") + exc.detail
    return str(exc)


def title_for(exc: BaseException) -> str:
    if isinstance(exc, NotAllowed):
        return t("不允许", "Not allowed")
    if isinstance(exc, InputError):
        return t("输入有误", "Input problem")
    if isinstance(exc, StorageError):
        return t("存储问题", "Storage problem")
    if isinstance(exc, JiangxinError):
        return t("无法完成", "Cannot do that")
    return t("程序错误", "Bug report")


def show_error(exc: BaseException, parent: QWidget | None = None) -> QMessageBox:
    """Show ``exc``: a plain message for a known error, a bug report with details otherwise."""
    if parent is None:
        parent = QApplication.activeWindow()
    box = QMessageBox(parent)
    box.setWindowTitle(title_for(exc))
    if isinstance(exc, JiangxinError):
        kind = "known"
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(plain_message(exc))
    else:
        kind = "bug"
        box.setIcon(QMessageBox.Icon.Critical)
        box.setText(t("出现了程序错误。已保存的数据不受影响。\n请把下面的详细信息发给技术支持。",
                      "Something went wrong in the program. Saved data is not affected.\n"
                      "Please send the details below to support."))
        box.setDetailedText("".join(traceback.format_exception(type(exc), exc,
                                                               exc.__traceback__)))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setModal(True)
    box.open()
    reporter.last_dialog = box
    reporter.error_shown.emit(kind, box.text())
    return box


def _hook(etype: type[BaseException], value: BaseException,
          tb: TracebackType | None) -> None:
    if issubclass(etype, KeyboardInterrupt):
        sys.__excepthook__(etype, value, tb)
        return
    traceback.print_exception(etype, value, tb)
    if QApplication.instance() is not None:
        show_error(value)


def install_excepthook() -> None:
    """Route uncaught exceptions (including those escaping slots) to :func:`show_error`."""
    sys.excepthook = _hook
