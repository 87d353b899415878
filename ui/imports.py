"""导入 Import: a file's preview with every row's problems before anything is imported, and
the spreadsheets that go out (results list, the chief judge's marks workbook, marking scheme).

The preview is the engine's own import run in a transaction that is rolled back (see
db/files/spreadsheets.py), on a worker thread, so it shows exactly what the import would refuse.
The Import button is enabled only for a file without problems; the import itself goes through
``AppState.apply`` so that the other screens hear what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.files.spreadsheets import (
    KINDS,
    MARKS_EXPORT_ROLES,
    OPERATION,
    ImportPreview,
    PreviewRow,
    Problem,
    export_marks,
    export_results,
    export_scheme,
    import_file,
    preview_import,
)
from db.store.changes import Changes, Kind
from db.store.contest import Contest
from judging.errors import JiangxinError
from judging.idnumber import mask_id_number
from judging.roles import allowed
from ui import files
from ui.errors import show_error
from ui.event_picker import EventPicker
from ui.i18n import t
from ui.models import Column, RowsModel
from ui.qt import (
    QColor,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState
from ui.widgets import table_view
from ui.worker import run_task

PROBLEM_BG = "#f8c4c4"

KIND_LABELS: dict[str, tuple[str, str]] = {
    "competitors": ("选手名单", "Competitor list"),
    "theory": ("理论成绩", "Theory scores"),
    "times": ("用时", "Times used"),
    "marks": ("纸质评分表录入", "Marks typed from paper sheets"),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "Name"), "id_number": ("身份证号", "ID number"),
    "gender": ("性别", "Gender"), "unit": ("单位", "Unit"), "region": ("地区", "Region"),
    "event": ("赛项", "Event"), "candidate": ("参赛编号", "Candidate"),
    "theory": ("理论成绩", "Theory"), "station": ("工位号", "Station"),
    "used_seconds": ("用时(秒)", "Used (s)"), "extra_seconds": ("补时(秒)", "Extra (s)"),
    "aspect": ("评分项", "Aspect"), "judge": ("裁判", "Judge"), "score": ("分数", "Score"),
    "measured": ("实测值", "Measured"),
}

OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "entered": ("新录入", "entered"), "verified": ("复核一致", "verified"),
    "corrected": ("更正", "corrected"), "disagreements": ("不一致", "disagreements"),
    "unchanged": ("无变化", "unchanged"),
}

EXPORTS: dict[str, tuple[str, str, str]] = {
    "results": ("成绩公示表", "Results list", "成绩公示"),
    "marks": ("评分明细（裁判长）", "Full marks (chief judge)", "评分明细"),
    "scheme": ("评分标准", "Marking scheme", "评分标准"),
}


def _red(row: PreviewRow) -> QColor | None:
    return QColor(PROBLEM_BG) if row.problems else None


def _problems_text(row: PreviewRow) -> str:
    return "；".join(f"{p.field}: {p.message}" if p.field else p.message for p in row.problems)


def _shown(key: str, value: str) -> str:
    return mask_id_number(value) if key == "id_number" and value else value


def _field_text(key: str) -> Callable[[PreviewRow], str]:
    return lambda r: _shown(key, r.values.get(key, ""))


def preview_columns(keys: list[str]) -> list[Column[PreviewRow]]:
    """行 | the file's columns | 问题: every cell of a row with problems is red, with text."""
    centre = Qt.AlignmentFlag.AlignCenter
    cols: list[Column[PreviewRow]] = [
        Column("行", "Row", lambda r: r.row, background=_red, align=centre),
        Column("检查", "Check", lambda r: t("有问题", "problem") if r.problems else t("正常", "OK"),
               background=_red, align=centre, bold=True),
    ]
    for key in keys:
        zh, en = FIELD_LABELS.get(key, (key, key))
        cols.append(Column(zh, en, _field_text(key), background=_red,
                           tooltip=lambda r: _problems_text(r) or None))
    cols.append(Column("问题", "Problems", _problems_text, background=_red,
                       tooltip=lambda r: _problems_text(r) or None))
    return cols


