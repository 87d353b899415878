"""签名口令 The signing passphrase in the app: asked once per session, held in memory only."""

from __future__ import annotations

from db.keys import passphrase as pp
from ui.i18n import t
from ui.qt import QInputDialog, QLineEdit, QWidget


def signing_passphrase(parent: QWidget | None, *, demo: bool = False) -> str | None:
    """The passphrase held for this session (or JIANGXIN_PASSPHRASE); otherwise asked once in
    a dialog and held until the app closes (or until it proves wrong: see forget()). None if
    the user cancels."""
    known = pp.current()
    if known:
        return known
    hint = t(f"\n（演示赛事的口令：{pp.DEMO_PASSPHRASE}）",
             f"\n(the demo contest's passphrase: {pp.DEMO_PASSPHRASE})") if demo else ""
    text, ok = QInputDialog.getText(
        parent, t("签名口令", "Signing passphrase"),
        t("输入赛事签名口令（至少12个字符；PIN 不能解锁签名密钥）。本次运行中只问一次，"
          "只保存在内存中。", "The contest's signing passphrase (at least 12 characters; a PIN "
          "does not unlock the signing key). Asked once per session, kept in memory only.")
        + hint, QLineEdit.EchoMode.Password)
    if not ok or not text:
        return None
    pp.hold(text)
    return text


def forget() -> None:
    """Drop the held passphrase (after it proved wrong), so that the next signing asks again."""
    pp.hold(None)


def hq_passphrase(parent: QWidget | None) -> str | None:
    """Headquarters' operator passphrase (JIANGXIN_HQ_PASSPHRASE, else JIANGXIN_PASSPHRASE),
    else asked in a dialog each time (it signs trust files); None if cancelled."""
    import os

    known = os.environ.get("JIANGXIN_HQ_PASSPHRASE") or os.environ.get(pp.ENV)
    if known:
        return known
    text, ok = QInputDialog.getText(
        parent, t("总部口令", "Headquarters passphrase"),
        t("输入总部操作员口令（签发信任文件用，至少12个字符）。",
          "The headquarters operator's passphrase (it signs the trust file; at least 12 "
          "characters)."), QLineEdit.EchoMode.Password)
    return text if ok and text else None
