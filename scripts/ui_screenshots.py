"""Screenshots of every screen for the user guides, in both languages, kept small.

    .venv/bin/python scripts/ui_screenshots.py [--size 24]

Writes a fresh demo contest, runs `main.py --screenshot` once per (screen, language) as the
demo user who uses that screen, and converts each PNG to an 8-bit palette.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHOTS = [  # (file name, screen key or "" for the sign-in page, demo user)
    ("signin", "", None),
    ("board", "board", "裁判长"),
    ("checkin", "checkin", "admin"),
    ("draw", "draw", "admin"),
    ("imports", "imports", "admin"),
    ("marking", "marking", "记分员甲"),
    ("chief", "chief", "裁判长"),
    ("forms", "forms", "裁判长"),
    ("disagreements", "disagreements", "监督员"),
    ("appeals", "appeals", "监督员"),
    ("results", "results", "裁判长"),
    ("certificates", "certificates", "admin"),
    ("verify", "verify", "admin"),
    ("audit", "audit", "裁判长"),
]


def main() -> int:
    size = sys.argv[sys.argv.index("--size") + 1] if "--size" in sys.argv else "24"
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "demo.jxdb"
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "main.py", "demo", "--db", str(db), "--size", size], cwd=ROOT,
                   check=True)
    _plant_disagreement(db)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JIANGXIN_CONFIG=str(tmp / "c.ini"),
               JIANGXIN_DATA=str(tmp / "data"))
    sys.path.insert(0, str(ROOT))
    from ui.screens import SCREENS, screen_class

    present = {s.key for s in SCREENS if screen_class(s) is not None}
    for lang in ("zh", "en"):
        out_dir = ROOT / "docs" / "images" / lang
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, screen, user in SHOTS:
            if screen and screen not in present:
                print(f"skip {name}: screen not in this build")
                continue
            out = out_dir / f"{name}.png"
            cmd = [py, "main.py", "--db", str(db), "--screenshot", str(out), "--lang", lang]
            if user:
                cmd += ["--as", user, "--screen", screen]
            else:
                cmd += ["--as", ""]
            subprocess.run(cmd, cwd=ROOT, env=env, check=True)
            _shrink(out)
            print(out.relative_to(ROOT), out.stat().st_size // 1024, "KiB")
        for name in ("hall", "hq"):
            out = out_dir / f"{name}.png"
            subprocess.run([py, __file__, f"--{name}", str(db), lang, str(out)], cwd=ROOT,
                           env=env, check=True)
            _shrink(out)
            print(out.relative_to(ROOT), out.stat().st_size // 1024, "KiB")
    return 0


def _plant_disagreement(db: Path) -> None:
    """One misread for the pictures: the second recorder re-keys KD 01 A1 from the paper sheet
    as 36 where the first typed 35.5 (the chief's matrix, the supervisor's 录入分歧 and the
    audit log then show a disagreement, as in a real contest)."""
    sys.path.insert(0, str(ROOT))
    from decimal import Decimal

    from db.ops.marking import enter_mark
    from db.store.contest import Contest

    c = Contest.open(db)
    c.sign_in("记分员乙", "3002")
    enter_mark(c, "KD", "01", "A1", "赵一", Decimal("36"))
    c.close()


def _shrink(out: Path) -> None:
    img = Image.open(out).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    img.save(out, optimize=True)


def _app(lang: str) -> object:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from ui import i18n
    from ui.app import register_font

    register_font()
    i18n.set_language(lang)
    return app


def _hall(db: str, lang: str, out: str) -> None:
    """The hall display (a separate full-screen window) for the running event."""
    app = _app(lang)
    from ui.hall import HallScreen
    from ui.state import AppState

    state = AppState()
    state.open(db)
    state.sign_in("裁判长", "1111")
    w = HallScreen(state)
    w.resize(1280, 800)
    w.show()
    app.processEvents()  # type: ignore[attr-defined]
    w.reload()
    app.processEvents()  # type: ignore[attr-defined]
    w.grab().save(out)
    state.contest.close()  # type: ignore[union-attr]


def _hq(db: str, lang: str, out: str) -> None:
    """The headquarters window with this contest's results file imported."""
    app = _app(lang)
    from db.files.exchange import export
    from db.hq.store import Headquarters
    from db.store.contest import Contest
    from ui.hq_window import HqWindow

    tmp = Path(tempfile.mkdtemp())
    c = Contest.open(db)
    c.sign_in("admin", "0000")
    from db.keys.passphrase import DEMO_PASSPHRASE

    export(c, tmp / "demo.jxr", "0000", passphrase=DEMO_PASSPHRASE)  # the demo's own
    c.close()
    hq = Headquarters.open(tmp / "hq.db")
    hq.import_file(tmp / "demo.jxr", accept_key=True, operator="省总工会")
    w = HqWindow(tmp / "hq.db")
    w.resize(1280, 800)
    w.show()
    app.processEvents()  # type: ignore[attr-defined]
    w.grab().save(out)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] in ("--hall", "--hq"):
    (_hall if sys.argv[1] == "--hall" else _hq)(sys.argv[2], sys.argv[3], sys.argv[4])
    sys.exit(0)

if __name__ == "__main__":
    sys.exit(main())
