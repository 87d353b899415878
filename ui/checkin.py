"""检录 Check-in: find a competitor by candidate number, ID number, workstation or a scan, and
check them in; late arrivals past the event's limit are marked absent by the engine.

A USB barcode scanner types like a keyboard and ends with Enter, so the search field keeps the
focus and Enter finds (and, when safe, checks in) at once. Names, units and the photo are for
the organiser only: a chief judge checking people in sees numbers and statuses.
"""

from __future__ import annotations

import time

from db.ops.people import Competitor, check_in, competitors, entrants, set_status
from db.ops.timing import clocks
from db.store.changes import Changes, Kind
from db.store.contest import Contest
from judging.errors import JiangxinError
from judging.idnumber import mask_id_number
from judging.roles import allowed
from ui.event_picker import EventPicker, EventScreen
from ui.i18n import status_label, t
from ui.models import Column, RowsModel
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QColor,
    QDateTime,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSortFilterProxyModel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState

OK_BG, LATE_BG, INFO_BG = "#dcf2dc", "#f9c0c0", "#eef0f3"


def first_start(contest: Contest, event_id: str) -> float | None:
    """When the event began: its first clock start (None before any clock started)."""
    starts = [cs.started_at for cs in clocks(contest, event_id).values() if cs.started_at]
    return min(starts) if starts else None


