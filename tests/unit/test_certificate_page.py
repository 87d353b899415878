"""The certificate page as a holder and a phone see it: a QR code that decodes from a soft
phone picture, its quiet zone clear, the short code labelled, Chinese WorldSkills awards, the
seal over the organiser, every font embedded, no value broken across lines."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageFilter

from db.keys import signing
from judging.certificate import CertificateData, certificate_award
from printing import certificates as pc
from tests.unit.test_certificate_payload import CERT as BASE
from tests.unit.test_certificate_payload import WORST

URL = "HTTPS://VERIFY.HQ.TEST/c"
QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def soft_phone_picture(page: pdfium.PdfPage) -> Image.Image:
    """The page at 300 dpi, blurred (Gaussian, sigma 3 px), scaled to 30 %, saved as JPEG
    at quality 50: a phone's picture of the paper at arm's length."""
    image = page.render(scale=300 / 72).to_pil().convert("L")
    image = image.filter(ImageFilter.GaussianBlur(3))
    image = image.resize((round(image.width * 0.3), round(image.height * 0.3)),
                         Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=50)
    buf.seek(0)
    return Image.open(buf)


@pytest.fixture(scope="module")
def certs() -> list[CertificateData]:
    key = signing.generate_key()[0]
    worst = dataclasses.replace(WORST, serial="HLJ-2020-GJQG-F-GJQG-0002", date="2020-09-25",
                                id_masked="2302**********0011")
    return [signing.sign_certificate(c, key, URL) for c in (BASE, worst)]


def render(certs: list[CertificateData], t: pc.CertificateTemplate | None = None) -> bytes:
    out = io.BytesIO()
    pc.render_certificates(certs, t, out)
    return out.getvalue()


@pytest.mark.parametrize("template", [None, pc.PORTRAIT], ids=["landscape", "portrait"])
def test_the_qr_decodes_from_a_soft_phone_picture_on_every_page(
        certs: list[CertificateData], template: pc.CertificateTemplate | None) -> None:
    doc = pdfium.PdfDocument(render(certs, template))
    for page, cert in zip(doc, certs):
        codes = [c.text for c in zxingcpp.read_barcodes(soft_phone_picture(page), formats=QR)
                 if c.valid]
        assert codes == [cert.qr_text]


def test_the_real_certificates_decode_from_a_soft_phone_picture(tmp_path: Path,
        example_db: object) -> None:
    from tests.conftest import cli

    db = example_db("decrypted")  # type: ignore[operator]
    pdf = tmp_path / "c.pdf"
    assert cli("certificates", "--out", pdf, "--db", db, who="admin") == 0
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 7
    for page in doc:
        assert [c for c in zxingcpp.read_barcodes(soft_phone_picture(page), formats=QR)
                if c.valid]


@pytest.mark.parametrize("template", [None, pc.PORTRAIT], ids=["landscape", "portrait"])
def test_the_quiet_zone_is_clear(certs: list[CertificateData],
                                 template: pc.CertificateTemplate | None) -> None:
    t = template or pc.CertificateTemplate()
    page = pdfium.PdfDocument(render(certs[:1], t))[0]
    scale = 200 / 72
    image = page.render(scale=scale, grayscale=True).to_pil()
    x, y, w, h = pc.qr_box(certs[0], t)
    qx, qy, qs = pc._geometry(t).qr_x, pc._geometry(t).qr_y, pc._geometry(t).qr_size
    top = image.height - (y + h) * scale
    # the ring between the symbol and the quiet zone's outer edge: white (the faint rosette
    # lies elsewhere; nothing else may be drawn there)
    for px in range(int(x * scale) + 1, int((x + w) * scale) - 1):
        for py in range(int(top) + 1, int(top + h * scale) - 1):
            inside = (qx * scale - 1 <= px <= (qx + qs) * scale + 1 and
                      image.height - (qy + qs) * scale - 1 <= py <= image.height - qy * scale + 1)
            if not inside:
                assert image.getpixel((px, py)) > 200, (px, py)


def test_short_code_labelled_and_every_font_embedded(certs: list[CertificateData],
                                                     tmp_path: Path) -> None:
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(render(certs))
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "验证码" in text and certs[0].short_code in text
    assert b"Helvetica" not in pdf.read_bytes()
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out and all(line.split()[-5] == "yes" for line in out), out  # emb column


def test_worldskills_awards_print_in_chinese() -> None:
    assert [certificate_award(a, "worldskills") for a in
            ("Gold", "Silver", "Bronze", "Medallion for Excellence")] == [
        "金牌", "银牌", "铜牌", "优胜奖"]
    assert certificate_award("Gold", "quota") == "Gold"  # only the WorldSkills rule's strings
    assert certificate_award("一等金", "worldskills") == "一等金"  # a file's own names as they are


def test_demo_worldskills_certificates_say_jinpai(tmp_path: Path) -> None:
    from db.ops import certificates as certs
    from db.ops.demo import write_demo
    from db.store.contest import Contest

    db = write_demo(tmp_path / "demo.jxdb", size=16)
    c = Contest.open(db)
    c.sign_in("admin", "0000")
    ws = [e.id for e in c.competition.events if e.awards.rule == "worldskills"]
    assert ws
    awards = {s.current.award for s in certs.list_certificates(c, ws[0]) if s.current}
    assert awards and awards <= {"金牌", "银牌", "铜牌", "优胜奖"}
    out = tmp_path / "ws.pdf"
    certs.issue_certificates(c, "admin", None, ws, out=out, printer=pc.PDF)
    text = "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(out))
    assert "荣获金牌" in text.replace("\n", "").replace("\r", "") and "Gold" not in text
    c.close()


def test_a_value_is_never_broken_across_lines() -> None:
    from printing import fonts

    fonts.register_fonts()
    values = {"event_group": "工具钳工（职工组）", "competition": "2020年黑龙江省职工职业技能大赛",
              "award": "一等奖"}
    spans = pc._spans("在{competition}“{event_group}”项目中，成绩优异，荣获{award}。", values)
    for width in range(240, 620, 7):  # body widths from narrower than portrait's (425 pt) up
        lines = pc._wrap(spans, 17, float(width), 34)
        texts = ["".join(t for t, _f, emph in line if emph) for line in lines]
        joined = ["".join(t for t, _f, _e in line) for line in lines]
        for value in values.values():
            if fonts.text_width(value, fonts.SERIF_BOLD, 17) <= width:
                assert any(value in t for t in joined), (width, joined)
        assert "".join(joined) == ("在2020年黑龙江省职工职业技能大赛“工具钳工（职工组）”项目中，"
                                   "成绩优异，荣获一等奖。")
        assert texts


def test_the_seal_is_printed_over_the_organiser(tmp_path: Path,
                                                certs: list[CertificateData]) -> None:
    seal = tmp_path / "seal.png"
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    for i in range(400):
        for j in range(400):
            if 150 ** 2 < (i - 200) ** 2 + (j - 200) ** 2 < 190 ** 2:
                img.putpixel((i, j), (200, 20, 20, 200))
    img.save(seal)
    t = pc.CertificateTemplate(seal=str(seal))
    page = pdfium.PdfDocument(render(certs[:1], t))[0]
    image = page.render(scale=100 / 72).to_pil().convert("RGB")
    g = pc._geometry(t)
    # a point of the ring, over the organiser's line: red
    cx, cy = g.sign_x * 100 / 72, image.height - (g.sign_y - 4.5 * 72 / 25.4) * 100 / 72
    ring = 42 * 72 / 25.4 / 2 * 100 / 72 * 0.85
    r, gr, b = image.getpixel((int(cx + ring), int(cy)))
    assert r > 150 and gr < 120 and b < 120
