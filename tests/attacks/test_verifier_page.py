"""The verification page in a real browser (Debian's chromium, headless), one test per verdict,
with QR texts decoded from real certificate PDFs."""

from __future__ import annotations

import re
from pathlib import Path

from db.keys.verifier_page import MAX_BYTES
from judging import certificate_payload as payload
from tests.attacks.conftest import World
from tests.attacks.test_chain_of_trust import never_issued
from tests.browser import open_page, page_url
from tests.conftest import cli, copy_db


def test_the_page_is_self_contained_and_small(world: World) -> None:
    html = world.page.read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < MAX_BYTES
    # nothing to fetch: no src/href attributes, no fetch or XHR, no imports, CSP 'none'
    assert not re.search(r"<[a-z]+[^>]*\s(src|href)\s*=", html)
    assert "fetch(" not in html and "XMLHttpRequest" not in html and "import(" not in html
    assert "default-src 'none'" in html


def test_genuine(world: World) -> None:
    shown = open_page(page_url(world.page, world.texts[0]))
    f = payload.unpack(world.texts[0]).fields
    assert shown.state == "genuine" and "真" in shown.verdict
    assert shown.fields["name"] == f.name and shown.fields["id_masked"] == f.id_masked
    assert shown.fields["unit"] == f.unit and shown.fields["event"] == f.event
    assert shown.fields["award"] == f.award and shown.fields["date"] == f.date
    assert shown.compare_shown and "请与纸质证书逐项核对" in shown.dom
    assert "compare every line with the paper" in shown.dom


def test_invalid(world: World) -> None:
    head, digits = world.texts[0].rsplit("#", 1)
    i = len(digits) // 2  # a digit of the signed fields
    altered = digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1:]
    shown = open_page(page_url(world.page, f"{head}#{altered}"))
    assert shown.state == "invalid" and "伪" in shown.verdict and not shown.fields
    shown = open_page(page_url(world.page, f"{head}#{digits[:-5]}"))  # truncated
    assert shown.state == "invalid"


def test_revoked(world: World, tmp_path: Path) -> None:
    hq = copy_db(world.hq, tmp_path / "hq.db")
    serial = payload.unpack(world.texts[1]).fields.serial
    assert cli("hq", "revoke", serial, "--reason", "冒名顶替 impersonation", "--hq", hq) == 0
    assert cli("hq", "verifier", "--hq", hq, "--out", tmp_path / "site") == 0
    page = tmp_path / "site" / "index.html"
    shown = open_page(page_url(page, world.texts[1]))
    assert shown.state == "revoked" and "已撤销" in shown.verdict and "冒名顶替" in shown.message
    assert open_page(page_url(page, world.texts[0])).state == "genuine"


def test_unknown_key(world: World) -> None:
    # contest B's certificate: a real signature by a key headquarters never vouched for
    shown = open_page(page_url(world.page, world.other_texts[0]))
    assert shown.state == "unknown-key" and not shown.fields


def test_not_issued(world: World, tmp_path: Path) -> None:
    new, reused = never_issued(world, tmp_path)  # signed with the stolen contest key
    for text in (new, reused):
        shown = open_page(page_url(world.page, text))
        assert shown.state == "not-issued" and "未登记" in shown.verdict
        assert shown.fields["name"] == "张三丰"


def test_the_page_reads_after_the_last_hash_and_shows_the_address(world: World) -> None:
    digits = world.texts[2].rsplit("#", 1)[-1]
    url = world.page.resolve().as_uri() + "#decoy#" + digits
    shown = open_page(url)
    assert shown.state == "genuine"
    assert world.page.resolve().as_uri() + "#decoy" in shown.address
    # not headquarters' published address: said so
    assert re.search(r'<p id="address-warning">', shown.dom)