PROBLEM_COLUMNS: list[Column[Problem]] = [
    Column("文件", "File", lambda p: Path(p.file).name if p.file else ""),
    Column("行", "Row", lambda p: p.row if p.row is not None else t("整个文件", "whole file")),
    Column("字段", "Field", lambda p: p.field or ""),
    Column("问题", "Problem", lambda p: p.message),
]


class ImportsScreen(QWidget):
    """Choose a file and its kind, see every row and problem, import; export workbooks."""

    previewed = Signal(object)  # ImportPreview
    imported = Signal(str, object)  # kind, what the import returned
    exported = Signal(str, object)  # "results" | "marks" | "scheme", Path

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.preview: ImportPreview | None = None
        self.path: Path | None = None
        self._asked: tuple[str, Path] | None = None  # the preview being computed

        # ---- import
        self.kind = QComboBox()
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(t("选择 CSV 或 XLSX 文件", "Choose a CSV or XLSX file"))
        self.choose_btn = QPushButton(t("选择文件…", "Choose file…"))
        self.recheck_btn = QPushButton(t("重新检查", "Check again"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = RowsModel(preview_columns([]), self)
        self.view = table_view(self.model)
        self.problem_model = RowsModel(PROBLEM_COLUMNS, self)
        self.problem_view = table_view(self.problem_model)
        self.import_btn = QPushButton(t("导入", "Import"))
        self.import_btn.setMinimumHeight(36)
        self.import_btn.setEnabled(False)

        pick = QHBoxLayout()
        pick.addWidget(QLabel(t("类型", "Kind")))
        pick.addWidget(self.kind)
        pick.addWidget(self.file_edit, 1)
        pick.addWidget(self.choose_btn)
        pick.addWidget(self.recheck_btn)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.problem_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.import_btn)
        box_in = QGroupBox(t("导入（先预览检查，没有问题才能导入）",
                             "Import (previewed and checked first; only a file without "
                             "problems can be imported)"))
        lay_in = QVBoxLayout(box_in)
        lay_in.addLayout(pick)
        lay_in.addWidget(split, 1)
        lay_in.addLayout(bottom)

        # ---- export
        self.picker = EventPicker()
        self.export_btns: dict[str, QPushButton] = {}
        box_out = QGroupBox(t("导出表格", "Export spreadsheets"))
        lay_out = QHBoxLayout(box_out)
        lay_out.addWidget(QLabel(t("赛项", "Event")))
        lay_out.addWidget(self.picker)
        for what, (zh, en, _) in EXPORTS.items():
            btn = QPushButton(t(f"导出{zh}…", f"Export {en.lower()}…"))
            self.export_btns[what] = btn
            lay_out.addWidget(btn)
        self.export_note = QLabel()
        self.export_note.setWordWrap(True)
        lay_out.addWidget(self.export_note, 1)

        lay = QVBoxLayout(self)
        lay.addWidget(box_in, 1)
        lay.addWidget(box_out)

        # connections, in one place
        self.kind.currentIndexChanged.connect(lambda _i: self.check())
        self.choose_btn.clicked.connect(self.choose_file)
        self.recheck_btn.clicked.connect(self.check)
        self.import_btn.clicked.connect(self.do_import)
        self.problem_view.clicked.connect(self._problem_clicked)
        for what, btn in self.export_btns.items():
            btn.clicked.connect(lambda _=False, what=what: self.choose_export(what))
        state.contest_opened.connect(self._contest_opened)
        self._fill()

    # ---- roles ---------------------------------------------------------------------------
    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self._fill()

    def _role(self) -> str | None:
        s = self.state.session
        return s.role if s is not None else None

    def kinds(self) -> list[str]:
        """The kinds of file the signed-in role may import."""
        role = self._role()
        return [k for k in KINDS if role is not None and allowed(role, OPERATION[k])]

    def _fill(self) -> None:
        current = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        for k in self.kinds():
            zh, en = KIND_LABELS[k]
            self.kind.addItem(t(zh, en), k)
        i = self.kind.findData(current)
        self.kind.setCurrentIndex(max(i, 0))
        self.kind.blockSignals(False)
        self.picker.fill(self.state.contest)
        role = self._role()
        self.export_btns["results"].setEnabled(role is not None and allowed(role, "results"))
        self.export_btns["marks"].setEnabled(role in MARKS_EXPORT_ROLES)
        self.export_btns["scheme"].setEnabled(role is not None)
        if current != self.kind.currentData():
            self.check()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.SESSION):
            self._fill()
        elif changes.touches(Kind.PEOPLE, Kind.MARKS, Kind.RESULTS, Kind.DRAW, Kind.LOCKS,
                             Kind.CLOCKS) and initiator is not self and self.path is not None:
            self.check()  # someone else's change may add or remove problems

    # ---- preview -------------------------------------------------------------------------
    def choose_file(self) -> None:
        file = files.open_file(
            self, t("选择要导入的文件", "Choose the file to import"),
            t("表格 (*.xlsx *.csv);;全部 (*)", "Spreadsheets (*.xlsx *.csv);;All (*)"),
            purpose="import")
        if file:
            self.set_file(file)

    def set_kind(self, kind: str) -> None:
        i = self.kind.findData(kind)
        if i < 0:
            raise ValueError(f"{kind} is not offered to this role")
        self.kind.setCurrentIndex(i)

    def set_file(self, path: str | Path) -> None:
        """Preview ``path`` as the chosen kind (``previewed`` is emitted when it is ready)."""
        self.path = Path(path)
        self.file_edit.setText(str(self.path))
        self.check()

    def check(self) -> None:
        """(Re)compute the preview of the chosen file on a worker: nothing is written."""
        kind = self.kind.currentData()
        self.import_btn.setEnabled(False)
        self.preview = None
        if self.path is None or kind is None or self.state.contest is None:
            self._show_rows(None)
            return
        asked = (str(kind), self.path)
        self._asked = asked
        self.summary.setStyleSheet("")
        self.summary.setText(t("正在检查…", "Checking…"))

        def work(c: Contest, _progress: Any) -> ImportPreview:
            return preview_import(c, asked[0], asked[1])

        run_task(self.state, work, lambda p: self._preview_done(asked, p),
                 on_error=lambda exc: self._preview_failed(asked, exc), owner=self)

    def _preview_done(self, asked: tuple[str, Path], preview: ImportPreview) -> None:
        if asked != self._asked:
            return  # a newer file or kind was chosen meanwhile
        self.preview = preview
        self._show_rows(preview)
        self.previewed.emit(preview)

    def _preview_failed(self, asked: tuple[str, Path], exc: BaseException) -> None:
        if asked != self._asked:
            return
        self._show_rows(None)
        if isinstance(exc, JiangxinError):
            self._set_summary(str(exc), bad=True)
        else:
            show_error(exc, self)
        self.previewed.emit(None)

    def _show_rows(self, p: ImportPreview | None) -> None:
        if p is None:
            self.model.set_columns(preview_columns([]), [])
            self.problem_model.set_rows([])
            self.summary.setText("")
            self.import_btn.setEnabled(False)
            return
        self.model.set_columns(preview_columns(p.columns), p.rows)
        self.problem_model.set_rows(p.problems)
        self.view.resizeColumnsToContents()
        self.problem_view.resizeColumnsToContents()
        n = len(p.rows)
        if p.ok:
            self._set_summary(t(f"共 {n} 行，没有问题。导入将：{self._outcome_text(p)}",
                                f"{n} rows, no problems. The import will: "
                                f"{self._outcome_text(p)}"), bad=False)
        elif not p.rows and not p.problems:
            self._set_summary(t("文件中没有数据行。", "The file has no data rows."), bad=True)
        else:
            bad_rows = sum(1 for r in p.rows if r.problems)
            whole = len(p.file_problems)
            self._set_summary(t(
                f"共 {n} 行，{bad_rows} 行有问题" + (f"，另有 {whole} 个整个文件的问题" if whole
                                                  else "") +
                "。修改文件后点“重新检查”；有问题的文件不会导入任何数据。",
                f"{n} rows, {bad_rows} with problems" + (f", and {whole} about the whole file"
                                                       if whole else "") +
                ". Fix the file and check again; nothing of a file with problems is imported."),
                bad=True)
        self.import_btn.setEnabled(p.ok and p.kind in self.kinds())

    def _outcome_text(self, p: ImportPreview) -> str:
        o = p.outcome
        if isinstance(o, dict):
            return "，".join(f"{t(*OUTCOME_LABELS.get(k, (k, k)))} {v}" for k, v in o.items())
        n = int(o or 0)
        return {
            "competitors": t(f"添加 {n} 名选手", f"add {n} competitors"),
            "theory": t(f"记录 {n} 个理论成绩", f"record {n} theory scores"),
            "times": t(f"记录 {n} 个工位用时", f"record {n} times"),
        }.get(p.kind, str(n))

    def _set_summary(self, text: str, *, bad: bool) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(f"background: {PROBLEM_BG}; padding: 6px;" if bad
                                   else "background: #dcf2dc; padding: 6px;")

    def _problem_clicked(self, index: QModelIndex) -> None:
        problem = self.problem_model.row_at(index)
        if problem is None or problem.row is None:
            return
        for i, r in enumerate(self.model.rows):
            if r.row == problem.row:
                self.view.selectRow(i)
                self.view.scrollTo(self.model.index(i, 0))
                return

    # ---- import --------------------------------------------------------------------------
    def do_import(self) -> Any:
        """Import the previewed file (it is checked again by the import itself)."""
        p = self.preview
        if p is None or not p.ok or self.path is None:
            return None
        kind, path = p.kind, self.path
        self._safety_copy()
        try:
            done = self.state.run_op(lambda c: import_file(c, kind, path), self)
        except JiangxinError as exc:
            show_error(exc, self)
            self.check()  # show why, row by row
            return None
        self.path = None
        self.preview = None
        self.file_edit.clear()
        self._show_rows(None)
        self._set_summary(t(f"已导入 {path.name}：", f"Imported {path.name}: ") +
                          self._outcome_text(ImportPreview(kind, str(path), [], {}, [],
                                                           outcome=done.value)), bad=False)
        self.imported.emit(kind, done.value)
        return done.value

    def _safety_copy(self) -> None:
        """A backup before every import, as the command line makes; a failure only warns."""
        from db.store.backups import safety_copy

        c = self.state.contest
        if c is None:
            return
        try:
            safety_copy(c, "before-import")
        except (JiangxinError, OSError) as exc:
            self.export_note.setText(t(f"导入前未能备份：{exc}", f"No backup before import: {exc}"))

    # ---- export --------------------------------------------------------------------------
    def choose_export(self, what: str) -> None:
        event = self.picker.event_id
        if event is None:
            return
        zh, en, stem = EXPORTS[what]
        target = files.save_file(
            self, t(f"导出{zh}", f"Export {en.lower()}"), f"{event}-{stem}.xlsx",
            t("Excel 表格 (*.xlsx)", "Excel workbook (*.xlsx)"), purpose="export")
        if target:
            self.export(what, target)

    def export(self, what: str, path: str | Path) -> None:
        """Write one workbook on a worker; ``exported`` is emitted when it is on disk."""
        event = self.picker.event_id
        if event is None or self.state.contest is None:
            return
        target = Path(path)
        writers = {"results": export_results, "marks": export_marks, "scheme": export_scheme}
        write = writers[what]

        def work(c: Contest, _progress: Any) -> Path:
            write(c, event, target)
            return target

        self.export_note.setText(t("正在导出…", "Exporting…"))
        run_task(self.state, work, lambda p: self._exported(what, p),
                 on_error=self._export_failed, owner=self)

    def _exported(self, what: str, path: Path) -> None:
        self.export_note.setText(t(f"已导出 {path}", f"Written: {path}"))
        self.exported.emit(what, path)

    def _export_failed(self, exc: BaseException) -> None:
        self.export_note.setText(t("导出失败", "Export failed"))
        show_error(exc, self)
