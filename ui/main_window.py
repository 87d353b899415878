"""The main window: composes the screens (it holds none of their logic).

Which screens exist and who sees them is in ui/screens.py; each built screen gets the
``changed`` signal through a :class:`ui.ops.ScreenWatcher` (now if on show, else when shown).
The window's own work: opening contests, the menus, the contest file's backups, export and
merge (on workers, ui/worker.py), the screen lock.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

from db.store.backups import AutoBackup
from db.store.changes import EVERYTHING, NOTHING, Changes, Kind
from db.store.contest import Contest
from judging.errors import JiangxinError
from ui import files, i18n
from ui.about import HelpMenu
from ui.contest_files import ContestFileActions
from ui.errors import show_error
from ui.i18n import role_label, t
from ui.ops import ScreenWatcher
from ui.qt import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QHBoxLayout,
    QInputDialog,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QStackedWidget,
    Qt,
    QTimer,
    QWidget,
    Signal,
    qaction,
)
from ui.screens import (  # noqa: F401 - SCREENS, ScreenSpec: re-exported for tests
    ALL,
    HALL,
    SCREENS,
    LazyScreens,
    ScreenClass,
    ScreenSpec,
    available,
    screen_class,
)
from ui.settings import Settings
from ui.signin import IdleWatcher, SignInScreen
from ui.state import SESSION, AppState

FOCUS_COLOUR = "#1d5fd6"
# a focus ring one sees across a hall (issue 17: the platform's dotted one was hard to see)
FOCUS_RING = f"""
QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QPlainTextEdit:focus,
QTextEdit:focus, QListWidget:focus, QListView:focus, QTableView:focus, QTreeView:focus {{
    border: 3px solid {FOCUS_COLOUR};
}}
QPushButton:focus, QToolButton:focus {{
    border: 3px solid {FOCUS_COLOUR}; border-radius: 4px; padding: 4px 12px;
    background-color: #e8f0fe;
}}
QCheckBox:focus, QRadioButton:focus {{ color: {FOCUS_COLOUR}; text-decoration: underline; }}
"""


if TYPE_CHECKING:
    pass

class MainWindow(ContestFileActions):
    """匠心: sign-in page, then a navigation list of the screens the role may use."""

    contest_loaded = Signal(object)  # Path
    screens_built = Signal(str)  # user
    screen_locked = Signal(str)  # user

    def __init__(self, state: AppState, settings: Settings) -> None:
        super().__init__()
        self.state = state
        self.settings = settings
        self.setObjectName("main_window")
        self.setStyleSheet(FOCUS_RING)
        # screens are built the first time they are shown: start-up builds one, not all
        self.screens = LazyScreens()
        self.quiet_dialogs = False  # tests: report by signal and status bar only
        self.last_export: tuple[Path, str] | None = None
        self.wrappers: dict[str, QScrollArea] = {}  # screen key -> its scroll area
        self.watchers: dict[int, ScreenWatcher] = {}  # id(screen) -> what it has not seen
        self.specs: list[ScreenSpec] = []
        self.built_for: str | None = None
        self.hall_window: QWidget | None = None
        self.auto_backup: AutoBackup | None = None  # the open contest's rolling backups

        self.pages = QStackedWidget()
        self.signin = SignInScreen(state)
        self.work = QWidget()
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(170)
        nf = self.nav.font()
        nf.setPointSize(15)
        self.nav.setFont(nf)
        self.nav.setSpacing(3)
        self.stack = QStackedWidget()
        h = QHBoxLayout(self.work)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(self.nav)
        h.addWidget(self.stack, 1)
        self.pages.addWidget(self.signin)
        self.pages.addWidget(self.work)
        self.setCentralWidget(self.pages)

        self.status_contest = QLabel()
        self.status_user = QLabel()
        self.status_device = QLabel()
        self.status_clock = QLabel()
        # the last export's SHA-256 stays in sight: a later transient message (an automatic
        # backup after the export's own write) must not hide what is copied onto the summary
        self.status_export = QLabel()
        self.status_export.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_export.hide()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        sb = self.statusBar()
        sb.addWidget(self.status_contest, 1)
        for w in (self.status_export, self.progress, self.status_user, self.status_device,
                  self.status_clock):
            sb.addPermanentWidget(w)
        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()
        self.idle = IdleWatcher(settings.lock_minutes, self)

        self._build_menus()
        # connections, in one place
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.signin.signed_in_done.connect(self._signed_in)
        self.health_checked.connect(self._health_result)
        self.state.changed.connect(self._changed)
        self.state.file_reopened.connect(self._file_reopened)
        self.idle.idled.connect(self.lock)
        self.retranslate()

    # ---- menus ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        mb = self.menuBar()
        self.m_file, self.m_view, self.m_user = QMenu(self), QMenu(self), QMenu(self)
        for m in (self.m_file, self.m_user, self.m_view):
            mb.addMenu(m)
        self.a_wizard = qaction(self, self.new_contest_wizard)
        self.a_new = qaction(self, self.new_contest_dialog)
        self.a_open = qaction(self, self.open_dialog)
        self.a_open.setShortcut(QKeySequence.StandardKey.Open)
        self.m_recent = QMenu(self)
        self.m_recent.aboutToShow.connect(self._fill_recent)
        self.a_backup = qaction(self, self.backup_now)
        self.a_quit = qaction(self, self.close)
        self.a_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.m_file.addAction(self.a_wizard)
        self.m_file.addAction(self.a_new)
        self.m_file.addAction(self.a_open)
        self.m_file.addMenu(self.m_recent)
        self.m_file.addSeparator()
        self.m_file.addAction(self.a_backup)
        self.m_file.addSeparator()
        self.a_export = qaction(self, self.export_dialog)
        self.a_merge = qaction(self, self.merge_dialog)
        self.a_laptop = qaction(self, self.new_laptop_dialog)
        self.a_restore = qaction(self, self.restore_dialog)
        for a in (self.a_export, self.a_merge, self.a_laptop, self.a_restore):
            self.m_file.addAction(a)
        self.m_file.addSeparator()
        self.m_file.addAction(self.a_quit)
        self.a_lock = qaction(self, self.lock)
        self.a_lock.setShortcut(QKeySequence("Ctrl+L"))
        self.a_switch = qaction(self, self.switch_user)
        # not Ctrl+U: a text box takes that (delete to the start of the line), so in the
        # check-in box it cleared the box instead of switching user (issue 17)
        self.a_switch.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.m_user.addAction(self.a_lock)
        self.m_user.addAction(self.a_switch)
        # keyboard first: Ctrl+1 … Ctrl+9 go to the screens in the order the list shows
        self.a_screens: list[QAction] = []
        for i in range(9):
            a = qaction(self, functools.partial(self.go_to_screen, i))
            a.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            self.addAction(a)
            self.a_screens.append(a)
        self.lang_group = QActionGroup(self)
        self.a_zh = qaction(self, text="中文", checkable=True)
        self.a_en = qaction(self, text="English", checkable=True)
        for a, lang in ((self.a_zh, "zh"), (self.a_en, "en")):
            self.lang_group.addAction(a)
            self.m_view.addAction(a)
            a.triggered.connect(lambda _=False, lang=lang: self.set_language(lang))
        (self.a_zh if i18n.language() == "zh" else self.a_en).setChecked(True)
        self.m_view.addSeparator()
        self.a_hall = qaction(self, self.open_hall)
        self.a_hall.setShortcut(QKeySequence("F11"))
        self.m_view.addAction(self.a_hall)
        self.a_hall.setEnabled(screen_class(HALL) is not None)
        self.m_help = HelpMenu(self)

    def retranslate(self) -> None:
        self.setWindowTitle(t("匠心 · 职工技能大赛评分", "Jiangxin · skills contest judging"))
        self.m_file.setTitle(t("文件(&F)", "&File"))
        self.m_user.setTitle(t("用户(&U)", "&User"))
        self.m_view.setTitle(t("视图(&V)", "&View"))
        self.a_wizard.setText(t("新建赛事…", "New contest…"))
        self.a_new.setText(t("从赛事文件新建赛事…", "New contest from competition file…"))
        self.a_open.setText(t("打开赛事…", "Open contest…"))
        self.m_recent.setTitle(t("最近打开", "Recent"))
        self.a_backup.setText(t("立即备份", "Backup now"))
        self.a_export.setText(t("导出成绩文件（上报省总）…",
                                "Export results file for headquarters…"))
        self.a_merge.setText(t("合并另一台电脑的成绩文件…", "Merge another laptop's file…"))
        self.a_laptop.setText(t("为另一台电脑复制赛事…", "Copy the contest for another laptop…"))
        self.a_restore.setText(t("从备份恢复…", "Restore from a backup…"))
        self.a_quit.setText(t("退出", "Quit"))
        self.a_lock.setText(t("锁定屏幕", "Lock screen"))
        self.a_switch.setText(t("切换用户", "Switch user"))
        self.a_hall.setText(t("大屏显示（投影）", "Hall display (projector)"))
        self.m_help.retranslate()
        self.signin.retranslate()
        for i, spec in enumerate(self.specs):
            item = self.nav.item(i)
            if item is not None:
                item.setText(spec.title)
        self._update_status()

    def set_language(self, lang: str) -> None:
        """Switch the language; every label is read again (screens are rebuilt)."""
        i18n.set_language(lang)
        self.settings.language = lang
        (self.a_zh if lang == "zh" else self.a_en).setChecked(True)
        self.retranslate()
        if self.built_for is not None:
            current = self.current_screen_key()
            self._build_screens(force=True)
            if current:
                self.show_screen(current)

    # ---- contest -------------------------------------------------------------------------
    def open_contest(self, path: str | Path) -> None:
        p = Path(path)
        self._clear_screens()
        self._finish_backups()
        c = self.state.open(p)
        from db.store.backups import AutoBackup, policy_for

        self.auto_backup = AutoBackup(p, policy_for(c))
        self.settings.last_db = p.resolve()
        self._check_health(p)
        self.pages.setCurrentWidget(self.signin)
        self.signin.unlock_mode_off()
        self.signin.refresh(SESSION)
        self._update_status()
        self.contest_loaded.emit(p)

    def new_contest(self, competition_file: str | Path, db_path: str | Path, admin: str,
                    pin: str) -> None:
        """Create a contest from a competition file and sign in as its admin."""
        from ui.passphrase_dialog import signing_passphrase

        text = Path(competition_file).read_text(encoding="utf-8")
        passphrase = signing_passphrase(self)
        if passphrase is None:
            return
        c = Contest.create(db_path, text, str(competition_file), admin, pin,
                           passphrase=passphrase)
        phrase, c.recovery_phrase = c.recovery_phrase, None
        c.close()
        if phrase and not self.quiet_dialogs:
            QMessageBox.information(self, t("恢复短语", "Recovery phrase"), t(
                f"请抄写并封存恢复短语（只显示这一次）：\n\n{phrase}\n\n忘记签名口令时用它代替口令。",
                f"Write down and seal the recovery phrase (shown only this once):\n\n{phrase}"
                "\n\nIt stands in for a forgotten signing passphrase."))
        self.open_contest(db_path)
        self.state.sign_in(admin, pin)
        self._signed_in(admin)

    def new_contest_wizard(self) -> None:
        from ui.new_contest import run_wizard

        run_wizard(self)

    def new_contest_dialog(self) -> None:
        from judging.scheme import load_competition

        file = files.open_file(self, t("选择赛事文件", "Choose competition file"),
                               "TOML (*.toml)", purpose="competition")
        if not file:
            return
        try:
            comp = load_competition(Path(file).read_text(encoding="utf-8"), file)
        except JiangxinError as exc:
            show_error(exc, self)
            return
        admins = [u.name for u in comp.users if u.role == "admin"]
        if not admins:
            show_error(JiangxinError(t("赛事文件中没有管理员（admin）用户",
                                       "The competition file has no admin user")), self)
            return
        admin, ok = QInputDialog.getItem(self, t("管理员", "Administrator"),
                                         t("以哪位管理员身份创建：", "Create as administrator:"),
                                         admins, 0, False)
        if not ok:
            return
        pin, ok = QInputDialog.getText(self, "PIN", t(f"{admin} 的PIN：", f"PIN of {admin}:"),
                                       QLineEdit.EchoMode.Password)
        if not ok:
            return
        target = files.save_file(self, t("保存赛事数据库", "Save contest as"),
                                 Path(file).with_suffix(".jxdb"),
                                 t("赛事数据库 (*.jxdb *.db)", "Contest database (*.jxdb *.db)"),
                                 purpose="contest")
        if not target:
            return
        try:
            self.new_contest(file, target, admin, pin)
        except JiangxinError as exc:
            show_error(exc, self)

    def open_dialog(self) -> None:
        path = files.open_file(self, t("打开赛事", "Open contest"),
                               t("赛事数据库 (*.jxdb *.db);;全部 (*)",
                                 "Contest database (*.jxdb *.db);;All (*)"), purpose="contest")
        if path:
            self._open_reporting(path)

    def _open_reporting(self, path: str | Path) -> None:
        try:
            self.open_contest(path)
        except JiangxinError as exc:
            show_error(exc, self)

    def _fill_recent(self) -> None:
        self.m_recent.clear()
        for p in self.settings.recent:
            a = self.m_recent.addAction(str(p))
            a.triggered.connect(lambda _=False, p=p: self._open_reporting(p))
        if not self.settings.recent:
            self.m_recent.addAction(t("（无）", "(none)")).setEnabled(False)

    def _signed_in(self, user: str) -> None:
        self._build_screens()
        self.pages.setCurrentWidget(self.work)
        self._nav_changed(self.nav.currentRow())  # the screen on show catches up
        self.idle.set_minutes(self.settings.lock_minutes)

    def lock(self) -> None:
        s = self.state.session
        if s is None or self.pages.currentWidget() is self.signin:
            return
        self.state.sign_out()
        self.signin.lock(s.user)
        self.pages.setCurrentWidget(self.signin)
        self.screen_locked.emit(s.user)

    def switch_user(self) -> None:
        self.state.sign_out()
        self.signin.unlock_mode_off()
        self.pages.setCurrentWidget(self.signin)

    # ---- screens -------------------------------------------------------------------------
    def _clear_screens(self) -> None:
        for watcher in self.watchers.values():
            try:
                self.state.changed.disconnect(watcher.changed)
            except (RuntimeError, TypeError):
                pass  # never connected
        self.watchers.clear()
        for wrapper in self.wrappers.values():
            self.stack.removeWidget(wrapper)
            wrapper.deleteLater()
        self.wrappers.clear()
        self.screens.clear()
        self.specs = []
        self.nav.clear()
        self.built_for = None

    def _build_screens(self, *, force: bool = False) -> None:
        s = self.state.session
        assert s is not None
        if self.built_for == s.user and not force:
            # back after the screen lock: anything may have changed meanwhile (another laptop
            # merged, a worker wrote): the screen on show reloads now, the others when shown
            for watcher in self.watchers.values():
                watcher.changed(EVERYTHING)
            return
        self._clear_screens()
        for spec, cls in available(s.role):
            # a scroll area per screen: one screen's minimum size never widens the window
            wrapper = QScrollArea()
            wrapper.setWidgetResizable(True)
            wrapper.setFrameShape(QScrollArea.Shape.NoFrame)
            self.wrappers[spec.key] = wrapper
            self.stack.addWidget(wrapper)
            self.screens.add(spec.key, functools.partial(self._make, cls, wrapper))
            self.specs.append(spec)
            item = QListWidgetItem(spec.title)
            if len(self.specs) <= 9:
                item.setToolTip(f"Ctrl+{len(self.specs)}")
            # tall enough to hit, low enough that the chief judge's eleven screens fit a
            # 1366×768 window without scrolling the list
            item.setSizeHint(item.sizeHint().expandedTo(self.nav.fontMetrics()
                                                        .boundingRect("国").size() * 1.9))
            self.nav.addItem(item)
        self.built_for = s.user
        if self.nav.count():
            self.nav.setCurrentRow(0)
        self._update_status()
        self.screens_built.emit(s.user)

    def _make(self, cls: ScreenClass, wrapper: QScrollArea) -> QWidget:
        w = cls(self.state)
        wrapper.setWidget(w)
        # a hidden screen does not reload on every change: it is marked stale and reloads
        # once when it is next shown (ui/ops.py)
        watcher = ScreenWatcher(w, lambda: self.stack.currentWidget() is wrapper
                                and self.pages.currentWidget() is self.work)
        self.watchers[id(w)] = watcher
        self.state.changed.connect(watcher.changed)
        return w

    def _nav_changed(self, row: int) -> None:
        screen = self.screens[self.specs[row].key] if 0 <= row < len(self.specs) else None
        self.stack.setCurrentIndex(row)  # built on first show
        if screen is not None and id(screen) in self.watchers:
            self.watchers[id(screen)].shown()

    def go_to_screen(self, row: int) -> QWidget | None:
        """Ctrl+1 … Ctrl+9: the screen at that place in the list, its focus inside it."""
        if self.pages.currentWidget() is not self.work or not 0 <= row < len(self.specs):
            return None
        self.nav.setCurrentRow(row)
        screen = self.screens[self.specs[row].key]
        screen.setFocus()
        screen.focusNextChild()
        return screen

    def current_screen_key(self) -> str | None:
        i = self.nav.currentRow()
        return self.specs[i].key if 0 <= i < len(self.specs) else None

    def show_screen(self, key: str) -> QWidget | None:
        for i, spec in enumerate(self.specs):
            if spec.key == key:
                self.nav.setCurrentRow(i)
                return self.screens[key]
        return None

    def open_hall(self) -> None:
        cls = screen_class(HALL)
        if cls is None or self.state.contest is None:
            return
        self.hall_window = cls(self.state)
        self.hall_window.setWindowTitle(t("大屏显示", "Hall display"))
        if hasattr(self.hall_window, "refresh"):
            self.state.changed.connect(self.hall_window.refresh)
        self.hall_window.showFullScreen()

    def _file_reopened(self, why: str) -> None:
        """The contest file changed under the app (replaced, or its journal deleted by another
        program) and was opened again: say so, and ask for sign-in when that user is gone."""
        self.statusBar().showMessage(t("赛事文件已被其他程序更改，已重新打开",
                                       "The contest file was changed by another program and "
                                       "was opened again"), 0)
        if self.state.session is None:
            self.switch_user()
        self._update_status()
        if not self.quiet_dialogs:
            box = QMessageBox(QMessageBox.Icon.Warning,
                              t("赛事文件已重新打开", "Contest file reopened"), why,
                              parent=self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

    # ---- status bar ----------------------------------------------------------------------
    def _changed(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.SESSION):
            self._update_status()
        b = self.auto_backup
        label = b.due(changes) if b is not None else None
        if b is not None and label is not None:
            self._take_backup(b, label)

    def _update_status(self) -> None:
        c, s = self.state.contest, self.state.session
        self.status_contest.setText(c.competition.name if c else t("未打开赛事", "No contest"))
        self.status_user.setText(f"{s.user} · {role_label(s.role)}" if s
                                 else t("未登录", "Not signed in"))
        self.status_device.setText(t(f"设备 {c.device_id[:6]}", f"Device {c.device_id[:6]}")
                                   if c else "")
        self._tick()

    def _tick(self) -> None:
        self.status_clock.setText(time.strftime("%H:%M:%S"))
        if int(time.monotonic()) % 60 == 0:  # once a minute: a due rolling backup
            self._changed(NOTHING)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.idle.stop()
        if self.hall_window is not None:
            self.hall_window.close()
        self._finish_backups()
        super().closeEvent(event)
