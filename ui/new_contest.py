"""新建赛事 New contest: the competition built on screen or from a workbook, never as TOML.

The wizard shows the workbook's own sheets (赛事, 赛项, one 评分表 per event, 人员) as tables to
fill in or to correct, starting blank or from a workbook made with ``jiangxin template`` (or
saved by this wizard). 创建 writes the tables to a workbook and reads it with the same code as
``jiangxin init FILE.xlsx`` (db/files/workbook_read.py): the same validation, every problem named by
sheet, row and column and shown in red in its table. Each person types their own PIN into
their row of 人员 (shown as dots); the organiser creating the contest may leave theirs empty
and types it on the last page.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from db.files.workbook import (
    EVENTS_SHEET,
    SCHEME_HEADER,
    USERS_SHEET,
    blank_competition,
    scheme_sheet_name,
    write_workbook,
)
from judging.errors import InputError, InputErrors, JiangxinError
from ui import files
from ui.i18n import t
from ui.qt import (
    QAbstractItemView,
    QBrush,
    QColor,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
    qconnect,
)

COMPETITION_SHEET = "赛事"


class _PinDelegate(QStyledItemDelegate):
    """PIN cells: shown as dots, typed in a password field."""

    def displayText(self, value: Any, locale: Any) -> str:  # noqa: N802 - Qt's name
        return "•" * len(str(value)) if value else ""

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget:  # noqa: N802
        editor = QLineEdit(parent)
        editor.setEchoMode(QLineEdit.EchoMode.Password)
        return editor


def _read_cells(path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of a workbook as text cells (merged ranges filled), through our reader."""
    from db.files.readers import kind_of, workbook_sheets
    from db.files.tables import _cell, _fill_merges, _Sheet

    file = str(path)
    names, load = workbook_sheets(path, file, kind_of(path, file))
    out: dict[str, list[list[str]]] = {}
    for i, name in enumerate(names):
        raw = load(i)
        sheet = _Sheet(raw.name, i, [[_cell(v) for v in r] for r in raw.rows], raw.merges)
        _fill_merges(sheet)
        out[name] = [[v for v, _ in row] for row in sheet.rows]
    return out


