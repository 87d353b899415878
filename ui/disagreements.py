"""录入分歧 Disagreements of double entry, for the supervisor (监督仲裁) to read.

The same list as `jiangxin marks disagreements` (db.ops.marking.disagreements): every slot
where two recorders typed different values from the same paper sheet, workstations only, with
who typed what. The chief judge settles them on the chief judge's screen (ui/chief.py); here
they are read, not changed.
"""

from __future__ import annotations

from db.ops.marking import Disagreement, disagreements
from db.store.changes import Changes, Kind
from db.store.contest import Contest
from judging.errors import JiangxinError
from ui.event_picker import EventPicker
from ui.i18n import t
from ui.models import Column, RowsModel
from ui.qt import QLabel, QVBoxLayout, QWidget
from ui.state import AppState
from ui.widgets import event_bar, table_view


def _typed(d: Disagreement) -> str:
    """冯记录 7 · 于记录 7.5 (a measured value as 实测 59.985)."""
    parts = []
    for who, score, measured in d.values:
        value = score if score is not None else t(f"实测 {measured}", f"measured {measured}")
        parts.append(f"{who} {value if value is not None else '—'}")
    return " · ".join(parts)


COLUMNS: list[Column[Disagreement]] = [
    Column("工位", "Station", lambda d: d.station, bold=True),
    Column("评分项", "Aspect", lambda d: d.aspect),
    Column("裁判", "Judge", lambda d: d.judge),
    Column("录入的值（录入人 值）", "Values typed (by whom)", _typed, tooltip=_typed),
]


class DisagreementsScreen(QWidget):
    """The open disagreements of one event, read-only."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.picker = EventPicker()
        self.status = QLabel()
        self.status.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.model: RowsModel[Disagreement] = RowsModel(COLUMNS, self)
        self.view = table_view(self.model, fit_contents=True, alternate=True)
        note = QLabel(t("两名记分员按同一张纸质评分表录入的值不一致之处（只显示工位号）。"
                        "由裁判长在“裁判长”界面核对原始评分表后裁决；此处只读。",
                        "Where two recorders typed different values from the same paper "
                        "sheet (workstations only). The chief judge settles each against the "
                        "paper sheet on the Chief judge screen; read-only here."))
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(event_bar(self.picker, self.status))
        lay.addWidget(note)
        lay.addWidget(self.view, 1)
        self.picker.event_chosen.connect(self._event_chosen)
        state.contest_opened.connect(self._contest_opened)
        self.reload(refill=True)

    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self.reload(refill=True)

    def _event_chosen(self, _event: str) -> None:
        self.reload()

    def _first_with_disagreements(self, c: Contest) -> str | None:
        s = self.state.session
        for ev in c.competition.events:
            if s is not None and s.may_see_event(ev.id):
                try:
                    if disagreements(c, ev.id):
                        return ev.id
                except JiangxinError:
                    continue
        return None

    @property
    def event_id(self) -> str | None:
        return self.picker.event_id

    def reload(self, refill: bool = False) -> None:
        c, s = self.state.contest, self.state.session
        if refill:
            if s is None:
                self.picker.clear()
            else:  # start on an event that has some
                self.picker.fill(c, self._first_with_disagreements, session=s)
        if c is None or s is None or self.event_id is None:
            self.model.set_rows([])
            self.status.setText("")
            return
        try:
            rows = disagreements(c, self.event_id)
        except JiangxinError as exc:
            self.model.set_rows([])
            self.status.setText(str(exc))
            return
        self.model.set_rows(rows)
        self.status.setText(t(f"{len(rows)} 处分歧待裁判长裁决", f"{len(rows)} disagreements "
                              "for the chief judge to settle") if rows
                            else t("没有分歧", "No disagreements"))

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.SESSION):
            self.reload(refill=True)
        elif changes.touches(Kind.MARKS, event=self.event_id):
            self.reload()
