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
    ("marking", "marking", "记分员甲"),
    ("chief", "chief", "裁判长"),
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
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JIANGXIN_CONFIG=str(tmp / "c.ini"),
               JIANGXIN_DATA=str(tmp / "data"))
    sys.path.insert(0, str(ROOT))
    from ui.main_window import SCREENS, screen_class

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
            img = Image.open(out).convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
            img.save(out, optimize=True)
            print(out.relative_to(ROOT), out.stat().st_size // 1024, "KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
