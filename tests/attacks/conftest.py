"""One headquarters and two real contests for the attacks: certificates printed to PDF and
read back by a QR decoder, a results file imported, a trust file and the verification page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import build_example, cli, copy_db, qr_texts


@dataclass(frozen=True)
class World:
    contest: Path  # contest A, certificates issued
    pdf: Path
    texts: list[str]  # decoded from pdf, page order
    other: Path  # contest B: the same competition file again (another contest key)
    other_pdf: Path
    other_texts: list[str]
    hq: Path
    trust: Path
    hq_key: str  # 64 hex
    page: Path  # the verification page, index.html


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory,
          example_cache: Callable[[str], Path]) -> World:
    base = tmp_path_factory.mktemp("world")
    a = base / "a.db"
    copy_db(example_cache("decrypted"), a)
    pdf = base / "a.pdf"
    assert cli("certificates", "--out", pdf, "--db", a, who="admin") == 0
    (base / "b").mkdir()
    b = build_example(base / "b" / "b.db", stage="decrypted")
    other_pdf = base / "b.pdf"
    assert cli("certificates", "--out", other_pdf, "--db", b, who="admin") == 0
    jxr = base / "a.jxr"
    assert cli("export", "--out", jxr, "--db", a, who="admin") == 0
    hq = base / "hq.db"
    assert cli("hq", "import", jxr, "--accept-key", "--hq", hq) == 0
    trust = base / "trust.json"
    assert cli("hq", "trust", "--out", trust, "--hq", hq) == 0
    from db.hq.store import Headquarters

    h = Headquarters.open(hq)
    hq_key = h.hq_public_key().hex()
    h.close()
    site = base / "site"
    assert cli("hq", "verifier", "--hq", hq, "--out", site, "--url",
               "https://verify.hq.test/c") == 0
    return World(a, pdf, qr_texts(pdf), b, other_pdf, qr_texts(other_pdf), hq, trust, hq_key,
                 site / "index.html")


@pytest.fixture
def no_pinned_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user configuration (platformdirs reads XDG_CONFIG_HOME): nothing pinned."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config
