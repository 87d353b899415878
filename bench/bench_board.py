"""CPU used by the workstation board (and the hall display) with 60 clocks running.

A demo contest with 60 competitors in its last event (all clocks running, one paused and
given extra time) is opened; the screen is shown at 1280×800 under the offscreen platform
(which rasterises in software, like a laptop without GPU acceleration) and left to tick once a
second. The figure is the process CPU time (user + system) over the wall time, as a share of
one core, after a warm-up. The target is under 5 %.

    .venv/bin/python bench/bench_board.py                # 20 s per screen
    .venv/bin/python bench/bench_board.py --seconds 60

docs/performance-board.md records the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget


def run_for(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(app: QApplication, widget: QWidget, seconds: float) -> tuple[float, int]:
    """(CPU share of one core, ticks seen) while ``widget`` is shown for ``seconds``."""
    ticks = [0]
    widget.timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))  # type: ignore
    widget.resize(1280, 800)
    widget.show()
    run_for(app, 2.0)  # warm-up: first layout, font caches, first paints
    ticks[0] = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    run_for(app, seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    widget.hide()
    return cpu / wall, ticks[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--db", type=Path, help="reuse this demo contest (made if missing)")
    args = ap.parse_args()

    app = QApplication(sys.argv[:1])
    font = Path(__file__).resolve().parent.parent / "assets" / "fonts" / "NotoSansSC-Regular.ttf"
    fid = QFontDatabase.addApplicationFont(str(font))
    if fid >= 0:
        app.setFont(QFont(QFontDatabase.applicationFontFamilies(fid)[0], 10))

    from db.ops.demo import write_demo
    from db.ops.timing import clocks
    from ui.board import BoardScreen
    from ui.hall import HallScreen
    from ui.state import AppState

    path = args.db or Path(tempfile.mkdtemp()) / "bench-board.db"
    if not path.exists():
        write_demo(path, size=240)  # 60 per event; the last event has its clocks running
    state = AppState()
    state.open(path)
    state.sign_in("裁判长", "1111")
    event = state.contest.competition.events[-1].id
    running = sum(cs.state == "running" for cs in clocks(state.contest, event).values())

    board = BoardScreen(state)
    state.changed.connect(board.refresh)
    assert board.event_id == event
    share, ticks = measure(app, board, args.seconds)
    print(f"board: {len(board.model.rows)} stations ({running} running), "
          f"{args.seconds:.0f} s, {ticks} ticks: CPU {share:.2%} of one core")

    hall = HallScreen(state)
    state.changed.connect(hall.refresh)
    share_h, ticks_h = measure(app, hall, args.seconds)
    print(f"hall:  {len(hall.model.rows)} stations ({running} running), "
          f"{args.seconds:.0f} s, {ticks_h} ticks: CPU {share_h:.2%} of one core")

    # the cost of one tick alone (recompute 60 clocks and emit dataChanged), no painting
    n = 200
    t0 = time.perf_counter()
    for i in range(n):
        board.model.tick(time.time() + i)
    per_tick = (time.perf_counter() - t0) / n
    print(f"model tick (60 clocks, no paint): {per_tick * 1000:.2f} ms")


if __name__ == "__main__":
    main()
