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


def choose_contest(args: argparse.Namespace, last: Path | None,
                   notes: list[str] | None = None) -> Path:
    """--db, otherwise the last contest, otherwise the demo (written on first use, and again,
    the old one kept beside it, once its running event's clocks have run out); what the user
    should know about it is added to ``notes``."""
    from ui.i18n import t

    if args.db:
        return Path(args.db)
    demo = demo_path()
    if last is not None and last.exists() and last.resolve() != demo.resolve():
        return last
    if demo.exists():
        kept = _set_aside_if_run_out(demo)
        if kept is not None and notes is not None:
            notes.append(t(f"演示赛事的计时已结束，已重新生成演示赛事；原来的演示文件保存在 {kept}",
                           f"The demo's clocks had run out, so a fresh demo contest was written; "
                           f"the previous demo is kept as {kept}"))
    if not demo.exists():
        from db.ops.demo import write_demo

        demo.parent.mkdir(parents=True, exist_ok=True)
        tmp = demo.with_suffix(".part")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        write_demo(tmp)
        tmp.replace(demo)
    return demo


def _set_aside_if_run_out(demo: Path) -> Path | None:
    """Rename the demo (with its journal) to demo-YYYYMMDD-HHMMSS.jxdb beside it when its
    clocks have run out; returns the new name. Nothing is deleted: what someone practised in
    the old demo stays in that file. A demo that cannot be read is left for the window to
    report."""
    import datetime as dt

    from db.ops.demo import clocks_run_out
    from db.store.contest import Contest
    from judging.errors import JiangxinError

    try:
        c = Contest.open(demo)
    except JiangxinError:
        return None
    try:
        if not clocks_run_out(c):
            return None
    except JiangxinError:
        return None
    finally:
        c.close()  # the last connection: SQLite folds the journal into the file
    stamp = dt.datetime.fromtimestamp(demo.stat().st_mtime).strftime("%Y%m%d-%H%M%S")
    n, kept = 1, demo.with_name(f"{demo.stem}-{stamp}{demo.suffix}")
    while kept.exists():
        n += 1
        kept = demo.with_name(f"{demo.stem}-{stamp}-{n}{demo.suffix}")
    for suffix in ("-wal", "-shm"):
        journal = Path(f"{demo}{suffix}")
        if journal.exists():
            journal.rename(Path(f"{kept}{suffix}"))
    demo.rename(kept)
    return kept


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
    from ui.qt import QApplication, QTimer
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
        notes: list[str] = []
        path = choose_contest(args, settings.last_db, notes)
        window.open_contest(path)
        for note in notes:
            print(f"jiangxin: {note}", file=sys.stderr)
            # once the window is shown: a message shown before would not hide the status
            # bar's own label (Qt hides only visible ones), and the two would overlap
            QTimer.singleShot(0, lambda n=note: window.statusBar().showMessage(n, 0))
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
