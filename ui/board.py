"""工位看板 Workstation board: every workstation's live clock, and the chief judge's clock actions.

The truth is the persisted clock events (db/ops/timing.py) replayed by judging/clock.py: the board
keeps each station's events in memory after a "clocks" change and recomputes the state from
them on every tick, so closing the app, a crash or a second laptop lose nothing. One parented
QTimer ticks once a second while the board is visible and only repaints: the model emits
``dataChanged`` for the rows whose shown values changed, never a reset.
"""

from __future__ import annotations

import time

from db.ops.timing import clock_action, clocks
from db.store.changes import Changes, Kind
from db.store.contest import Contest
from judging.clock import (
    EXTRA,
    PAUSE,
    RESUME,
    START,
    STOP,
    next_state,
)
from judging.errors import JiangxinError
from judging.roles import allowed
from ui.clocks import (  # noqa: F401 - the clocks' parts, re-exported
    STYLE,
    WARN_SECONDS,
    ClockModel,
    ClockRole,
    Index,
    NoteRole,
    StateRole,
    StationRole,
    TileDelegate,
    digits_font,
    hms,
    shown_state,
    state_text,
    text_font,
)
from ui.event_picker import EventPicker, EventScreen
from ui.i18n import t
from ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QItemSelectionModel,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSpinBox,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState


