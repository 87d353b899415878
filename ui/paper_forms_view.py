"""纸质表格 Paper forms for the chief judge, and the draw sheet for the encryption officer.

`jiangxin forms` is the organiser's and the chief judge's (db/ops/paper_forms.py); the app had
the forms only on the organiser's certificates screen. This screen is that screen's paper forms
tab with its preview, print (打印…, the print dialog and its progress) and save, without the
certificates, which are the organiser's alone: the same code, not a copy. Before decryption
the draw sheet (who holds which lot) is the encryption officer's alone, printed for the sealed
envelope: the officer's window offers that form only.
"""

from __future__ import annotations

from ui.certificates import CertificatesScreen
from ui.i18n import t
from ui.qt import QWidget
from ui.state import AppState


class PaperFormsScreen(CertificatesScreen):
    """Paper forms only: make one, see it, print it or save it."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        forms = next(i for i in range(self.tabs.count())
                     if (tab := self.tabs.widget(i)) is not None
                     and tab.isAncestorOf(self.form_btn))
        for i in range(self.tabs.count()):
            self.tabs.setTabVisible(i, i == forms)
        self.tabs.setCurrentIndex(forms)
        self.tabs.tabBar().hide()
        s = state.session
        if s is not None and s.role == "encryption":  # the draw sheet only (paper_forms.py)
            for i in reversed(range(self.form_kind.count())):
                if self.form_kind.itemData(i) != "draw":
                    self.form_kind.removeItem(i)
        self.preview.note.setText(t("生成表格后在此预览", "The form shows here once made"))
        self.status.setText(t("选择赛项和表格，点“生成表格”，预览后打印或保存。",
                              "Choose the event and the form, then Make form; print or save "
                              "it from the preview."))
