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
