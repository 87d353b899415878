"""Window and device settings in an INI file (QSettings), behind typed properties.

Contest data never lives here: only the last contest, recent files, the language, the
screen-lock delay and the window geometry. ``JIANGXIN_CONFIG`` names another INI file
(tests use it so they never touch the user's own settings).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from ui.qt import QByteArray, QSettings

APP = "jiangxin"


def config_path() -> Path:
    env = os.environ.get("JIANGXIN_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir(APP)) / "jiangxin.ini"


def data_dir() -> Path:
    """Where the demo contest and backups go unless a contest says otherwise."""
    env = os.environ.get("JIANGXIN_DATA")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP))


class Settings:
    MAX_RECENT = 8

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else config_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._s = QSettings(str(self.path), QSettings.Format.IniFormat)

    def sync(self) -> None:
        self._s.sync()

    @property
    def last_db(self) -> Path | None:
        v = self._s.value("contest/last", "")
        return Path(str(v)) if v else None

    @last_db.setter
    def last_db(self, path: Path | None) -> None:
        self._s.setValue("contest/last", str(path) if path else "")
        if path:
            self.add_recent(path)
        self._s.sync()

    @property
    def recent(self) -> list[Path]:
        v = self._s.value("contest/recent", [])
        items = [v] if isinstance(v, str) else list(v) if isinstance(v, list | tuple) else []
        return [Path(str(x)) for x in items if x]

    def add_recent(self, path: Path) -> None:
        items = [str(path)] + [str(p) for p in self.recent if str(p) != str(path)]
        self._s.setValue("contest/recent", items[: self.MAX_RECENT])

    @property
    def language(self) -> str:
        v = str(self._s.value("ui/language", "zh"))
        return v if v in ("zh", "en") else "zh"

    @language.setter
    def language(self, lang: str) -> None:
        self._s.setValue("ui/language", lang)
        self._s.sync()

    @property
    def lock_minutes(self) -> int:
        """Lock the screen after this many minutes without input (0: never)."""
        try:
            return max(0, int(str(self._s.value("ui/lock_minutes", 5))))
        except ValueError:
            return 5

    @lock_minutes.setter
    def lock_minutes(self, minutes: int) -> None:
        self._s.setValue("ui/lock_minutes", int(minutes))

    @property
    def geometry(self) -> QByteArray | None:
        v = self._s.value("ui/geometry")
        return v if isinstance(v, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._s.setValue("ui/geometry", value)
