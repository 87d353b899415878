"""The workstation clocks as a table model, and the tile that paints one clock.

Shared by the workstation board (ui/board.py) and the hall display (ui/hall.py). The truth is
the persisted clock events (db/ops/timing.py) replayed by judging/clock.py: :class:`ClockModel`
keeps each station's events in memory after a "clocks" change and recomputes the state from
them on every tick, emitting ``dataChanged`` only for the rows whose shown values changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from db.ops.people import by_station
from db.ops.timing import clock_events, times_used
from db.store.contest import Contest
from judging.clock import (
    EXTRA,
    PAUSE,
    ClockEvent,
    ClockState,
    clock_state,
)
from judging.scheme import Overtime
from judging.scoring import OvertimePenalty, overtime_penalty, practical_penalty
from ui.i18n import status_label, t
from ui.models import TableModel
from ui.qt import (
    QColor,
    QFont,
    QFontDatabase,
    QModelIndex,
    QPainter,
    QPen,
    QPersistentModelIndex,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex

WARN_SECONDS = 10 * 60  # "ending soon" from ten minutes before the limit

# shown state -> (background, text colour, accent, Chinese, English); colour always with text
STYLE: dict[str, tuple[str, str, str, str, str]] = {
    "idle": ("#eef0f3", "#3c4350", "#9aa3b2", "未开始", "Not started"),
    "running": ("#dcf2dc", "#143d1c", "#2e8b3e", "计时中", "Running"),
    "ending": ("#ffe7c2", "#5a3600", "#d98200", "即将到时", "Ending soon"),
    "paused": ("#fff3b0", "#4d3d00", "#b89400", "已暂停", "Paused"),
    "overtime": ("#f9c0c0", "#6b0000", "#c62828", "超时", "Overtime"),
    "timeup": ("#f9c0c0", "#6b0000", "#c62828", "时间到", "Time up"),
    "stopped": ("#d9deea", "#263045", "#56617a", "已交卷", "Handed in"),
}

StateRole = Qt.ItemDataRole.UserRole + 1  # shown state key (STYLE)
ClockRole = Qt.ItemDataRole.UserRole + 2  # judging.clock.ClockState
StationRole = Qt.ItemDataRole.UserRole + 3  # "07"
NoteRole = Qt.ItemDataRole.UserRole + 4  # status or last reason, short
PenaltyRole = Qt.ItemDataRole.UserRole + 5  # the overtime deduction in words ("−10"), or ""


def hms(seconds: int) -> str:
    """1:02:03, 0:05:00; negative as +0:03:12 (over the limit)."""
    sign = "+" if seconds < 0 else ""
    s = abs(int(seconds))
    return f"{sign}{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def left_label(cs: ClockState) -> str:
    """剩余 while in time, 超时 once over the limit (the digits then count the time over)."""
    return t("超时", "over") if cs.remaining_seconds < 0 else t("剩余", "left")


def left_digits(cs: ClockState) -> str:
    """The time left, or once over the limit the time over (no sign: the label says which)."""
    return hms(abs(cs.remaining_seconds))


def left_text(cs: ClockState) -> str:
    """剩余 0:05:00 / 超时 0:09:29, for tables and tooltips."""
    return f"{left_label(cs)} {left_digits(cs)}" if cs.remaining_seconds < 0 \
        else left_digits(cs)


def penalty_text(p: OvertimePenalty) -> str:
    """The overtime rule's deduction as the screens show it beside the practical: −10, or
    实操计0分 when the rule zeroes it; "" when nothing is taken off (judging/scoring.py)."""
    if p.zeroed:
        return t("实操计0分", "practical 0")
    if p.points > 0:
        return f"−{format(p.points.normalize(), 'f')}"
    return ""


def station_penalties(contest: Contest, event_id: str, now: float | None = None
                      ) -> dict[str, str]:
    """penalty_text per workstation of an event, from the times the results use (the clock or
    an imported time, with its extra time), for the results screen's practical column."""
    ev = contest.event(event_id)
    return {st: penalty_text(practical_penalty(ev, used, extra))
            for st, (used, extra) in times_used(contest, event_id, now).items()}


def state_with_penalty(shown: str, penalty: str) -> str:
    """超时 −10 / 已交卷 −3: the state in words and, once over the limit, the deduction."""
    return f"{state_text(shown)} {penalty}" if penalty else state_text(shown)


def shown_state(cs: ClockState) -> str:
    """The state to show: the clock's own, with overtime and the last ten minutes marked."""
    if cs.state in ("running", "paused"):
        if cs.used_seconds >= cs.limit_seconds:
            return "overtime" if cs.used_seconds > cs.limit_seconds else "timeup"
        if cs.state == "running" and cs.remaining_seconds <= WARN_SECONDS:
            return "ending"
    return cs.state


