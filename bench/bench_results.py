"""Results for 1,000 competitors × 60 aspects × 5 judges: time db.ops.results.results(c, event).

    .venv/bin/python bench/bench_results.py [--competitors 1000] [--real] [--profile] [--json]

Set-up: a generated competition (one event, 60 P aspects with judges = 5 and trim = 1 whose
maxima sum to 100), 1,000 competitors, an electronic draw, and 300,000 typed marks. By default
the marks are written straight into the `marks` table (no audit rows) and the derived caches
are built by the real db.ops.slots.rebuild_derived — the same state enter_marks leaves, minus
the audit chain, which results() never reads. `--real` types them through
db.ops.marking.enter_marks in batches instead (slow: minutes). Then results() is timed (best and
median of several runs). Target (issue 2, 7): under 300 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JUDGES = [f"评委{i}" for i in range(1, 6)]
ASPECTS = 60


def competition_toml(n: int) -> str:
    users = ['[[user]]\nname = "admin"\nrole = "admin"\nunit = "组委会"\npin = "0000"\n',
             '[[user]]\nname = "记分员"\nrole = "recorder"\nunit = "组委会"\npin = "1111"\n']
    users += [f'[[user]]\nname = "{j}"\nrole = "judge"\nunit = "评委单位{i}"\npin = "200{i}"\n'
              for i, j in enumerate(JUDGES, 1)]
    aspects = []
    for k in range(ASPECTS):
        mx = 2 if k < 40 else 1  # 40 × 2 + 20 × 1 = 100
        aspects.append(f'    [[event.module.aspect]]\n    id = "P{k + 1:02d}"\n    kind = "P"\n'
                       f'    max = {mx}\n    judges = 5\n    trim = 1\n'
                       f'    text = "评分项{k + 1}"\n')
    modules = []
    for m in range(6):
        modules.append(f'  [[event.module]]\n  id = "M{m + 1}"\n  name = "模块{m + 1}"\n'
                       + "".join(aspects[m * 10:(m + 1) * 10]))
    return ("format = 1\n[competition]\nid = \"BENCH\"\nname = \"基准测试赛\"\n"
            "organiser = \"组委会\"\nvenue = \"场馆\"\nlevel = \"provincial\"\n"
            "date = 2024-05-01\n\n" + "\n".join(users) +
            f'\n[[event]]\nid = "BIG"\nname = "大赛项"\ngroup = "职工组"\nstations = {n}\n'
            "duration_min = 240\n" + "".join(modules))


def competitors_csv(n: int) -> str:
    from judging.idnumber import check_char

    lines = ["name,id_number,gender,unit,region,event"]
    for i in range(n):
        first17 = f"230102{1970 + i % 30}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        lines.append(f"选手{i},{first17}{check_char(first17)},男,企业{i % 50},哈尔滨,BIG")
    return "\n".join(lines) + "\n"


def build(d: Path, n: int, real: bool) -> tuple[Path, dict[str, float]]:
    from db.ops.marking import MarkInput, enter_marks
    from db.ops.people import by_station, draw, import_competitors
    from db.ops.slots import rebuild_derived
    from db.store.connection import new_uid, transaction
    from db.store.contest import Contest

    t: dict[str, float] = {}
    db = d / "big.db"
    (d / "comp.toml").write_text(competition_toml(n), encoding="utf-8")
    (d / "people.csv").write_text(competitors_csv(n), encoding="utf-8")
    t0 = time.perf_counter()
    c = Contest.create(db, (d / "comp.toml").read_text(encoding="utf-8"), "comp.toml",
                       "admin", "0000")
    import_competitors(c, d / "people.csv")
    draw(c, "BIG", seed=1)
    t["setup_s"] = time.perf_counter() - t0
    stations = sorted(by_station(c, "BIG"))
    ev = c.event("BIG")
    rng = random.Random(5)
    values = {(st, a.id, j): Decimal(rng.randint(0, int(a.max) * 2)) / 2
              for st in stations for a in ev.aspects.values() for j in JUDGES}
    t0 = time.perf_counter()
    if real:
        c.sign_in("记分员", "1111")
        batch: list[MarkInput] = []
        for (st, a, j), v in values.items():
            batch.append(MarkInput("BIG", st, a, j, v, None))
            if len(batch) == 5000:
                enter_marks(c, batch)
                batch = []
        if batch:
            enter_marks(c, batch)
    else:
        rows = [(new_uid(), "BIG", st, a, j, "type", str(v), None, "bench", None,
                 f"2024-05-01T08:00:00.{i % 1000000:06d}+00:00", "记分员", "bench")
                for i, ((st, a, j), v) in enumerate(values.items())]
        with transaction(c.db):
            c.db.conn.executemany("INSERT INTO marks (uid, event, station, aspect, judge, "
                                  "action, score, measured, reason, target, at, by, device) "
                                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        t["insert_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        with transaction(c.db):
            rebuild_derived(c, "BIG")
        t["rebuild_derived_s"] = time.perf_counter() - t1
    t["marks_s"] = time.perf_counter() - t0
    t["marks"] = len(values)
    c.close()
    return db, t


def time_results(db: Path, runs: int = 7) -> list[float]:
    from db.ops.results import results
    from db.store.contest import Contest

    c = Contest.open(db)
    c.sign_in("admin", "0000")
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        data = results(c, "BIG")
        out.append(time.perf_counter() - t0)
    assert len(data.rows) > 0
    c.close()
    return out


def profile_results(db: Path, top: int = 25) -> str:
    from db.ops.results import results
    from db.store.contest import Contest

    c = Contest.open(db)
    c.sign_in("admin", "0000")
    results(c, "BIG")
    pr = cProfile.Profile()
    pr.enable()
    results(c, "BIG")
    pr.disable()
    c.close()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


def run(n: int = 1000, real: bool = False, profile: bool = False,
        directory: Path | None = None) -> dict[str, object]:
    d = Path(tempfile.mkdtemp(prefix="jx-bench-results-", dir=directory))
    try:
        db, t = build(d, n, real)
        times = time_results(db)
        res: dict[str, object] = {
            "competitors": n, "aspects": ASPECTS, "judges": len(JUDGES), "marks": t["marks"],
            "set_up": "enter_marks" if real else "direct insert + rebuild_derived",
            "build_s": round(sum(v for k, v in t.items() if k.endswith("_s") and k != "marks_s")
                             if not real else t["marks_s"] + t["setup_s"], 1),
            "results_best_ms": min(times) * 1000,
            "results_median_ms": statistics.median(times) * 1000,
            "target_met": "yes" if statistics.median(times) < 0.3 else "no",
        }
        if profile:
            res["profile"] = profile_results(db)
        return res
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--competitors", type=int, default=1000)
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = run(a.competitors, a.real, a.profile, a.dir)
    prof = r.pop("profile", None)
    if a.json:
        print(json.dumps(r))
    else:
        for k, v in r.items():
            print(f"{k:18} {v:.1f}" if isinstance(v, float) else f"{k:18} {v}")
    if prof:
        print(prof)
    return 0


if __name__ == "__main__":
    sys.exit(main())
