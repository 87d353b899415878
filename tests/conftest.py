"""Shared fixtures: the shared example contest built once per session, copied per test."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from db.store.contest import Contest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The contest signing passphrase every test contest is made and signed with (a PIN never
# unlocks the key); tests of its absence delete it with monkeypatch.
TEST_PASSPHRASE = "tests-signing-passphrase"
os.environ["JIANGXIN_PASSPHRASE"] = TEST_PASSPHRASE


def _fast_kdf() -> None:
    """scrypt at N=2^12 instead of 2^17 inside this test process only: the envelope records
    its parameters, so everything works the same, ~30x faster on a shared 2-core machine.
    tests/attacks/test_stolen_key.py checks that a contest made by a real `jiangxin init`
    (a subprocess, production parameters) records N=2^17, r=8, p=1."""
    from db.keys import signing

    signing.SCRYPT_N = 2**12


_fast_kdf()
# init makes the encryption officer's key with it, decrypt opens the sealed draw with it
os.environ.setdefault("JIANGXIN_OFFICER_PASSPHRASE", "officer-test-passphrase")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT.parent / "shared" / "examples"
if not EXAMPLES.exists():  # a copy kept in the repository for clones without shared/
    EXAMPLES = ROOT / "tests" / "fixtures" / "example"

USERS = {"admin": ("王组委", "1000"), "chief": ("李裁判长", "2000"),
         "judge": ("赵一", "3001"), "recorder": ("冯记录", "4001"),
         "recorder2": ("于记录", "4002"), "encryption": ("陈保密", "5000"),
         "supervisor": ("褚监督", "6000")}


def cli(*argv: str | Path, who: str | None = None) -> int:
    """Run one `jiangxin` command in-process; returns its exit status."""
    from cli.commands import run

    args = [str(a) for a in argv]
    if who is None:
        return run(args)
    user, pin = USERS[who]
    args += ["--user", user]
    saved = os.environ.get("JIANGXIN_PIN")
    os.environ["JIANGXIN_PIN"] = pin  # as a user should give it: not on the command line
    try:
        return run(args)
    finally:
        if saved is None:
            os.environ.pop("JIANGXIN_PIN", None)
        else:
            os.environ["JIANGXIN_PIN"] = saved


VERIFY_URL = "https://verify.hq.test/c"


def example_competition(directory: Path) -> Path:
    """The shared example's competition file with a verification address (headquarters'
    page), as a real competition file must name one before certificates are printed."""
    text = (EXAMPLES / "competition.toml").read_text(encoding="utf-8")
    assert "verify_url" not in text
    text = text.replace("[competition]\n", f'[competition]\nverify_url = "{VERIFY_URL}"\n', 1)
    out = directory / "competition.toml"
    out.write_text(text, encoding="utf-8")
    return out


STAGES = ("init", "competitors", "drawn", "marked", "verified", "timed", "final", "locked",
          "decrypted")


def second_entry(marks: Path, folder: Path) -> Path:
    """The second recorder's own typing of the same paper sheets: the same values, typed in
    another order (a verification by file must not be the first entry's file itself)."""
    lines = marks.read_text(encoding="utf-8-sig").splitlines()
    out = folder / "marks-second-entry.csv"
    out.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    return out


def build_example(db: Path, *, stage: str = "final", start: str | None = None) -> Path:
    """The shared example contest through the command line, up to ``stage``.

    Stages: init, competitors, drawn, marked (typed once), verified, timed, final (theory
    imported), locked, decrypted.
    """
    e = EXAMPLES
    steps: list[tuple[str, tuple[object, ...], str]] = [
        ("init", ("init", example_competition(db.parent), "--db", db), "admin"),
        ("competitors", ("competitors", "import", e / "competitors.csv", "--db", db), "admin"),
        ("drawn", ("draw", "--event", "GJQG", "--from", e / "draw.csv", "--db", db), "admin"),
        ("marked", ("marks", "import", e / "marks.csv", "--db", db), "recorder"),
        ("verified", ("marks", "import", second_entry(e / "marks.csv", db.parent), "--db", db),
         "recorder2"),
        ("timed", ("times", "import", e / "times.csv", "--db", db), "chief"),
        ("final", ("theory", "import", e / "theory.csv", "--db", db), "admin"),
        ("locked", ("lock", "--event", "GJQG", "--db", db), "chief"),
        ("decrypted", ("decrypt", "--event", "GJQG", "--db", db), "encryption"),
    ]
    if start is not None:
        steps = steps[STAGES.index(start) + 1:]
    for name, argv, who in steps:
        assert cli(*argv, who=who) == 0, f"building the example failed at {name}"  # type: ignore
        if name == stage:
            break
    return db


_cache: dict[str, Path] = {}


@pytest.fixture(scope="session")
def example_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    base = tmp_path_factory.mktemp("examples")

    def get(stage: str) -> Path:
        if stage not in _cache:
            i = STAGES.index(stage)
            target = base / f"{stage}.db"
            if i == 0:
                _cache[stage] = build_example(target, stage=stage)
            else:
                prev = get(STAGES[i - 1])
                copy_db(prev, target)
                _cache[stage] = build_example(target, stage=stage, start=STAGES[i - 1])
        return _cache[stage]
    return get


@pytest.fixture
def example_db(example_cache: Callable[[str], Path], tmp_path: Path
               ) -> Callable[[str], Path]:
    """example_db("verified") -> a private copy of the example contest at that stage."""
    def make(stage: str = "final") -> Path:
        dst = tmp_path / f"{stage}.db"
        copy_db(example_cache(stage), dst)
        return dst
    return make


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a contest file (the source may have pages in its WAL)."""
    con, out = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        con.backup(out)
    finally:
        con.close()
        out.close()
    return dst


def write_csv(path: Path, header: list[str], rows: list[list[str]],
              encoding: str = "utf-8") -> Path:
    """A CSV file as a spreadsheet program writes one."""
    import csv

    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def qr_texts(pdf: Path | bytes, dpi: int = 150) -> list[str]:
    """The QR text of every page of a PDF, as a scanner reads a greyscale scan at ``dpi``.

    QR codes only, as the product's scanner reads them: an unrestricted read may also "find"
    a 1D barcode in the QR's modules for some keys."""
    import pypdfium2 as pdfium
    import zxingcpp

    out = []
    for page in pdfium.PdfDocument(pdf):
        image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        codes = zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
        texts = {c.text for c in codes if c.valid}
        assert len(texts) == 1, "one QR code per page"
        out.append(texts.pop())
    return out


def signed_in(db: Path, who: str) -> Contest:
    """The contest at ``db``, opened and signed in as one of USERS ("admin", "chief", …)."""
    from db.store.contest import Contest

    c = Contest.open(db)
    c.sign_in(*USERS[who])
    return c


def dump(db: Path) -> list[str]:
    """Every row of every table (login failures aside), to show nothing was written."""
    con = sqlite3.connect(db)
    try:
        return [line for line in con.iterdump() if "login_failures" not in line]
    finally:
        con.close()


@pytest.fixture
def copy_example() -> Callable[[Path, Path], Path]:
    def copy(src: Path, dst: Path) -> Path:
        shutil.copy(src, dst)
        return dst
    return copy


# ---- headquarters on both engines ------------------------------------------------------------
HQ_ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """A throwaway PostgreSQL server for the session (tests/pgserver.py)."""
    from tests import pgserver

    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: .venv/bin/python -m pip install -e '.[test]'")
    bindir = pgserver.find_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server here (and it could not be installed): "
                    "python3 scripts/bootstrap.py test installs Debian's postgresql as root")
    server = pgserver.Server(bindir)
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(params=HQ_ENGINES)
def hq_engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def hq_target(hq_engine: str, request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Callable[[], str]:
    """new() -> a new, empty headquarters on the test's engine: a SQLite path, or the URL of
    a new database on the session's PostgreSQL server (its kept files in tmp_path)."""
    names = iter(range(1, 1000))
    if hq_engine == "sqlite":
        return lambda: str(tmp_path / f"hq{next(names)}.db")
    server = request.getfixturevalue("pg_server")
    monkeypatch.setenv("JIANGXIN_HQ_FILES", str(tmp_path / "hq-files"))
    return server.new_database  # type: ignore[no-any-return]
