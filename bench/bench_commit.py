"""Mark commit latency: db.ops.marking.enter_mark (one grid cell, durable on return) against a bare
SQLite WAL commit with synchronous=FULL on the same disk, measured in the same run.

    .venv/bin/python bench/bench_commit.py [--n 500] [--dir DIR] [--json]

Target (issue 7): the 99th percentile of a mark commit within 3 × the bare commit's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


WARM = 300  # untimed commits first on each file, so neither WAL is measured while growing


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def bare_commits(path: Path, n: int) -> list[float]:
    """One small row per transaction: the floor set by the disk's fsync."""
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c TEXT)")
    out = []
    for i in range(WARM + n):  # the first WARM grow the WAL to its steady size: not timed
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", [f"{i}", "GJQG", "8.5"])
        con.execute("COMMIT")
        if i >= WARM:
            out.append(time.perf_counter() - t0)
    con.close()
    return out


def build_contest(path: Path) -> None:
    from tests.conftest import build_example

    build_example(path, stage="drawn")


def mark_commits(path: Path, n: int) -> list[float]:
    from db.ops.marking import enter_mark
    from db.store.contest import Contest
    from tests.unit._kill_worker import plan

    c = Contest.open(path, background_checkpoints=True)  # as the app opens it
    c.sign_in("冯记录", "4001")
    start = c.db.execute("SELECT COUNT(*) FROM marks").fetchone()[0]
    out = []
    for i in range(WARM + n):
        st, a, j, v = plan(start + i)
        t0 = time.perf_counter()
        enter_mark(c, "GJQG", st, a, j, v)
        if i >= WARM:
            out.append(time.perf_counter() - t0)
    c.close()
    return out


def run(n: int = 500, directory: Path | None = None) -> dict[str, float | int | str]:
    d = Path(tempfile.mkdtemp(prefix="jx-bench-commit-", dir=directory))
    try:
        build_contest(d / "contest.db")
        # interleave in two halves so that both see the same disk weather
        bare = bare_commits(d / "bare1.db", n // 2)
        marks = mark_commits(d / "contest.db", n // 2)
        bare += bare_commits(d / "bare2.db", n - n // 2)
        marks += mark_commits(d / "contest.db", n - n // 2)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    res: dict[str, float | int | str] = {
        "n": n, "dir": str(directory or tempfile.gettempdir()),
        "bare_median_ms": statistics.median(bare) * 1000, "bare_p99_ms": pct(bare, 99) * 1000,
        "mark_median_ms": statistics.median(marks) * 1000, "mark_p99_ms": pct(marks, 99) * 1000,
    }
    res["ratio_p99"] = float(res["mark_p99_ms"]) / float(res["bare_p99_ms"])
    res["ratio_median"] = float(res["mark_median_ms"]) / float(res["bare_median_ms"])
    res["target_met"] = "yes" if float(res["ratio_p99"]) <= 3 else "no"
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(a.n, a.dir)
    if a.json:
        print(json.dumps(r))
    else:
        for k, v in r.items():
            print(f"{k:16} {v:.3f}" if isinstance(v, float) else f"{k:16} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
