"""The screens of the app: which exist, who sees them, and building them on first show.

Screens are listed in :data:`SCREENS` with the roles that see them. Each is a ``QWidget``
subclass taking the :class:`AppState` with a ``refresh(changes, initiator)`` slot that the main
window's :class:`ui.ops.ScreenWatcher` calls. A module that is not there yet (another team's
screen) is skipped, found with ``importlib.util.find_spec`` so that real import errors inside a
screen still surface.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from ui.i18n import t
from ui.qt import QWidget
from ui.state import AppState

ALL = frozenset({"admin", "chief", "judge", "recorder", "encryption", "supervisor"})


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    module: str
    cls: str
    zh: str
    en: str
    roles: frozenset[str]

    @property
    def title(self) -> str:
        return t(self.zh, self.en)


SCREENS: list[ScreenSpec] = [
    ScreenSpec("board", "ui.board", "BoardScreen", "工位看板", "Workstations",
               frozenset({"admin", "chief", "supervisor", "recorder"})),
    ScreenSpec("checkin", "ui.checkin", "CheckinScreen", "检录", "Check-in",
               frozenset({"admin", "chief"})),
    ScreenSpec("draw", "ui.draw", "DrawScreen", "抽签", "Draw",  # chief: 抽签核验
               frozenset({"admin", "chief", "supervisor", "encryption"})),
    ScreenSpec("imports", "ui.imports", "ImportsScreen", "导入", "Import",
               frozenset({"admin", "chief", "recorder"})),
    ScreenSpec("marking", "ui.marking", "MarkingScreen", "评分录入", "Marking",
               frozenset({"judge", "recorder", "chief"})),
    ScreenSpec("chief", "ui.chief", "ChiefScreen", "裁判长", "Chief judge",
               frozenset({"chief"})),
    ScreenSpec("appeals", "ui.appeals", "AppealsScreen", "申诉", "Appeals",
               frozenset({"chief", "supervisor"})),
    # the chief judge settles disagreements on the chief's screen; the supervisor reads them
    ScreenSpec("disagreements", "ui.disagreements", "DisagreementsScreen", "录入分歧",
               "Disagreements", frozenset({"supervisor"})),
    ScreenSpec("results", "ui.results", "ResultsScreen", "成绩", "Results", ALL),
    ScreenSpec("certificates", "ui.certificates", "CertificatesScreen", "证书", "Certificates",
               frozenset({"admin"})),
    # the organiser prints forms on the certificates screen, the chief judge here, and the
    # encryption officer the draw sheet for the sealed envelope
    ScreenSpec("forms", "ui.paper_forms_view", "PaperFormsScreen", "纸质表格", "Paper forms",
               frozenset({"chief", "encryption"})),
    ScreenSpec("verify", "ui.verify", "VerifyScreen", "证书核验", "Verify certificate", ALL),
    ScreenSpec("audit", "ui.audit_view", "AuditScreen", "审计日志", "Audit log", ALL),
]
# a screen is built from the application state: ``SomeScreen(state)``
ScreenClass = Callable[[AppState], QWidget]
HALL = ScreenSpec("hall", "ui.hall", "HallScreen", "大屏显示", "Hall display", ALL)


def screen_class(spec: ScreenSpec) -> ScreenClass | None:
    """The screen's class, or None when its module is not in this build yet."""
    try:
        found = importlib.util.find_spec(spec.module)
    except ModuleNotFoundError:
        found = None
    if found is None:
        return None
    mod = importlib.import_module(spec.module)
    cls = getattr(mod, spec.cls, None)
    if cls is None:  # tolerate another name: the one Screen class defined in the module
        cands = [c for n, c in inspect.getmembers(mod, inspect.isclass)
                 if n.endswith("Screen") and c.__module__ == mod.__name__
                 and issubclass(c, QWidget)]
        cls = cands[0] if len(cands) == 1 else None
    return cast("ScreenClass | None", cls)


def available(role: str) -> list[tuple[ScreenSpec, ScreenClass]]:
    out = []
    for spec in SCREENS:
        if role in spec.roles:
            cls = screen_class(spec)
            if cls is not None:
                out.append((spec, cls))
    return out


class LazyScreens:
    """Screen widgets by key, each built by its factory the first time it is asked for."""

    def __init__(self) -> None:
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self._built: dict[str, QWidget] = {}

    def add(self, key: str, factory: Callable[[], QWidget]) -> None:
        self._factories[key] = factory

    def __contains__(self, key: object) -> bool:
        return key in self._factories

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._built:
            self._built[key] = self._factories[key]()
        return self._built[key]

    def get(self, key: str) -> QWidget | None:
        return self[key] if key in self._factories else None

    def keys(self) -> list[str]:
        return list(self._factories)

    def values(self) -> list[QWidget]:
        """The screens built so far."""
        return list(self._built.values())

    def clear(self) -> None:
        self._factories.clear()
        self._built.clear()
