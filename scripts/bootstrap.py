"""Set up everything Jiangxin needs from nothing but Python 3.11+, then start the app or test.

    python3 scripts/bootstrap.py app     # set up, then open the ready demo contest
    python3 scripts/bootstrap.py test    # set up, check (ruff, mypy, lint-imports), then test
    python3 scripts/bootstrap.py bundle  # set up, then build dist/jiangxin/ (PyInstaller)

Set-up: a virtual environment in .venv with the project and its test extra installed; on
Debian/Ubuntu run as root, the system libraries Qt needs are installed with apt-get when
Qt cannot load without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
QT_DEBS = ["libgl1", "libegl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1",
           "libdbus-1-3", "libglib2.0-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1",
           "libxcb-shape0", "libxcb-xinerama0", "libxcb-randr0", "libxcb-render-util0",
           "libxcb-image0", "poppler-utils"]


def run(*cmd: str | Path, check: bool = True, **kw: object) -> int:
    return subprocess.run([str(c) for c in cmd], check=check, **kw).returncode  # type: ignore


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs on any python3
        sys.exit("Jiangxin needs Python 3.11 or newer / 需要 Python 3.11 以上")
    if not PY.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".installed"
    pyproject = ROOT / "pyproject.toml"
    if not stamp.exists() or stamp.stat().st_mtime < pyproject.stat().st_mtime:
        print("installing the project and its test tools …", flush=True)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]")
        stamp.touch()
    ensure_qt_libraries()


def qt_loads() -> bool:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    code = ("from PySide6.QtWidgets import QApplication; from PySide6.QtGui import QFont; "
            "app = QApplication([]); print('ok')")
    return subprocess.run([str(PY), "-c", code], env=env, capture_output=True).returncode == 0


def ensure_qt_libraries() -> None:
    if qt_loads() and shutil.which("pdftoppm"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing the system libraries Qt needs (apt-get) …", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run("apt-get", "update", "-qq", check=False, env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *QT_DEBS, check=False,
            env=env, stdout=subprocess.DEVNULL)
    if not qt_loads():
        print("warning: Qt cannot start here; install your system's OpenGL/EGL, xkbcommon and "
              "fontconfig libraries (on Debian: apt-get install " + " ".join(QT_DEBS) + ")",
              file=sys.stderr)


# the verification page's tests run it in a real browser (tests/browser.py)
BROWSER_DEBS = ["chromium"]


def ensure_browser() -> None:
    """Debian's chromium for the verification page's tests (apt-get, as root, when missing)."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing chromium for the verification page's tests (apt-get) …", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *BROWSER_DEBS,
               check=False, env=env, stdout=subprocess.DEVNULL) != 0:
            run("apt-get", "update", "-qq", check=False, env=env)
            run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *BROWSER_DEBS,
                check=False, env=env, stdout=subprocess.DEVNULL)
    if not shutil.which("chromium"):
        print("warning: no chromium; the verification page's browser tests will be skipped "
              "(on Debian: apt-get install chromium)", file=sys.stderr)


# run before the tests; each must pass (configured in pyproject.toml)
CHECKS: dict[str, list[str | Path]] = {
    "ruff": [PY, "-m", "ruff", "check", "."],
    "mypy": [PY, "-m", "mypy"],  # strict over judging db printing ui cli main.py
    "lint-imports": [PY.parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")],
}


def checks() -> list[str]:
    """Run the static checks; the names of those that failed."""
    failed = []
    for name, args in CHECKS.items():
        print(f"== {name}", flush=True)
        if run(*args, check=False, cwd=ROOT) != 0:
            failed.append(name)
    return failed


def postgresql_installed() -> bool:
    return bool(list(Path("/usr/lib/postgresql").glob("*/bin/postgres"))) or bool(
        shutil.which("pg_ctl") and shutil.which("initdb"))


def ensure_postgresql() -> None:
    """The tests run headquarters on a throwaway PostgreSQL server (tests/pgserver.py): on
    Debian/Ubuntu as root, install the server's package; elsewhere those tests are skipped."""
    if postgresql_installed():
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing PostgreSQL for the headquarters tests (apt-get) …", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run("apt-get", "update", "-qq", check=False, env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql",
            check=False, env=env, stdout=subprocess.DEVNULL)
    if not postgresql_installed():
        print("warning: no PostgreSQL server; the headquarters tests on PostgreSQL will be "
              "skipped (on Debian: apt-get install postgresql)", file=sys.stderr)


# The printing tests print to a real CUPS queue: cupsd and the cups-pdf printer (Debian).
PRINT_DEBS = ["cups", "cups-client", "printer-driver-cups-pdf"]


def ensure_print_queue() -> None:
    """Install CUPS and cups-pdf for the printing tests (Debian/Ubuntu, as root)."""
    if shutil.which("cupsd") and Path("/usr/lib/cups/backend/cups-pdf").exists():
        return
    if not (shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0):
        print("note: the printing tests need CUPS and cups-pdf (Debian: apt-get install "
              + " ".join(PRINT_DEBS) + ")", file=sys.stderr)
        return
    print("installing CUPS and cups-pdf for the printing tests (apt-get) …", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *PRINT_DEBS,
           check=False, env=env, stdout=subprocess.DEVNULL) != 0:
        run("apt-get", "update", "-qq", check=False, env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *PRINT_DEBS,
            check=False, env=env, stdout=subprocess.DEVNULL)


def bundle(argv: list[str]) -> int:
    """dist/jiangxin/: the one-folder bundle described by packaging/jiangxin.spec."""
    run(PY, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,bundle]")
    return run(PY, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", ROOT / "dist", "--workpath", ROOT / "build" / "pyinstaller",
               *argv, ROOT / "packaging" / "jiangxin.spec", check=False, cwd=ROOT)


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "app"
    setup()
    if what == "setup":
        return 0
    if what == "bundle":
        return bundle(argv[1:])
    if what == "test":
        ensure_browser()
        failed = checks()
        if failed:
            print("checks failed / 检查未通过: " + ", ".join(failed), file=sys.stderr)
            return 1
        ensure_postgresql()
        ensure_print_queue()
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        return run(PY, "-m", "pytest", *argv[1:], check=False, cwd=ROOT, env=env)
    if what == "check":
        return 1 if checks() else 0
    if what == "app":
        return run(PY, ROOT / "main.py", *argv[1:], check=False, cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
