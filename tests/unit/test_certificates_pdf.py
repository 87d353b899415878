"""Certificate PDFs: QR decodes from a 150 dpi rendering and verifies; fonts embedded as subsets."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from db.keys import signing
from judging import certificate_payload as p
from judging.certificate import CertificateData
from judging.errors import InputError, Revoked, VerificationFailed
from printing import fonts
from printing.certificates import (
    PORTRAIT,
    CertificateTemplate,
    chinese_date,
    render_certificates,
)
from printing.qr import qr_code
from tests.unit.test_certificate_payload import CERT as BASE
from tests.unit.test_certificate_payload import WORST


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    return signing.generate_key()


@pytest.fixture(scope="module")
def certs(key: tuple[bytes, bytes]) -> list[CertificateData]:
    raw = [
        BASE,
        dataclasses.replace(
            WORST,
            serial="HLJ-2020-GJQG-F-GJQG-0002",
            date="2020-09-25",
            id_masked="2302**********0011",
        ),
        dataclasses.replace(
            BASE,
            serial="HLJ-2020-GJQG-F-GJQG-0003",
            name="吉𠮷",
            award="三等奖",
            title=None,
            grade=None,
            place=9,
        ),
    ]
    return [signing.sign_certificate(c, key[0]) for c in raw]


def render(
    certs: list[CertificateData], template: CertificateTemplate | None = None
) -> bytes:
    out = io.BytesIO()
    render_certificates(certs, template, out)
    return out.getvalue()


def scan(pdf: bytes, dpi: int = 150) -> list[tuple[str, str]]:
    """(QR text, page text) per page, rendered as a 150 dpi greyscale scan would be."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for page in doc:
        image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        text = page.get_textpage().get_text_range()
        out.append(("".join(c.text for c in codes) if len(codes) == 1 else "", text))
    return out


@pytest.fixture(scope="module")
def pages(certs: list[CertificateData]) -> list[tuple[str, str]]:
    return scan(render(certs))


def test_every_page_qr_decodes_at_150_dpi_and_verifies(
    key: tuple[bytes, bytes], certs: list[CertificateData], pages: list[tuple[str, str]]
) -> None:
    keys = {signing.key_id(key[1]): key[1]}
    assert len(pages) == len(certs)
    for cert, (qr, _text) in zip(certs, pages):
        assert qr == cert.qr_text
        assert signing.verify_certificate(qr, keys).fields == cert


def test_the_worst_case_qr_is_version_13_at_most(certs: list[CertificateData]) -> None:
    for cert in certs:
        assert qr_code(cert.qr_text, "M").version <= 13
        assert qr_code(cert.qr_text, "M").version <= p.qr_version(cert.qr_text)


def test_printed_text_matches_the_signed_fields(
    certs: list[CertificateData], pages: list[tuple[str, str]]
) -> None:
    for cert, (_qr, text) in zip(certs, pages):
        flat = re.sub(r"\s", "", text)
        for value in (
            cert.name,
            cert.unit,
            cert.serial,
            cert.id_masked,
            cert.short_code,
            cert.organiser,
            chinese_date(cert.date),
            cert.award,
        ):
            assert value and value in flat, value
    assert "补发" in pages[1][1] and "补发" not in pages[0][1]


def test_tampered_or_revoked_after_scanning(
    key: tuple[bytes, bytes], pages: list[tuple[str, str]]
) -> None:
    keys = {signing.key_id(key[1]): key[1]}
    qr = pages[0][0]
    forged = qr[:-5] + str((int(qr[-5]) + 1) % 10) + qr[-4:]
    with pytest.raises(VerificationFailed):
        signing.verify_certificate(forged, keys)
    with pytest.raises(Revoked):
        signing.verify_certificate(qr, keys, {BASE.serial})


def test_fonts_are_embedded_as_subsets(certs: list[CertificateData]) -> None:
    pdf = render(certs)
    names = set(re.findall(rb"/BaseFont /([A-Z]{6}\+[A-Za-z\-]+)", pdf))
    assert any(n.endswith(b"+NotoSerifSC-Regular") for n in names)
    assert any(n.endswith(b"+NotoSerifSC-Bold") for n in names)
    assert any(n.endswith(b"+HanaMinB") for n in names)  # 𠮷 from the fallback font
    assert pdf.count(b"/FontFile2") >= 3
    assert len(pdf) < 600_000  # subsets, not the 14 MB fonts


def test_portrait_template_decodes_too(
    key: tuple[bytes, bytes], certs: list[CertificateData]
) -> None:
    keys = {signing.key_id(key[1]): key[1]}
    [(qr, text)] = scan(render(certs[:1], PORTRAIT))
    assert signing.verify_certificate(qr, keys).fields.name == "王建国"
    assert "荣誉证书" in re.sub(r"\s", "", text)


def test_a_character_no_font_has_is_caught_before_printing(
    tmp_path: Path, key: tuple[bytes, bytes]
) -> None:
    bad = [
        signing.sign_certificate(BASE, key[0]),
        signing.sign_certificate(
            dataclasses.replace(BASE, name="李\U00030edd"), key[0]
        ),  # Ext G
        signing.sign_certificate(
            dataclasses.replace(BASE, unit="某\ue123公司"), key[0]
        ),  # PUA
    ]
    problems = fonts.check_fields(bad)
    assert [(pr.person, pr.field, pr.char) for pr in problems] == [
        ("李\U00030edd", "name", "\U00030edd"),
        ("王建国", "unit", "\ue123"),
    ]
    out = tmp_path / "c.pdf"
    with pytest.raises(InputError, match="U\\+30EDD") as err:
        render_certificates(bad, None, out)
    assert "U+E123" in str(err.value)
    assert not out.exists()


def test_missing_glyphs_uses_the_fallback() -> None:
    assert fonts.missing_glyphs("王建国堃玥昇喆䶮𠮷") == []
    assert fonts.missing_glyphs("a\x07b") == ["\x07"]
    assert fonts.runs("吉𠮷", fonts.SERIF) == (
        ("NotoSerifSC", "吉"),
        ("HanaMinB", "𠮷"),
    )


def test_unsigned_certificate_is_refused_and_progress_reported(
    certs: list[CertificateData],
) -> None:
    with pytest.raises(InputError, match="not signed"):
        render([BASE])
    calls: list[tuple[int, int]] = []
    render_certificates(
        certs, None, io.BytesIO(), progress=lambda i, n: calls.append((i, n))
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_chinese_date() -> None:
    assert chinese_date("2020-09-25") == "二〇二〇年九月二十五日"
    assert chinese_date("2021-10-10") == "二〇二一年十月十日"
    assert chinese_date("2019-12-31") == "二〇一九年十二月三十一日"
