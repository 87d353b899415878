"""A real browser for the verification page: Debian's chromium, headless, a fresh profile."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--virtual-time-budget=5000", "--dump-dom"]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("no chromium (python3 scripts/bootstrap.py test installs it on Debian)")
    return exe


@dataclass(frozen=True)
class Shown:
    """What the page showed: the verdict's state and text, the field rows, the address."""

    state: str
    verdict: str
    fields: dict[str, str]
    message: str
    address: str
    compare_shown: bool
    dom: str


def open_page(url: str) -> Shown:
    """Load url in headless chromium and read the page as rendered (after its script ran)."""
    with tempfile.TemporaryDirectory(prefix="jiangxin-chromium-") as profile:
        done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", url],
                              capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert done.returncode == 0 and "<html" in dom, done.stderr[-2000:]
    m = re.search(r'<div id="verdict" data-state="([^"]*)">(.*?)</div>', dom, re.S)
    assert m, dom[:2000]
    fields = {k: html.unescape(v) for k, v in re.findall(
        r'<tr data-field="([^"]+)"><th>[^<]*</th><td>([^<]*)</td></tr>', dom)}
    msg = re.search(r'<p id="message">(.*?)</p>', dom, re.S)
    addr = re.search(r'<p id="address">(.*?)</p>', dom, re.S)
    compare = re.search(r'<p id="compare"( hidden(="")?)?>', dom)
    return Shown(m.group(1), html.unescape(re.sub(r"<[^>]+>", " ", m.group(2))).strip(),
                 fields, html.unescape(msg.group(1)) if msg else "",
                 html.unescape(addr.group(1)) if addr else "",
                 bool(compare and not compare.group(1)), dom)


def page_url(index: Path, qr_text: str) -> str:
    """The page opened as a phone would from the QR: the payload after the last '#'."""
    return index.resolve().as_uri() + "#" + qr_text.rsplit("#", 1)[-1]
