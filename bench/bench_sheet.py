"""Typing one judge's paper sheet into the marking grid: keys per mark and ms per mark.

A contest of 12 workstations × 5 aspects (a 60-mark sheet, what the venue team of issue 17
typed) is opened in the marking screen at 1280×800 under the offscreen platform, signed in as
a recorder. Each mark is typed as a recorder does: the digits of the value on the selected
cell (the first opens the editor), then Enter, which commits it (one transaction,
``synchronous=FULL``) and moves to the next cell, wrapping to the next workstation. Every key
is a real key event (QTest); the time of a mark runs from its first key until the next cell
has the focus. At the end the 60 marks are read back from the file.

    .venv/bin/python bench/bench_sheet.py [--stations 12] [--aspects 5] [--seed 17]

docs/performance-ui.md records the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("JIANGXIN_PASSPHRASE", "bench-sheet-passphrase-17")  # a new contest needs one
# the draw is sealed to the encryption officer, whose key the new contest makes with this
os.environ.setdefault("JIANGXIN_OFFICER_PASSPHRASE", "bench-sheet-officer-17")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit  # noqa: E402


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=12)
    ap.add_argument("--aspects", type=int, default=5)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    from db.ops import slots
    from tests.gui.perf import build_big_contest
    from ui.app import register_font
    from ui.marking import MarkingScreen
    from ui.state import AppState

    register_font()
    tmp = Path(tempfile.mkdtemp())
    db = build_big_contest(tmp / "sheet.jxdb", stations=args.stations, aspects=args.aspects)
    state = AppState()
    state.open(db)
    state.sign_in("录入", "1111")
    screen = MarkingScreen(state)
    screen.resize(1280, 800)
    screen.show()
    screen.select("BIG", "A", "评委")
    QApplication.processEvents()
    lay = screen.model.layout_
    assert lay is not None
    rng = random.Random(args.seed)
    view = screen.view
    view.setCurrentIndex(screen.model.index(0, 0))
    view.setFocus()
    keys = 0
    times: list[float] = []
    rows, cols = screen.model.rowCount(), screen.model.columnCount()
    for r in range(rows):
        for c in range(cols):
            a = lay.columns[c][0]
            text = str(rng.randint(0, int(a.max)))
            assert view.currentIndex().row() == r and view.currentIndex().column() == c
            t0 = time.perf_counter()
            QTest.keyClick(view, text[0])
            editor = view.indexWidget(view.currentIndex())
            assert isinstance(editor, QLineEdit), "typing a digit opens the cell"
            if text[1:]:
                QTest.keyClicks(editor, text[1:])
            QTest.keyClick(editor, Qt.Key.Key_Return)
            QApplication.processEvents()
            times.append((time.perf_counter() - t0) * 1000)
            keys += len(text) + 1
            last = r == rows - 1 and c == cols - 1
            if not last:
                want = (r, c + 1) if c + 1 < cols else (r + 1, 0)
                cur = view.currentIndex()
                assert (cur.row(), cur.column()) == want, f"Enter moved to {cur.row()}"
    assert state.contest is not None
    saved = [s for s in slots.slot_rows(state.contest, "BIG") if s.status == "entered"]
    n = rows * cols
    assert len(saved) == n, f"{len(saved)} of {n} marks in the file"
    print(f"{n} marks ({rows} workstations × {cols} aspects), all {len(saved)} in the file")
    print(f"keys per mark: {keys / n:.2f} (digits + Enter; nothing else pressed)")
    print(f"ms per mark: median {statistics.median(times):.1f}, mean {statistics.mean(times):.1f},"
          f" worst {max(times):.1f} (first key until the next cell has the focus)")
    print(f"the whole sheet: {sum(times) / 1000:.2f} s of program time")
    state.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
