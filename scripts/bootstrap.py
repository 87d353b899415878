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
    ensure_desktop_platform()


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


# ---- the platform the app itself uses (issue 17: set-up said ok, then "Could not load the Qt
# platform plugin xcb", because only the offscreen platform had been tried) -------------------
DEB_OF = {"libX11-xcb.so.1": "libx11-xcb1", "libSM.so.6": "libsm6", "libICE.so.6": "libice6",
          "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libOpenGL.so.0": "libopengl0",
          "libdbus-1.so.3": "libdbus-1-3", "libfontconfig.so.1": "libfontconfig1",
          "libfreetype.so.6": "libfreetype6", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0"}


def deb_for(soname: str) -> str:
    """The Debian package of a missing library: the table above, else Debian's rule (libfoo.so.1
    is in libfoo1; a name that ends in a digit gets a dash: libxcb-xkb.so.1 -> libxcb-xkb1)."""
    if soname in DEB_OF:
        return DEB_OF[soname]
    stem, _, version = soname.partition(".so.")
    stem = stem.lower()
    return f"{stem}-{version}" if stem[-1:].isdigit() else f"{stem}{version}"


def xcb_plugin() -> Path | None:
    code = ("import pathlib, PySide6; print(pathlib.Path(PySide6.__file__).parent / 'Qt' / "
            "'plugins' / 'platforms' / 'libqxcb.so')")
    out = subprocess.run([str(PY), "-c", code], capture_output=True, text=True)
    path = Path(out.stdout.strip()) if out.returncode == 0 else None
    return path if path is not None and path.exists() else None


def xcb_missing() -> list[str]:
    """The libraries Qt's xcb platform (the Linux desktop) needs and cannot find (ldd)."""
    plugin = xcb_plugin()
    if plugin is None or not shutil.which("ldd"):
        return []
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def xcb_probe() -> bool | None:
    """Start a QApplication on the xcb platform, on this desktop or under Xvfb; None when
    there is no X server to try (ldd's answer then stands)."""
    code = "from PySide6.QtWidgets import QApplication; QApplication([]); print('ok')"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    if os.environ.get("DISPLAY"):
        cmd = [str(PY), "-c", code]
    elif shutil.which("xvfb-run"):
        cmd = ["xvfb-run", "-a", str(PY), "-c", code]
    else:
        return None
    try:
        return subprocess.run(cmd, env=env, capture_output=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def ensure_desktop_platform() -> None:
    """On a Linux desktop the app runs on Qt's xcb platform: check that it loads (ldd on the
    plugin, and a real start under X or Xvfb where there is one) and install what it lacks."""
    if not sys.platform.startswith("linux"):
        return
    missing = xcb_missing()
    if not missing and xcb_probe() is not False:
        return
    debs = sorted({deb_for(m) for m in missing} | set(QT_DEBS))
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing what the desktop platform (xcb) needs (apt-get): "
              + (", ".join(missing) or "the X libraries"), flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run("apt-get", "update", "-qq", check=False, env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *debs, check=False,
            env=env, stdout=subprocess.DEVNULL)
        missing = xcb_missing()
    if missing or xcb_probe() is False:
        print("warning: the app cannot open its window on this desktop (Qt platform xcb); "
              + (f"missing: {', '.join(missing)}; " if missing else "")
              + "install: sudo apt-get install " + " ".join(debs)
              + " / 桌面平台 xcb 无法加载，请安装上述系统库", file=sys.stderr)


# The tests in one worker process (pytest-xdist): a test that hangs is ended by pytest-timeout
# (pyproject.toml; every thread's stack printed first), its worker replaced, and that test run
# once more (pytest-rerunfailures). Only an ended worker's test is run again: "(?!)" matches
# no error, so a test that fails is never retried.
HANG_GUARD = ["-n", "1", "--reruns", "1", "--only-rerun", "(?!)", "-raR"]

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
        return run(PY, "-m", "pytest", *HANG_GUARD, *argv[1:], check=False, cwd=ROOT, env=env)
    if what == "check":
        return 1 if checks() else 0
    if what == "app":
        return run(PY, ROOT / "main.py", *argv[1:], check=False, cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
