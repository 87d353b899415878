"""The marking grid: keyboard first, workstation numbers only, every cell durable on Enter.

Rows are workstation numbers (never names or units). Columns are either the aspects of one
module for one judge ("by judge"), or the judges of one aspect ("by aspect", for J and P
panels). Typing a digit opens the cell; Enter commits it through ``AppState.run_op(enter_mark)``
(one transaction, on disk before the next cell takes focus) and moves on; Escape undoes the
edit. Values are range-checked as they are typed; a measured value shows its points. J and P
entries of other judges stay hidden until every judge of that aspect has committed. Re-keying
is blind by default (only the chief judge sees the choice and may switch it off): values typed
by others are hidden, and a different value shows as a disagreement. Delete clears a pending
edit, or takes a mark back (``clear_mark``).
"""

from __future__ import annotations

from db.ops import marking
from db.ops.people import by_station
from db.store.changes import Changes, Kind
from judging.errors import JiangxinError
from judging.scheme import Event
from ui.errors import plain_message
from ui.event_picker import EventPicker
from ui.i18n import t
from ui.mark_grid import (  # noqa: F401 - the grid's parts, re-exported
    Index,
    Key,
    Layout,
    MarkDelegate,
    MarkGridModel,
    aspect_hint,
    parse_cell,
    refusal,
)
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QKeySequence,
    QLabel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    qconnect,
)
from ui.state import AppState


