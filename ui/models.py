"""Shared table-model helpers: columns described once, rows computed by the domain.

A :class:`RowsModel` maps Qt roles over a list of plain rows; it never queries anything.
Screens give it rows (``set_rows``) or replace one row (``set_row``, a targeted
``dataChanged``). State colours always come with text (never colour alone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ui.i18n import t
from ui.qt import QAbstractTableModel, QColor, QFont, QModelIndex, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

# state -> (background, Chinese, English); calm colours, always shown with their text
STATE_STYLE: dict[str, tuple[str, str, str]] = {
    "missing": ("#f2f2f2", "未录", "missing"),
    "entered": ("#fff4c2", "已录", "entered"),
    "verified": ("#cdeccd", "已复核", "verified"),
    "resolved": ("#cdeccd", "已裁定", "resolved"),
    "disagreement": ("#f8c4c4", "不一致", "disagreement"),
    "flagged": ("#fbd7a8", "分差超限", "spread"),
    "overridden": ("#d6e4f5", "已特批", "overridden"),
    "locked": ("#c9ccd6", "已锁定", "locked"),
    "hidden": ("#eceff5", "已提交", "committed"),
    "pending": ("#fff4c2", "待复核", "to verify"),
}


def state_text(state: str) -> str:
    _, zh, en = STATE_STYLE.get(state, ("", state, state))
    return t(zh, en)


def state_colour(state: str) -> QColor | None:
    style = STATE_STYLE.get(state)
    return QColor(style[0]) if style else None


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: a header in both languages and how a row shows in it."""

    zh: str
    en: str
    text: Callable[[R], Any]
    background: Callable[[R], QColor | None] | None = None
    tooltip: Callable[[R], str | None] | None = None
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    bold: bool = False

    @property
    def header(self) -> str:
        return t(self.zh, self.en)


class TableModel(QAbstractTableModel):
    """The base of the screens' table models: a list of rows, columns with headers in both
    languages, rows numbered down the side. Subclasses give ``row_count()`` and
    ``headers()`` (or ``COLUMNS``) and map ``data()``; they never query anything."""

    COLUMNS: Sequence[tuple[str, str]] = ()  # (Chinese, English) per column

    def row_count(self) -> int:
        rows = getattr(self, "rows", ())
        return len(rows)

    def headers(self) -> list[str]:
        return [t(zh, en) for zh, en in self.COLUMNS]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = self.headers()
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(headers):
            return headers[section]
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None


class RowsModel(TableModel, Generic[R]):
    """Rows of one type shown through a list of :class:`Column`. Subscript it in annotations
    only (``model: RowsModel[Competitor] = RowsModel(...)``): shiboken objects must not be
    subscripted at construction, which sets ``__orig_class__`` on them."""

    def __init__(self, columns: Sequence[Column[R]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def set_columns(self, columns: Sequence[Column[R]], rows: Sequence[R] = ()) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self.rows = list(rows)
        self.endResetModel()

    def set_row(self, i: int, row: R) -> None:
        self.rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))

    def row_at(self, index: Index) -> R | None:
        return self.rows[index.row()] if index.isValid() and index.row() < len(self.rows) \
            else None

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows) \
                or index.column() >= len(self.columns):
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            v = col.text(row)
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.BackgroundRole and col.background is not None:
            return col.background(row)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == Qt.ItemDataRole.FontRole and col.bold:
            f = QFont()
            f.setBold(True)
            return f
        return None