def late_minutes(start: float | None, now: float) -> int:
    """Whole minutes after the start (0 before it, or when there is no start yet)."""
    if start is None or now <= start:
        return 0
    return int((now - start) // 60)


def find(contest: Contest, text: str, event_id: str | None) -> list[Competitor]:
    """Competitors matching a typed or scanned text: candidate number or ID number in any
    event, or a workstation number of the chosen event."""
    q = text.strip().upper()
    if not q:
        return []
    out = []
    for ev in contest.competition.events:
        # while the draw is sealed a candidate number finds its workstation, not a person
        for p in {x.uid: x for x in competitors(contest, ev.id) + entrants(contest, ev.id)
                  }.values():
            if (p.candidate or "").upper() == q or (p.id_number and p.id_number.upper() == q):
                out.append(p)
    if not out and event_id and q.isdigit() and len(q) <= 3:
        st = contest.event(event_id).parse_station(q)
        out = [p for p in entrants(contest, event_id) if st and p.station == st]
    return out


class CheckinScreen(EventScreen):
    """Scan or type, Enter: the person is shown and checked in."""

    checked_in = Signal(str)  # competitor uid, after the check-in is written
    competitor_found = Signal(object)  # Competitor | None

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.current: Competitor | None = None

        self.picker = EventPicker()
        self.start_label = QLabel()
        self.use_scheduled = QCheckBox(t("指定开考时间", "Set the start time"))
        self.scheduled = QDateTimeEdit(QDateTime.currentDateTime())
        self.scheduled.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.scheduled.setEnabled(False)
        self.late_label = QLabel()
        self.late_label.setWordWrap(True)

        self.search = QLineEdit()
        self.search.setPlaceholderText(t("扫码，或输入参赛编号 / 身份证号 / 工位号，回车",
                                         "Scan, or type a candidate number / ID number / "
                                         "station, then Enter"))
        self.search.setClearButtonEnabled(True)
        f = self.search.font()
        f.setPixelSize(22)
        self.search.setFont(f)
        self.search.setMinimumHeight(44)
        self.auto = QCheckBox(t("扫码后自动签到", "Check in on scan"))
        self.auto.setChecked(True)

        # the card of the person found
        self.card = QFrame()
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setMinimumWidth(360)
        self.photo = QLabel(t("照片", "Photo"))
        self.photo.setFixedSize(120, 150)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("background: #d9dde3; color: #56617a; border-radius: 4px;")
        self.name = QLabel()
        self.name.setStyleSheet("font-size: 26px; font-weight: bold;")
        self.unit = QLabel()
        self.unit.setWordWrap(True)
        self.numbers = QLabel()
        self.numbers.setStyleSheet("font-size: 18px;")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setMinimumHeight(48)
        self.checkin_btn = QPushButton(t("签到", "Check in"))
        self.checkin_btn.setMinimumHeight(40)
        self.absent_reason = QLineEdit()
        self.absent_reason.setPlaceholderText(t("缺考原因（裁判长）", "Reason (chief judge)"))
        self.absent_btn = QPushButton(t("记缺考", "Mark absent"))
        self.card.setFixedWidth(440)
        ident = QVBoxLayout()
        ident.addWidget(self.name)
        ident.addWidget(self.unit)
        ident.addStretch(1)
        head = QHBoxLayout()
        head.addWidget(self.photo)
        head.addLayout(ident, 1)
        absent = QHBoxLayout()
        absent.addWidget(self.absent_reason, 1)
        absent.addWidget(self.absent_btn)
        card = QVBoxLayout(self.card)
        card.addLayout(head)
        card.addWidget(self.numbers)
        card.addWidget(self.verdict)
        card.addWidget(self.checkin_btn)
        card.addLayout(absent)

        self.model: RowsModel[Competitor] = RowsModel(self._columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.counts = QLabel()

        top = QHBoxLayout()
        top.addWidget(QLabel(t("赛项", "Event")))
        top.addWidget(self.picker)
        top.addSpacing(12)
        top.addWidget(self.start_label)
        top.addWidget(self.use_scheduled)
        top.addWidget(self.scheduled)
        top.addStretch(1)
        scan = QHBoxLayout()
        scan.addWidget(self.search, 1)
        scan.addWidget(self.auto)
        right = QVBoxLayout()
        right.addWidget(self.counts)
        right.addWidget(self.table, 1)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.card)
        left.addStretch(1)
        body.addLayout(left)
        body.addLayout(right, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.late_label)
        lay.addLayout(scan)
        lay.addLayout(body, 1)

        self.picker.event_chosen.connect(lambda _e: self.reload())
        self.use_scheduled.toggled.connect(self.scheduled.setEnabled)
        self.use_scheduled.toggled.connect(lambda _on: self._update_late())
        self.scheduled.dateTimeChanged.connect(lambda _d: self._update_late())
        self.search.returnPressed.connect(self.lookup)
        self.checkin_btn.clicked.connect(self.check_in_current)
        self.absent_btn.clicked.connect(self.mark_absent)
        self.absent_reason.textChanged.connect(lambda _t: self._show(self.current))
        self.table.selectionModel().currentRowChanged.connect(self._row_chosen)
        self.watch_contest()

    # ---- who may see what ----------------------------------------------------------------

    @property
    def sees_identity(self) -> bool:
        """Only the organiser sees names, units and photos (judges never do)."""
        s = self.state.session
        return s is not None and s.role == "admin"

    def _columns(self) -> list[Column[Competitor]]:
        cols: list[Column[Competitor]] = [
            Column("参赛编号", "Candidate", lambda p: p.candidate or "—"),
            Column("工位", "Station", lambda p: p.station or "—"),
        ]
        if self.sees_identity:
            cols += [Column("姓名", "Name", lambda p: p.name),
                     Column("单位", "Unit", lambda p: p.unit)]
        cols += [
            Column("签到", "Checked in", lambda p: t("✓ 已签到", "✓ in") if p.checked_in
                   else t("未到", "not yet"),
                   background=lambda p: QColor(OK_BG) if p.checked_in else None),
            Column("状态", "Status", lambda p: status_label(p.status),
                   background=lambda p: QColor(LATE_BG) if p.status != "ok" else None),
        ]
        return cols

    # ---- data ----------------------------------------------------------------------------

    def reload(self, refill: bool = False) -> None:
        c = self.state.contest
        if refill:
            self.picker.fill(c)
        people = entrants(c, self.event_id) if c and self.event_id else []
        cols = self._columns()
        if [col.zh for col in cols] != [col.zh for col in self.model.columns]:
            self.model.beginResetModel()
            self.model.columns = cols
            self.model.endResetModel()
        if [p.uid for p in people] == [p.uid for p in self.model.rows]:
            for i, p in enumerate(people):  # a check-in changes one row: repaint that row
                if p != self.model.rows[i]:
                    self.model.set_row(i, p)
        else:
            self.model.set_rows(people)
        if self.current is not None:
            self.current = next((p for p in self._all(self.current.event)
                                 if p.uid == self.current.uid), None)
        n_in = sum(p.checked_in for p in people)
        n_abs = sum(p.status == "absent" for p in people)
        self.counts.setText(t(f"已签到 {n_in} / {len(people)} · 缺考 {n_abs}",
                              f"Checked in {n_in} / {len(people)} · absent {n_abs}"))
        self._update_late()
        self._show(self.current)

    def _all(self, event_id: str) -> list[Competitor]:
        c = self.state.contest
        return competitors(c, event_id) + entrants(c, event_id) if c else []

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.PEOPLE, Kind.DRAW, Kind.CLOCKS, event=self.event_id) \
                or changes.touches(Kind.SESSION):
            self.reload()

    # ---- lateness ------------------------------------------------------------------------
    def start_time(self) -> float | None:
        if self.use_scheduled.isChecked():
            return self.scheduled.dateTime().toSecsSinceEpoch()
        c = self.state.contest
        return first_start(c, self.event_id) if c and self.event_id else None

    def late_now(self) -> int:
        return late_minutes(self.start_time(), time.time())

    def late_limit(self) -> int:
        c = self.state.contest
        return c.event(self.event_id).late_limit_min if c and self.event_id else 15

    def _update_late(self) -> None:
        start = self.start_time()
        if not self.use_scheduled.isChecked():
            when = ""
            if start:
                same_day = time.localtime(start)[:3] == time.localtime()[:3]
                when = time.strftime("%H:%M" if same_day else "%m-%d %H:%M",
                                     time.localtime(start))
            self.start_label.setText(t(f"开考：首次开钟 {when}", f"Start: first clock {when}")
                                     if start else t("开考：尚未开钟", "Start: no clock started"))
        else:
            self.start_label.setText(t("开考：", "Start:"))
        late, limit = self.late_now(), self.late_limit()
        if start is None:
            text = t(f"迟到限 {limit} 分钟；尚未开考，现在签到不算迟到。",
                     f"Late limit {limit} min; not started, check-in now is on time.")
            bg = INFO_BG
        elif late > limit:
            text = t(f"已开考 {late} 分钟，超过迟到限 {limit} 分钟：现在签到将记为缺考。",
                     f"Started {late} min ago, past the {limit} min limit: checking in now "
                     "marks the competitor absent.")
            bg = LATE_BG
        else:
            text = t(f"已开考 {late} 分钟；迟到限 {limit} 分钟。",
                     f"Started {late} min ago; late limit {limit} min.")
            bg = INFO_BG
        self.late_label.setText(text)
        self.late_label.setStyleSheet(f"background: {bg}; padding: 6px; border-radius: 4px;")

    # ---- finding and checking in ---------------------------------------------------------
    def lookup(self) -> None:
        """Enter in the search field (typed or scanned)."""
        c = self.state.contest
        text = self.search.text()
        found = find(c, text, self.event_id) if c else []
        self.search.selectAll()  # the next scan replaces the text
        if len(found) > 1:
            same = [p for p in found if p.event == self.event_id]
            found = same if len(same) == 1 else found
        if not found:
            self.current = None
            self._show(None, t(f"没有找到“{text.strip()}”。请核对编号或证件。",
                               f"Nothing found for “{text.strip()}”. Check the number or the "
                               "ID card."))
            self.competitor_found.emit(None)
            return
        if len(found) > 1:
            events = ", ".join(p.event for p in found)
            self.current = None
            self._show(None, t(f"此人报了多个赛项（{events}）：请先选择赛项再扫码。",
                               f"Entered in several events ({events}): choose the event, then "
                               "scan again."))
            self.competitor_found.emit(None)
            return
        p = found[0]
        if p.event != self.event_id:
            i = self.picker.findData(p.event)
            if i >= 0:
                self.picker.setCurrentIndex(i)
        self.current = p
        self._select_row(p.uid)
        self.competitor_found.emit(p)
        late = self.late_now()
        if self.auto.isChecked() and not p.checked_in and late <= self.late_limit() \
                and self._may_check_in():
            self.check_in_current()
        else:
            self._show(p)

    def _select_row(self, uid: str) -> None:
        for i, p in enumerate(self.model.rows):
            if p.uid == uid:
                idx = self.proxy.mapFromSource(self.model.index(i, 0))
                self.table.blockSignals(True)
                self.table.selectRow(idx.row())
                self.table.scrollTo(idx)
                self.table.blockSignals(False)

    def _row_chosen(self, current: object, _prev: object) -> None:
        idx = self.proxy.mapToSource(current)  # type: ignore[arg-type]
        p = self.model.row_at(idx)
        if p is not None and (self.current is None or p.uid != self.current.uid):
            self.current = p
            self._show(p)

    def _may_check_in(self) -> bool:
        s = self.state.session
        return s is not None and allowed(s.role, "checkin")

    def check_in_current(self) -> None:
        p = self.current
        if p is None:
            return
        late = self.late_now()
        try:
            self.state.apply(check_in, p.uid, late)
        except JiangxinError as exc:
            from ui.errors import show_error

            show_error(exc, self)
            return
        self.reload()
        self.checked_in.emit(p.uid)
        self.search.setFocus()

    def mark_absent(self) -> None:
        p = self.current
        if p is None or not p.station:
            return
        try:
            self.state.apply(set_status, p.event, p.station, "absent",
                             self.absent_reason.text().strip())
        except JiangxinError as exc:
            from ui.errors import show_error

            show_error(exc, self)
            return
        self.absent_reason.clear()
        self.reload()

    # ---- the card ------------------------------------------------------------------------
    def _show(self, p: Competitor | None, message: str = "") -> None:
        s = self.state.session
        may_status = s is not None and allowed(s.role, "status")
        if p is None:
            self.name.setText("")
            self.unit.setText("")
            self.numbers.setText("")
            self.photo.setVisible(self.sees_identity)
            self.verdict.setText(message or t("请扫码或输入编号。", "Scan or type a number."))
            self.verdict.setStyleSheet(f"background: {LATE_BG if message else INFO_BG}; "
                                       "padding: 8px; border-radius: 4px; font-size: 16px;")
            self.checkin_btn.setEnabled(False)
            self.absent_btn.setEnabled(False)
            self.absent_reason.setEnabled(False)
            return
        if self.sees_identity:
            self.photo.setVisible(True)
            self.name.setText(p.name)
            self.unit.setText(f"{p.unit}\n{t('身份证', 'ID')} {mask_id_number(p.id_number)}")
        else:
            self.photo.setVisible(False)
            self.name.setText(p.candidate or "—")
            self.unit.setText(t("身份信息仅组委会可见", "Identity is shown to the organiser only"))
        self.numbers.setText(t(f"{p.event}　编号 {p.candidate or '—'}　工位 {p.station or '—'}",
                               f"{p.event}  candidate {p.candidate or '—'}  station "
                               f"{p.station or '—'}"))
        late, limit = self.late_now(), self.late_limit()
        if p.status != "ok":
            text, bg = t(f"状态：{status_label(p.status)}", f"Status: {status_label(p.status)}"), \
                LATE_BG
        elif p.checked_in:
            text, bg = t("✓ 已签到", "✓ Checked in"), OK_BG
        elif late > limit:
            text, bg = t(f"迟到 {late} 分钟，超过 {limit} 分钟：签到将记为缺考。",
                         f"{late} min late, past {limit} min: checking in marks absent."), LATE_BG
        else:
            text, bg = t("未签到：请核对证件后签到。", "Not checked in: check the ID, then check "
                         "in."), INFO_BG
        self.verdict.setText(message or text)
        self.verdict.setStyleSheet(f"background: {bg}; padding: 8px; border-radius: 4px; "
                                   "font-size: 16px; font-weight: bold;")
        self.checkin_btn.setText(t("按迟到签到（记缺考）", "Check in late (marks absent)")
                                 if late > limit else t("签到", "Check in"))
        self.checkin_btn.setEnabled(self._may_check_in() and not p.checked_in
                                    and p.status == "ok")
        self.absent_reason.setEnabled(may_status and bool(p.station) and p.status == "ok")
        self.absent_btn.setEnabled(may_status and bool(p.station) and p.status == "ok"
                                   and bool(self.absent_reason.text().strip()))
        self.absent_btn.setToolTip("" if may_status else t("仅裁判长可记缺考",
                                                           "Only the chief judge marks absent"))
