"""Sign-in: pick a user, type the PIN (keyboard or on-screen pad); the lock screen; idle lock.

One screen does both jobs: signing in anyone (quick switch on a shared laptop), and unlocking
a locked screen, which only the locked user's PIN opens (or "switch user" signs them out).
"""

from __future__ import annotations

from db.store.changes import Changes, Kind
from judging.errors import JiangxinError
from ui.i18n import role_label, t
from ui.qt import (
    QApplication,
    QEvent,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import SESSION, AppState
from ui.widgets import big

USER_ROLE = Qt.ItemDataRole.UserRole


class SignInScreen(QWidget):
    """User list + PIN. ``signed_in_done`` after a successful sign-in or unlock."""

    signed_in_done = Signal(str)  # user name
    sign_in_failed = Signal(str)  # the message shown

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.locked_user: str | None = None
        self.title = QLabel()
        big(self.title, 22, True)
        self.subtitle = QLabel()
        big(self.subtitle, 13)
        # keyboard first: type a user's name (or its start) or number, Enter, then the PIN
        self.who = QLineEdit()
        self.who.setObjectName("who")
        big(self.who, 16)
        self._typing_who = False
        self.users = QListWidget()
        self.users.setObjectName("users")
        big(self.users, 16)
        self.users.setMinimumWidth(320)
        self.pin = QLineEdit()
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        big(self.pin, 26)
        self.pin_label = QLabel()
        big(self.pin_label, 14)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        big(self.message, 13)
        self.ok = QPushButton()
        self.ok.setObjectName("ok")
        self.switch = QPushButton()
        self.switch.setObjectName("switch")
        big(self.ok, 16, True)
        big(self.switch, 13)
        self.ok.setMinimumHeight(56)

        pad = QGridLayout()
        self.pad_buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "C"]):
            b = QPushButton(key)
            b.setObjectName(f"pad_{key}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setMinimumSize(84, 60)
            big(b, 20)
            b.clicked.connect(lambda _=False, k=key: self._pad(k))
            pad.addWidget(b, i // 3, i % 3)
            self.pad_buttons[key] = b

        right = QVBoxLayout()
        right.addWidget(self.pin_label)
        right.addWidget(self.pin)
        right.addLayout(pad)
        right.addWidget(self.ok)
        right.addWidget(self.message)
        right.addStretch(1)
        right.addWidget(self.switch)
        left = QVBoxLayout()
        left.addWidget(self.who)
        left.addWidget(self.users, 1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addSpacing(24)
        body.addLayout(right, 2)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        outer.addWidget(self.title)
        outer.addWidget(self.subtitle)
        outer.addSpacing(12)
        outer.addLayout(body, 1)

        self.ok.clicked.connect(self.submit)
        self.pin.returnPressed.connect(self.submit)
        self.switch.clicked.connect(self._switch_user)
        self.users.currentItemChanged.connect(lambda *_: self._user_chosen())
        self.users.itemActivated.connect(lambda *_: self.pin.setFocus())
        self.who.textChanged.connect(self._who_typed)
        self.who.returnPressed.connect(self._who_done)
        self.retranslate()
        self.refresh(SESSION)

    # ---- contract ------------------------------------------------------------------------
    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.SESSION, Kind.USERS):
            self._fill_users()

    def retranslate(self) -> None:
        c = self.state.contest
        if self.locked_user:
            self.title.setText(t("屏幕已锁定", "Screen locked"))
            self.subtitle.setText(t(f"{self.locked_user} 请输入PIN解锁，或换人登录",
                                    f"{self.locked_user}: type your PIN to unlock, "
                                    "or switch user"))
        else:
            self.title.setText(t("登录  Sign in", "Sign in  登录"))
            self.subtitle.setText(c.competition.name if c else t("未打开赛事", "No contest open"))
        self.pin_label.setText(t("PIN（个人密码）", "PIN"))
        self.who.setPlaceholderText(t("输入姓名或序号，回车后输入PIN", "Type a name or number, "
                                      "Enter, then the PIN"))
        self.ok.setText(t("登录  ↵", "Sign in  ↵") if not self.locked_user
                        else t("解锁  ↵", "Unlock  ↵"))
        self.switch.setText(t("换人登录 Switch user", "Switch user 换人登录"))
        self.switch.setVisible(self.locked_user is not None)
        self._fill_users()

    # ---- locking -------------------------------------------------------------------------
    def lock(self, user: str) -> None:
        """Show the lock screen for ``user`` (the caller has already signed the session out)."""
        self.locked_user = user
        self.pin.clear()
        self.message.clear()
        self.retranslate()
        self.pin.setFocus()

    def unlock_mode_off(self) -> None:
        self.locked_user = None
        self.retranslate()
        self.who.clear()
        self.who.setFocus()

    def _switch_user(self) -> None:
        self.locked_user = None
        self.pin.clear()
        self.message.clear()
        self.retranslate()
        self.who.clear()
        self.who.setFocus()

    # ---- internals -----------------------------------------------------------------------
    def _fill_users(self) -> None:
        c = self.state.contest
        current = self.selected_user()
        self.users.blockSignals(True)
        self.users.clear()
        if c is not None:
            for u in c.users():
                if self.locked_user and u.name != self.locked_user:
                    continue
                n = self.users.count() + 1
                item = QListWidgetItem(f"{n:>2}  {u.name}    {role_label(u.role)}")
                item.setData(USER_ROLE, u.name)
                item.setSizeHint(item.sizeHint().expandedTo(
                    self.users.fontMetrics().boundingRect("国").size() * 2))
                self.users.addItem(item)
        self.users.blockSignals(False)
        want = self.locked_user or current
        for i in range(self.users.count()):
            if self.users.item(i).data(USER_ROLE) == want:
                self.users.setCurrentRow(i)
                break
        self.users.setEnabled(self.locked_user is None)
        self.who.setEnabled(self.locked_user is None)

    def selected_user(self) -> str | None:
        item = self.users.currentItem()
        return str(item.data(USER_ROLE)) if item is not None else None

    def select_user(self, name: str) -> None:
        for i in range(self.users.count()):
            if self.users.item(i).data(USER_ROLE) == name:
                self.users.setCurrentRow(i)
                return
        raise KeyError(name)

    def _user_chosen(self) -> None:
        self.pin.clear()
        self.message.clear()
        if not self._typing_who:  # picked in the list: the PIN next
            self.pin.setFocus()

    def match_user(self, text: str) -> int:
        """The row a typed name or number means: a number is the list's numbering; a name
        matches from its start, else anywhere (case ignored). -1 when nothing does."""
        text = text.strip().lower()
        if not text:
            return -1
        names = [str(self.users.item(i).data(USER_ROLE)).lower()
                 for i in range(self.users.count())]
        if text.isdigit():
            n = int(text)
            return n - 1 if 1 <= n <= len(names) else -1
        for test in (str.startswith, str.__contains__):
            for i, name in enumerate(names):
                if test(name, text):
                    return i
        return -1

    def _who_typed(self, text: str) -> None:
        row = self.match_user(text)
        if row >= 0:
            self._typing_who = True
            try:
                self.users.setCurrentRow(row)
            finally:
                self._typing_who = False
        self.message.setText("" if row >= 0 or not text.strip()
                             else t("没有这个用户", "No such user"))

    def _who_done(self) -> None:
        if self.match_user(self.who.text()) >= 0 or (not self.who.text().strip()
                                                     and self.selected_user()):
            self.pin.setFocus()
        else:
            self._fail(t("没有这个用户，请重新输入姓名或序号", "No such user: type a name or "
                         "number"))
            self.who.setFocus()

    def _pad(self, key: str) -> None:
        if key == "⌫":
            self.pin.backspace()
        elif key == "C":
            self.pin.clear()
        else:
            self.pin.insert(key)
        self.pin.setFocus()

    def submit(self) -> None:
        user = self.locked_user or self.selected_user()
        if user is None:
            self._fail(t("请先选择用户", "Choose a user first"))
            return
        if self.state.contest is None:
            self._fail(t("未打开赛事", "No contest open"))
            return
        pin = self.pin.text()
        self.pin.clear()
        try:
            self.state.sign_in(user, pin)
        except JiangxinError as exc:  # wrong PIN, locked out: shown here, in place
            self._fail(str(exc))
            return
        self.message.clear()
        self.locked_user = None
        self.signed_in_done.emit(user)

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.pin.setFocus()
        self.sign_in_failed.emit(text)


class IdleWatcher(QObject):
    """Emits ``idled`` after ``minutes`` without keyboard or mouse input (0: never)."""

    idled = Signal()
    ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                QEvent.Type.Wheel, QEvent.Type.TouchBegin}

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.idled)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.minutes = minutes
        self.timer.stop()
        if minutes > 0:
            self.timer.setInterval(int(minutes * 60_000))
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in self.ACTIVITY and self.minutes > 0:
            self.timer.start()
        return False

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.timer.stop()