class MarkingScreen(QWidget):
    """评分 Marking: choose event, module and judge (or aspect); type; Enter; next."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.last_key: tuple[str, str, str, str] | None = None
        self.move_down = False
        self.model = MarkGridModel(state, self)
        self.delegate = MarkDelegate(self.model, self)

        self.event_box = EventPicker()
        self.event_box.setObjectName("event")
        self.layout_box = QComboBox()
        self.layout_box.setObjectName("layout")
        self.module_box = QComboBox()
        self.module_box.setObjectName("module")
        self.who_box = QComboBox()
        self.who_box.setObjectName("who")
        self.verify = QCheckBox()
        self.verify.setObjectName("verify")
        self.verify.setChecked(True)
        self.down = QCheckBox()
        self.down.setObjectName("down")
        self.undo = QPushButton()
        self.undo.setObjectName("undo")
        self.labels = [QLabel() for _ in range(3)]

        self.view = QTableView()
        self.view.setObjectName("grid")
        self.view.setModel(self.model)
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                                  | QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        f = self.view.font()
        f.setPointSize(14)
        self.view.setFont(f)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(150)
        self.view.verticalHeader().setDefaultSectionSize(40)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hf = self.view.verticalHeader().font()
        hf.setPointSize(15)
        hf.setBold(True)
        self.view.verticalHeader().setFont(hf)
        self.view.verticalHeader().setMinimumWidth(72)

        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        for lab, size in ((self.hint, 13), (self.message, 14)):
            lf = lab.font()
            lf.setPointSize(size)
            lab.setFont(lf)
        self.legend = QLabel()
        self.legend.setWordWrap(True)

        bar = QHBoxLayout()
        for lab, box in zip(self.labels, (self.event_box, self.module_box, self.who_box)):
            bar.addWidget(lab)
            bar.addWidget(box)
        bar.addWidget(self.layout_box)
        bar.addStretch(1)
        bar2 = QHBoxLayout()
        bar2.addWidget(self.verify)
        bar2.addWidget(self.down)
        bar2.addStretch(1)
        bar2.addWidget(self.undo)
        outer = QVBoxLayout(self)
        outer.addLayout(bar)
        outer.addLayout(bar2)
        outer.addWidget(self.view, 1)
        outer.addWidget(self.hint)
        outer.addWidget(self.message)
        outer.addWidget(self.legend)

        # connections, in one place
        self.event_box.event_chosen.connect(lambda _e: self._event_chosen())
        self.layout_box.currentIndexChanged.connect(lambda *_: self._fill_modules())
        self.module_box.currentIndexChanged.connect(lambda *_: self._fill_who())
        self.who_box.currentIndexChanged.connect(lambda *_: self._apply_layout())
        self.verify.toggled.connect(self._verify_toggled)
        self.down.toggled.connect(lambda on: setattr(self, "move_down", on))
        self.undo.clicked.connect(self.undo_last)
        qconnect(QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self).activated,
                 self.undo_last)
        self.delegate.problem_changed.connect(self._show_problem)
        self.delegate.committed.connect(self._move_on)
        self.model.mark_refused.connect(self._show_problem)
        self.model.mark_saved.connect(self._saved)
        self.view.selectionModel().currentChanged.connect(lambda cur, _: self._show_hint(cur))
        self.view.installEventFilter(self)  # Delete on a cell: take its mark back
        self._dialog: QInputDialog | None = None

        self.retranslate()
        self._fill_events()
        self._show_blind_choice()

    # ---- contract ------------------------------------------------------------------------
    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if self.state.session is None:
            return
        if initiator is self:
            return  # our own write: its rows were repainted from what it returned
        if changes.touches(Kind.SESSION):
            self._fill_events()
            self._show_blind_choice()
        elif changes.touches(Kind.MARKS, Kind.LOCKS, Kind.PEOPLE, Kind.DRAW,
                             event=self.model.layout_.event.id if self.model.layout_ else None):
            self.model.reload()

    def _show_blind_choice(self) -> None:
        """Blind re-keying is always on for recorders and judges; the chief judge sees the
        choice (ticked) and may untick it to see every value while resolving."""
        s = self.state.session
        chief = s is not None and s.role == "chief"
        self.verify.setVisible(chief)
        if not chief and not self.verify.isChecked():
            self.verify.setChecked(True)

    def retranslate(self) -> None:
        for lab, (zh, en) in zip(self.labels, (("赛项", "Event"), ("模块", "Module"),
                                               ("裁判", "Judge"))):
            lab.setText(t(zh, en))
        self.verify.setText(t("盲录复核：不显示他人录入的值", "Blind re-key (values hidden)"))
        self.down.setText(t("回车后向下", "Enter ↓"))
        self.undo.setText(t("撤销上一条 Ctrl+Z", "Undo  Ctrl+Z"))
        self.layout_box.blockSignals(True)
        i = max(0, self.layout_box.currentIndex())
        self.layout_box.clear()
        self.layout_box.addItem(t("列＝评分项（按裁判）", "Columns: aspects"), False)
        self.layout_box.addItem(t("列＝裁判（按评分项）", "Columns: judges"), True)
        self.layout_box.setCurrentIndex(i)
        self.layout_box.blockSignals(False)
        self.legend.setText(t("颜色：黄＝已录  绿✓＝已复核  红≠＝不一致  橙⚠＝分差超限  "
                              "灰●＝他人已提交（全部提交后显示）  灰蓝＝已锁定",
                              "Colours: yellow = entered, green ✓ = verified, red ≠ = "
                              "disagreement, orange ⚠ = spread, grey ● = committed by another "
                              "judge (shown once all have), slate = locked"))

    # ---- choosing what to show -----------------------------------------------------------
    def _fill_events(self) -> None:
        s = self.state.session
        if s is None:
            self.event_box.clear()
        else:  # at first the first event still open for marking
            self.event_box.fill(self.state.contest, lambda c: next(
                (ev.id for ev in c.competition.events
                 if s.may_see_event(ev.id) and not marking.event_locked(c, ev.id)), None),
                session=s)
        self._event_chosen()

    def current_event(self) -> Event | None:
        c, ev = self.state.contest, self.event_box.currentData()
        return c.event(ev) if c is not None and ev else None

    def _event_chosen(self) -> None:
        self._fill_modules()

    def _fill_modules(self) -> None:
        ev = self.current_event()
        by_aspect = bool(self.layout_box.currentData())
        self.labels[1].setText(t("评分项", "Aspect") if by_aspect else t("模块", "Module"))
        self.labels[2].setText(t("", "") if by_aspect else t("裁判", "Judge"))
        self.module_box.blockSignals(True)
        self.module_box.clear()
        if ev is not None:
            for m in ev.modules:
                if by_aspect:
                    for a in m.aspects:
                        self.module_box.addItem(f"{a.id} {a.text} ({a.kind})", a.id)
                else:
                    self.module_box.addItem(f"{m.id} {m.name}", m.id)
        self.module_box.blockSignals(False)
        self._fill_who()

    def judges(self, ev: Event) -> list[str]:
        c = self.state.contest
        assert c is not None
        return marking.judges(c, ev.id)

    def _fill_who(self) -> None:
        ev, s = self.current_event(), self.state.session
        by_aspect = bool(self.layout_box.currentData())
        self.who_box.blockSignals(True)
        current = self.who_box.currentData()
        self.who_box.clear()
        if ev is not None and s is not None and not by_aspect:
            names = [s.user] if s.role == "judge" else self.judges(ev)
            for n in names:
                self.who_box.addItem(n, n)
            i = self.who_box.findData(current)
            self.who_box.setCurrentIndex(max(0, i))
        self.who_box.setVisible(not by_aspect)
        self.labels[2].setVisible(not by_aspect)
        self.who_box.setEnabled(s is not None and s.role != "judge")
        self.who_box.blockSignals(False)
        self._apply_layout()

    def _apply_layout(self) -> None:
        ev, c = self.current_event(), self.state.contest
        if ev is None or c is None:
            self.model.set_layout(None)
            return
        stations = tuple(sorted(by_station(c, ev.id)))
        by_aspect = bool(self.layout_box.currentData())
        picked = self.module_box.currentData()
        if by_aspect:
            a = ev.aspects.get(picked)
            cols = tuple((a, j) for j in self.judges(ev)) if a else ()
        else:
            judge = self.who_box.currentData()
            m = next((m for m in ev.modules if m.id == picked), None)
            cols = tuple((a, judge) for a in m.aspects) if m and judge else ()
        self.model.set_layout(Layout(ev, stations, cols, by_aspect))
        if self.model.rowCount() and self.model.columnCount():
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.view.setFocus()

    def select(self, event: str, module: str, judge: str | None = None, *,
               by_aspect: bool = False) -> None:
        """Choose what the grid shows (module is an aspect id when ``by_aspect``)."""
        self.event_box.setCurrentIndex(self.event_box.findData(event))
        self.layout_box.setCurrentIndex(1 if by_aspect else 0)
        self.module_box.setCurrentIndex(self.module_box.findData(module))
        if judge is not None:
            self.who_box.setCurrentIndex(self.who_box.findData(judge))
        self._apply_layout()

    def _verify_toggled(self, on: bool) -> None:
        self.model.verify_mode = on
        self.model.revealed.clear()
        self.model.reload()
        self.message.setText(t("盲录复核：他人录入的值已隐藏，请按纸质评分表重新录入。",
                               "Blind re-key: values typed by others are hidden; re-key them "
                               "from the paper sheet.") if on else
                             t("已关闭盲录：显示所有录入的值（仅裁判长）。",
                               "Blind re-key off: every typed value is shown (chief judge "
                               "only)."))

    # ---- typing --------------------------------------------------------------------------
    def _show_hint(self, index: QModelIndex) -> None:
        a = self.model.aspect(index)
        self.hint.setText(aspect_hint(a) if a else "")

    def _show_problem(self, text: str) -> None:
        self.message.setStyleSheet("color: #b00020;" if text else "")
        self.message.setText(text)

    def _saved(self, key: Key, outcome: str) -> None:
        ev = self.current_event()
        if ev is not None:
            self.last_key = (ev.id, *key)
        text = {"verified": t(f"工位 {key[0]} {key[1]}：一致，已复核 ✓",
                              f"Station {key[0]} {key[1]}: same value, verified ✓"),
                "disagreement": t(f"工位 {key[0]} {key[1]}：与先前录入不一致 ≠，已提交裁判长",
                                  f"Station {key[0]} {key[1]}: differs from the earlier entry "
                                  "≠; sent to the chief judge")}.get(
            outcome, t(f"工位 {key[0]} {key[1]}：已保存", f"Station {key[0]} {key[1]}: saved"))
        self.message.setStyleSheet("color: #b00020;" if outcome == "disagreement"
                                   else "color: #1b5e20;")
        self.message.setText(text)

    def _move_on(self, index: QPersistentModelIndex) -> None:
        rows, cols = self.model.rowCount(), self.model.columnCount()
        r, c = index.row(), index.column()
        if self.move_down:
            r, c = (r + 1, c) if r + 1 < rows else (0, (c + 1) % cols)
        else:
            r, c = (r, c + 1) if c + 1 < cols else ((r + 1) % rows, 0)
        self.view.setCurrentIndex(self.model.index(r, c))
        self.view.setFocus()

    # ---- taking a mark back ---------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.view and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Delete:  # type: ignore[attr-defined]
            self.take_back_current()
            return True
        return super().eventFilter(watched, event)

    def take_back_current(self) -> QInputDialog | None:
        """Delete on a cell: its typist clears an unverified mark at once; the chief judge
        clears a verified one after giving a reason (a dialog, returned)."""
        key = self.model.key(self.view.currentIndex())
        slot = self.model.slots.get(key) if key is not None else None
        s = self.state.session
        if key is None or slot is None or slot.status == "retracted" or s is None:
            self._show_problem(t("此格没有可清除的分数", "No mark here to clear"))
            return None
        if s.role == "chief" and slot.status != "entered":
            dlg = QInputDialog(self)
            dlg.setWindowTitle(t("清除分数", "Clear the mark"))
            dlg.setLabelText(t(f"清除工位 {key[0]} {key[1]}（{key[2]}）的分数。原因：",
                               f"Clear the mark of station {key[0]} {key[1]} ({key[2]}). "
                               "Reason:"))
            dlg.textValueSelected.connect(lambda text, k=key: self.clear_cell(k, text))
            self._dialog = dlg
            dlg.open()
            return dlg
        self.clear_cell(key, "")
        return None

    def clear_cell(self, key: Key, reason: str) -> bool:
        layout = self.model.layout_
        if layout is None:
            return False
        event = layout.event.id
        try:
            saved = self.state.run_op(lambda c: marking.clear_mark(c, event, *key, reason), self)
        except JiangxinError as exc:
            self._show_problem(plain_message(exc))
            return False
        self.model.revealed.discard(key)
        self.model.repaint(saved)
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(t(f"已清除工位 {key[0]} {key[1]} 的分数（历史中保留）",
                               f"Cleared the mark of station {key[0]} {key[1]} (kept in the "
                               "history)"))
        return True

    def undo_last(self) -> None:
        if self.last_key is None:
            self._show_problem(t("没有可撤销的录入", "Nothing to undo"))
            return
        key = self.last_key
        try:
            saved = self.state.run_op(lambda c: marking.retract_last(c, *key), self)
        except JiangxinError as exc:
            self._show_problem(plain_message(exc))
            return
        station = self.last_key[1]
        self.model.revealed.discard(self.last_key[1:])
        self.model.repaint(saved)
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(t(f"已撤销工位 {station} {self.last_key[2]} 的录入",
                               f"Undid the entry for station {station} {self.last_key[2]}"))
        self.last_key = None
