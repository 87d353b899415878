"""The certificates screen's settings tab: the certificate template (kept with the contest)
and the 套打 calibration of this laptop's printers (ui/certificates.py lays them out and acts
on their buttons)."""

from __future__ import annotations

from typing import Any

from db.ops import certificates as certs
from db.store.contest import Contest
from printing.paper import PAPERS
from ui import files
from ui.i18n import t
from ui.qt import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)


class TemplateBox(QGroupBox):
    """Layout, background and seal images, and the wording per award."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(t("证书模板", "Certificate template"), parent)
        self.orientation = QComboBox()
        self.orientation.addItem(t("横版 A4", "A4 landscape"), "landscape")
        self.orientation.addItem(t("竖版 A4", "A4 portrait"), "portrait")
        self.background = QLineEdit()
        self.background.setPlaceholderText(t("背景图（可选）", "Background image (optional)"))
        self.seal = QLineEdit()
        self.seal.setPlaceholderText(t("印章图 PNG（可选）", "Seal PNG (optional)"))
        self.bg_btn = QPushButton("…")
        self.seal_btn = QPushButton("…")
        self.wording = QTableWidget(0, 2)
        self.wording.setHorizontalHeaderLabels([t("奖项", "Award"), t("正文措辞", "Wording")])
        self.wording.horizontalHeader().setStretchLastSection(True)
        self.wording.verticalHeader().hide()
        self.wording.setMaximumHeight(130)
        self.save_btn = QPushButton(t("保存模板", "Save template"))
        form = QFormLayout(self)
        form.addRow(t("版式", "Layout"), self.orientation)
        for label, edit, btn in ((t("背景", "Background"), self.background, self.bg_btn),
                                 (t("印章", "Seal"), self.seal, self.seal_btn)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(btn)
            form.addRow(label, row)
        form.addRow(QLabel(t("措辞可用 {name} {competition} {event_group} {award} 等占位符；"
                             "留空用默认",
                             "Wording may use {name} {competition} {event_group} {award}…; "
                             "empty: the default")))
        form.addRow(self.wording)
        form.addRow(self.save_btn)
        self.bg_btn.clicked.connect(lambda: self._pick_image(self.background))
        self.seal_btn.clicked.connect(lambda: self._pick_image(self.seal))

    def load(self, c: Contest) -> None:
        """Show the contest's template, with a wording row for every award of every event."""
        tpl = certs.template(c)
        self.orientation.setCurrentIndex(max(0, self.orientation.findData(tpl.orientation)))
        self.background.setText(tpl.background or "")
        self.seal.setText(tpl.seal or "")
        awards: list[str] = []
        for ev in c.competition.events:
            for a in (*ev.awards.levels, getattr(ev.awards, "honourable", None)):
                if a and a not in awards:
                    awards.append(a)
        for a in tpl.wording:
            if a not in awards:
                awards.append(a)
        self.wording.setRowCount(len(awards))
        for i, a in enumerate(awards):
            item = QTableWidgetItem(a)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.wording.setItem(i, 0, item)
            self.wording.setItem(i, 1, QTableWidgetItem(tpl.wording.get(a, "")))

    def settings(self) -> dict[str, Any]:
        """The template settings as typed, for db.ops.certificates.set_template."""
        wording = {}
        for i in range(self.wording.rowCount()):
            award, text = self.wording.item(i, 0), self.wording.item(i, 1)
            if award and text and text.text().strip():
                wording[award.text()] = text.text().strip()
        return {"orientation": self.orientation.currentData(),
                "background": self.background.text().strip() or None,
                "seal": self.seal.text().strip() or None, "wording": wording}

    def _pick_image(self, edit: QLineEdit) -> None:
        dialog = files.make_dialog(self, t("选择图片", "Choose an image"), "image",
                                   "Images (*.png *.jpg *.jpeg)")
        dialog.fileSelected.connect(edit.setText)
        dialog.open()


class CalibrationBox(QGroupBox):
    """套打: print a calibration page on a paper, then type where cross A came out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(t("套打校准（本机打印机）",
                           "Pre-printed stock: calibration (this laptop)"), parent)
        self.paper = QComboBox()
        for key, size in PAPERS.items():
            self.paper.addItem(size.label, key)
        self.print_btn = QPushButton(t("打印校准页…", "Print calibration page…"))
        self.x_mm, self.y_mm = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.x_mm, self.y_mm):
            box.setRange(0.5, 59.5)
            box.setDecimals(1)
            box.setSingleStep(0.5)
            box.setValue(20.0)
            box.setSuffix(" mm")
        self.save_btn = QPushButton(t("保存校准", "Save calibration"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        cf = QFormLayout(self)
        cf.addRow(t("纸张", "Paper"), self.paper)
        cf.addRow(self.print_btn)
        measured = QHBoxLayout()
        measured.addWidget(QLabel(t("十字A 距左边 X", "Cross A from left X")))
        measured.addWidget(self.x_mm)
        measured.addWidget(QLabel(t("距上边 Y", "from top Y")))
        measured.addWidget(self.y_mm)
        measured.addWidget(self.save_btn)
        cf.addRow(measured)
        cf.addRow(self.status)
