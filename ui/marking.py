"""The marking grid: keyboard first, workstation numbers only, every cell durable on Enter.

Rows are workstation numbers (never names or units). Columns are either the aspects of one
module for one judge ("by judge"), or the judges of one aspect ("by aspect", for J and P
panels). Typing a digit opens the cell; Enter commits it through ``AppState.apply(enter_mark)``
(one transaction, on disk before the next cell takes focus) and moves on; Escape undoes the
edit. Values are range-checked as they are typed; a measured value shows its points. J and P
entries of other judges stay hidden until every judge of that aspect has committed. In verify
mode a second user re-keys blind: values typed by others are hidden, and a different value
shows as a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.ops import marking
from db.ops.people import by_station
from db.store.changes import Changes, Kind
from judging.decimals import to_decimal
from judging.errors import JiangxinError
from judging.scheme import Aspect, Event
from judging.scoring import band_points, check_value
from ui.errors import plain_message
from ui.i18n import status_label, t
from ui.models import state_colour, state_text
from ui.qt import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QAbstractTableModel,
    QCheckBox,
    QColor,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPushButton,
    QShortcut,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
    qconnect,
)
from ui.state import AppState

Index = QModelIndex | QPersistentModelIndex
Key = tuple[str, str, str]  # station, aspect, judge



def aspect_hint(a: Aspect) -> str:
    """What may be typed into a cell of this aspect, in words."""
    if a.has_bands:
        bands = "，".join(f"±{tol}→{pts}" for tol, pts in a.bands)
        return t(f"{a.id} {a.text}：输入实测值（标准 {a.nominal}；{bands}；其余 0 分）",
                 f"{a.id} {a.text}: type the measured value (nominal {a.nominal}; {bands}; "
                 "else 0)")
    if a.kind == "J":
        return t(f"{a.id} {a.text}：评价分 0、1、2、3", f"{a.id} {a.text}: judgement 0, 1, 2 or 3")
    if a.kind == "D":
        return t(f"{a.id} {a.text}：扣分 0–{a.max}", f"{a.id} {a.text}: deduction 0–{a.max}")
    return t(f"{a.id} {a.text}：0–{a.max} 分", f"{a.id} {a.text}: 0–{a.max} points")


def parse_cell(a: Aspect, text: str) -> tuple[Decimal | None, Decimal | None, str | None]:
    """(score, measured, problem) for the text typed into a cell of aspect ``a``."""
    text = text.strip()
    if not text:
        return None, None, t("请输入数值", "Type a value")
    try:
        value = to_decimal(text)
    except ValueError:
        return None, None, t(f"“{text}” 不是数字", f"{text!r} is not a number")
    score, measured = (None, value) if a.has_bands else (value, None)
    problem = check_value(a, score, measured)
    if problem:
        return None, None, problem
    return score, measured, None


@dataclass(frozen=True)
class Layout:
    """What the grid shows: stations as rows, (aspect, judge) pairs as columns."""

    event: Event
    stations: tuple[str, ...]
    columns: tuple[tuple[Aspect, str], ...]
    by_aspect: bool  # columns are judges of one aspect (else aspects of one judge)


class MarkGridModel(QAbstractTableModel):
    """Cells are mark slots; ``setData`` writes one through ``AppState.run_op`` and repaints
    its row from the slots the operation returns (no reading back)."""

    mark_saved = Signal(object, str)  # Key, outcome: entered | verified | disagreement | …
    mark_refused = Signal(str)  # the plain message

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.layout_: Layout | None = None
        self.slots: dict[Key, marking.SlotRow] = {}
        self.aspects: dict[tuple[str, str], marking.AspectRow] = {}
        self.statuses: dict[str, str] = {}
        self.locked: set[str] = set()
        self.verify_mode = False
        self.revealed: set[Key] = set()  # re-keyed in this verify session: may be shown
        self.initiator: object = parent  # the screen: it skips its own ``changed``

    # ---- loading -------------------------------------------------------------------------
    def set_layout(self, layout: Layout | None) -> None:
        self.beginResetModel()
        self.layout_ = layout
        self._load()
        self.endResetModel()

    def reload(self) -> None:
        """Everything again (after changes made elsewhere): one query per cache."""
        if self.layout_ is None:
            return
        self._load()
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))
        self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, max(0, self.rowCount() - 1))

    def _load(self) -> None:
        self.slots, self.aspects = {}, {}
        lay, c = self.layout_, self.state.contest
        if lay is None or c is None:
            return
        self.slots = {(s.station, s.aspect, s.judge): s for s in marking.slot_rows(c, lay.event.id)}
        self.aspects = {(a.station, a.aspect): a for a in marking.aspect_rows(c, lay.event.id)}
        # the same context the core checks a typed mark against (kept between marks)
        ctx = marking.typing_context(c, lay.event.id)
        self.statuses = {st: p.status for st, p in ctx.stations.items()}
        self.locked = set(ctx.locked)

    def repaint(self, saved: marking.MarksSaved) -> None:
        """Take the slots and aspect marks an operation wrote; repaint their rows only."""
        lay = self.layout_
        if lay is None:
            return
        stations = set()
        for (event, station, aspect, judge), slot in saved.slots.items():
            if event == lay.event.id:
                self.slots[(station, aspect, judge)] = slot
                stations.add(station)
        for (event, station, aspect), mark in saved.aspects.items():
            if event == lay.event.id:
                self.aspects[(station, aspect)] = mark
        for station in stations & set(lay.stations):
            row = lay.stations.index(station)
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    # ---- geometry ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.layout_ is None else len(self.layout_.stations)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.layout_ is None else len(self.layout_.columns)

    def key(self, index: Index) -> Key | None:
        lay = self.layout_
        if lay is None or not index.isValid() or index.row() >= len(lay.stations) \
                or index.column() >= len(lay.columns):
            return None
        a, judge = lay.columns[index.column()]
        return lay.stations[index.row()], a.id, judge

    def aspect(self, index: Index) -> Aspect | None:
        if self.layout_ is None or not index.isValid() \
                or index.column() >= len(self.layout_.columns):
            return None
        return self.layout_.columns[index.column()][0]

    # ---- what a cell shows ---------------------------------------------------------------
    def cell_state(self, key: Key) -> str:
        """missing | hidden | pending | entered | verified | resolved | disagreement | locked."""
        assert self.layout_ is not None
        station, aspect_id, judge = key
        a = self.layout_.event.aspects[aspect_id]
        s = self.slots.get(key)
        if a.module in self.locked:
            return "locked"
        if s is None or s.status == "retracted":
            return "missing"
        me = self.state.session.user if self.state.session else ""
        if s.status == "disagreement":
            return "disagreement"
        if a.kind in ("J", "P") and judge != me and s.typist != me and s.verifier != me:
            am = self.aspects.get((station, aspect_id))
            if am is None or not am.complete:
                return "hidden"  # other judges' J/P entries stay hidden until all committed
        if self.verify_mode and s.status == "entered" and s.typist != me \
                and key not in self.revealed:
            return "pending"
        return s.status

    def cell_text(self, key: Key, state: str) -> str:
        assert self.layout_ is not None
        s = self.slots.get(key)
        if state in ("missing",) or s is None:
            return t("锁定", "locked") if state == "locked" else ""
        if state == "hidden":
            return "● " + t("已提交", "committed")
        if state == "pending":
            return "? " + t("待复核", "to verify")
        if state == "disagreement":
            mine = s.candidates.get(self.state.session.user if self.state.session else "")
            shown = " / ".join(
                f"{u}:{v[1] if v[1] is not None else v[0]}" for u, v in s.candidates.items()
            ) if not self.verify_mode else (f"{mine[1] if mine[1] is not None else mine[0]}"
                                            if mine else "")
            return f"≠ {shown}"
        if s.measured is not None:
            text = f"{s.measured} → {s.points}{t('分', '')}"
        else:
            text = f"{s.score}"
        mark = {"verified": " ✓", "resolved": " ✓", "locked": " " + t("锁", "L")}.get(state, "")
        am = self.aspects.get(key[:2])
        if am is not None and am.flagged:
            mark += " ⚠"
        return text + mark

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        key = self.key(index)
        if key is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell_text(key, self.cell_state(key))
        if role == Qt.ItemDataRole.EditRole:
            return ""  # a cell is always typed afresh (blind in verify mode)
        if role == Qt.ItemDataRole.BackgroundRole:
            st = self.cell_state(key)
            am = self.aspects.get(key[:2])
            if am is not None and am.flagged and st in ("entered", "verified"):
                return state_colour("flagged")
            if st == "missing" and self.statuses.get(key[0]) in marking.OUT_OF_CONTEST:
                return QColor("#e4e4e4")
            return state_colour(st)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _tooltip(self, key: Key) -> str:
        assert self.layout_ is not None
        a = self.layout_.event.aspects[key[1]]
        st = self.cell_state(key)
        lines = [f"{t('工位', 'Station')} {key[0]} · {a.id} · {key[2]}", aspect_hint(a),
                 f"{t('状态', 'State')}: {state_text(st)}"]
        am = self.aspects.get(key[:2])
        if am is not None and am.flagged:
            lines.append(t(f"评价分差 {am.spread} 超过 {a.spread_limit}，请裁判长处理",
                           f"J spread {am.spread} exceeds {a.spread_limit}: chief judge to act"))
        return "\n".join(lines)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        lay = self.layout_
        if lay is None:
            return None
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(lay.stations):
            st = lay.stations[section]
            status = self.statuses.get(st, "ok")
            if role == Qt.ItemDataRole.DisplayRole:
                return st if status == "ok" else f"{st} {status_label(status)}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return t(f"工位 {st}", f"Workstation {st}")
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(lay.columns):
            a, judge = lay.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                if lay.by_aspect:
                    return judge
                return f"{a.id} ({a.kind} {a.max})"
            if role == Qt.ItemDataRole.ToolTipRole:
                return aspect_hint(a)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key = self.key(index)
        if key is None:
            return Qt.ItemFlag.NoItemFlags
        if self.editable(key):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def editable(self, key: Key) -> bool:
        if self.layout_ is None:
            return False
        return marking.may_type(self.state.session, self.layout_.event.aspects[key[1]], key[2],
                                locked=self.locked, status=self.statuses.get(key[0]))

    # ---- writing -------------------------------------------------------------------------
    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        key = self.key(index)
        a = self.aspect(index)
        if role != Qt.ItemDataRole.EditRole or key is None or a is None or self.layout_ is None:
            return False
        score, measured, problem = parse_cell(a, str(value))
        if problem:
            self.mark_refused.emit(problem)
            return False
        event = self.layout_.event.id
        try:
            saved = self.state.run_op(lambda c: marking.enter_mark(
                c, event, key[0], key[1], key[2], score, measured=measured), self.initiator)
        except JiangxinError as exc:  # refused by the rules: say why, keep the cell open
            self.mark_refused.emit(refusal(exc))
            return False
        if self.verify_mode:
            self.revealed.add(key)
        self.repaint(saved)
        s = self.slots.get(key)
        self.mark_saved.emit(key, s.status if s else "missing")
        return True


def refusal(exc: JiangxinError) -> str:
    """Why the rules refused a typed mark, in the words of each refused row."""
    from judging.errors import InputError, InputErrors

    if isinstance(exc, InputErrors):
        return "\n".join(e.detail for e in exc.errors)
    return exc.detail if isinstance(exc, InputError) else plain_message(exc)


class MarkDelegate(QStyledItemDelegate):
    """A line editor that checks the range as you type; Enter commits and moves on."""

    problem_changed = Signal(str)  # "" when the typed text is fine
    committed = Signal(QPersistentModelIndex)

    RED = "QLineEdit { border: 3px solid #c62828; background: #fff0f0; font-size: 16pt; }"
    OK = "QLineEdit { border: 3px solid #2e7d32; font-size: 16pt; }"

    def __init__(self, model: MarkGridModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._index: dict[int, QPersistentModelIndex] = {}

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                     index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("cell_editor")
        editor.setStyleSheet(self.OK)
        self._index[id(editor)] = QPersistentModelIndex(index)
        a = self.model.aspect(index)
        editor.textChanged.connect(lambda text, e=editor, a=a: self._check(e, a, text))
        key = id(editor)
        editor.destroyed.connect(lambda *_: self._index.pop(key, None))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        pass  # typed afresh; the key that opened the editor is already in it

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def _check(self, editor: QLineEdit, a: Aspect | None, text: str) -> None:
        if a is None:
            return
        if not text.strip():
            editor.setStyleSheet(self.OK)
            self.problem_changed.emit("")
            return
        score, measured, problem = parse_cell(a, text)
        editor.setStyleSheet(self.RED if problem else self.OK)
        if problem:
            self.problem_changed.emit(problem)
        elif measured is not None:
            self.problem_changed.emit(t(f"实测 {measured} → {band_points(a, measured)} 分",
                                        f"measured {measured} → {band_points(a, measured)} "
                                        "points"))
        else:
            self.problem_changed.emit("")

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:  # noqa: N802
        if isinstance(editor, QLineEdit) and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab):
                index = self._index.get(id(editor))
                if index is None or not index.isValid():
                    return True
                # one transaction, on disk on return; refused: the message is shown
                # (mark_refused) and the cell stays open, red
                if not self.model.setData(index, editor.text()):
                    editor.setStyleSheet(self.RED)
                    return True
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
                self.committed.emit(index)
                return True
            if key == Qt.Key.Key_Escape:
                self.problem_changed.emit("")
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
                return True
        return super().eventFilter(editor, event)


class MarkingScreen(QWidget):
    """评分 Marking: choose event, module and judge (or aspect); type; Enter; next."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.last_key: tuple[str, str, str, str] | None = None
        self.move_down = False
        self.model = MarkGridModel(state, self)
        self.delegate = MarkDelegate(self.model, self)

        self.event_box = QComboBox()
        self.event_box.setObjectName("event")
        self.layout_box = QComboBox()
        self.layout_box.setObjectName("layout")
        self.module_box = QComboBox()
        self.module_box.setObjectName("module")
        self.who_box = QComboBox()
        self.who_box.setObjectName("who")
        self.verify = QCheckBox()
        self.verify.setObjectName("verify")
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
        self.event_box.currentIndexChanged.connect(lambda *_: self._event_chosen())
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

        self.retranslate()
        self._fill_events()

    # ---- contract ------------------------------------------------------------------------
    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if self.state.session is None:
            return
        if initiator is self:
            return  # our own write: its rows were repainted from what it returned
        if changes.touches(Kind.SESSION):
            self._fill_events()
        elif changes.touches(Kind.MARKS, Kind.LOCKS, Kind.PEOPLE, Kind.DRAW,
                             event=self.model.layout_.event.id if self.model.layout_ else None):
            self.model.reload()

    def retranslate(self) -> None:
        for lab, (zh, en) in zip(self.labels, (("赛项", "Event"), ("模块", "Module"),
                                               ("裁判", "Judge"))):
            lab.setText(t(zh, en))
        self.verify.setText(t("复核模式（盲录）", "Verify (blind)"))
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
        c, s = self.state.contest, self.state.session
        self.event_box.blockSignals(True)
        current = self.event_box.currentData()
        self.event_box.clear()
        if c is not None and s is not None:
            chosen = 0
            for ev in c.competition.events:
                if s.may_see_event(ev.id):
                    self.event_box.addItem(f"{ev.id} {ev.name}", ev.id)
                    if ev.id == current or (current is None
                                            and not marking.event_locked(c, ev.id)
                                            and chosen == 0):
                        chosen = self.event_box.count() - 1
            self.event_box.setCurrentIndex(chosen)
        self.event_box.blockSignals(False)
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
        self.message.setText(t("复核模式：他人录入的值已隐藏，请按纸质评分表重新录入。",
                               "Verify mode: values typed by others are hidden; re-key them "
                               "from the paper sheet.") if on else "")

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
