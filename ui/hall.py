"""大屏 Hall display: station numbers and time left in big digits, for a projector.

Shows workstation numbers only (never a name, unit or candidate number) and reads from across
a hall: light digits on a dark ground, the state in words under each number. The tiles grow to
fill the screen. Like the board it ticks with one parented QTimer that only repaints.
"""

from __future__ import annotations

import math
import time

from db.store.changes import Changes, Kind
from judging.clock import ClockState
from ui.board import prefer_running_event
from ui.clocks import (
    STYLE,
    ClockModel,
    ClockRole,
    Index,
    PenaltyRole,
    StateRole,
    StationRole,
    digits_font,
    left_digits,
    state_with_penalty,
    text_font,
)
from ui.event_picker import EventPicker
from ui.i18n import t
from ui.qt import (
    QColor,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QListView,
    QPainter,
    QPalette,
    QPushButton,
    QRect,
    QResizeEvent,
    QSize,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from ui.state import AppState

BACKGROUND = "#101418"
# shown state -> digit colour on the dark ground (state words are always shown too)
DIGITS = {"idle": "#9aa3b2", "running": "#f2f5f7", "ending": "#ffb547", "paused": "#ffe066",
          "overtime": "#ff6b6b", "timeup": "#ff6b6b", "stopped": "#7f8aa3"}


class HallDelegate(QStyledItemDelegate):
    """One station: its number, the time left (or 'handed in'), the state in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size = QSize(240, 160)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return self.size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        shown = index.data(StateRole) or "idle"
        cs: ClockState | None = index.data(ClockRole)
        r = option.rect.adjusted(4, 4, -4, -4)
        h = r.height()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(STYLE.get(shown, STYLE["idle"])[2]))
        painter.setBrush(QColor("#1b2128"))
        painter.drawRoundedRect(r, 10, 10)
        colour = QColor(DIGITS.get(shown, "#f2f5f7"))
        # the number, top left; the state word, top right
        head = QRect(r.left() + 12, r.top() + 6, r.width() - 24, int(h * 0.30))
        painter.setPen(QColor("#f2f5f7"))
        painter.setFont(text_font(int(h * 0.24), bold=True))
        painter.drawText(head, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         str(index.data(StationRole)))
        painter.setPen(colour)
        painter.setFont(text_font(int(h * 0.13), bold=True))
        painter.drawText(head, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         state_with_penalty(shown, index.data(PenaltyRole) or ""))
        body = QRect(r.left() + 6, r.top() + int(h * 0.36), r.width() - 12, int(h * 0.58))
        if cs is not None and shown != "stopped":
            # over the limit the digits count the time over; the state word says 超时 −10
            text = left_digits(cs)
            size = min(int(h * 0.42), int(r.width() / (len(text) * 0.68)))
            painter.setFont(digits_font(size))
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter, text)
        elif cs is not None:
            painter.setFont(text_font(int(h * 0.2), bold=True))
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter, t("已交卷", "Handed in"))
        painter.restore()


class HallView(QListView):
    """A list view of tiles that resizes them so every station fits on the screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # all fit
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tile = HallDelegate(self)
        self.setItemDelegate(self.tile)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Base, QColor(BACKGROUND))
        self.setPalette(pal)
        self.setFrameShape(QListView.Shape.NoFrame)

    def fit(self) -> None:
        """Tiles as large as possible such that every station fits in the viewport.

        Tries every number of columns and keeps the one giving the biggest digits (the
        digits' size is bounded by the tile's height and by its width over ~7 characters).
        """
        model = self.model()
        n = model.rowCount() if model is not None else 0
        w, h = self.viewport().width() - 6, self.viewport().height() - 6
        if n == 0 or w <= 0 or h <= 0:
            return
        best, best_digits = QSize(120, 80), 0.0
        for cols in range(1, n + 1):
            rows = math.ceil(n / cols)
            tw, th = w // cols, min(h // rows, w // cols)
            digits = min(th * 0.42, tw / 4.4)
            if digits > best_digits:
                best, best_digits = QSize(tw, th), digits
        best = QSize(max(best.width(), 120), max(best.height(), 80))
        if best != self.tile.size:
            self.tile.size = best
            self.setGridSize(best)
            self.scheduleDelayedItemsLayout()

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self.fit()


class HallScreen(QWidget):
    """The hall display: in the main window, or full screen on the projector (F11, Esc)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = ClockModel(self)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))
        pal.setColor(QPalette.ColorRole.WindowText, QColor("#f2f5f7"))
        self.setPalette(pal)
        self.setWindowTitle(t("匠心 · 赛场大屏", "Jiangxin · hall display"))

        self.picker = EventPicker()
        self.title = QLabel()
        self.title.setStyleSheet("color: #f2f5f7; font-weight: bold;")
        self.wall_clock = QLabel()
        self.wall_clock.setStyleSheet("color: #f2f5f7;")
        self.full_btn = QPushButton(t("全屏 (F11)", "Full screen (F11)"))
        self.view = HallView()
        self.view.setModel(self.model)
        self.view.setModelColumn(ClockModel.STATION)

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.wall_clock)
        head.addSpacing(16)
        head.addWidget(self.picker)
        head.addWidget(self.full_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.addLayout(head)
        lay.addWidget(self.view, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        self.picker.event_chosen.connect(lambda _e: self.reload())
        self.full_btn.clicked.connect(self.toggle_full_screen)
        state.contest_opened.connect(self._contest_opened)
        self.reload(refill=True)

    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self.reload(refill=True)

    def show_event(self, event_id: str) -> None:
        i = self.picker.findData(event_id)
        if i >= 0:
            self.picker.setCurrentIndex(i)

    def reload(self, refill: bool = False) -> None:
        if refill:
            self.picker.fill(self.state.contest, prefer_running_event)
        self.model.load(self.state.contest, self.picker.event_id)
        self._update_title()
        self.view.fit()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.CLOCKS, Kind.PEOPLE, Kind.DRAW, event=self.picker.event_id):
            self.reload()

    def _update_title(self) -> None:
        c = self.state.contest
        ev_id = self.picker.event_id
        if c is None or ev_id is None:
            self.title.setText("")
            return
        ev = c.event(ev_id)
        self.title.setText(f"{c.competition.name}　{ev.name}{ev.group}　"
                           + t(f"时长 {ev.duration_min} 分钟", f"{ev.duration_min} min"))

    def tick(self) -> None:
        self.model.tick()
        self.wall_clock.setText(time.strftime("%H:%M:%S"))

    def _set_sizes(self) -> None:
        h = max(self.height(), 400)
        self.title.setFont(text_font(max(16, h // 34), bold=True))
        self.wall_clock.setFont(digits_font(max(16, h // 30)))

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._set_sizes()

    def toggle_full_screen(self) -> None:
        if self.isWindow():
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        else:
            w = HallScreen(self.state)
            w.setWindowFlag(Qt.WindowType.Window)
            w.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            if self.picker.event_id:
                w.show_event(self.picker.event_id)
            self.state.changed.connect(w.refresh)
            self._window = w
            w.showFullScreen()

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_F11:
            self.toggle_full_screen()
        elif e.key() == Qt.Key.Key_Escape and self.isWindow():
            self.close()
        else:
            super().keyPressEvent(e)

    def showEvent(self, event: object) -> None:
        self.tick()
        self.timer.start()
        self.view.fit()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:
        self.timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]
