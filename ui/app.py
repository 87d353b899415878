"""Starting the desktop app: arguments, the bundled CJK font, which contest, screenshots."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

FONT = "NotoSansSC-Regular.ttf"
WIDTH, HEIGHT = 1280, 800


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="jiangxin", description="匠心 Jiangxin desktop app")
    p.add_argument("--db", help="the contest file to open")
    p.add_argument("--screenshot", metavar="FILE.png",
                   help="render the main window at 1280×800 to a PNG and exit")
    p.add_argument("--lang", choices=("zh", "en"), help="language (default: last used, 中文)")
    p.add_argument("--screen", help="with --screenshot: which screen to show (e.g. marking)")
    p.add_argument("--as", dest="as_user",
                   help="with --screenshot on the demo contest: sign in as this demo user")
    return p.parse_args(argv)


def register_font() -> str | None:
    """Register the bundled Noto Sans SC so Chinese renders without system CJK fonts."""
    from ui.qt import QApplication, QFont, QFontDatabase

    with resources.as_file(resources.files("assets") / "fonts" / FONT) as path:
        fid = QFontDatabase.addApplicationFont(str(path))
    if fid < 0:
        return None
    families = QFontDatabase.applicationFontFamilies(fid)
    if not families:
        return None
    app = QApplication.instance()
    if isinstance(app, QApplication):
        font = QFont(families[0])
        font.setPointSize(11)
        app.setFont(font)
    return str(families[0])


def demo_path() -> Path:
    from ui.settings import data_dir

    return data_dir() / "demo.jxdb"


def choose_contest(args: argparse.Namespace, last: Path | None) -> Path:
    """--db, otherwise the last contest, otherwise the demo (written on first use)."""
    if args.db:
        return Path(args.db)
    if last is not None and last.exists():
        return last
    demo = demo_path()
    if not demo.exists():
        from db.ops.demo import write_demo

        demo.parent.mkdir(parents=True, exist_ok=True)
        tmp = demo.with_suffix(".part")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        write_demo(tmp)
        tmp.replace(demo)
    return demo


def screenshot(window: object, target: str | Path) -> Path:
    from ui.qt import QApplication, QWidget

    assert isinstance(window, QWidget)
    window.resize(WIDTH, HEIGHT)
    window.show()
    for _ in range(3):
        QApplication.processEvents()
    out = Path(target)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out), "PNG"):
        raise OSError(f"could not write {out}")
    return out


def run_app(argv: list[str]) -> int:
    """The desktop app; returns the exit status (0 after --screenshot)."""
    args = parse_args(argv)
    headless = (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
                and not os.environ.get("WAYLAND_DISPLAY") and "QT_QPA_PLATFORM" not in os.environ)
    if args.screenshot and headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif headless:
        print("jiangxin: no screen here (DISPLAY is not set). Run it on the desktop, use a "
              "subcommand (jiangxin --help), or --screenshot FILE.png / 没有可用的显示器",
              file=sys.stderr)
        return 2
    from judging.errors import JiangxinError
    from ui import i18n
    from ui.errors import install_excepthook, show_error
    from ui.main_window import MainWindow
    from ui.qt import QApplication
    from ui.settings import Settings
    from ui.state import AppState

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "jiangxin"])
    app.setApplicationName("Jiangxin")
    install_excepthook()
    register_font()
    settings = Settings()
    i18n.set_language(args.lang or settings.language)
    if args.lang:
        settings.language = args.lang
    state = AppState()
    window = MainWindow(state, settings)
    try:
        path = choose_contest(args, settings.last_db)
        window.open_contest(path)
    except JiangxinError as exc:
        if args.screenshot:
            print(f"jiangxin: {exc}", file=sys.stderr)
            return exc.exit_code
        show_error(exc, window)
    if args.screenshot:
        if window.is_demo() and args.as_user != "":  # --as "": stay on the sign-in page
            from db.ops.demo import DEMO_USERS

            user = args.as_user or "admin"
            pin = next((p for n, _, p, _ in DEMO_USERS if n == user), None)
            if pin is None:
                print(f"jiangxin: {user!r} is not a demo user", file=sys.stderr)
                return 2
            state.sign_in(user, pin)
            window.signin.signed_in_done.emit(user)
            if args.screen:
                window.show_screen(args.screen)
        screenshot(window, args.screenshot)
        window.close()
        return 0
    geometry = settings.geometry
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(WIDTH, HEIGHT)
    window.show()
    return int(app.exec())
