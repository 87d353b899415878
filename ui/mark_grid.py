"""The marking grid's model and cell editor: slots as cells, typed values checked as typed.

:class:`MarkGridModel` shows one event's mark slots (rows: workstations; columns: aspects of
one judge, or judges of one aspect) from the core's caches and writes a cell through
``AppState.run_op(enter_mark)``; :class:`MarkDelegate` is the line editor (range-checked as
typed; Enter commits, Escape reverts). The screen around them is ui/marking.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from db.ops import marking
from judging.decimals import to_decimal
from judging.errors import JiangxinError
from judging.scheme import Aspect, Event
from judging.scoring import band_points, check_value
from ui.errors import plain_message
from ui.i18n import status_label, t
from ui.models import state_colour, state_text
from ui.qt import (
    QAbstractItemDelegate,
    QAbstractTableModel,
    QColor,
    QEvent,
    QLineEdit,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QWidget,
    Signal,
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
        # blind double entry by default (issue 17): values typed by someone else are hidden
        # until this user has typed their own; only the chief judge may switch it off
        self.verify_mode = True
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
            if key == Qt.Key.Key_Delete:  # clears the cell's pending edit (issue 17)
                editor.clear()
                editor.setStyleSheet("")
                self.problem_changed.emit("")
                return True
            if key == Qt.Key.Key_Escape:
                self.problem_changed.emit("")
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
                return True
        return super().eventFilter(editor, event)
