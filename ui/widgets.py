"""Small widgets and helpers the screens share: big fonts, read-only tables, the event bar."""

from __future__ import annotations

from ui.i18n import t
from ui.qt import (
    QAbstractItemModel,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)


def big(widget: QWidget, points: int = 13, bold: bool = False) -> None:
    """A larger (and optionally bold) font on ``widget``: venue screens are read from afar."""
    f = widget.font()
    f.setPointSize(points)
    f.setBold(bold)
    widget.setFont(f)


def table_view(model: QAbstractItemModel, *, fit_contents: bool = False,
               alternate: bool = False) -> QTableView:
    """A read-only table of whole rows: no row numbers, select rows, the last column
    stretched; ``fit_contents`` sizes the columns to their contents."""
    v = QTableView()
    v.setModel(model)
    v.verticalHeader().hide()
    v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.horizontalHeader().setSectionResizeMode(
        QHeaderView.ResizeMode.ResizeToContents if fit_contents
        else QHeaderView.ResizeMode.Interactive)
    v.horizontalHeader().setStretchLastSection(True)
    v.setWordWrap(False)
    v.setAlternatingRowColors(alternate)
    return v


def event_bar(picker: QWidget, status: QWidget) -> QHBoxLayout:
    """The top bar of a one-event screen: 赛项 [picker]  status…"""
    top = QHBoxLayout()
    top.addWidget(QLabel(t("赛项", "Event")))
    top.addWidget(picker)
    top.addSpacing(12)
    top.addWidget(status, 1)
    return top