def state_text(state: str) -> str:
    s = STYLE.get(state)
    return t(s[3], s[4]) if s else state


@dataclass
class _Row:
    station: str
    status: str = "ok"  # the competitor's status (absent ...)
    events: list[ClockEvent] = field(default_factory=list)
    clock: ClockState | None = None
    shown: str = "idle"
    penalty: str = ""  # penalty_text of the clock's overtime, "" in time

    @property
    def note(self) -> str:
        if self.status != "ok":
            return status_label(self.status)
        for ev in reversed(self.events):
            if ev.kind in (PAUSE, EXTRA) and ev.reason:
                return ev.reason
        return ""


class ClockModel(TableModel):
    """One row per drawn workstation of an event; columns station, state, used, remaining,
    extra, note. ``tick(now)`` recomputes the clocks from the loaded events and emits
    ``dataChanged`` only for rows whose shown values changed."""

    COLUMNS = (("工位", "Station"), ("状态", "State"), ("已用", "Used"),
               ("剩余", "Remaining"), ("补时", "Extra"), ("备注", "Note"))
    STATION, STATE, USED, REMAINING, EXTRA, NOTE = range(6)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[_Row] = []
        self.event_id: str | None = None
        self.limit = 0
        self.stop_at_limit = True
        self.overtime = Overtime()
        self.now = time.time()

    # ---- loading -------------------------------------------------------------------------
    def load(self, contest: Contest | None, event_id: str | None,
             now: float | None = None) -> None:
        """Read the event's stations and clock events; reset only when the stations change."""
        self.now = time.time() if now is None else now
        if contest is None or event_id is None:
            self.beginResetModel()
            self.rows, self.event_id = [], None
            self.endResetModel()
            return
        ev = contest.event(event_id)
        people = by_station(contest, event_id)
        events = clock_events(contest, event_id)
        stations = sorted(people)
        self.limit = ev.limit_seconds
        self.stop_at_limit = ev.overtime.rule == "stop"
        self.overtime = ev.overtime
        if event_id != self.event_id or [r.station for r in self.rows] != stations:
            self.beginResetModel()
            self.event_id = event_id
            self.rows = [_Row(st) for st in stations]
            for r in self.rows:
                r.status = people[r.station].status
                r.events = events.get(r.station, [])
                self._compute(r)
            self.endResetModel()
            return
        changed = []
        for i, r in enumerate(self.rows):
            new_events = events.get(r.station, [])
            new_status = people[r.station].status
            if new_events != r.events or new_status != r.status:
                r.events, r.status = new_events, new_status
                changed.append(i)
            elif self._compute(r):
                changed.append(i)
        for i in changed:
            self._compute(self.rows[i])
        self._emit_rows(changed, 0, len(self.COLUMNS) - 1)

    def _compute(self, r: _Row) -> bool:
        """Recompute one row's clock at ``self.now``; True when anything shown changed."""
        cs = clock_state(r.events, self.limit, self.now, stop_at_limit=self.stop_at_limit)
        shown = shown_state(cs)
        if cs == r.clock and shown == r.shown:
            return False
        r.clock, r.shown = cs, shown
        # the rule's own reading of the time over (judging/scoring.py), never re-derived here
        r.penalty = penalty_text(overtime_penalty(self.overtime, cs.used_seconds,
                                                  cs.limit_seconds))
        return True

    def tick(self, now: float | None = None) -> list[int]:
        """Advance the clocks to ``now``; returns the rows that changed (and repaints them)."""
        self.now = time.time() if now is None else now
        # only a running clock moves with time; the others change through load()
        changed = [i for i, r in enumerate(self.rows)
                   if (r.clock is None or r.clock.state == "running") and self._compute(r)]
        # from the STATION column: the tile views (board, projector) show that column and a
        # QListView repaints only for changes that include its model column (issue 17: the
        # tiles froze at 0:30:00 until a click)
        self._emit_rows(changed, self.STATION, self.EXTRA)
        return changed

    def _emit_rows(self, rows: list[int], first: int, last: int) -> None:
        # one dataChanged per contiguous run of rows: with every clock running that is one
        # signal per tick, not sixty
        runs: list[list[int]] = []
        for i in rows:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            self.dataChanged.emit(self.index(run[0], first), self.index(run[-1], last))

    # ---- reading -------------------------------------------------------------------------
    def row_of(self, station: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.station == station), -1)

    def clock(self, station: str) -> ClockState | None:
        i = self.row_of(station)
        return self.rows[i].clock if i >= 0 else None

    def shown(self, station: str) -> str | None:
        i = self.row_of(station)
        return self.rows[i].shown if i >= 0 else None

    def penalty(self, station: str) -> str:
        """The overtime deduction shown for a station ("−10"), "" in time."""
        i = self.row_of(station)
        return self.rows[i].penalty if i >= 0 else ""

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.shown] = out.get(r.shown, 0) + 1
        return out

    # ---- Qt model ------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.rows) \
                or index.column() >= len(self.COLUMNS):
            return None
        r = self.rows[index.row()]
        cs = r.clock
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.STATION:
                return r.station
            if cs is None:
                return ""
            if col == self.STATE:
                return state_with_penalty(r.shown, r.penalty)
            if col == self.USED:
                return hms(cs.used_seconds)
            if col == self.REMAINING:
                return left_text(cs)
            if col == self.EXTRA:
                return hms(cs.extra_seconds) if cs.extra_seconds else ""
            return r.note
        if role == StateRole:
            return r.shown
        if role == ClockRole:
            return cs
        if role == StationRole:
            return r.station
        if role == NoteRole:
            return r.note
        if role == PenaltyRole:
            return r.penalty
        if role == Qt.ItemDataRole.BackgroundRole:
            return QColor(STYLE[r.shown][0]) if r.shown in STYLE else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(STYLE[r.shown][1]) if r.shown in STYLE else None
        if role == Qt.ItemDataRole.ToolTipRole:
            state = state_with_penalty(r.shown, r.penalty)
            lines = [t(f"工位 {r.station}：{state}", f"Station {r.station}: {state}")]
            if cs is not None:
                lines.append(t(f"已用 {hms(cs.used_seconds)} · {left_label(cs)} "
                               f"{left_digits(cs)}",
                               f"Used {hms(cs.used_seconds)} · {left_label(cs)} "
                               f"{left_digits(cs)}"))
            if r.note:
                lines.append(r.note)
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter if col < self.NOTE
                       else Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None


