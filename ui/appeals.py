"""申诉 Appeals: written appeals filed within the window after an event, and their rulings."""

from __future__ import annotations

import datetime as dt
import time

from db.ops import appeals as appeals_db
from db.store.changes import Changes, Kind
from judging.errors import JiangxinError
from ui.errors import plain_message
from ui.event_picker import EventPicker, event_combo, wants_reload
from ui.i18n import t
from ui.models import Column, RowsModel, state_colour
from ui.qt import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from ui.state import AppState
from ui.widgets import big

CENTER = Qt.AlignmentFlag.AlignCenter


def _clock(at: str | float | None) -> str:
    if at is None:
        return ""
    if isinstance(at, float):
        return time.strftime("%m-%d %H:%M", time.localtime(at))
    try:
        return dt.datetime.fromisoformat(at).astimezone().strftime("%m-%d %H:%M")
    except ValueError:
        return at


OUTCOME_LABELS = {"upheld": ("维持申诉（重新评分）", "Upheld (re-mark)"),
                  "rejected": ("驳回", "Rejected")}


class AppealsScreen(QWidget):
    """申诉 Appeals: filed within two hours of the event's end; arbitration rules, final."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.event_box = EventPicker()
        self.event_box.setObjectName("event")
        self.window_label = QLabel()
        self.window_label.setObjectName("window")
        big(self.window_label, 14, True)
        self.model: RowsModel[appeals_db.Appeal] = RowsModel([
            Column("编号", "No.", lambda a: a.number, bold=True),
            Column("工位", "Station", lambda a: a.station, align=CENTER),
            Column("申诉内容", "Appeal", lambda a: a.text),
            Column("登记", "Filed", lambda a: f"{_clock(a.filed_at)} {a.filed_by}"),
            Column("裁决", "Outcome", lambda a: t(*OUTCOME_LABELS[a.outcome]) if a.outcome
                   else t("待裁决", "open"),
                   background=lambda a: state_colour("verified" if a.outcome == "rejected"
                                                     else "disagreement" if a.outcome
                                                     else "entered")),
            Column("裁决理由", "Ruling", lambda a: a.ruling or ""),
        ], self)
        self.view = QTableView()
        self.view.setObjectName("appeals")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.verticalHeader().hide()
        big(self.view, 13)
        self.station = QLineEdit()
        self.station.setObjectName("station")
        self.station.setMaximumWidth(100)
        self.text = QLineEdit()
        self.text.setObjectName("text")
        self.file_btn = QPushButton()
        self.file_btn.setObjectName("file")
        self.outcome = QComboBox()
        self.outcome.setObjectName("outcome")
        self.ruling = QLineEdit()
        self.ruling.setObjectName("ruling")
        self.rule_btn = QPushButton()
        self.rule_btn.setObjectName("rule")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        big(self.message, 13)
        self.labels = {k: QLabel() for k in ("event", "station", "text", "outcome", "ruling")}
        self.groups = {k: QGroupBox() for k in ("file", "rule")}
        top = QHBoxLayout()
        top.addWidget(self.labels["event"])
        top.addWidget(self.event_box)
        top.addSpacing(16)
        top.addWidget(self.window_label, 1)
        f = QHBoxLayout(self.groups["file"])
        for w in (self.labels["station"], self.station, self.labels["text"], self.text,
                  self.file_btn):
            f.addWidget(w, 1 if w is self.text else 0)
        r = QHBoxLayout(self.groups["rule"])
        for rw in (self.labels["outcome"], self.outcome, self.labels["ruling"], self.ruling,
                   self.rule_btn):
            r.addWidget(rw, 1 if rw is self.ruling else 0)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(self.view, 1)
        outer.addWidget(self.groups["file"])
        outer.addWidget(self.groups["rule"])
        outer.addWidget(self.message)

        self.event_box.event_chosen.connect(lambda _e: self.reload())
        self.file_btn.clicked.connect(self.file)
        self.rule_btn.clicked.connect(self.rule)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._chosen())
        self.retranslate()
        event_combo(state, self.event_box)
        self.reload()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if wants_reload(self.state, self.event_box, changes, Kind.APPEALS, Kind.CLOCKS,
                        event=self.event_box.currentData()):
            self.reload()

    def retranslate(self) -> None:
        for k, (zh, en) in {"event": ("赛项", "Event"), "station": ("工位", "Station"),
                            "text": ("申诉内容", "Appeal text"), "outcome": ("裁决", "Outcome"),
                            "ruling": ("理由", "Reasons")}.items():
            self.labels[k].setText(t(zh, en))
        self.groups["file"].setTitle(t("登记书面申诉（赛项结束后2小时内）",
                                       "File a written appeal (within 2 hours of the end)"))
        self.groups["rule"].setTitle(t("仲裁裁决（最终）", "Arbitration ruling (final)"))
        self.file_btn.setText(t("登记申诉", "File appeal"))
        self.rule_btn.setText(t("裁决", "Rule"))
        self.outcome.clear()
        for k, (zh, en) in OUTCOME_LABELS.items():
            self.outcome.addItem(t(zh, en), k)

    def reload(self) -> None:
        c, ev = self.state.contest, self.event_box.currentData()
        s = self.state.session
        if c is None or not ev or s is None:
            self.model.set_rows([])
            return
        self.model.set_rows(appeals_db.appeals(c, ev))
        now = time.time()
        end = appeals_db.event_end(c, ev, now)
        if end is None:
            self.window_label.setText(t("赛项尚未结束：结束后2小时内可申诉",
                                        "Event not over: appeals open until 2 h after the end"))
            self.window_label.setStyleSheet("")
        else:
            closes = end + appeals_db.WINDOW_SECONDS
            left = int(closes - now)
            if left > 0:
                self.window_label.setText(t(
                    f"结束 {_clock(end)}，申诉截止 {_clock(closes)}（剩余 {left // 3600}小时"
                    f"{left % 3600 // 60}分）",
                    f"Ended {_clock(end)}; appeals close {_clock(closes)} "
                    f"({left // 3600} h {left % 3600 // 60} min left)"))
                self.window_label.setStyleSheet("color: #1b5e20;")
            else:
                self.window_label.setText(t(f"申诉期限已过（截止 {_clock(closes)}）",
                                            f"Appeal window closed at {_clock(closes)}"))
                self.window_label.setStyleSheet("color: #b00020;")
        self.rule_btn.setEnabled(s.role == "supervisor")
        self._chosen()

    def _chosen(self) -> None:
        a = self.model.row_at(self.view.currentIndex())
        self.groups["rule"].setEnabled(a is not None and a.outcome is None
                                       and self.state.session is not None
                                       and self.state.session.role == "supervisor")

    def _do(self, what: str, op: object, *args: object) -> bool:
        try:
            self.state.apply(op, *args)  # type: ignore[arg-type]
        except JiangxinError as exc:
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText(plain_message(exc))
            return False
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(what)
        return True

    def file(self) -> None:
        ev = self.event_box.currentData()
        if ev and self._do(t("申诉已登记", "Appeal filed"), appeals_db.file_appeal, ev,
                           self.station.text(), self.text.text()):
            self.station.clear()
            self.text.clear()

    def rule(self) -> None:
        ev = self.event_box.currentData()
        a = self.model.row_at(self.view.currentIndex())
        if ev and a is not None and self._do(
                t(f"申诉 {a.number} 已裁决", f"Appeal {a.number} ruled"), appeals_db.rule_appeal,
                ev, a.number, self.outcome.currentData(), self.ruling.text()):
            self.ruling.clear()