class SheetTable(QTableWidget):
    """One sheet of the workbook: a header row and rows of text cells; rows can be added."""

    def __init__(self, sheet: str, header: list[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(header), parent)
        self.sheet = sheet
        self.setHorizontalHeaderLabels(header)
        self.header = header
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        if "PIN" in header:
            self.setItemDelegateForColumn(header.index("PIN"), _PinDelegate(self))

    def set_rows(self, rows: list[list[str]]) -> None:
        self.setRowCount(0)
        for r in rows:
            self.add_row(r)

    def add_row(self, values: list[str] | None = None) -> None:
        n = self.rowCount()
        self.insertRow(n)
        for c in range(len(self.header)):
            value = values[c] if values and c < len(values) else ""
            self.setItem(n, c, QTableWidgetItem("" if value is None else str(value)))

    def rows(self) -> list[list[str]]:
        out = []
        for r in range(self.rowCount()):
            cells = [(self.item(r, c).text() if self.item(r, c) else "").strip()  # type: ignore[union-attr]
                     for c in range(len(self.header))]
            if any(cells):
                out.append(cells)
        return out

    def mark(self, row: int | None, column: str | None, message: str) -> None:
        """Show a problem: the cell (spreadsheet row ``row``, header ``column``) in red."""
        if row is None or row < 2 or row - 2 >= self.rowCount():
            return
        col = self.header.index(column) if column in self.header else 0
        item = self.item(row - 2, col)
        if item is not None:
            item.setBackground(QBrush(QColor("#f4c7c3")))
            item.setToolTip(message)

    def clear_marks(self) -> None:
        for r in range(self.rowCount()):
            for c in range(len(self.header)):
                item = self.item(r, c)
                if item is not None:
                    item.setBackground(QBrush())
                    item.setToolTip("")


class SheetsPage(QWizardPage):
    """The competition's sheets as tables, blank or from a workbook."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(t("赛事、赛项、评分表、人员", "Competition, events, schemes, people"))
        self.setSubTitle(t("在表格中填写, 或从工作簿导入 (jiangxin template 生成的工作簿)。"
                           "每人在“人员”表中填写自己的PIN。",
                           "Fill in the tables, or load a workbook (as written by jiangxin "
                           "template). Each person types their own PIN in 人员."))
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        self.load_btn = QPushButton(t("从工作簿导入…", "Load a workbook…"))
        self.save_btn = QPushButton(t("另存为工作簿…", "Save as workbook…"))
        self.add_row_btn = QPushButton(t("添加一行", "Add a row"))
        self.add_event_btn = QPushButton(t("添加评分表", "Add a scheme sheet"))
        for b in (self.load_btn, self.save_btn, self.add_row_btn, self.add_event_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b3261e")
        layout.addWidget(self.problems)
        qconnect(self.load_btn.clicked, self.load_dialog)
        qconnect(self.save_btn.clicked, self.save_dialog)
        qconnect(self.add_row_btn.clicked, lambda: self.current().add_row())
        qconnect(self.add_event_btn.clicked, self.add_scheme_sheet)
        self.tables: dict[str, SheetTable] = {}
        self.load_data(blank_competition())

    # -- contents ----------------------------------------------------------------------------
    def current(self) -> SheetTable:
        widget = self.tabs.currentWidget()
        assert isinstance(widget, SheetTable)
        return widget

    def _clear(self) -> None:
        self.tabs.clear()
        self.tables = {}

    def _add(self, sheet: str, header: list[str], rows: list[list[str]]) -> SheetTable:
        table = SheetTable(sheet, header)
        table.set_rows(rows)
        self.tables[sheet] = table
        self.tabs.addTab(table, sheet)
        return table

    def load_cells(self, cells: dict[str, list[list[str]]]) -> None:
        """Show a workbook's sheets (header in the first row of each)."""
        self._clear()
        for name, rows in cells.items():
            rows = [r for r in rows if any(c for c in r)]
            if name == "说明" or not rows:
                continue
            header, body = rows[0], rows[1:]
            width = len(header)
            while width and not header[width - 1]:
                width -= 1
            self._add(name, header[:width], [r[:width] for r in body])

    def load_data(self, data: dict[str, Any]) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "c.xlsx"
            write_workbook(data, path)
            self.load_cells(_read_cells(path))

    def load_file(self, path: str | Path) -> None:
        self.load_cells(_read_cells(Path(path)))
        self.problems.setText("")

    def load_dialog(self) -> None:
        path = files.open_file(self, t("选择赛事工作簿", "Choose a workbook"),
                               t("表格 (*.xlsx *.xls *.et *.ods)",
                                 "Spreadsheets (*.xlsx *.xls *.et *.ods)"), purpose="workbook")
        if path:
            try:
                self.load_file(path)
            except JiangxinError as exc:
                self.problems.setText(str(exc))

    def add_scheme_sheet(self) -> None:
        rows = self.tables[EVENTS_SHEET].rows() if EVENTS_SHEET in self.tables else []
        known = {s for s in self.tables}
        for r in rows:
            name = scheme_sheet_name(r[0])
            if r[0] and name not in known:
                table = self._add(name, list(SCHEME_HEADER), [])
                table.add_row()
                self.tabs.setCurrentWidget(table)
                return

    def save(self, path: str | Path) -> None:
        """The tables as a workbook (the same layout as ``jiangxin template``)."""
        from openpyxl import Workbook

        from db.files.tables import save_workbook

        wb = Workbook()
        first = True
        for name, table in self.tables.items():
            ws = wb.active if first else wb.create_sheet(name)
            assert ws is not None
            ws.title = name
            first = False
            ws.append(table.header)
            for r in table.rows():
                ws.append(r)
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    cell.number_format = "@"
        save_workbook(wb, path)

    def save_dialog(self) -> None:
        path = files.save_file(self, t("另存为工作簿", "Save as workbook"), "赛事.xlsx",
                               "Excel (*.xlsx)", purpose="workbook")
        if path:
            self.save(path)

    def show_problems(self, errors: list[InputError]) -> None:
        for table in self.tables.values():
            table.clear_marks()
        lines = []
        for e in errors:
            sheet = None
            if e.file and "sheet “" in e.file:
                sheet = e.file.split("sheet “", 1)[1].split("”", 1)[0]
            if sheet in self.tables:
                self.tables[sheet].mark(e.row, e.field, e.detail)
            where = " ".join(x for x in (sheet, f"第{e.row}行" if e.row else None,
                                         e.field) if x)
            lines.append(f"{where}: {e.detail}")
        self.problems.setText("\n".join(lines[:30]))

    def admins(self) -> list[str]:
        table = self.tables.get(USERS_SHEET)
        if table is None:
            return []
        return [r[0] for r in table.rows() if r[1] in ("admin", "组委会/赛务", "组委会", "赛务",
                                                          "管理员")]


class CreatePage(QWizardPage):
    """Who creates the contest, their PIN, and where the contest file goes."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(t("创建赛事", "Create the contest"))
        form = QFormLayout(self)
        self.admin = QComboBox()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.target = QLineEdit()
        browse = QPushButton(t("浏览…", "Browse…"))
        row = QHBoxLayout()
        row.addWidget(self.target)
        row.addWidget(browse)
        form.addRow(t("组委会成员", "Organiser"), self.admin)
        form.addRow("PIN", self.pin)
        form.addRow(t("赛事数据库", "Contest file"), row)
        qconnect(browse.clicked, self._browse)

    def _browse(self) -> None:
        path = files.save_file(self, t("保存赛事数据库", "Save contest as"), "contest.jxdb",
                               t("赛事数据库 (*.jxdb)", "Contest database (*.jxdb)"),
                               purpose="contest")
        if path:
            self.target.setText(path)


class NewContestWizard(QWizard):
    """新建赛事: the sheets, then who creates it; 完成 builds the contest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("新建赛事", "New contest"))
        self.sheets = SheetsPage()
        self.create_page = CreatePage()
        self.addPage(self.sheets)
        self.addPage(self.create_page)
        self.resize(1100, 700)
        self.created: Path | None = None
        self.admin = ""
        self.pin_value = ""

    def initializePage(self, page_id: int) -> None:  # noqa: N802 - Qt's name
        super().initializePage(page_id)
        if self.page(page_id) is self.create_page:
            self.create_page.admin.clear()
            self.create_page.admin.addItems(self.sheets.admins())

    def build(self) -> str:
        admin = self.create_page.admin.currentText()
        pin = self.create_page.pin.text()
        with tempfile.TemporaryDirectory() as tmp:
            book = Path(tmp) / "新建赛事.xlsx"
            self.sheets.save(book)
            return workbook_text(book, admin, pin)

    def validateCurrentPage(self) -> bool:  # noqa: N802 - Qt's name
        if self.currentPage() is self.sheets:
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    book = Path(tmp) / "新建赛事.xlsx"
                    self.sheets.save(book)
                    workbook_text(book, None, None, pins_later=True)
            except InputErrors as exc:
                self.sheets.show_problems(exc.errors)
                return False
            except InputError as exc:
                self.sheets.show_problems([exc])
                return False
            self.sheets.show_problems([])
            return True
        if self.currentPage() is self.create_page:
            return self.create_contest()
        return True

    def create_contest(self) -> bool:
        from db.store.contest import Contest
        from ui.passphrase_dialog import signing_passphrase

        admin = self.create_page.admin.currentText()
        pin = self.create_page.pin.text()
        target = self.create_page.target.text().strip()
        if not admin or not pin or not target:
            QMessageBox.warning(self, t("新建赛事", "New contest"),
                                t("请选择组委会成员, 输入PIN并选择赛事数据库。",
                                  "Choose the organiser, type the PIN and choose the file."))
            return False
        try:
            text = self.build()
            passphrase = signing_passphrase(self)
            if passphrase is None:
                return False
            c = Contest.create(target, text, "新建赛事.xlsx", admin, pin, passphrase=passphrase)
        except InputErrors as exc:
            self.sheets.show_problems(exc.errors)
            self.back()
            return False
        except JiangxinError as exc:
            QMessageBox.warning(self, t("新建赛事", "New contest"), str(exc))
            return False
        phrase, c.recovery_phrase = c.recovery_phrase, None
        c.close()
        if phrase:
            QMessageBox.information(self, t("恢复短语", "Recovery phrase"), t(
                f"请抄写并封存恢复短语（只显示这一次）：\n\n{phrase}",
                f"Write down and seal the recovery phrase (shown only this once):\n\n{phrase}"))
        self.created, self.admin, self.pin_value = Path(target), admin, pin
        return True


def workbook_text(book: Path, admin: str | None, pin: str | None, *,
                  pins_later: bool = False) -> str:
    """The competition-file text of a workbook, every problem by sheet, row and column.

    ``pins_later``: the check of the sheets page, before the organiser has typed their PIN
    (a missing PIN of an organiser is not yet a problem).
    """
    from db.files.workbook_read import read_workbook
    from judging.scheme import load_competition

    read = read_workbook(book, admin=admin, admin_pin=pin,
                         any_admin_pin="000000" if pins_later else None)
    try:
        load_competition(read.toml, str(book))
    except InputErrors as exc:
        raise InputErrors([read.locate(e, str(book)) for e in exc.errors]) from None
    return read.toml


def run_wizard(window: Any) -> Path | None:
    """Show the wizard from the main window; open and sign in to the new contest."""
    wizard = NewContestWizard(window)
    if not wizard.exec() or wizard.created is None:
        return None
    window.open_contest(wizard.created)
    window.state.sign_in(wizard.admin, wizard.pin_value)
    window._signed_in(wizard.admin)
    return wizard.created


__all__ = ["COMPETITION_SHEET", "NewContestWizard", "SheetTable", "run_wizard", "workbook_text"]