def digits_font(pixel_size: int, bold: bool = True) -> QFont:
    """A fixed-width font for clocks, so the digits do not dance as they change."""
    f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    f.setPixelSize(max(6, pixel_size))
    f.setBold(bold)
    return f


def text_font(pixel_size: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(6, pixel_size))
    f.setBold(bold)
    return f


class TileDelegate(QStyledItemDelegate):
    """Paints one workstation as a tile: number, state in words, remaining big, used small."""

    SIZE = QSize(184, 128)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return self.SIZE

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        shown = index.data(StateRole) or "idle"
        cs: ClockState | None = index.data(ClockRole)
        bg, fg, accent, _, _ = STYLE.get(shown, STYLE["idle"])
        r = option.rect.adjusted(3, 3, -3, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#1d5fd6") if selected else QColor(accent),
                            4 if selected else 1.5))
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(r, 8, 8)
        painter.setPen(QColor(fg))
        pad = r.adjusted(10, 4, -10, -4)
        left_top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        right_top = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        line1 = QRect(pad.left(), pad.top(), pad.width(), 28)
        painter.setFont(text_font(22, bold=True))
        painter.drawText(line1, left_top, str(index.data(StationRole)))
        painter.setFont(text_font(14, bold=True))
        painter.drawText(line1, right_top,
                         state_with_penalty(shown, index.data(PenaltyRole) or ""))
        if cs is not None:
            line2 = QRect(pad.left(), line1.bottom() + 2, pad.width(), 38)
            painter.setFont(text_font(11, bold=cs.remaining_seconds < 0))
            painter.drawText(line2, left_top, left_label(cs))
            painter.setFont(digits_font(28))
            painter.drawText(line2, right_top, left_digits(cs))
            line3 = QRect(pad.left(), line2.bottom() + 2, pad.width(), 18)
            painter.setFont(text_font(12))
            used = t(f"已用 {hms(cs.used_seconds)}", f"used {hms(cs.used_seconds)}")
            painter.drawText(line3, left_top, used)
            if cs.extra_seconds:
                painter.drawText(line3, right_top, t(f"补时 {cs.extra_seconds // 60} 分",
                                                     f"+{cs.extra_seconds // 60} min"))
            note = index.data(NoteRole)
            if note:
                line4 = QRect(pad.left(), line3.bottom() + 2, pad.width(), 18)
                painter.setFont(text_font(11))
                fm = painter.fontMetrics()
                painter.drawText(line4, left_top,
                                 fm.elidedText(note, Qt.TextElideMode.ElideRight, pad.width()))
        painter.restore()
