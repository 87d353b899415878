"""抽签 The draw: electronic with a shown seed and a named witness, or paper lots typed in; then
the draw sheet (workstation ↔ candidate number, names for the organiser only) and 抽签核验:
the announced seed recomputed against the recorded draw (db.ops.people.verify_draw) — while the
draw is sealed only by the encryption officer, with the officer's passphrase."""

from __future__ import annotations

import csv
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from db.ops.people import (
    Competitor,
    competitors,
    draw,
    draw_from_file,
    draw_record,
    entrants,
    is_drawn,
    verify_draw,
)
from db.store.changes import Changes, Kind
from judging.errors import InputError, JiangxinError, NotAllowed
from judging.roles import allowed
from ui.confirm import ask
from ui.event_picker import EventPicker, EventScreen
from ui.i18n import t
from ui.models import Column, RowsModel, TableModel
from ui.officer_dialog import wrong_passphrase_text
from ui.qt import (
    QAbstractItemView,
    QColor,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QRegularExpression,
    QRegularExpressionValidator,
    QStackedWidget,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState
from ui.widgets import event_bar

Index = QModelIndex | QPersistentModelIndex
ERROR_BG = "#f9c0c0"


@dataclass
class Lot:
    """One line of the paper-lots table: the person, and what their lots said."""

    person: Competitor
    candidate: str = ""
    station: str = ""


class PaperLotsModel(TableModel):
    """The competitors of an event with two typed columns: candidate number and station."""

    COLUMNS = (("身份证号", "ID number"), ("姓名", "Name"), ("单位", "Unit"),
               ("参赛编号", "Candidate"), ("工位", "Station"))
    CANDIDATE, STATION = 3, 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lots: list[Lot] = []
        self.errors: dict[int, str] = {}  # row -> message

    def set_people(self, people: list[Competitor]) -> None:
        self.beginResetModel()
        self.lots = [Lot(p) for p in people]
        self.errors = {}
        self.endResetModel()

    def set_errors(self, errors: dict[int, str]) -> None:
        rows = set(self.errors) | set(errors)
        self.errors = errors
        for r in rows:
            if 0 <= r < len(self.lots):
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.COLUMNS) - 1))

    def complete(self) -> bool:
        return bool(self.lots) and all(lot.candidate and lot.station for lot in self.lots)

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8-sig") as f:  # a BOM: Excel reads UTF-8
            w = csv.writer(f)
            w.writerow(["id_number", "candidate", "station"])
            for lot in self.lots:
                w.writerow([lot.person.id_number, lot.candidate, lot.station])

    def row_count(self) -> int:
        return len(self.lots)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (self.CANDIDATE, self.STATION):
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.lots):
            return None
        lot = self.lots[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (lot.person.id_number, lot.person.name, lot.person.unit, lot.candidate,
                    lot.station)[col] if col < len(self.COLUMNS) else None
        if role == Qt.ItemDataRole.BackgroundRole and index.row() in self.errors:
            return QColor(ERROR_BG)
        if role == Qt.ItemDataRole.ToolTipRole and index.row() in self.errors:
            return self.errors[index.row()]
        return None

    def setData(self, index: Index, value: object,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() \
                or index.column() not in (self.CANDIDATE, self.STATION):
            return False
        lot = self.lots[index.row()]
        text = str(value).strip().upper()
        if index.column() == self.CANDIDATE:
            lot.candidate = text
        else:
            lot.station = text
        self.dataChanged.emit(index, index)
        return True


class DrawScreen(EventScreen):
    """Before the draw: electronic or paper; after it: who drew, how, and the sheet."""

    draw_recorded = Signal(str)  # event id
    draw_verified = Signal(bool)  # the recorded draw matches the seed typed

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.confirm_box: QMessageBox | None = None
        self.picker = EventPicker()
        self.status = QLabel()
        self.status.setStyleSheet("font-size: 16px; font-weight: bold;")

        # ---- before: electronic
        self.seed = QLineEdit()
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,15}")))
        self.seed.setStyleSheet("font-size: 28px; font-family: monospace;")
        self.new_seed_btn = QPushButton(t("换一个种子", "New seed"))
        self.witness = QLineEdit()
        self.witness.setPlaceholderText(t("必填：监督人员姓名", "Required: the witness's name"))
        self.draw_btn = QPushButton(t("电子抽签", "Draw"))
        self.draw_btn.setMinimumHeight(40)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.new_seed_btn)
        e_form = QFormLayout()
        e_form.addRow(t("随机种子", "Seed"), seed_row)
        e_form.addRow(t("监督见证人", "Witness"), self.witness)
        e_form.addRow(QLabel(t("种子、时间和见证人都会记录；同一种子可在任何电脑上复现同一结果。",
                               "The seed, time and witness are recorded; the same seed gives "
                               "the same draw on any computer.")))
        e_form.addRow(self.draw_btn)
        electronic = QWidget()
        electronic.setLayout(e_form)

        # ---- before: paper
        self.lots = PaperLotsModel(self)
        self.lots_view = QTableView()
        self.lots_view.setModel(self.lots)
        self.lots_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.lots_view.horizontalHeader().setStretchLastSection(True)
        self.lots_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.paper_witness = QLineEdit()
        self.paper_witness.setPlaceholderText(t("必填：监督人员姓名", "Required: the witness's "
                                                "name"))
        self.paper_btn = QPushButton(t("录入纸质抽签结果", "Record the paper lots"))
        self.paper_btn.setMinimumHeight(40)
        self.paper_errors = QLabel()
        self.paper_errors.setWordWrap(True)
        self.paper_errors.setStyleSheet(f"color: #6b0000; background: {ERROR_BG}; padding: 4px;")
        self.paper_errors.hide()
        paper = QWidget()
        p_lay = QVBoxLayout(paper)
        p_lay.addWidget(QLabel(t("按选手抽到的纸签，逐行填写参赛编号和工位号（回车到下一格）。",
                                 "Type each competitor's candidate number and workstation from "
                                 "their paper lots.")))
        p_lay.addWidget(self.lots_view, 1)
        p_lay.addWidget(self.paper_errors)
        w_row = QHBoxLayout()
        w_row.addWidget(QLabel(t("监督见证人", "Witness")))
        w_row.addWidget(self.paper_witness, 1)
        w_row.addWidget(self.paper_btn)
        p_lay.addLayout(w_row)

        self.tabs = QTabWidget()
        self.tabs.addTab(electronic, t("电子抽签", "Electronic draw"))
        self.tabs.addTab(paper, t("纸质抽签录入", "Paper lots"))
        self.not_allowed = QLabel(t("尚未抽签。抽签由组委会（管理员）进行。",
                                    "Not drawn yet. The organiser (admin) runs the draw."))
        before = QStackedWidget()
        before.addWidget(self.tabs)
        before.addWidget(self.not_allowed)
        self.before = before

        # ---- after: the record and the sheet
        self.record = QLabel()
        self.record.setWordWrap(True)
        self.record.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.record.setStyleSheet("font-size: 15px; background: #eef0f3; padding: 8px;")
        self.sheet: RowsModel[Competitor] = RowsModel([], self)
        self.sheet_view = QTableView()
        self.sheet_view.setModel(self.sheet)
        self.sheet_view.verticalHeader().hide()
        self.sheet_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.sheet_view.horizontalHeader().setStretchLastSection(True)
        self.sheet_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        after = QGroupBox(t("抽签结果", "Draw sheet"))
        a_lay = QVBoxLayout(after)
        a_lay.addWidget(self.record)
        a_lay.addWidget(self.sheet_view, 1)
        a_lay.addWidget(self._verify_box())
        self.after = after

        self.pages = QStackedWidget()
        self.pages.addWidget(self.before)
        self.pages.addWidget(self.after)
        top = event_bar(self.picker, self.status)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.pages, 1)

        self.picker.event_chosen.connect(lambda _e: self.reload())
        self.new_seed_btn.clicked.connect(self.new_seed)
        self.draw_btn.clicked.connect(self.confirm_draw)
        self.paper_btn.clicked.connect(self.draw_paper)
        self.seed.textChanged.connect(lambda _t: self._update_buttons())
        self.witness.textChanged.connect(lambda _t: self._update_buttons())
        self.paper_witness.textChanged.connect(lambda _t: self._update_buttons())
        self.lots.dataChanged.connect(lambda *_a: self._update_buttons())
        self.new_seed()
        self.watch_contest()

    def _verify_box(self) -> QGroupBox:
        """抽签核验: the seed announced at the draw (and, while sealed, the officer's
        passphrase) recomputed against the recorded draw."""
        self.verify_seed = QLineEdit()
        self.verify_seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{1,15}")))
        self.verify_seed.setPlaceholderText(t("抽签时公布的随机种子", "The seed announced at the "
                                              "draw"))
        self.verify_passphrase = QLineEdit()
        self.verify_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.verify_passphrase.setPlaceholderText(t("加密裁判的保密口令", "The encryption "
                                                    "officer's passphrase"))
        self.verify_btn = QPushButton(t("抽签核验", "Verify the draw"))
        self.verify_btn.setMinimumHeight(34)
        self.verify_why = QLabel()
        self.verify_why.setWordWrap(True)
        self.verify_why.setStyleSheet("color: #5a3600;")
        self.verify_result = QLabel()
        self.verify_result.setWordWrap(True)
        self.verify_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verify_result.hide()
        box = QGroupBox(t("抽签核验", "Verify the draw"))
        form = QFormLayout(box)
        note = QLabel(t("输入抽签时公布的随机种子：按同一名单重新抽签，与记录的结果比对。",
                        "Type the seed announced at the draw: the draw is made again from the "
                        "same list and compared with the record."))
        note.setWordWrap(True)
        form.addRow(note)
        self.verify_seed.setMaximumWidth(320)
        self.verify_passphrase.setMaximumWidth(320)
        form.addRow(t("随机种子", "Seed"), self.verify_seed)
        self.verify_passphrase_label = QLabel(t("保密口令", "Passphrase"))
        form.addRow(self.verify_passphrase_label, self.verify_passphrase)
        row = QHBoxLayout()
        row.addWidget(self.verify_btn)
        row.addWidget(self.verify_why, 3)
        row.addStretch(1)
        form.addRow(row)
        form.addRow(self.verify_result)
        self.verify_seed.textChanged.connect(lambda _t: self._update_verify())
        self.verify_passphrase.textChanged.connect(lambda _t: self._update_verify())
        self.verify_seed.returnPressed.connect(self.verify)
        self.verify_passphrase.returnPressed.connect(self.verify)
        self.verify_btn.clicked.connect(self.verify)
        self._verify_task: object = None
        return box

    def _verify_needs(self) -> tuple[bool, bool, str]:
        """(may verify now, needs the officer's passphrase, why not) for the event shown."""
        c, s, ev = self.state.contest, self.state.session, self.event_id
        if c is None or s is None or ev is None or not is_drawn(c, ev):
            return False, False, ""
        if not allowed(s.role, "draw_verify") or not s.may_see_event(ev):
            return False, False, t("抽签核验由组委会、裁判长、监督或加密裁判进行",
                                   "The organiser, chief judge, supervisor or encryption "
                                   "officer verifies the draw")
        rec = draw_record(c, ev)
        if rec is None or rec.method != "electronic":
            return False, False, t("纸质抽签，无种子可复算（核对纸签与录入文件）",
                                   "A paper draw has no seed to recompute (check the lots "
                                   "against the typed file)")
        from db.ops.blind import is_sealed

        if is_sealed(c, ev):
            if s.role != "encryption":
                return False, False, t("抽签结果已加密：解密前只有加密裁判可凭保密口令核验，"
                                       "解密后即可核验",
                                       "The draw is sealed: before decryption only the "
                                       "encryption officer verifies it, with the officer's "
                                       "passphrase; after it anyone here may")
            return True, True, ""
        return True, False, ""

    def _update_verify(self) -> None:
        may, needs, why = self._verify_needs()
        busy = self._verify_task is not None
        self.verify_passphrase.setVisible(needs)
        self.verify_passphrase_label.setVisible(needs)
        self.verify_seed.setEnabled(may and not busy)
        ready = may and not busy and bool(self.verify_seed.text()) and \
            (not needs or bool(self.verify_passphrase.text()))
        self.verify_btn.setEnabled(ready)
        self.verify_why.setText(why)
        self.verify_why.setVisible(bool(why))

    def verify(self) -> None:
        """Recompute the draw from the seed typed (on a worker: the officer's key is unwrapped
        with scrypt); the verdict comes back as ``draw_verified``."""
        may, needs, _why = self._verify_needs()
        event = self.event_id
        if not may or event is None or not self.verify_seed.text() or self._verify_task:
            return
        seed = int(self.verify_seed.text())
        passphrase = self.verify_passphrase.text() if needs else None
        if needs and not passphrase:
            return
        from ui.worker import run_task

        self.verify_result.hide()
        self._verify_task = run_task(
            self.state, lambda c, _p: verify_draw(c, event, seed, passphrase),
            lambda result: self._verified(event, seed, result), on_error=self._verify_failed,
            owner=self)
        self._update_verify()

    def _show_verdict(self, text: str, bg: str) -> None:
        self.verify_result.setText(text)
        self.verify_result.setStyleSheet(f"background: {bg}; padding: 8px; font-size: 14px;")
        self.verify_result.show()

    def _verified(self, event: str, seed: int, result: tuple[bool, str, str]) -> None:
        self._verify_task = None
        self.verify_passphrase.clear()
        ok, recorded, again = result
        if ok:
            self._show_verdict(t(f"✓ {event} 的抽签结果与种子 {seed} 一致（指纹 {recorded[:16]}）",
                                 f"✓ {event}'s recorded draw matches seed {seed} "
                                 f"(fingerprint {recorded[:16]})"), "#dcf2dc")
        else:
            self._show_verdict(t(f"✗ {event} 的抽签结果与种子 {seed} 不符：记录的指纹 "
                                 f"{recorded[:16]}，复算 {again[:16]}",
                                 f"✗ {event}'s recorded draw does NOT match seed {seed}: "
                                 f"recorded {recorded[:16]}, recomputed {again[:16]}"), ERROR_BG)
        self._update_verify()
        self.draw_verified.emit(ok)

    def _verify_failed(self, exc: BaseException) -> None:
        self._verify_task = None
        self.verify_passphrase.clear()
        if isinstance(exc, NotAllowed):  # the command line's exit 5: a wrong passphrase
            self._show_verdict(wrong_passphrase_text(), ERROR_BG)
        elif isinstance(exc, JiangxinError):
            self._show_verdict(str(exc), ERROR_BG)
        else:
            from ui.errors import show_error

            show_error(exc, self)
        self._update_verify()

    @property
    def sees_identity(self) -> bool:
        s = self.state.session
        return s is not None and s.role == "admin"

    def may_draw(self) -> bool:
        s = self.state.session
        return s is not None and allowed(s.role, "draw") and \
            (self.event_id is None or s.may_see_event(self.event_id))

    def new_seed(self) -> None:
        self.seed.setText(str(secrets.randbelow(10**12)))

    def reload(self, refill: bool = False) -> None:
        c = self.state.contest
        if refill:
            self.picker.fill(c, lambda c_: next((e.id for e in c_.competition.events
                                                 if not is_drawn(c_, e.id)), None))
        if c is None or self.event_id is None:
            return
        if getattr(self, "_verify_event", None) != self.event_id:
            self._verify_event = self.event_id  # another event: its own verdict, not this one's
            self.verify_result.hide()
            self.verify_seed.clear()
        people = competitors(c, self.event_id)
        ev = c.event(self.event_id)
        if is_drawn(c, self.event_id):
            rec = draw_record(c, self.event_id)
            assert rec is not None  # drawn
            people = entrants(c, self.event_id)  # sealed: the lots only, no names
            self.status.setText(t(f"已抽签：{len(people)} 名选手，{ev.stations} 个工位",
                                  f"Drawn: {len(people)} competitors, {ev.stations} stations"))
            method = t("电子抽签", "electronic") if rec.method == "electronic" \
                else t("纸质抽签", "paper lots")
            lines = [t(f"方式：{method}", f"Method: {method}")]
            if not rec.seed and not rec.file_sha256 and people and not people[0].id_number:
                lines.append(t("对应关系已加密，解密前仅加密裁判可见",
                               "The links are sealed to the encryption officer until "
                               "decryption"))
            if rec.seed:
                lines.append(t(f"随机种子：{rec.seed}", f"Seed: {rec.seed}"))
            if rec.file_sha256:
                lines.append(t(f"录入文件 SHA-256：{rec.file_sha256[:16]}…",
                               f"Lots file SHA-256: {rec.file_sha256[:16]}…"))
            when = rec.at[:19].replace("T", " ")
            lines.append(t(f"见证人：{rec.witness or '—'}　操作人：{rec.by}　时间：{when} UTC",
                           f"Witness: {rec.witness or '—'}  by {rec.by}  at {when} UTC"))
            self.record.setText("\n".join(lines))
            cols: list[Column[Competitor]] = [
                Column("工位", "Station", lambda p: p.station or "—", bold=True),
                Column("参赛编号", "Candidate", lambda p: p.candidate or "—")]
            if self.sees_identity:
                cols += [Column("姓名", "Name", lambda p: p.name),
                         Column("单位", "Unit", lambda p: p.unit)]
            self.sheet.beginResetModel()
            self.sheet.columns = cols
            self.sheet.rows = sorted(people, key=lambda p: p.station or "")
            self.sheet.endResetModel()
            self.pages.setCurrentWidget(self.after)
        else:
            self.status.setText(t(f"未抽签：{len(people)} 名选手，{ev.stations} 个工位",
                                  f"Not drawn: {len(people)} competitors, {ev.stations} "
                                  "stations"))
            if self.may_draw():
                self.before.setCurrentWidget(self.tabs)
                if [lot.person.uid for lot in self.lots.lots] != [p.uid for p in people]:
                    self.lots.set_people(people)
            else:
                self.before.setCurrentWidget(self.not_allowed)
            self.pages.setCurrentWidget(self.before)
        self._update_buttons()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.DRAW, Kind.PEOPLE, event=self.event_id) \
                or changes.touches(Kind.SESSION):
            self.reload()

    def _update_buttons(self) -> None:
        self._update_verify()
        ok = self.may_draw()
        self.draw_btn.setEnabled(ok and bool(self.seed.text()) and
                                 bool(self.witness.text().strip()))
        self.paper_btn.setEnabled(ok and self.lots.complete() and
                                  bool(self.paper_witness.text().strip()))

    def _done(self) -> None:
        self.reload()
        if self.event_id:
            self.draw_recorded.emit(self.event_id)

    def confirm_draw(self) -> QMessageBox | None:
        """Ask first: a draw is recorded with its seed and witness and is not redone."""
        if self.event_id is None:
            return None
        self.confirm_box = ask(
            self, t("抽签", "Draw"),
            t(f"以种子 {self.seed.text()} 为 {self.event_id} 抽签？见证人：{self.witness.text()}"
              "\n抽签结果连同种子、时间和见证人一并记录，不能重抽。",
              f"Draw {self.event_id} with seed {self.seed.text()}? Witness: "
              f"{self.witness.text()}\nThe result is recorded with its seed, time and witness "
              "and cannot be redone."), t("抽签", "Draw"), self.draw_electronic)
        return self.confirm_box

    def draw_electronic(self) -> None:
        if self.event_id is None:
            return
        try:
            self.state.apply(draw, self.event_id, seed=int(self.seed.text()),
                             witness=self.witness.text().strip())
        except JiangxinError as exc:
            from ui.errors import show_error

            show_error(exc, self)
            return
        self._done()

    def draw_paper(self) -> None:
        """Write the typed lots to a CSV and record it as a paper draw (db.ops.people)."""
        if self.event_id is None:
            return
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"{self.event_id}-paper-lots.csv"
            self.lots.write_csv(path)
            try:
                self.state.apply(draw_from_file, self.event_id, path,
                                 witness=self.paper_witness.text().strip())
            except InputError as exc:
                self._show_lot_errors(exc)
                return
            except JiangxinError as exc:
                from ui.errors import show_error

                show_error(exc, self)
                return
        self.paper_errors.hide()
        self._done()

    def _show_lot_errors(self, exc: InputError) -> None:
        errors = getattr(exc, "errors", [exc])
        by_row: dict[int, str] = {}
        lines = []
        for e in errors:
            detail = getattr(e, "detail", str(e))
            if e.row is not None:  # file row N is table row N - 2 (the header is row 1)
                by_row.setdefault(e.row - 2, detail)
                lines.append(t(f"第{e.row - 1}行：{detail}", f"Line {e.row - 1}: {detail}"))
            else:
                lines.append(detail)
        self.lots.set_errors(by_row)
        self.paper_errors.setText("\n".join(lines))
        self.paper_errors.show()
