"""成绩 Results: the provisional ranking (by workstation until decrypted, then by name),
publishing numbered snapshots (公示), the difference between two snapshots, and drawing the
re-check sample with a recorded seed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from typing import Any

from db.ops.results import (
    ResultRow,
    Results,
    decrypt,
    publish,
    record_recheck,
    results,
    snapshot,
)
from db.store.changes import Changes, Kind
from judging.errors import JiangxinError, NotAllowed
from judging.recheck import Sample, error_rate, full_recheck_needed, recheck_sample
from judging.roles import allowed
from judging.snapshots import ADDED, REMOVED, Change, diff
from ui.clocks import hms, station_penalties
from ui.event_picker import EventPicker, EventScreen
from ui.i18n import status_label, t
from ui.models import Column, RowsModel
from ui.officer_dialog import OfficerPassphraseDialog
from ui.qt import (
    QColor,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    QSpinBox,
    Qt,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState
from ui.widgets import event_bar, table_view


@dataclass(frozen=True)
class Row(ResultRow):
    """A results row as the ranking shows it: with the overtime deduction (if any)."""

    overtime: str = ""

    @classmethod
    def of(cls, r: ResultRow, overtime: str = "") -> Row:
        return cls(**{f.name: getattr(r, f.name) for f in fields(ResultRow)}, overtime=overtime)


CURRENT = 0  # "the results as they are now" in the snapshot pickers
AWARD_BG = "#fff3c4"
CHANGED_BG, ADDED_BG, REMOVED_BG = "#ffe7c2", "#dcf2dc", "#f9c0c0"


def _v(row: Row, key: str) -> str:
    v = getattr(row, key)
    return "—" if v is None else str(v)


def _practical(row: Row) -> str:
    """The practical and, when the overtime rule took points off, the deduction beside it."""
    pen = row.overtime
    return f"{_v(row, 'practical')}（{t('超时', 'overtime')} {pen}）" if pen \
        else _v(row, "practical")


def ranking_columns(decrypted: bool) -> list[Column[Row]]:
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    centre = Qt.AlignmentFlag.AlignCenter
    cols: list[Column[Row]] = [
        Column("名次", "Place", lambda r: _v(r, "place"), align=centre, bold=True),
        Column("工位", "Station", lambda r: _v(r, "station"), align=centre),
        Column("参赛编号", "Candidate", lambda r: _v(r, "candidate")),
    ]
    if decrypted:
        cols += [Column("姓名", "Name", lambda r: _v(r, "name"), bold=True),
                 Column("单位", "Unit", lambda r: _v(r, "unit"))]
    cols += [
        Column("理论", "Theory", lambda r: _v(r, "theory"), align=right),
        Column("实操", "Practical", _practical, align=right),
        Column("总分", "Total", lambda r: _v(r, "total"), align=right, bold=True),
        Column("用时", "Time used", lambda r: hms(r.time_used_s)
               if r.time_used_s is not None else "—", align=right),
        Column("状态", "Status", lambda r: status_label(r.status or "ok")),
        Column("奖项", "Award", lambda r: r.award or "",
               background=lambda r: QColor(AWARD_BG) if r.award else None),
        Column("称号/等级", "Title/grade", lambda r: " ".join(
            x for x in (r.title, r.grade) if x)),
    ]
    return cols


def _pair(c: Change, name: str) -> str:
    f = c.field(name)
    if f is None:
        return ""
    old = "—" if f.old is None else str(f.old)
    new = "—" if f.new is None else str(f.new)
    return new if c.kind == ADDED else old if c.kind == REMOVED else f"{old} → {new}"


def _kind_text(c: Change) -> str:
    return {ADDED: t("新增", "added"), REMOVED: t("移除", "removed")}.get(
        c.kind, t("变动", "changed"))


DIFF_COLUMNS: list[Column[Change]] = [
    Column("工位", "Station", lambda c: c.station, bold=True),
    Column("变化", "Change", _kind_text,
           background=lambda c: QColor({ADDED: ADDED_BG, REMOVED: REMOVED_BG}.get(
               c.kind, CHANGED_BG))),
    Column("名次", "Place", lambda c: _pair(c, "place")),
    Column("总分", "Total", lambda c: _pair(c, "total")),
    Column("奖项", "Award", lambda c: _pair(c, "award")),
    Column("状态", "Status", lambda c: _pair(c, "status")),
]


class ResultsScreen(EventScreen):
    """Ranking, publishing, comparing snapshots and the re-check sample of one event."""

    published = Signal(str, int)  # event, snapshot number
    decrypted = Signal(str)  # event
    sample_drawn = Signal(object)  # judging.recheck.Sample

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.data: Results | None = None
        self.sample: Sample | None = None
        self.picker = EventPicker()
        self.status = QLabel()
        self.status.setStyleSheet("font-size: 15px; font-weight: bold;")

        # ---- ranking
        self.model: RowsModel[Row] = RowsModel(ranking_columns(False), self)
        self.view = table_view(self.model, fit_contents=True, alternate=True)
        self.note = QLineEdit()
        self.note.setPlaceholderText(t("公示说明（可选），如：第一次公示", "Note (optional), e.g. "
                                       "first posting"))
        self.publish_btn = QPushButton()
        self.publish_btn.setMinimumHeight(36)
        ranking = QWidget()
        r_lay = QVBoxLayout(ranking)
        r_lay.addWidget(self.view, 1)
        self.publish_reason = QLabel()
        self.publish_reason.setStyleSheet("color: #5a3600;")
        self.publish_reason.hide()
        self.publish_note = QLabel()  # e.g. unchanged since the last snapshot: none made
        self.publish_note.setWordWrap(True)
        pub = QHBoxLayout()
        pub.addWidget(self.note, 1)
        pub.addWidget(self.publish_reason)
        pub.addWidget(self.publish_btn)
        r_lay.addLayout(pub)
        r_lay.addWidget(self.publish_note)

        # ---- compare snapshots
        self.old_pick = QComboBox()
        self.new_pick = QComboBox()
        self.diff_model: RowsModel[Change] = RowsModel(DIFF_COLUMNS, self)
        self.diff_view = table_view(self.diff_model, fit_contents=True, alternate=True)
        self.diff_summary = QLabel()
        compare = QWidget()
        c_lay = QVBoxLayout(compare)
        picks = QHBoxLayout()
        picks.addWidget(QLabel(t("从", "From")))
        picks.addWidget(self.old_pick)
        picks.addWidget(QLabel(t("到", "to")))
        picks.addWidget(self.new_pick)
        picks.addSpacing(12)
        picks.addWidget(self.diff_summary, 1)
        c_lay.addLayout(picks)
        c_lay.addWidget(self.diff_view, 1)

        # ---- re-check sample
        self.seed = QLineEdit(str(secrets.randbelow(10**9)))
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,12}")))
        self.seed.setStyleSheet("font-size: 20px; font-family: monospace;")
        self.sample_btn = QPushButton(t("抽取复核样本", "Draw the re-check sample"))
        self.sample_btn.setMinimumHeight(36)
        self.top_label = QLabel()
        self.top_label.setWordWrap(True)
        self.random_label = QLabel()
        self.random_label.setWordWrap(True)
        for lab in (self.top_label, self.random_label):
            lab.setStyleSheet("font-size: 18px;")
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.checked = QSpinBox()
        self.checked.setRange(0, 999)
        self.errors = QSpinBox()
        self.errors.setRange(0, 999)
        for spin in (self.checked, self.errors):
            spin.setMaximumWidth(140)
        self.seed.setMaximumWidth(260)
        self.rule_label = QLabel()
        self.rule_label.setWordWrap(True)
        recheck = QWidget()
        form = QFormLayout(recheck)
        form.addRow(QLabel(t("监督组复核：前30%全部复核，其余随机抽取15%；差错率超过5%须全部复核。",
                             "Supervisors re-check all of the top 30 % and a random 15 % of the "
                             "rest; more than 5 % errors means a full re-check.")))
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed)
        seed_row.addWidget(self.sample_btn)
        seed_row.addStretch(1)
        form.addRow(t("随机种子", "Seed"), seed_row)
        form.addRow(t("前30%（全部）", "Top 30 % (all)"), self.top_label)
        form.addRow(t("其余随机15%", "Random 15 % of the rest"), self.random_label)
        form.addRow(t("已复核工位数", "Stations re-checked"), self.checked)
        form.addRow(t("发现差错数", "Errors found"), self.errors)
        form.addRow(self.rule_label)

        self.tabs = QTabWidget()
        self.tabs.addTab(ranking, t("排名", "Ranking"))
        self.tabs.addTab(compare, t("公示版本对比", "Compare snapshots"))
        self.tabs.addTab(recheck, t("复核抽样", "Re-check sample"))

        top = event_bar(self.picker, self.status)
        # the encryption officer's one job (解密): reveal names once the chief judge has locked
        self.decrypt_btn = QPushButton(t("解密（显示姓名）…", "Decrypt (show names)…"))
        self.decrypt_btn.setMinimumHeight(36)
        self.decrypt_btn.setObjectName("decrypt")
        top.addWidget(self.decrypt_btn)
        self._confirm: OfficerPassphraseDialog | None = None
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.tabs, 1)

        self.picker.event_chosen.connect(lambda _e: self.reload())
        self.publish_btn.clicked.connect(self.publish)
        self.decrypt_btn.clicked.connect(self.confirm_decrypt)
        self.old_pick.currentIndexChanged.connect(lambda _i: self.compare())
        self.new_pick.currentIndexChanged.connect(lambda _i: self.compare())
        self.sample_btn.clicked.connect(self.draw_sample)
        self.checked.valueChanged.connect(lambda _v: self._update_rule())
        self.errors.valueChanged.connect(lambda _v: self._update_rule())
        self.watch_contest()

    def _role_may(self, operation: str) -> bool:
        s = self.state.session
        return s is not None and allowed(s.role, operation)

    # ---- ranking -------------------------------------------------------------------------
    def reload(self, refill: bool = False) -> None:
        c = self.state.contest
        if refill:
            self.picker.fill(c)
        if c is None or self.event_id is None or self.state.session is None:
            self.model.set_rows([])
            return
        try:
            self.data = results(c, self.event_id)
        except JiangxinError as exc:
            self.data = None
            self.model.set_rows([])
            self.status.setText(str(exc))
            return
        # the overtime deduction beside the practical (judging/scoring.py's, per station)
        over = station_penalties(c, self.event_id)
        rows = [Row.of(r, over.get(r.station or "", "")) for r in self.data.rows]
        cols = ranking_columns(self.data.decrypted)
        if [x.zh for x in cols] != [x.zh for x in self.model.columns]:
            self.model.beginResetModel()
            self.model.columns = cols
            self.model.endResetModel()
        if [r.station for r in rows] == [r.station for r in self.model.rows]:
            for i, r in enumerate(rows):  # same order: repaint only the rows that changed
                if r != self.model.rows[i]:
                    self.model.set_row(i, r)
        else:
            self.model.set_rows(rows)
        n = self.data.snapshot
        parts = [t("已解密（按姓名）", "Decrypted (by name)") if self.data.decrypted
                 else t("临时排名（未解密，仅工位号）", "Provisional (not decrypted: stations "
                        "only)"),
                 t("已锁定", "locked") if self.data.locked else t("未锁定", "not locked"),
                 t(f"已公示 {n} 版", f"{n} snapshots published") if n
                 else t("尚未公示", "not published")]
        self.status.setText(" · ".join(parts))
        self.publish_btn.setText(t(f"发布公示（第 {n + 1} 版）", f"Publish snapshot {n + 1}"))
        locked = self.data.locked
        self.publish_btn.setEnabled(self._role_may("publish") and bool(rows) and locked)
        # provisional until the chief judge locks every module: say why it is not there yet
        why = "" if locked else t("成绩尚未锁定，为暂定成绩：裁判长锁定全部评分后方可公示",
                                  "Provisional until the chief judge locks every module: "
                                  "publish after the lock")
        self.publish_reason.setText(why)
        self.publish_reason.setVisible(bool(why) and self._role_may("publish"))
        self.publish_btn.setToolTip(why)
        self._update_decrypt()
        self._fill_snapshot_pickers(n)
        self._update_rule()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.RESULTS, Kind.SNAPSHOTS, event=self.event_id) \
                or changes.touches(Kind.SESSION):
            self.reload()

    # ---- decryption (the encryption officer) ----------------------------------------------
    def _update_decrypt(self) -> None:
        may = self._role_may("decrypt")
        self.decrypt_btn.setVisible(may)
        locked = self.data is not None and self.data.locked
        done = self.data is not None and self.data.decrypted
        self.decrypt_btn.setEnabled(may and locked and not done)
        self.decrypt_btn.setToolTip(
            t("已解密", "Decrypted") if done
            else t("裁判长锁定全部评分后方可解密", "The chief judge locks the marks first")
            if not locked else t("解密后成绩按姓名显示，证书方可颁发；记入审计日志，不能撤销。",
                                 "After decryption the results show names and certificates "
                                 "can be issued; recorded in the audit log, cannot be undone."))

    def confirm_decrypt(self) -> OfficerPassphraseDialog | None:
        """Ask before decrypting (it cannot be undone) and for the officer's passphrase, which
        opens the sealed draw (db/keys/officer.py); then decrypt on a worker."""
        if self.event_id is None:
            return None
        box = OfficerPassphraseDialog(
            self, t("解密", "Decrypt"),
            t(f"解密赛项 {self.event_id}？\n解密用加密裁判的保密口令打开密封的抽签结果，"
              "此后成绩按姓名和单位显示。此操作记入审计日志，不能撤销。",
              f"Decrypt event {self.event_id}?\nThe encryption officer's passphrase opens "
              "the sealed draw; the results then show names and units. Recorded in the audit "
              "log, cannot be undone."), t("解密", "Decrypt"))
        box.submitted.connect(self.decrypt)
        self._confirm = box
        box.open()
        return box

    def decrypt(self, passphrase: str) -> None:
        """Decrypt the event shown with the officer's passphrase (db.ops.results.decrypt),
        on a worker; ``decrypted`` once done. A wrong passphrase is said in the dialog."""
        event = self.event_id
        if event is None:
            return
        from ui.worker import run_task

        self._decrypting = run_task(self.state, lambda c, _p: decrypt(c, event, passphrase),
                                    lambda _changes: self._decrypt_done(event),
                                    on_error=self._decrypt_failed, owner=self)

    def _decrypt_done(self, event: str) -> None:
        if self._confirm is not None:
            self._confirm.accept()
        self.reload()
        self.decrypted.emit(event)

    def _decrypt_failed(self, exc: BaseException) -> None:
        box = self._confirm
        if isinstance(exc, NotAllowed) and box is not None:
            box.refuse()  # the command line's exit 5: nothing written, type it again
            return
        if box is not None:
            box.reject()
        from ui.errors import show_error

        show_error(exc, self)

    def publish(self) -> None:
        if self.event_id is None:
            return
        try:
            note = self.note.text().strip()
            done = self.state.run_op(lambda c: publish(c, self.event_id or "", note), self)
        except JiangxinError as exc:
            from ui.errors import show_error

            show_error(exc, self)
            return
        number = done.value
        if not done.changes:  # the same results as the last snapshot: none made
            self.publish_note.setText(t(f"与第{number}版相同，未生成新版",
                                        f"Unchanged since snapshot {number}: no new snapshot"))
            return
        self.publish_note.setText(t(f"已发布第{number}次公示", f"Snapshot {number} published"))
        self.note.clear()
        self.reload()
        self.published.emit(self.event_id, number)

    # ---- snapshots -----------------------------------------------------------------------
    def _fill_snapshot_pickers(self, n: int) -> None:
        # the user's choice stays while nothing is published; a new snapshot resets it to
        # "previous → newest", what one wants to see right after publishing a correction
        same = getattr(self, "_snapshots_shown", None) == (self.event_id, n)
        self._snapshots_shown = (self.event_id, n)
        keep = (self.old_pick.currentData(), self.new_pick.currentData()) if same \
            else (None, None)
        for combo in (self.old_pick, self.new_pick):
            combo.blockSignals(True)
            combo.clear()
            for i in range(1, n + 1):
                combo.addItem(t(f"第 {i} 版", f"snapshot {i}"), i)
            combo.addItem(t("当前（未公示）", "now (not published)"), CURRENT)
            combo.blockSignals(False)
        old, new = keep
        if old is None or self.old_pick.findData(old) < 0:
            old = max(n - 1, 1) if n >= 2 else (n if n else CURRENT)
        if new is None or self.new_pick.findData(new) < 0:
            new = n if n >= 2 else CURRENT
        self.old_pick.setCurrentIndex(self.old_pick.findData(old))
        self.new_pick.setCurrentIndex(self.new_pick.findData(new))
        self.compare()

    def _rows_of(self, number: int) -> list[dict[str, Any]]:
        """The rows of a snapshot (or of the results now) as the results JSON has them."""
        c = self.state.contest
        if number == CURRENT or c is None or self.event_id is None:
            return self.data.json_rows() if self.data is not None else []
        return snapshot(c, self.event_id, number).json_rows()

    def compare(self) -> list[Change]:
        old, new = self.old_pick.currentData(), self.new_pick.currentData()
        if old is None or new is None or self.data is None:
            self.diff_model.set_rows([])
            return []
        changes = diff(self._rows_of(int(old)), self._rows_of(int(new)))
        self.diff_model.set_rows(changes)
        self.diff_summary.setText(
            t(f"{len(changes)} 个工位有变化", f"{len(changes)} stations changed") if changes
            else t("没有变化", "No change"))
        return changes

    # ---- re-check ------------------------------------------------------------------------
    def draw_sample(self) -> Sample | None:
        if self.event_id is None or self.data is None or not self.seed.text():
            return None
        seed = int(self.seed.text())
        sample = recheck_sample(self.data.json_rows(), seed)
        try:
            self.state.apply(record_recheck, self.event_id, seed, list(sample.stations))
        except JiangxinError as exc:
            from ui.errors import show_error

            show_error(exc, self)
            return None
        self.sample = sample
        self.top_label.setText(", ".join(sample.top) or "—")
        self.random_label.setText(", ".join(sample.random) or "—")
        self.checked.setValue(len(sample.stations))
        self._update_rule()
        self.sample_drawn.emit(sample)
        return sample

    def _update_rule(self) -> None:
        checked, errors = self.checked.value(), self.errors.value()
        if checked <= 0 or errors > checked:
            self.rule_label.setText(t("填写复核工位数和差错数。", "Enter how many stations were "
                                      "re-checked and the errors found."))
            self.rule_label.setStyleSheet("")
            return
        rate = error_rate(checked, errors)
        if full_recheck_needed(checked, errors):
            self.rule_label.setText(t(f"差错率 {rate:.1%}，超过 5%：须全部复核。",
                                      f"Error rate {rate:.1%}, above 5 %: re-check everyone."))
            self.rule_label.setStyleSheet("background: #f9c0c0; padding: 6px; font-weight: bold;")
        else:
            self.rule_label.setText(t(f"差错率 {rate:.1%}，未超过 5%：无需全部复核。",
                                      f"Error rate {rate:.1%}, not above 5 %: no full "
                                      "re-check."))
            self.rule_label.setStyleSheet("background: #dcf2dc; padding: 6px;")
