"""The app's two languages: Chinese first, English second; switchable at run time.

Every visible string is written as ``t("中文", "English")`` at the place it is shown, so the
two stay side by side in the code and a screen re-reads them when the language changes.
"""

from __future__ import annotations

_language = "zh"


def set_language(lang: str) -> None:
    global _language
    if lang not in ("zh", "en"):
        raise ValueError(lang)
    _language = lang
    install_qt_translations(lang)  # Qt's own buttons and menus follow (once the app exists)


def language() -> str:
    return _language


def t(zh: str, en: str) -> str:
    """The string in the current language."""
    return zh if _language == "zh" else en


ROLE_LABELS = {
    "admin": ("组委会/赛务", "Organiser"),
    "chief": ("裁判长", "Chief judge"),
    "judge": ("裁判员", "Judge"),
    "recorder": ("记分员", "Recorder"),
    "encryption": ("加密裁判", "Encryption officer"),
    "supervisor": ("监督仲裁", "Supervisor"),
}

STATUS_LABELS = {
    "ok": ("正常", "OK"),
    "absent": ("缺考", "Absent"),
    "withdrawn": ("弃权", "Withdrawn"),
    "terminated": ("终止比赛", "Terminated"),
    "disqualified": ("取消资格", "Disqualified"),
}


def role_label(role: str) -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return t(zh, en)


def status_label(status: str) -> str:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return t(zh, en)


_qt_translators: list[object] = []


def install_qt_translations(lang: str | None = None) -> bool:
    """Qt's own Chinese (``qtbase_zh_CN`` from PySide6's translations folder) for Chinese.

    Qt's standard buttons and menus (确定/取消, the text fields' 撤销/剪切 menu) then read in
    Chinese; for English the translator is removed. Returns True when the Chinese file loaded.
    """
    from ui.qt import QCoreApplication, QLibraryInfo, QTranslator

    app = QCoreApplication.instance()
    if app is None:
        return False
    for old in _qt_translators:
        app.removeTranslator(old)  # type: ignore[arg-type]
    _qt_translators.clear()
    if (lang or _language) != "zh":
        return False
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load("qtbase_zh_CN", folder):
        return False
    app.installTranslator(translator)
    _qt_translators.append(translator)
    return True
