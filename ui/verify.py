"""证书核验 Verify a certificate: scan or paste the QR text, type the short code, or open a photo,
scan or PDF; the fields and a big verdict: 真 genuine, 已撤销 revoked, 无效 invalid.

A USB scanner types the QR text and Enter into the field, which keeps the focus. The checks
use the open contest's key and revocations, and, if one is loaded, headquarters' trust file
(so headquarters can check certificates of any contest). Decoding images and PDFs runs on a
worker thread (it needs no contest); the check itself is quick and runs on the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from db.keys import certificate_check as cc
from db.store.changes import Changes, Kind
from judging.errors import InputError, JiangxinError
from ui import files
from ui.i18n import t
from ui.pdf_view import PDFIUM
from ui.qt import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.state import AppState

VERDICT_STYLE = {
    cc.GENUINE: ("#15803d", "#dcfce7"),
    cc.REVOKED: ("#b45309", "#fef3c7"),
    cc.INVALID: ("#b91c1c", "#fee2e2"),
    cc.UNKNOWN_KEY: ("#b91c1c", "#fee2e2"),
    cc.NOT_ISSUED: ("#b91c1c", "#fee2e2"),
    cc.SIGNATURE_ONLY: ("#1d4ed8", "#dbeafe"),
}


def decode(path: Path) -> list[tuple[str, str]]:
    """Every QR code's text in an image or a PDF, with where it was: (where, text). Runs on a
    worker (ui.worker.run_work): no widgets, no contest."""
    from printing import scan

    if scan.is_pdf(path):
        with PDFIUM:
            pages = scan.qr_texts_in_pdf(path)
        found = [(f"{t('第', 'page ')}{n}{t('页', '')}", text)
                 for n, texts in pages for text in texts]
    else:
        found = [(path.name, text) for text in scan.qr_texts_in_image(path)]
    if not found:
        raise InputError(t("未找到二维码：请拍得更近、更清楚些",
                           "No QR code found: try a closer, sharper picture"), file=str(path))
    return found


class VerifyScreen(QWidget):
    """Anyone may check a certificate here; nothing is written."""

    verified = Signal(object)  # list[Verdict], after every check

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.trust: cc.Keys | None = None
        self.verdicts: list[cc.Verdict] = []

        self.input = QLineEdit()
        self.input.setPlaceholderText(t("扫码或粘贴二维码内容，或输入证书上的核验码，回车",
                                        "Scan or paste the QR text, or type the short code "
                                        "printed on the certificate, then Enter"))
        self.input.setClearButtonEnabled(True)
        self.input.setMinimumHeight(44)
        f = self.input.font()
        f.setPixelSize(20)
        self.input.setFont(f)
        self.check_btn = QPushButton(t("核验", "Check"))
        self.open_btn = QPushButton(t("打开图片或PDF…", "Open an image or PDF…"))
        self.trust_btn = QPushButton(t("载入信任文件…", "Load a trust file…"))
        self.source = QLabel()
        self.source.setStyleSheet("color: #56617a;")

        self.verdict = QLabel()
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verdict.setMinimumHeight(120)
        vf = self.verdict.font()
        vf.setPixelSize(64)
        vf.setBold(True)
        self.verdict.setFont(vf)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fields_box = QFrame()
        self.fields_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.fields = QFormLayout(self.fields_box)
        self.pages = QListWidget()
        self.pages.setMaximumHeight(120)
        self.pages.setVisible(False)

        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.check_btn)
        files = QHBoxLayout()
        files.addWidget(self.open_btn)
        files.addWidget(self.trust_btn)
        files.addWidget(self.source, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(files)
        lay.addWidget(self.verdict)
        lay.addWidget(self.message)
        lay.addWidget(self.pages)
        lay.addWidget(self.fields_box, 1)

        self.input.returnPressed.connect(self.check_input)
        self.check_btn.clicked.connect(self.check_input)
        self.open_btn.clicked.connect(self._ask_file)
        self.trust_btn.clicked.connect(self._ask_trust)
        self.pages.currentRowChanged.connect(self._page_chosen)
        state.contest_opened.connect(self._contest_opened)
        self._show_source()
        self._show([])

    # ---- what the checks trust ----------------------------------------------------------
    def _contest_opened(self, _contest: object) -> None:
        # a bound method, not a lambda: the connection ends with this widget
        self._show_source()

    def keys(self) -> cc.Keys:
        keys: dict[str, bytes] = {}
        revoked: set[str] = set()
        contest = self.state.contest
        own_kid = None
        if contest is not None:
            own = cc.keys_from_contest(contest)
            keys.update(own.public_keys)
            revoked |= set(own.revoked)
            own_kid = own.contest_key_id
        trust_list = self.trust.trust if self.trust is not None else None
        if trust_list is not None:
            keys.update(trust_list.public_keys)
        return cc.Keys(keys, frozenset(revoked), contest, trust=trust_list,
                       contest_key_id=own_kid)

    def load_trust_file(self, path: str | Path, hq_key: str | None = None) -> None:
        """A trust file counts only under headquarters' root key: ``hq_key`` (hex) or the one
        pinned with `jiangxin trust pin` (shown with its fingerprint)."""
        try:
            self.trust = cc.keys_from_trust_file(path, hq_key)
        except JiangxinError as exc:
            self.trust = None
            self._show_source()
            self._show([cc.Verdict(cc.INVALID, str(exc))])
            return
        self._show_source()

    def _show_source(self) -> None:
        from db.keys.trust import fingerprint, pinned_hq_key

        parts = []
        if self.state.contest is not None:
            parts.append(t(f"本赛事：{self.state.contest.competition.name}",
                           f"This contest: {self.state.contest.competition.name}"))
        tl = self.trust.trust if self.trust is not None else None
        if tl is not None:
            n = len(tl.keys)
            parts.append(t(f"信任文件（{tl.issued[:10]} 签发，{n} 个赛事密钥，总部公钥 "
                           f"{fingerprint(tl.hq_public)}）",
                           f"Trust file of {tl.issued[:10]} ({n} contest keys, headquarters "
                           f"key {fingerprint(tl.hq_public)})"))
        else:
            pinned = pinned_hq_key()
            parts.append(t(f"已固定总部公钥 {fingerprint(pinned)}", f"Pinned headquarters key "
                           f"{fingerprint(pinned)}") if pinned is not None else
                         t("未固定总部公钥", "No headquarters key pinned"))
        self.source.setText(t("对照 ", "Checked against ") + "；".join(parts))

    # ---- checking ---------------------------------------------------------------------------
    def check_input(self) -> list[cc.Verdict]:
        text = self.input.text().strip()
        if not text:
            return []
        path = Path(text)
        try:
            is_file = len(text) < 1024 and path.is_file()
        except (OSError, ValueError):  # a long QR text is no file name
            is_file = False
        if is_file:
            self.check_file(path)
            return []
        verdicts = [cc.check_text(text, self.keys())]
        self._show(verdicts)
        self.input.selectAll()  # the next scan replaces it
        return verdicts

    def check_file(self, path: str | Path) -> None:
        """Decode an image or PDF on a worker; the verdicts follow through ``verified``."""
        from ui.worker import run_work

        self.message.setText(t(f"正在读取 {Path(path).name}…", f"Reading {Path(path).name}…"))
        run_work(lambda _progress: decode(Path(path)), self._decoded,
                 on_error=self._decode_failed, owner=self)

    def _decoded(self, found: list[tuple[str, str]]) -> None:
        keys = self.keys()
        self._show([cc.check_text(text, keys, where) for where, text in found])

    def _decode_failed(self, exc: BaseException) -> None:
        message = exc.detail if isinstance(exc, InputError) else str(exc)
        self._show([cc.Verdict(cc.INVALID, message)])

    # ---- showing ----------------------------------------------------------------------------
    def _show(self, verdicts: list[cc.Verdict]) -> None:
        self.verdicts = verdicts
        self.pages.clear()
        self.pages.setVisible(len(verdicts) > 1)
        for v in verdicts:
            zh, en = v.label
            name = v.fields.name if v.fields else ""
            self.pages.addItem(f"{v.where}  {t(zh, en)}  {name}")
        if not verdicts:
            self.verdict.setText(t("待核验", "Ready"))
            self.verdict.setStyleSheet("color: #56617a; background: #f3f4f6; border-radius: 8px;")
            self.message.setText(t("证书上的二维码可用扫码枪扫描，或输入二维码下方的核验码。",
                                   "Scan the certificate's QR code, or type the short code "
                                   "printed under it."))
            self._fields(None)
        else:
            overall = cc.worst(verdicts)
            self._verdict(overall, len(verdicts))
            self._fields(verdicts[0])
            if len(verdicts) > 1:
                self.pages.setCurrentRow(0)
        self.verified.emit(verdicts)

    def _verdict(self, v: cc.Verdict, n: int) -> None:
        zh, en = v.label
        fg, bg = VERDICT_STYLE[v.status]
        self.verdict.setText(f"{zh}  {en}" if n == 1 else
                             t(f"{zh}（共 {n} 张）", f"{en} ({n} certificates)"))
        self.verdict.setStyleSheet(f"color: {fg}; background: {bg}; border-radius: 8px;")
        self.message.setText(v.message + (t(f"\n二维码指向：{v.address}",
                                              f"\nThe QR pointed to: {v.address}")
                                            if v.address else ""))

    def _page_chosen(self, row: int) -> None:
        if 0 <= row < len(self.verdicts):
            self._fields(self.verdicts[row])

    def _fields(self, v: cc.Verdict | None) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        if v is None or v.fields is None:
            return
        for zh, en, value in cc.field_lines(v.fields):
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            f = label.font()
            f.setPixelSize(18 if zh in ("姓名", "奖项") else 15)
            f.setBold(zh in ("姓名", "奖项"))
            label.setFont(f)
            self.fields.addRow(t(zh, en), label)

    # ---- dialogs ----------------------------------------------------------------------------
    def _ask_file(self) -> None:
        dialog = files.make_dialog(self, t("打开证书图片或PDF", "Open a certificate image or PDF"),
                                   "certificate",
                                   "Certificates (*.pdf *.png *.jpg *.jpeg *.bmp *.tif *.tiff)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.check_file)
        dialog.open()

    def _ask_trust(self) -> None:
        dialog = files.make_dialog(self, t("载入总工会信任文件", "Load headquarters' trust file"),
                                   "trust", "Trust file (*.json)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.load_trust_file)
        dialog.open()

    def refresh(self, changes: Changes, initiator: object = None) -> None:
        if changes.touches(Kind.CERTIFICATES, Kind.SESSION):
            self._show_source()