class ReasonDialog(QDialog):
    """Asks for the reason of a pause or of extra time (and the minutes of extra time)."""

    PRESETS = (("设备故障", "Equipment failure"), ("停电", "Power cut"),
               ("材料或工装问题", "Faulty material or fixture"),
               ("安全检查", "Safety check"))

    def __init__(self, kind: str, stations: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.stations = stations
        title = t("暂停计时", "Pause the clock") if kind == PAUSE else t("补时", "Extra time")
        self.setWindowTitle(title)
        form = QFormLayout(self)
        form.addRow(QLabel(t(f"工位：{', '.join(stations)}", f"Stations: {', '.join(stations)}")))
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 240)
        self.minutes.setValue(5)
        self.minutes.setSuffix(t(" 分钟", " min"))
        if kind == EXTRA:
            form.addRow(t("补时", "Extra time"), self.minutes)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItem("")
        for zh, en in self.PRESETS:
            self.reason.addItem(t(zh, en))
        editor = self.reason.lineEdit()
        assert editor is not None  # an editable combo box has one
        editor.setPlaceholderText(t("必填：如设备故障", "Required: e.g. equipment failure"))
        form.addRow(t("原因", "Reason"), self.reason)
        hint = QLabel(t("选手自己的休息照常计时；只有非选手原因才暂停或补时。",
                        "A competitor's own break keeps the clock running; pause or add time "
                        "only for causes outside their control."))
        hint.setWordWrap(True)
        form.addRow(hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(title)
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.currentTextChanged.connect(
            lambda text: self.ok.setEnabled(bool(text.strip())))
        form.addRow(self.buttons)

    @property
    def reason_text(self) -> str:
        return self.reason.currentText().strip()

    @property
    def seconds(self) -> int:
        return self.minutes.value() * 60 if self.kind == EXTRA else 0


def prefer_running_event(contest: Contest) -> str | None:
    """The event whose clocks are running (or paused), else the first not yet handed in."""
    now = time.time()
    fallback = None
    for ev in contest.competition.events:
        states = {cs.state for cs in clocks(contest, ev.id, now).values()}
        if states & {"running", "paused"}:
            return ev.id
        if fallback is None and states and states != {"stopped"}:
            fallback = ev.id
    return fallback


class BoardScreen(EventScreen):
    """The chief judge's board: tiles of every workstation and the clock actions.

    The main window connects ``state.changed`` to :meth:`refresh` (the screen does not, so
    that it is refreshed once per change).
    """

    clock_recorded = Signal(str, list)  # kind, stations (after the events are written)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = ClockModel(self)
        self.hall_window: QWidget | None = None
        self._dialog: QDialog | None = None

        self.picker = EventPicker()
        self.summary = QLabel()
        self.summary.setObjectName("boardSummary")
        self.warning = QLabel()
        self.warning.setObjectName("boardWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("QLabel { background: #f9c0c0; color: #6b0000; "
                                   "padding: 6px 10px; border-radius: 4px; font-weight: bold; }")
        self.warning.hide()

        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(2)
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.setItemDelegate(TileDelegate(self.view))
        self.view.setModel(self.model)
        self.view.setModelColumn(ClockModel.STATION)

        self.start_all_btn = QPushButton(t("全部开始", "Start all"))
        self.start_btn = QPushButton(t("开始", "Start"))
        self.pause_btn = QPushButton(t("暂停…", "Pause…"))
        self.resume_btn = QPushButton(t("恢复", "Resume"))
        self.extra_btn = QPushButton(t("补时…", "Extra time…"))
        self.stop_btn = QPushButton(t("交卷停表", "Stop (handed in)"))
        self.hall_btn = QPushButton(t("投影大屏", "Hall display"))
        for b, tip in ((self.start_all_btn, t("开始所有未开始的工位", "Start every clock not "
                                              "started yet")),
                       (self.start_btn, t("开始所选工位", "Start the selected stations")),
                       (self.pause_btn, t("设备故障等非选手原因暂停，须填原因",
                                          "Pause for a cause outside the competitor's control; "
                                          "a reason is required")),
                       (self.resume_btn, t("恢复所选工位的计时", "Resume the selected clocks")),
                       (self.extra_btn, t("给所选工位补时，须填原因", "Grant extra time with a "
                                          "reason")),
                       (self.stop_btn, t("选手交卷：停止所选工位的计时",
                                         "Competitor handed in: stop the selected clocks")),
                       (self.hall_btn, t("在投影仪上全屏显示工位号和剩余时间",
                                         "Full-screen station numbers and time left for the "
                                         "projector"))):
            b.setToolTip(tip)
            b.setMinimumHeight(34)
        self.start_all_btn.setStyleSheet("QPushButton { font-weight: bold; }")

        top = QHBoxLayout()
        top.addWidget(QLabel(t("赛项", "Event")))
        top.addWidget(self.picker)
        top.addSpacing(12)
        top.addWidget(self.summary, 1)
        top.addWidget(self.hall_btn)
        actions = QHBoxLayout()
        for b in (self.start_all_btn, self.start_btn, self.pause_btn, self.resume_btn,
                  self.extra_btn, self.stop_btn):
            actions.addWidget(b)
        actions.addStretch(1)
        self.selection_label = QLabel()
        actions.addWidget(self.selection_label)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.warning)
        lay.addWidget(self.view, 1)
        lay.addLayout(actions)

        # the one timer: repaint only; the state comes from the persisted events
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)

        # connections, in one place
        self.picker.event_chosen.connect(self._event_chosen)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.start_all_btn.clicked.connect(self.confirm_start_all)
        self.start_btn.clicked.connect(lambda: self.act(START, self.selected()))
        self.resume_btn.clicked.connect(lambda: self.act(RESUME, self.selected()))
        self.stop_btn.clicked.connect(self.confirm_stop)
        self.pause_btn.clicked.connect(lambda: self.ask_reason(PAUSE))
        self.extra_btn.clicked.connect(lambda: self.ask_reason(EXTRA))
        self.hall_btn.clicked.connect(self.open_hall)
        self.watch_contest()

    # ---- data ----------------------------------------------------------------------------


    def reload(self, refill: bool = False) -> None:
        if refill:
            self.picker.fill(self.state.contest, prefer_running_event)
        self.model.load(self.state.contest, self.event_id)
        self._update_labels()
        self._update_actions()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.CLOCKS, Kind.PEOPLE, Kind.DRAW, event=self.event_id):
            self.reload()
        elif changes.touches(Kind.SESSION):
            self._update_actions()

    def _event_chosen(self, _event_id: str) -> None:
        self.view.clearSelection()
        self.reload()

    def tick(self) -> None:
        if self.model.tick():
            self._update_labels()

    def showEvent(self, event: object) -> None:
        self.model.tick()
        self._update_labels()
        self.timer.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:
        self.timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    # ---- labels and buttons --------------------------------------------------------------
    def _update_labels(self) -> None:
        counts = self.model.counts()
        parts = [f"{state_text(k)} {counts[k]}" for k in STYLE if counts.get(k)]
        self.summary.setText(" · ".join(parts) if parts else t("该赛项尚未抽签", "Not drawn yet"))
        # a station over the limit with its deduction beside it (the rule's, judging/)
        over = [f"{r.station}（{r.penalty}）" if r.penalty else r.station
                for r in self.model.rows if r.shown in ("overtime", "timeup")]
        ending = [r.station for r in self.model.rows if r.shown == "ending"]
        lines = []
        if over:
            lines.append(t(f"⚠ 已到时 {len(over)} 个工位：{', '.join(over)}（请停止操作并交卷）",
                           f"⚠ Time is up at {len(over)} stations: {', '.join(over)} "
                           "(stop work and hand in)"))
        if ending:
            lines.append(t(f"剩余不足10分钟：{', '.join(ending)}",
                           f"Under 10 minutes left: {', '.join(ending)}"))
        text = "\n".join(lines)
        if text != self.warning.text():
            self.warning.setText(text)
        self.warning.setVisible(bool(text))

    def may_act(self) -> bool:
        s = self.state.session
        return s is not None and allowed(s.role, "clocks") and \
            (self.event_id is None or s.may_see_event(self.event_id))

    def selected(self) -> list[str]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        return [self.model.rows[i].station for i in rows if i < len(self.model.rows)]

    def select(self, stations: list[str]) -> None:
        sm = self.view.selectionModel()
        sm.clearSelection()
        for st in stations:
            i = self.model.row_of(st)
            if i >= 0:
                sm.select(self.model.index(i, 0), QItemSelectionModel.SelectionFlag.Select)

    def _possible(self, kind: str, stations: list[str]) -> bool:
        for st in stations:
            cs = self.model.clock(st)
            try:
                next_state(cs.state if cs else "idle", kind)
                return True
            except ValueError:
                continue
        return False

    def _update_actions(self) -> None:
        ok = self.may_act()
        sel = self.selected()
        all_st = [r.station for r in self.model.rows]
        self.start_all_btn.setEnabled(ok and self._possible(START, all_st))
        for b, kind in ((self.start_btn, START), (self.pause_btn, PAUSE),
                        (self.resume_btn, RESUME), (self.extra_btn, EXTRA),
                        (self.stop_btn, STOP)):
            b.setEnabled(ok and bool(sel) and self._possible(kind, sel))
        if not ok:
            self.selection_label.setText(t("仅裁判长可操作计时", "Only the chief judge runs "
                                           "the clocks"))
        elif sel:
            self.selection_label.setText(t(f"已选 {len(sel)} 个工位", f"{len(sel)} selected"))
        else:
            self.selection_label.setText(t("点选工位（Ctrl/Shift 多选）",
                                           "Click stations (Ctrl/Shift for several)"))

    # ---- actions -------------------------------------------------------------------------
    def act(self, kind: str, stations: list[str], seconds: int = 0, reason: str = "") -> bool:
        """Record one clock action for the stations; True when it was written."""
        if not stations or self.event_id is None:
            return False
        # several stations: only those the action fits (the engine skips the others too)
        todo = [st for st in stations if self._possible(kind, [st])] if len(stations) > 1 \
            else stations
        try:
            self.state.apply(clock_action, self.event_id, todo, kind, seconds=seconds,
                             reason=reason)
        except JiangxinError as exc:
            from ui.errors import show_error

            show_error(exc, self)
            return False
        self.clock_recorded.emit(kind, todo)
        return True

    def confirm_stop(self) -> QMessageBox | None:
        """Stopping one clock is one click; stopping several asks first (issue 17: stop-all
        acted at once while start-all asked)."""
        stations = [st for st in self.selected() if self._possible(STOP, [st])]
        if len(stations) <= 1:
            self.act(STOP, self.selected())
            return None
        return self._confirm(
            t("交卷停表", "Stop"),
            t(f"停止 {len(stations)} 个工位的计时（交卷）？\n停表时间将被记录，不能撤销。",
              f"Stop the clocks of {len(stations)} stations (handed in)?\nThe stop time is "
              "recorded and cannot be undone."),
            t("停表", "Stop the clocks"), STOP, stations)

    def confirm_start_all(self) -> None:
        idle = [r.station for r in self.model.rows if r.clock is None or r.clock.state == "idle"]
        self._confirm(t("全部开始", "Start all"),
                      t(f"开始 {len(idle)} 个工位的计时？\n开始时间将被记录，不能撤销。",
                        f"Start the clocks of {len(idle)} stations?\nThe start time is "
                        "recorded and cannot be undone."),
                      t("开始计时", "Start the clocks"), START, idle)

    def _confirm(self, title: str, text: str, yes: str, kind: str,
                 stations: list[str]) -> QMessageBox:
        """Ask before a clock action on several stations that cannot be undone (Cancel is the
        default); the action runs on Yes."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.button(QMessageBox.StandardButton.Yes).setText(yes)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self.act(kind, stations))
        self._dialog = box
        box.open()
        return box

    def ask_reason(self, kind: str) -> ReasonDialog:
        stations = [st for st in self.selected() if self._possible(kind, [st])]
        dlg = ReasonDialog(kind, stations, self)
        dlg.accepted.connect(lambda: self.act(kind, stations, dlg.seconds, dlg.reason_text))
        self._dialog = dlg
        dlg.open()
        return dlg

    def open_hall(self) -> QWidget:
        """The hall display in its own full-screen window (on the last screen: the projector)."""
        from ui.hall import HallScreen

        if self.hall_window is None:
            w = HallScreen(self.state)
            w.setWindowFlag(Qt.WindowType.Window)
            w.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            w.destroyed.connect(lambda: setattr(self, "hall_window", None))
            self.state.changed.connect(w.refresh)
            screens = self.screen().virtualSiblings() if self.screen() else []
            if screens:
                w.setGeometry(screens[-1].geometry())
            self.hall_window = w
            if self.event_id:
                w.show_event(self.event_id)
            w.showFullScreen()
        self.hall_window.raise_()
        return self.hall_window
