"""保密口令 The encryption officer's passphrase, asked for one action (解密, 抽签核验).

The dialog says what the action does, takes the passphrase (never stored, never shown) and
hands it to the screen through ``submitted``; the screen runs the work off the GUI thread
(ui/worker.py: unwrapping the officer's key takes scrypt's fraction of a second) and answers
with :meth:`OfficerPassphraseDialog.refuse` (a wrong passphrase: said here, in Chinese first,
the dialog stays open for another try, nothing written) or closes it when done.
"""

from __future__ import annotations

from ui.i18n import t
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    Signal,
)

WRONG_BG = "#f9c0c0"


def wrong_passphrase_text() -> str:
    """What a wrong passphrase (NotAllowed, the command line's exit 5) reads as in the app."""
    return t("保密口令错误：未做任何更改。请重新输入加密裁判的保密口令。",
             "Wrong passphrase for the encryption officer's key: nothing was changed. Type "
             "the officer's passphrase again.")


class OfficerPassphraseDialog(QDialog):
    """The officer's passphrase for one action; ``submitted(passphrase)`` on OK."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None, title: str, message: str, action: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(t("加密裁判的保密口令（至少12个字符）",
                                             "The encryption officer's passphrase (12 or more "
                                             "characters)"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: #6b0000; background: {WRONG_BG}; padding: 6px;")
        self.error.hide()
        self.busy_label = QLabel(t("正在核对口令…", "Checking the passphrase…"))
        self.busy_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_btn = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_btn.setText(action)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(t("取消", "Cancel"))
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addWidget(QLabel(t("保密口令（仅用于这一次操作，不保存）",
                               "Passphrase (used for this action only, never stored)")))
        lay.addWidget(self.passphrase)
        lay.addWidget(self.error)
        lay.addWidget(self.busy_label)
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.passphrase.textChanged.connect(self._update)
        self.setMinimumWidth(460)
        self._update()

    def _update(self) -> None:
        self.ok_btn.setEnabled(bool(self.passphrase.text()) and not self.busy_label.isVisible())

    def _submit(self) -> None:
        text = self.passphrase.text()
        if not text:
            return
        self.busy(True)
        self.submitted.emit(text)

    def busy(self, on: bool) -> None:
        self.busy_label.setVisible(on)
        self.passphrase.setEnabled(not on)
        self._update()

    def refuse(self, text: str | None = None) -> None:
        """The passphrase was wrong (or the work refused): say so, let them type again."""
        self.busy(False)
        self.error.setText(text or wrong_passphrase_text())
        self.error.show()
        self.passphrase.clear()
        self.passphrase.setFocus()
