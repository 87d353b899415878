"""证书打印 Certificates: award winners per event with the state of their certificate; issue and
print on a worker with a progress bar, preview, print (the system's print dialog chooses the
printer, pages, copies and paper; the pages go to the queue as vector PDF through
printing.spool, with progress and cancel), 套打 on pre-printed stock with a calibration page
and per-printer offsets, save the PDF, reprint (补发) with a reason, revoke, template
settings, and the paper forms.

Issuing signs with the contest key, which the organiser's PIN unlocks: the PIN is typed into
the screen for each batch and never kept. The batch runs on a worker thread with its own
Contest (ui/worker.py); the PDF goes to a temporary folder owned by the screen, then the
preview shows it and the organiser prints it or saves a copy.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

from db.ops import certificates as certs
from db.ops.paper_forms import KIND_LABELS, KINDS, write_form
from db.store.changes import Changes, Kind
from db.store.contest import Contest
from judging.errors import InputError, JiangxinError, NotAllowed
from printing import forms, printer_settings
from printing.certificates import PDF
from printing.paper import PAPERS
from printing.spool import PrintCancelled, PrintResult
from ui import files
from ui.certificate_settings import CalibrationBox, TemplateBox
from ui.errors import show_error
from ui.event_picker import EventPicker
from ui.i18n import t
from ui.models import Column, RowsModel
from ui.pdf_view import PdfPreview
from ui.print_job import PrintRunner, job_from_printer, open_dialog, prepare_printer, print_dialog
from ui.qt import (
    QAbstractItemView,
    QCheckBox,
    QColor,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPrinter,
    QProgressBar,
    QPushButton,
    QSortFilterProxyModel,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState
from ui.worker import run_task

STATE_BG = {certs.NOT_ISSUED: "#f2f2f2", certs.ISSUED: "#cdeccd", certs.REISSUE: "#fbd7a8",
            certs.WITHDRAWN: "#f8c4c4", certs.REVOKED: "#c9ccd6"}


def state_text(s: certs.CertificateState) -> str:
    zh, en = s.label
    return t(zh, en)


class CertificatesScreen(QWidget):
    """Issue, print and track the award certificates of the contest."""

    issued = Signal(object)  # list[CertificateData], after a batch is recorded and rendered
    reprinted = Signal(object)  # list[CertificateData]
    revoked = Signal(str)  # serial
    pdf_ready = Signal(object)  # Path of the PDF now in the preview
    printed = Signal(int)  # sheets sent to the printer (pages × copies)
    print_cancelled = Signal()
    task_failed = Signal(str)  # the message of a failed batch
    template_saved = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._tmp = tempfile.TemporaryDirectory(prefix="jiangxin-print-")
        self.pdf: Path | None = None
        self.busy = False
        self._printer: QPrinter | None = None
        self.print_dialog: Any = None  # the open QPrintDialog, if any
        self.runner = PrintRunner(self)
        self.pdf_preprinted = False  # the previewed PDF is a 套打 layout
        self.last_printer: str | None = None

        # ---- winners ----------------------------------------------------------------------
        self.model = RowsModel(self._columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.readiness = QLabel()
        self.readiness.setWordWrap(True)
        self.readiness.setStyleSheet("color: #56617a;")

        # ---- actions ----------------------------------------------------------------------
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(t("您的PIN（签名用）", "Your PIN (to sign)"))
        self.pin.setMinimumWidth(190)
        self.pin.setMaximumWidth(220)
        self.issue_btn = QPushButton(t("颁发并生成证书", "Issue certificates"))
        self.issue_btn.setMinimumHeight(36)
        self.issue_btn.setStyleSheet("font-weight: bold;")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(t("补发/撤销原因", "Reason for a reprint or revocation"))
        self.reprint_btn = QPushButton(t("补发所选", "Reprint selected (补发)"))
        self.revoke_btn = QPushButton(t("撤销所选", "Revoke selected"))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.preprinted = QCheckBox(t("套打（预印证书纸，只印变量文字）",
                                      "Pre-printed stock (套打: variable text only)"))
        self.cancel_print_btn = QPushButton(t("取消打印", "Cancel printing"))
        self.cancel_print_btn.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)

        # ---- print log --------------------------------------------------------------------
        kinds = {"issue": ("颁发", "issued"), "duplicate": ("补发", "reprint"),
                 "revoke": ("撤销", "revoked")}
        self.log_model: RowsModel[certs.LogEntry] = RowsModel([
            Column("时间", "When", lambda e: e.at[:19].replace("T", " ")),
            Column("操作", "Action", lambda e: t(*kinds[e.kind]), bold=True),
            Column("证书编号", "Serial", lambda e: e.serial),
            Column("姓名", "Name", lambda e: e.name),
            Column("经办", "By", lambda e: e.by),
            Column("原因", "Reason", lambda e: e.reason),
        ], self)
        self.log_table = QTableView()
        self.log_table.setModel(self.log_model)
        self.log_table.verticalHeader().hide()
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lh = self.log_table.horizontalHeader()
        lh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lh.setStretchLastSection(True)

        # ---- output -----------------------------------------------------------------------
        self.preview = PdfPreview()
        self.preview.setMinimumWidth(380)
        self.preview.note.setText(t("颁发证书或生成表格后在此预览",
                                    "Certificates and forms appear here once made"))
        self.print_btn = QPushButton(t("打印…", "Print…"))
        self.save_btn = QPushButton(t("另存PDF…", "Save PDF…"))
        for b in (self.print_btn, self.save_btn):
            b.setEnabled(False)

        # ---- template and 套打 calibration (ui/certificate_settings.py) ----------------------
        self.template_box = TemplateBox()
        self.cal_box = CalibrationBox()
        tb, cb = self.template_box, self.cal_box
        self.orientation, self.background, self.seal = tb.orientation, tb.background, tb.seal
        self.wording, self.save_template_btn = tb.wording, tb.save_btn
        self.cal_paper, self.cal_print_btn, self.cal_save_btn = (cb.paper, cb.print_btn,
                                                                 cb.save_btn)
        self.cal_x, self.cal_y, self.cal_status = cb.x_mm, cb.y_mm, cb.status

        # ---- forms ------------------------------------------------------------------------
        self.form_event = EventPicker()
        self.form_kind = QComboBox()
        for kind in KINDS:
            zh, en = KIND_LABELS[kind]
            self.form_kind.addItem(t(zh, en), kind)
        self.form_btn = QPushButton(t("生成表格", "Make form"))
        forms_box = QGroupBox(t("纸质表格", "Paper forms"))
        fl = QHBoxLayout(forms_box)
        fl.addWidget(self.form_event)
        fl.addWidget(self.form_kind)
        fl.addWidget(self.form_btn)

        # ---- layout -----------------------------------------------------------------------
        actions = QHBoxLayout()
        actions.addWidget(self.pin)
        actions.addWidget(self.issue_btn)
        actions.addWidget(self.preprinted)
        actions.addStretch(1)
        again = QHBoxLayout()
        again.addWidget(self.reason, 1)
        again.addWidget(self.reprint_btn)
        again.addWidget(self.revoke_btn)
        winners = QWidget()
        wl = QVBoxLayout(winners)
        wl.addWidget(self.summary)
        wl.addWidget(self.readiness)
        wl.addWidget(self.table, 1)
        wl.addLayout(actions)
        wl.addLayout(again)
        settings = QWidget()
        sl = QVBoxLayout(settings)
        sl.addWidget(self.template_box)
        sl.addWidget(self.cal_box)
        sl.addStretch(1)
        paper = QWidget()
        pl = QVBoxLayout(paper)
        pl.addWidget(forms_box)
        forms_note = QLabel(t("评分表、汇总表只显示工位号；抽签表、检录表含身份信息，"
                              "仅供组委会与裁判长；"
                              "公示表印有成绩文件的 SHA-256。",
                              "Marking and summary sheets show workstation numbers only; the "
                              "draw sheet and check-in list carry identities (organiser and "
                              "chief judge only); the results list carries the results file's "
                              "SHA-256."))
        forms_note.setWordWrap(True)
        pl.addWidget(forms_note)
        pl.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(winners, t("获奖证书", "Award certificates"))
        self.tabs.addTab(self.log_table, t("打印记录", "Print log"))
        self.tabs.addTab(settings, t("证书模板", "Template"))
        self.tabs.addTab(paper, t("纸质表格", "Paper forms"))
        left = QVBoxLayout()
        left.addWidget(self.tabs, 1)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        out_buttons = QHBoxLayout()
        out_buttons.addWidget(self.print_btn)
        out_buttons.addWidget(self.cancel_print_btn)
        out_buttons.addWidget(self.save_btn)
        right = QVBoxLayout()
        right.addWidget(QLabel(t("预览", "Preview")))
        right.addWidget(self.preview, 1)
        right.addLayout(out_buttons)
        lw, rw = QWidget(), QWidget()
        lw.setLayout(left)
        rw.setLayout(right)
        split = QSplitter()
        split.addWidget(lw)
        split.addWidget(rw)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 440])
        lay = QVBoxLayout(self)
        lay.addWidget(split)

        self.issue_btn.clicked.connect(self.issue)
        self.reprint_btn.clicked.connect(self.reprint_selected)
        self.revoke_btn.clicked.connect(self.revoke_selected)
        self.print_btn.clicked.connect(lambda: self.open_print_dialog())
        self.cancel_print_btn.clicked.connect(self.runner.cancel)
        self.cal_print_btn.clicked.connect(self.print_calibration)
        self.cal_save_btn.clicked.connect(self.save_calibration)
        self.runner.progressed.connect(self._print_progressed)
        self.runner.succeeded.connect(self._print_done)
        self.runner.failed.connect(self._print_failed)
        self.save_btn.clicked.connect(self._ask_save)
        self.save_template_btn.clicked.connect(self.save_template)
        self.form_btn.clicked.connect(self.make_form)
        self.pin.returnPressed.connect(self.issue)
        state.contest_opened.connect(self._contest_opened)
        self.reload(refill=True)

    # ---- data -----------------------------------------------------------------------------
    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self.reload(refill=True)

    def _columns(self) -> list[Column[certs.CertificateState]]:
        centre = Qt.AlignmentFlag.AlignCenter
        return [
            Column("赛项", "Event", lambda s: s.event),
            Column("名次", "Place", lambda s: s.place or "—", align=centre),
            Column("姓名", "Name", lambda s: s.name, bold=True),
            Column("工位", "Station", lambda s: s.station or "—", align=centre),
            Column("奖项", "Award", lambda s: s.award or t("（无）", "(none)")),
            Column("状态", "State", state_text,
                   background=lambda s: QColor(STATE_BG[s.state])),
            Column("证书编号", "Serial", lambda s: s.serial or ""),
            Column("打印", "Prints", lambda s: s.prints or "", align=centre),
            Column("变动", "Changed", lambda s: "、".join(s.changed)),
        ]

    @property
    def contest(self) -> Contest | None:
        return self.state.contest

    def reload(self, refill: bool = False) -> None:
        c = self.contest
        if refill:
            self.form_event.fill(c)
            self._load_template()
        if c is None or c.session is None or c.session.role != "admin":
            self.model.set_rows([])
            self.log_model.set_rows([])
            return
        rows = certs.list_certificates(c)
        self.model.set_rows(rows)
        self.log_model.set_rows(list(reversed(certs.print_log(c))))  # newest first
        ready, skipped = certs.event_readiness(c)
        counts = {k: sum(1 for s in rows if s.state == k) for k in STATE_BG}
        self.summary.setText(t(
            f"获奖 {len([s for s in rows if s.current])} 人 · 未颁发 {counts[certs.NOT_ISSUED]} · "
            f"已颁发 {counts[certs.ISSUED]} · 需重新颁发 {counts[certs.REISSUE]} · "
            f"待撤销 {counts[certs.WITHDRAWN]} · 已撤销 {counts[certs.REVOKED]}",
            f"{len([s for s in rows if s.current])} winners · not issued "
            f"{counts[certs.NOT_ISSUED]} · issued {counts[certs.ISSUED]} · to reissue "
            f"{counts[certs.REISSUE]} · to revoke {counts[certs.WITHDRAWN]} · revoked "
            f"{counts[certs.REVOKED]}"))
        lines = [t(f"可颁发：{'、'.join(ready) or '无'}", f"Ready: {', '.join(ready) or 'none'}")]
        lines += [f"{ev}: {why}" for ev, why in skipped.items()]
        self.readiness.setText("；".join(lines))
        todo = len(certs.pending(c, ready))
        self.issue_btn.setText(t(f"颁发并生成证书（{todo}）", f"Issue certificates ({todo})"))
        self.issue_btn.setEnabled(todo > 0 and not self.busy)

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.CERTIFICATES, Kind.RESULTS, Kind.SETTINGS, Kind.SESSION):
            self.reload(refill=changes.touches(Kind.SESSION))

    def selected(self) -> list[certs.CertificateState]:
        rows = sorted({self.proxy.mapToSource(i).row()
                       for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows]

    # ---- issuing and reprinting on a worker -----------------------------------------------
    def _start(self, what: str, work: Any, done: Any) -> None:
        c, pin = self.contest, self.pin.text()
        if c is None or c.session is None:
            return
        if not pin:
            self._fail(InputError(t("请输入您的PIN以签名证书", "Type your PIN to sign the "
                                                                   "certificates")))
            return
        from ui.passphrase_dialog import signing_passphrase

        demo = c.meta("competition_file") == "demo-competition.toml"
        passphrase = signing_passphrase(self, demo=demo)
        if passphrase is None:
            self._fail(NotAllowed(t("签名需要签名口令", "Signing needs the signing passphrase")))
            return
        self.pin.clear()
        self.busy = True
        self.issue_btn.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText(what)
        out = Path(self._tmp.name) / f"{what_stamp()}.pdf"
        user = c.session.user

        preprinted = self.preprinted.isChecked()

        def job(contest: Contest, progress: Any) -> Any:
            tpl = dataclasses.replace(certs.template(contest), preprinted=preprinted)
            return work(contest, user, pin, passphrase, out, lambda d, n: progress(d, n, ""),
                        tpl)

        # end-of-task handling lives in the done/error callbacks: they are connected before
        # the worker starts, whereas a slot connected to Task.finished after run_task returns
        # can miss a task that already finished
        run_task(self.state, job, lambda result: self._done(result, out, done, preprinted),
                 on_error=self._fail, on_progress=self._progressed, owner=self)

    def issue(self) -> None:
        """Issue every pending certificate of the ready events, then preview the PDF."""
        if self.busy:
            return

        def work(c: Contest, user: str, pin: str, passphrase: str, out: Path,
                 progress: Any, tpl: Any) -> Any:
            return certs.issue_certificates(c, user, pin, out=out, progress=progress,
                                            passphrase=passphrase, template_override=tpl,
                                            printer=PDF)

        self._start(t("正在颁发并生成证书…", "Issuing certificates…"), work, self.issued)

    def reprint_selected(self) -> None:
        serials = [s.serial for s in self.selected() if s.serial]
        if not serials:
            self._fail(InputError(t("请先选择要补发的证书", "Select the certificates to "
                                                                 "reprint")))
            return
        reason = self.reason.text().strip()

        def work(c: Contest, user: str, pin: str, passphrase: str, out: Path,
                 progress: Any, tpl: Any) -> Any:
            return certs.reprint_certificates(c, user, pin, serials, reason, out=out,
                                              progress=progress, passphrase=passphrase,
                                              template_override=tpl, printer=PDF)

        self._start(t("正在补发…", "Reprinting…"), work, self.reprinted)

    def _progressed(self, done: int, total: int, _text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _done(self, result: list[Any], out: Path, signal: Any, preprinted: bool = False) -> None:
        n = len(result)
        if n and out.exists():
            self.show_pdf(out, preprinted=preprinted)
            self.status.setText(t(f"已颁发 {n} 张，已记录。请预览后打印或另存。",
                                  f"{n} certificates recorded. Preview, then print or save."))
        else:
            self.status.setText(t("没有需要颁发的证书。", "Nothing to issue."))
        self._finished()  # the task emitted what the issue changed (ui/worker.py)
        signal.emit(result)

    def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, NotAllowed) and "口令" in str(exc):
            from ui.passphrase_dialog import forget

            forget()  # a wrong passphrase is asked again next time
        self._finished()
        self.status.setText(str(exc) if isinstance(exc, JiangxinError) else repr(exc))
        show_error(exc, self)
        self.task_failed.emit(str(exc))

    def _finished(self) -> None:
        self.busy = False
        self.progress.setVisible(False)
        self.reload()

    # ---- revoking ---------------------------------------------------------------------------
    def revoke_selected(self) -> None:
        reason = self.reason.text().strip()
        chosen = [s for s in self.selected() if s.serial and s.state != certs.REVOKED]
        if not chosen:
            self._fail(InputError(t("请先选择要撤销的证书", "Select the certificates to "
                                                                 "revoke")))
            return
        try:
            for s in chosen:
                assert s.serial is not None
                self.state.apply(certs.revoke, s.serial, reason)
                self.revoked.emit(s.serial)
        except JiangxinError as exc:
            self._fail(exc)
            return
        self.status.setText(t(f"已撤销 {len(chosen)} 张", f"Revoked {len(chosen)}"))

    # ---- preview, printing, saving ----------------------------------------------------------
    def show_pdf(self, pdf: Path, preprinted: bool = False) -> None:
        self.pdf = pdf
        self.pdf_preprinted = preprinted
        self.preview.show_pdf(pdf)
        self.print_btn.setEnabled(True)
        self.save_btn.setEnabled(True)
        self.pdf_ready.emit(pdf)

    def open_print_dialog(self, pdf: Path | None = None, *, calibration: bool = False) -> Any:
        """The system's print dialog (printer, pages, copies, paper); printing starts on OK."""
        target = pdf or self.pdf
        if target is None or self.runner.busy:
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        prepare_printer(printer, target)
        dialog = print_dialog(printer, self, t("打印校准页", "Print the calibration page")
                              if calibration else t("打印", "Print"))
        dialog.accepted.connect(lambda: self.print_to(printer, target, calibration=calibration))
        self._printer = printer
        self.print_dialog = dialog
        open_dialog(dialog)
        return dialog

    def print_to(self, printer: QPrinter, pdf: Path | None = None, *,
                 calibration: bool = False) -> None:
        """Send a PDF (the previewed one by default) to what ``printer`` names, on a thread.

        A 套打 PDF and the calibration page get the printer's remembered offset.
        """
        target = pdf or self.pdf
        if target is None or self.runner.busy:
            return
        name = printer.printerName() or None
        offset = (printer_settings.offsets(name) if calibration or self.pdf_preprinted
                  else (0.0, 0.0))
        try:
            job = job_from_printer(printer, target, offset_mm=offset, title=target.name)
            if calibration:
                job = dataclasses.replace(job, paper=None)  # the page is made for its paper
        except JiangxinError as exc:
            self._fail(exc)
            return
        self.last_printer = name
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.cancel_print_btn.setVisible(True)
        self.print_btn.setEnabled(False)
        self.status.setText(t("正在打印…", "Printing…"))
        self.runner.start(job)

    def _print_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(t(f"正在打印 {done}/{total} 页…", f"Printing page {done}/{total}…"))

    def _print_finished(self) -> None:
        self.progress.setVisible(False)
        self.cancel_print_btn.setVisible(False)
        self.print_btn.setEnabled(self.pdf is not None)

    def _print_done(self, result: PrintResult) -> None:
        self._print_finished()
        job = f"（{result.job_id}）" if result.job_id else ""
        self.status.setText(t(f"已送打印 {result.pages} 页 × {result.copies} 份 → "
                              f"{result.destination}{job}",
                              f"{result.pages} pages × {result.copies} sent to "
                              f"{result.destination} {result.job_id or ''}"))
        self.printed.emit(result.sheets)

    def _print_failed(self, exc: BaseException) -> None:
        self._print_finished()
        if isinstance(exc, PrintCancelled):
            self.status.setText(t("已取消打印，打印机未收到任务。", "Printing cancelled: "
                                                                   "nothing reached the printer."))
            self.print_cancelled.emit()
            return
        self._fail(exc)

    # ---- 套打 calibration -------------------------------------------------------------------
    def print_calibration(self) -> Any:
        """Make the calibration page for the chosen paper and open the print dialog for it."""
        from printing.calibration import calibration_page

        paper = PAPERS[self.cal_paper.currentData()]
        out = Path(self._tmp.name) / f"calibration-{paper.key}-{what_stamp()}.pdf"
        current = printer_settings.offsets(self.last_printer)
        calibration_page(out, paper, landscape=self.orientation.currentData() != "portrait",
                         current=current, printer=self.last_printer or "")
        return self.open_print_dialog(out, calibration=True)

    def save_calibration(self) -> None:
        """Remember the offset from cross A's measured position, for the last printer used."""
        from printing.calibration import corrected_offset

        try:
            current = printer_settings.offsets(self.last_printer)
            dx, dy = corrected_offset(current, (self.cal_x.value(), self.cal_y.value()))
            printer_settings.set_offsets(self.last_printer, dx, dy)
        except JiangxinError as exc:
            self._fail(exc)
            return
        who = self.last_printer or t("默认打印机", "default printer")
        self.cal_status.setText(t(f"{who}：套打偏移 右 {dx:g} mm，下 {dy:g} mm（已保存在本机）",
                                  f"{who}: offset right {dx:g} mm, down {dy:g} mm (saved on "
                                  "this laptop)"))

    def _ask_save(self) -> None:
        dialog = files.make_dialog(self, t("另存PDF", "Save PDF"), "pdf", "PDF (*.pdf)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("pdf")
        dialog.fileSelected.connect(lambda p: self.save_pdf(Path(p)))
        dialog.open()

    def save_pdf(self, path: Path) -> Path | None:
        if self.pdf is None:
            return None
        try:
            shutil.copyfile(self.pdf, path)
        except OSError as exc:
            self._fail(InputError(f"cannot save: {exc.strerror} / 无法保存", file=str(path)))
            return None
        self.status.setText(t(f"已保存 {path}", f"Saved {path}"))
        return path

    # ---- template ---------------------------------------------------------------------------
    def _load_template(self) -> None:
        if self.contest is not None:
            self.template_box.load(self.contest)

    def save_template(self) -> None:
        try:
            self.state.apply(certs.set_template, printer=PDF, **self.template_box.settings())
        except JiangxinError as exc:
            self._fail(exc)
            return
        self.status.setText(t("模板已保存", "Template saved"))
        self.template_saved.emit()

    # ---- forms ------------------------------------------------------------------------------
    def make_form(self, kind: str | None = None, event_id: str | None = None) -> Path | None:
        """Write a paper form to the preview (then print or save it like certificates)."""
        c = self.contest
        kind = kind or self.form_kind.currentData()
        event_id = event_id or self.form_event.event_id
        if c is None or not kind or not event_id:
            return None
        out = Path(self._tmp.name) / f"{kind}-{event_id}-{what_stamp()}.pdf"
        try:
            digest = write_form(c, kind, event_id, out, forms)
        except JiangxinError as exc:
            self._fail(exc)
            return None
        zh, en = KIND_LABELS[kind]
        note = f" · {digest.label}{digest.sha256[:16]}…" if digest else ""
        self.status.setText(t(f"{event_id} {zh}已生成{note}", f"{event_id} {en} ready{note}"))
        self.show_pdf(out)
        return out



def what_stamp() -> str:
    import time

    return time.strftime("%Y%m%d-%H%M%S") + f"-{time.perf_counter_ns() % 10**6:06d}"
