"""The chief judge's screens: the station × module matrix with its actions, and appeals.

The matrix comes from ``db.ops.marking.matrix``; every action is one domain operation through
``AppState.apply`` with a reason: keep one value of a disagreement (``resolve``), accept a J
spread or allow a same-unit judge (``override``), set a status, lock or unlock a module or the
event (problems from ``lock_problems`` are listed, not hidden in a dialog).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from db.ops import marking
from db.ops.people import by_station, set_status
from db.store.changes import Changes, Kind
from judging.errors import JiangxinError
from judging.ranking import STATUSES
from judging.scheme import Event
from ui.confirm import ask
from ui.errors import plain_message
from ui.event_picker import EventPicker, event_combo, wants_reload
from ui.i18n import status_label, t
from ui.models import Column, RowsModel, state_colour, state_text
from ui.qt import (
    QAbstractItemView,
    QColor,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState
from ui.widgets import big

CENTER = Qt.AlignmentFlag.AlignCenter


@dataclass(frozen=True)
class StationRow:
    station: str
    status: str
    cells: dict[str, marking.CellState]


def _module_column(module: str, name: str) -> Column[StationRow]:
    def text(r: StationRow) -> str:
        cell = r.cells.get(module)
        return f"{state_text(cell.state)}  {cell.complete}/{cell.total}" if cell else ""

    def background(r: StationRow) -> QColor | None:
        cell = r.cells.get(module)
        return state_colour(cell.state) if cell else None

    return Column(f"{module} {name}", f"{module} {name}", text, background=background,
                  align=CENTER)


@dataclass(frozen=True)
class SlotLine:
    aspect: str
    kind: str
    judge: str
    slot: marking.SlotRow | None
    flagged: bool
    spread: str | None
    overridden: bool

    @property
    def state(self) -> str:
        if self.slot is None or self.slot.status == "retracted":
            return "missing"
        return self.slot.status

    @property
    def value(self) -> str:
        s = self.slot
        if s is None or self.state == "missing":
            return ""
        if s.status == "disagreement":
            return " / ".join(f"{u}: {v[1] if v[1] is not None else v[0]}"
                              for u, v in s.candidates.items())
        if s.measured is not None:
            return f"{s.measured} → {s.points}"
        return str(s.score)


class ChiefScreen(QWidget):
    """裁判长 Chief judge: what is missing, what disagrees, and the actions that settle it."""

    action_done = Signal(str)  # a plain description of what was done

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.event_box = EventPicker()
        self.event_box.setObjectName("event")
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        big(self.reason)
        self.matrix: RowsModel[StationRow] = RowsModel([], self)
        self.view = QTableView()
        self.view.setObjectName("matrix")
        self.view.setModel(self.matrix)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        big(self.view, 13)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(36)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.detail_title = QLabel()
        big(self.detail_title, 14, True)
        self.detail: RowsModel[SlotLine] = RowsModel([
            Column("评分项", "Aspect", lambda r: f"{r.aspect} ({r.kind})"),
            Column("裁判", "Judge", lambda r: r.judge),
            Column("状态", "State", lambda r: state_text("flagged") if r.flagged
                   and not r.overridden and r.state != "disagreement" else state_text(r.state),
                   background=lambda r: state_colour("flagged" if r.flagged and not r.overridden
                                                     and r.state != "disagreement"
                                                     else r.state)),
            Column("数值（各录入人）", "Value (per typist)", lambda r: r.value),
            Column("录入/复核", "Typed / verified",
                   lambda r: f"{r.slot.typist or ''} / {r.slot.verifier or ''}" if r.slot else ""),
        ], self)
        self.detail_view = QTableView()
        self.detail_view.setObjectName("detail")
        self.detail_view.setMinimumHeight(120)
        self.detail_view.setModel(self.detail)
        self.detail_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.detail_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.detail_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # every heading whole (值（各录入人 值） was cut at 1280 px); the last takes what is left
        self.detail_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.detail_view.horizontalHeader().setStretchLastSection(True)
        self.detail_view.verticalHeader().hide()
        big(self.detail_view, 12)
        self.candidate_box = QComboBox()
        self.candidate_box.setObjectName("candidates")
        self.resolve_btn = QPushButton()
        self.resolve_btn.setObjectName("resolve")
        self.spread_btn = QPushButton()
        self.spread_btn.setObjectName("spread")
        self.conflict_judge = QComboBox()
        self.conflict_judge.setObjectName("conflict_judge")
        self.conflict_btn = QPushButton()
        self.conflict_btn.setObjectName("conflict")
        self.status_box = QComboBox()
        self.status_box.setObjectName("status")
        self.status_btn = QPushButton()
        self.status_btn.setObjectName("set_status")
        self.lock_btn = QPushButton()
        self.lock_btn.setObjectName("lock")
        self.unlock_btn = QPushButton()
        self.unlock_btn.setObjectName("unlock")
        self.lock_event_btn = QPushButton()
        self.lock_event_btn.setObjectName("lock_event")
        self.unlock_event_btn = QPushButton()
        self.unlock_event_btn.setObjectName("unlock_event")
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.setMaximumHeight(72)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        big(self.message, 13)
        self.labels = {k: QLabel() for k in ("event", "reason", "problems")}
        self.groups = {k: QGroupBox() for k in ("resolve", "override", "status", "lock")}
        self.confirm_box: QMessageBox | None = None

        top = QHBoxLayout()
        top.addWidget(self.labels["event"])
        top.addWidget(self.event_box)
        top.addStretch(1)
        g = QHBoxLayout(self.groups["resolve"])
        g.addWidget(self.candidate_box, 1)
        g.addWidget(self.resolve_btn)
        g2 = QFormLayout(self.groups["override"])
        g2.addRow(self.spread_btn)
        row = QHBoxLayout()
        row.addWidget(self.conflict_judge, 1)
        row.addWidget(self.conflict_btn)
        g2.addRow(row)
        g3 = QHBoxLayout(self.groups["status"])
        g3.addWidget(self.status_box, 1)
        g3.addWidget(self.status_btn)
        g4 = QVBoxLayout(self.groups["lock"])
        r1 = QHBoxLayout()
        r1.addWidget(self.lock_btn)
        r1.addWidget(self.unlock_btn)
        r2 = QHBoxLayout()
        r2.addWidget(self.lock_event_btn)
        r2.addWidget(self.unlock_event_btn)
        g4.addLayout(r1)
        g4.addLayout(r2)
        g4.addWidget(self.labels["problems"])
        g4.addWidget(self.problems)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.detail_title)
        rv.addWidget(self.detail_view, 2)
        # the reason right above the buttons it is for (issue 17: it was far away at the top)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.labels["reason"])
        reason_row.addWidget(self.reason, 1)
        rv.addLayout(reason_row)
        for k in ("lock", "resolve", "override", "status"):
            rv.addWidget(self.groups[k])
        scroll = QScrollArea()  # the actions fit any window height and either language
        scroll.setWidget(right)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(scroll)
        split.setSizes([440, 640])
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addWidget(split, 1)
        outer.addWidget(self.message)

        # connections, in one place
        self.event_box.event_chosen.connect(lambda _e: self.reload())
        self.view.selectionModel().currentChanged.connect(lambda *_: self._cell_chosen())
        self.detail_view.selectionModel().currentChanged.connect(lambda *_: self._slot_chosen())
        self.resolve_btn.clicked.connect(self.resolve)
        self.spread_btn.clicked.connect(self.accept_spread)
        self.conflict_btn.clicked.connect(self.allow_conflict)
        self.status_btn.clicked.connect(self.set_status)
        self.lock_btn.clicked.connect(lambda: self.confirm_lock(module_only=True))
        self.lock_event_btn.clicked.connect(lambda: self.confirm_lock(module_only=False))
        self.unlock_btn.clicked.connect(lambda: self.unlock(module_only=True))
        self.unlock_event_btn.clicked.connect(lambda: self.unlock(module_only=False))

        self.retranslate()
        event_combo(state, self.event_box)
        self.reload()

    # ---- contract ------------------------------------------------------------------------
    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if wants_reload(self.state, self.event_box, changes, Kind.MARKS, Kind.LOCKS,
                        Kind.PEOPLE, Kind.DRAW, event=self._event_id()):
            self.reload()

    def retranslate(self) -> None:
        self.labels["event"].setText(t("赛项", "Event"))
        self.labels["reason"].setText(t("原因（必填）", "Reason (required)"))
        self.reason.setPlaceholderText(t("例：裁判组复议后维持", "e.g. confirmed by the judges"))
        self.labels["problems"].setText(t("不能锁定的原因：", "Why it cannot be locked yet:"))
        self.groups["resolve"].setTitle(t("录入不一致：采用哪个值",
                                          "Disagreement: keep which value"))
        self.groups["override"].setTitle(t("特批", "Overrides"))
        self.groups["status"].setTitle(t("选手状态（本工位）", "Status of this workstation"))
        self.groups["lock"].setTitle(t("锁定 / 解锁", "Lock / unlock"))
        self.resolve_btn.setText(t("采用此值", "Keep this value"))
        self.spread_btn.setText(t("维持评价分差（分差超限）", "Accept the J spread"))
        self.conflict_btn.setText(t("允许本单位裁判评分（回避特批）", "Allow same-unit judge"))
        self.status_btn.setText(t("设置状态", "Set status"))
        self.lock_btn.setText(t("锁定本模块", "Lock module"))
        self.unlock_btn.setText(t("解锁本模块", "Unlock module"))
        self.lock_event_btn.setText(t("锁定整个赛项", "Lock whole event"))
        self.unlock_event_btn.setText(t("解锁整个赛项", "Unlock whole event"))
        self.status_box.clear()
        for st in STATUSES:
            self.status_box.addItem(status_label(st), st)

    # ---- data ----------------------------------------------------------------------------
    def _event_id(self) -> str | None:
        ev = self.current_event()
        return ev.id if ev is not None else None

    def current_event(self) -> Event | None:
        c, ev = self.state.contest, self.event_box.currentData()
        return c.event(ev) if c is not None and ev else None

    def reload(self) -> None:
        c, ev = self.state.contest, self.current_event()
        if c is None or ev is None or self.state.session is None:
            self.matrix.set_columns([], [])
            return
        cur = self.view.currentIndex()
        cells: dict[str, dict[str, marking.CellState]] = {}
        for cell in marking.matrix(c, ev.id):
            cells.setdefault(cell.station, {})[cell.module] = cell
        people = by_station(c, ev.id)
        rows = [StationRow(st, people[st].status, cells.get(st, {})) for st in sorted(people)]
        cols: list[Column[StationRow]] = [Column(
            "工位", "Station", lambda r: r.station if r.status == "ok"
            else f"{r.station} {status_label(r.status)}", bold=True,
            background=lambda r: None if r.status == "ok" else QColor("#e4e4e4"))]
        cols += [_module_column(m.id, m.name) for m in ev.modules]
        self.matrix.set_columns(cols, rows)
        judges = marking.judges(c, ev.id)
        self.conflict_judge.clear()
        self.conflict_judge.addItems(judges)
        if cur.isValid() and cur.row() < self.matrix.rowCount():
            self.view.setCurrentIndex(self.matrix.index(cur.row(), cur.column()))
        elif self.matrix.rowCount():
            self.view.setCurrentIndex(self.matrix.index(0, 1 if self.matrix.columnCount() > 1
                                                        else 0))
        self._cell_chosen()

    def selected(self) -> tuple[str | None, str | None]:
        """(station, module) of the matrix's current cell."""
        ev, idx = self.current_event(), self.view.currentIndex()
        row = self.matrix.row_at(idx)
        if ev is None or row is None:
            return None, None
        module = ev.modules[idx.column() - 1].id if idx.column() >= 1 else None
        return row.station, module

    def select(self, station: str, module: str) -> None:
        ev = self.current_event()
        assert ev is not None
        r = next(i for i, row in enumerate(self.matrix.rows) if row.station == station)
        col = 1 + [m.id for m in ev.modules].index(module)
        self.view.setCurrentIndex(self.matrix.index(r, col))

    def _cell_chosen(self) -> None:
        c, ev = self.state.contest, self.current_event()
        station, module = self.selected()
        if c is None or ev is None or station is None:
            self.detail.set_rows([])
            return
        mod = next((m for m in ev.modules if m.id == module), None) if module else None
        self.detail_title.setText(t(f"工位 {station}", f"Workstation {station}")
                                  + (f" · {mod.id} {mod.name}" if mod else ""))
        lines: list[SlotLine] = []
        if mod is not None:
            slots = marking.slot_rows(c, ev.id, station)
            marks = {a.aspect: a for a in marking.aspect_rows(c, ev.id, station)}
            for a in mod.aspects:
                am = marks.get(a.id)
                flagged = bool(am and am.flagged)
                over = flagged and marking.has_override(c, ev.id, station, "spread", aspect=a.id)
                mine = [s for s in slots if s.aspect == a.id]
                if not mine:
                    lines.append(SlotLine(a.id, a.kind, "", None, False, None, False))
                for s in mine:
                    lines.append(SlotLine(a.id, a.kind, s.judge, s, flagged,
                                          am.spread if am else None, over))
            self.problems.clear()
            self.problems.addItems(marking.lock_problems(c, ev.id, mod.id)[:200])
        self.detail.set_rows(lines)
        first = next((i for i, ln in enumerate(lines) if ln.state == "disagreement"
                      or (ln.flagged and not ln.overridden)), 0 if lines else None)
        if first is not None:
            self.detail_view.setCurrentIndex(self.detail.index(first, 0))
        i = self.status_box.findData(by_station(c, ev.id)[station].status)
        self.status_box.setCurrentIndex(max(0, i))
        self._slot_chosen()

    def current_line(self) -> SlotLine | None:
        return self.detail.row_at(self.detail_view.currentIndex())

    def _slot_chosen(self) -> None:
        line = self.current_line()
        self.candidate_box.clear()
        if line is not None and line.slot is not None and line.state == "disagreement":
            for user, (score, measured) in line.slot.candidates.items():
                shown = measured if measured is not None else score
                self.candidate_box.addItem(f"{user}: {shown}", (score, measured))
        self.groups["resolve"].setEnabled(self.candidate_box.count() > 0)
        self.spread_btn.setEnabled(bool(line and line.flagged and not line.overridden))

    # ---- actions -------------------------------------------------------------------------
    def _do(self, what: str, op: object, *args: object, **kwargs: object) -> bool:
        try:
            self.state.apply(op, *args, **kwargs)  # type: ignore[arg-type]
        except JiangxinError as exc:  # refused by the rules: shown in place
            self.message.setStyleSheet("color: #b00020;")
            self.message.setText(plain_message(exc))
            return False
        self.message.setStyleSheet("color: #1b5e20;")
        self.message.setText(what)
        self.reason.clear()
        self.action_done.emit(what)
        return True

    def resolve(self) -> None:
        ev, line = self.current_event(), self.current_line()
        station, _ = self.selected()
        value = self.candidate_box.currentData()
        if ev is None or line is None or station is None or value is None:
            return
        score, measured = (Decimal(v) if v is not None else None for v in value)
        self._do(t(f"工位 {station} {line.aspect}：已采用 {self.candidate_box.currentText()}",
                   f"Station {station} {line.aspect}: kept {self.candidate_box.currentText()}"),
                 marking.resolve, ev.id, station, line.aspect, line.judge, score,
                 self.reason.text(), measured=measured)

    def accept_spread(self) -> None:
        ev, line = self.current_event(), self.current_line()
        station, _ = self.selected()
        if ev is None or line is None or station is None:
            return
        self._do(t(f"工位 {station} {line.aspect}：评价分差已维持",
                   f"Station {station} {line.aspect}: spread accepted"),
                 marking.override, ev.id, station, "spread", self.reason.text(),
                 aspect=line.aspect)

    def allow_conflict(self) -> None:
        ev = self.current_event()
        station, _ = self.selected()
        judge = self.conflict_judge.currentText()
        if ev is None or station is None or not judge:
            return
        self._do(t(f"工位 {station}：允许 {judge} 评分", f"Station {station}: {judge} allowed"),
                 marking.override, ev.id, station, "conflict", self.reason.text(), judge=judge)

    def set_status(self) -> None:
        ev = self.current_event()
        station, _ = self.selected()
        status = self.status_box.currentData()
        if ev is None or station is None or not status:
            return
        self._do(t(f"工位 {station}：{status_label(status)}",
                   f"Station {station}: {status_label(status)}"),
                 set_status, ev.id, station, status, self.reason.text())

    def confirm_lock(self, *, module_only: bool) -> QMessageBox | None:
        """Ask first (issue 17: lock acted at once while start-all asked)."""
        ev = self.current_event()
        _, module = self.selected()
        if ev is None or (module_only and module is None):
            return None
        what = t(f"模块 {module}", f"module {module}") if module_only \
            else t("全部模块", "every module")
        self.confirm_box = ask(
            self, t("锁定", "Lock"),
            t(f"锁定 {ev.id} {what}？\n锁定后修改分数须裁判长填写原因解锁。",
              f"Lock {ev.id} {what}?\nAfter locking, a change needs the chief judge to unlock "
              "with a reason."), t("锁定", "Lock"),
            lambda: self.lock(module_only=module_only))
        return self.confirm_box

    def lock(self, *, module_only: bool) -> None:
        ev = self.current_event()
        _, module = self.selected()
        if ev is None or (module_only and module is None):
            return
        target = module if module_only else None
        self._do(t(f"{ev.id} {target or '全部模块'} 已锁定", f"{ev.id} {target or 'all'} locked"),
                 marking.lock, ev.id, target, self.reason.text() or t("评分完成", "marking done"))

    def unlock(self, *, module_only: bool) -> None:
        ev = self.current_event()
        _, module = self.selected()
        if ev is None or (module_only and module is None):
            return
        target = module if module_only else None
        self._do(t(f"{ev.id} {target or '全部模块'} 已解锁", f"{ev.id} {target or 'all'} unlocked"),
                 marking.unlock, ev.id, target, self.reason.text())

