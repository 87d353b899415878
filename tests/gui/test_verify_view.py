"""证书核验: a scanner types the QR text and Enter; short codes; images and PDFs; a big verdict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import Qt

from db.keys import signing
from db.keys.contest_key import contest_key
from db.ops import certificates as certs
from printing.certificates import PDF
from ui.screens import SCREENS, screen_class
from ui.state import AppState
from ui.verify import VerifyScreen


@pytest.fixture
def issued(signed_in: Callable[[str], AppState], tmp_path: Path) -> tuple[AppState, Path, list]:
    state = signed_in("admin")
    pdf = tmp_path / "certificates.pdf"
    done = certs.issue_certificates(state.contest, "admin", "0000", out=pdf,
                                  printer=PDF)
    return state, pdf, done


def make(qtbot, state: AppState) -> VerifyScreen:
    w = VerifyScreen(state)
    qtbot.addWidget(w)
    w.resize(1000, 760)
    w.show()
    return w


def scan(qtbot, w: VerifyScreen, text: str) -> list:
    """What a USB scanner does: types the text, then Enter."""
    w.input.clear()
    qtbot.keyClicks(w.input, text)
    with qtbot.waitSignal(w.verified) as sig:
        qtbot.keyClick(w.input, Qt.Key.Key_Return)
    return list(sig.args[0])


def field_texts(w: VerifyScreen) -> list[str]:
    out = []
    for i in range(w.fields.rowCount()):
        item = w.fields.itemAt(i, w.fields.ItemRole.FieldRole)
        out.append(item.widget().text())
    return out


def test_registry_entry() -> None:
    spec = next(s for s in SCREENS if s.key == "verify")
    assert screen_class(spec) is VerifyScreen and spec.zh == "证书核验" and "judge" in spec.roles


def test_scanned_qr_is_genuine_and_shows_the_fields(qtbot, issued) -> None:
    state, _pdf, done = issued
    w = make(qtbot, state)
    [v] = scan(qtbot, w, done[0].qr_text)
    assert v.status == "genuine"
    assert "真" in w.verdict.text()
    shown = field_texts(w)
    assert done[0].name in shown and done[0].serial in shown and done[0].id_masked in shown
    # the next scan replaces the text (it is selected)
    assert w.input.selectedText() == w.input.text()


def test_altered_and_revoked(qtbot, issued) -> None:
    state, _pdf, done = issued
    w = make(qtbot, state)
    text = done[1].qr_text
    i = len(text) - 20
    altered = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
    [v] = scan(qtbot, w, altered)
    assert v.status == "invalid" and "伪" in w.verdict.text()
    assert field_texts(w) == []  # nothing shown as if it were true
    state.apply(certs.revoke, done[1].serial, "冒名顶替")
    [v] = scan(qtbot, w, text)
    assert v.status == "revoked" and "已撤销" in w.verdict.text()
    assert "冒名顶替" in w.message.text()


def test_typed_short_code(qtbot, issued) -> None:
    state, _pdf, done = issued
    w = make(qtbot, state)
    [v] = scan(qtbot, w, done[2].short_code.lower().replace("-", ""))
    assert v.status == "genuine" and done[2].name in field_texts(w)
    [v] = scan(qtbot, w, "00000-00000")
    assert v.status == "invalid"


def test_open_a_pdf_and_a_photo(qtbot, issued, tmp_path: Path) -> None:
    state, pdf, done = issued
    w = make(qtbot, state)
    with qtbot.waitSignal(w.verified, timeout=60_000) as sig:
        w.check_file(pdf)
    verdicts = sig.args[0]
    assert len(verdicts) == len(done) and all(v.status == "genuine" for v in verdicts)
    assert w.pages.isVisible() and w.pages.count() == len(done)
    w.pages.setCurrentRow(2)
    assert done[2].name in field_texts(w)
    photo = tmp_path / "photo.png"
    pdfium.PdfDocument(pdf)[0].render(scale=150 / 72, grayscale=True).to_pil().save(photo)
    with qtbot.waitSignal(w.verified, timeout=30_000) as sig:
        w.check_file(photo)
    assert [v.status for v in sig.args[0]] == ["genuine"]
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (400, 300), 255).save(blank)
    with qtbot.waitSignal(w.verified, timeout=30_000) as sig:
        w.check_file(blank)
    assert sig.args[0][0].status == "invalid" and "二维码" in w.message.text()


def test_headquarters_with_a_trust_file_and_no_contest(qtbot, issued, tmp_path: Path,
                                                      monkeypatch) -> None:
    from db.keys import trust as trust_mod
    from judging import certificate_payload as payload

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # nothing pinned yet
    state, _pdf, done = issued
    kid, public = contest_key(state.contest)
    hq_private, hq_public = signing.generate_key()
    trust = tmp_path / "trust.json"
    records = tuple(trust_mod.record_id(payload.unpack(c.qr_text).signed) for c in done)
    trust_mod.make_trust_file(trust, hq_private, [trust_mod.KeyEntry(public, records=records)],
                              [(kid, done[3].serial, "lost")], issued="2026-11-30T08:00:00+00:00")
    w = make(qtbot, AppState())  # no contest open
    assert "未固定总部公钥" in w.source.text() or "No headquarters key" in w.source.text()
    [v] = scan(qtbot, w, done[0].qr_text)
    assert v.status == "unknown-key"
    w.load_trust_file(trust)  # no key pinned: the file proves nothing
    assert w.trust is None and "trust pin" in w.message.text()
    trust_mod.pin_hq_key(hq_public)
    w.load_trust_file(trust)
    assert trust_mod.fingerprint(hq_public) in w.source.text()
    assert "2026-11-30" in w.source.text()  # the trust file's date
    [v] = scan(qtbot, w, done[0].qr_text)
    assert v.status == "genuine"
    [v] = scan(qtbot, w, done[3].qr_text)
    assert v.status == "revoked"
    other = signing.generate_key()[1]  # a file signed by another "headquarters"
    trust_mod.make_trust_file(trust, signing.generate_key()[0],
                              [trust_mod.KeyEntry(other)])
    w.load_trust_file(trust)
    assert w.trust is None and "not signed by headquarters" in w.message.text()


def test_any_role_may_check(qtbot, signed_in: Callable[[str], AppState], issued) -> None:
    state, _pdf, done = issued
    state.sign_in("赵一", "2001")  # a judge
    w = make(qtbot, state)
    [v] = scan(qtbot, w, done[0].qr_text)
    assert v.status == "genuine"
