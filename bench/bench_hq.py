"""Headquarters at province scale: import 1,000 venue results files and answer the report.

The files are made directly in the results-file format (db/files/exchange.py) from synthetic
contests, because running 1,000 contests through the engine would take hours; each is signed
for real with its own Ed25519 contest key and passes the same reader as a venue's export.
Every file holds ~300 participations in 3 events with their marks: 8 aspects per competitor
(5 measured, 2 judged by three judges, 1 deduction), each value typed and verified by two
recorders, i.e. 24 mark rows per participation, plus the derived mark states.

    .venv/bin/python bench/bench_hq.py                 # 1,000 files, ~300,000 participations
    .venv/bin/python bench/bench_hq.py --files 50      # a quick look

Generated files are kept in --dir and reused. Figures go to stdout and, with --json, to a file;
docs/performance-hq.md records them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import statistics
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.files.exchange import (  # noqa: E402 - after the path set-up above
    FORMAT_VERSION,
    OMITTED,
    TABLES,
    manifest_of,
    sign_body,
)
from db.keys import signing  # noqa: E402
from judging.idnumber import check_char  # noqa: E402

TRADES = ("工具钳工", "焊工", "电工", "车工", "数控车工", "铣工", "维修电工", "养老护理员",
          "快递员", "装配式建筑施工员", "动画制作员", "汽车维修工", "电子商务师", "茶艺师",
          "中式烹调师", "美发师", "仪器仪表维修工", "化工总控工", "钢筋工", "砌筑工")
REGIONS = ("哈尔滨", "齐齐哈尔", "牡丹江", "佳木斯", "大庆", "鸡西", "双鸭山", "伊春", "七台河",
           "鹤岗", "黑河", "绥化", "大兴安岭")
REGION_CODES = ("230102", "230202", "231002", "230802", "230602", "230302", "230502", "230702",
                "230902", "230402", "231102", "231202", "232701")
LEVELS = (("enterprise", 50), ("county", 20), ("city", 18), ("provincial", 10), ("national", 2))
ASPECTS = (("A1", "M", 1), ("A2", "M", 1), ("A3", "M", 1), ("A4", "M", 1), ("A5", "M", 1),
           ("B1", "J", 3), ("B2", "J", 3), ("D1", "D", 1))
JUDGES = ("赵一", "钱二", "孙三")
PERSONS = 150_000
UNITS = 6_000


def _columns() -> dict[str, list[str]]:
    """The exported columns of each table, read from the real schema."""
    from db.store.connection import connect

    db = connect(":memory:", create=True)
    return {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")
                if r[1] not in OMITTED.get(t, ())] for t in TABLES}


def person(k: int) -> tuple[str, str, str, str]:
    """(id number, name, gender, region) of synthetic person k: stable across files."""
    r = random.Random(k)
    region = k % len(REGIONS)
    born = dt.date(1965, 1, 1) + dt.timedelta(days=r.randrange(365 * 35))
    seq = r.randrange(1000)
    first17 = f"{REGION_CODES[region]}{born:%Y%m%d}{seq:03d}"
    gender = "男" if seq % 2 else "女"
    name = r.choice("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗") + r.choice(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚") + r.choice(("", "华", "红", "峰", "斌"))
    return first17 + check_char(first17), name, gender, REGIONS[region]


def make_body(i: int, per_file: int, cols: dict[str, list[str]]) -> dict[str, Any]:
    r = random.Random(1000 + i)
    year = 2022 + i % 3
    level = r.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
    date = dt.date(year, 1, 1) + dt.timedelta(days=r.randrange(330))
    device = f"{i:012x}"
    base = dt.datetime(date.year, date.month, date.day, 8, tzinfo=dt.UTC)
    n = [0]

    def uid() -> str:
        n[0] += 1
        return f"{i:08x}{n[0]:024x}"

    def at(sec: float) -> str:
        return (base + dt.timedelta(seconds=sec)).isoformat(timespec="microseconds")

    tables: dict[str, list[list[Any]]] = {t: [] for t in TABLES}

    def add(table: str, **values: Any) -> dict[str, Any]:
        values.setdefault("uid", uid())
        values.setdefault("by", "admin")
        if "device" in cols[table]:
            values.setdefault("device", device)
        tables[table].append([values.get(c) for c in cols[table]])
        return values

    for name, role in (("admin", "admin"), ("chief", "chief"), ("rec1", "recorder"),
                       ("rec2", "recorder"), *((j, "judge") for j in JUDGES)):
        add("users", name=name, role=role, unit="总工会", events=None, at=at(0))
    events = []
    results: dict[str, Any] = {}
    mark_states: list[list[Any]] = []
    per_event = per_file // 3
    pool = r.sample(range(PERSONS), per_file)
    comp_name = f"{year}年第{i}届职工技能大赛"
    for e in range(3):
        trade = TRADES[(i * 3 + e) % len(TRADES)]
        ev_id = f"E{e + 1}"
        group = ("职工组", "学生组", "教师组")[e]
        events.append({"id": ev_id, "name": trade, "group": group, "stations": per_event})
        draw = add("draws", event=ev_id, method="electronic", seed=str(r.randrange(10**9)),
                   witness="", file_sha256=None, at=at(60))
        standings = []
        for s in range(per_event):
            idn, name, gender, region = person(pool[e * per_event + s])
            unit = f"{region}第{r.randrange(UNITS)}机械厂"
            p = add("competitors", event=ev_id, name=name, id_number=idn, gender=gender,
                    unit=unit, region=region, source="list.xlsx", at=at(10))
            station, cand = f"{s + 1:03d}", f"{ev_id}-{s + 1:03d}"
            add("assignments", draw=draw["uid"], event=ev_id, competitor=p["uid"],
                candidate=cand, station=station, at=at(60))
            t0 = 3600 + s * 7.0
            practical = 0.0
            for k, (asp, kind, judges) in enumerate(ASPECTS):
                for j in range(judges):
                    score = r.randint(0, {"J": 3, "M": 12, "D": 3}[kind])
                    practical += score if kind != "D" else -score
                    for typist, offset in (("rec1", 0.0), ("rec2", 20000.0)):
                        add("marks", event=ev_id, station=station, aspect=asp, judge=JUDGES[j],
                            action="type", score=str(score), measured=None,
                            reason="from sheet.csv", target=None, by=typist,
                            at=at(t0 + offset + k * 0.5 + j * 0.1))
                    mark_states.append([ev_id, station, asp, JUDGES[j], str(score), None,
                                        str(score), "verified", "rec1", "rec2", None])
            theory = r.randint(40, 100)
            add("theory", event=ev_id, competitor=p["uid"], score=str(theory),
                source=f"theory.csv:{s + 2}", at=at(40000))
            used = r.randint(9000, 14400)
            add("times", event=ev_id, station=station, used_seconds=used, extra_seconds=0,
                source=f"times.csv:{s + 2}", at=at(39000))
            status = "absent" if r.random() < 0.02 else "ok"
            if status != "ok":
                add("statuses", event=ev_id, competitor=p["uid"], status=status,
                    reason="did not check in", at=at(3000))
            total = round(theory * 0.3 + max(practical, 0) * 0.7 * 100 / 78, 2)
            standings.append({"station": station, "candidate": cand, "name": name, "unit": unit,
                              "theory": f"{theory:.2f}", "practical": f"{max(practical, 0):.2f}",
                              "total": f"{total:.2f}", "time_used_s": used, "status": status,
                              "_total": total})
        placed = sorted((x for x in standings if x["status"] == "ok"),
                        key=lambda x: (-x["_total"], x["time_used_s"]))
        cut = [round(len(placed) * s) for s in (0.1, 0.3, 0.6)]
        for place, x in enumerate(placed, start=1):
            x["place"] = place
            x["award"] = next((lv for lv, c in zip(("一等奖", "二等奖", "三等奖"), cut)
                               if place <= c), None)
            x["title"] = "技术能手" if place <= 3 and level in ("provincial", "national") else None
            x["grade"] = "技师" if place <= 3 else ("高级工" if place <= 6 else None)
        rows = []
        for x in placed + [x for x in standings if x["status"] != "ok"]:
            x.pop("_total")
            for k in ("place", "award", "title", "grade"):
                x.setdefault(k, None)
            rows.append(x)
        results[ev_id] = {"competition": comp_name, "competition_id": f"HLJ-{year}-{i:05d}",
                          "event": ev_id, "event_name": trade, "group": group, "snapshot": 1,
                          "locked": True, "decrypted": True, "rows": rows}
        for m in ("M1", "M2"):
            add("locks", event=ev_id, module=m, action="lock", reason="", at=at(41000))
        add("decryptions", event=ev_id, at=at(42000))
    private, public = signing.generate_key()
    out_tables = {t: {"columns": cols[t], "rows": rows} for t, rows in tables.items()}
    states = {"columns": ["event", "station", "aspect", "judge", "score", "measured", "points",
                          "status", "typist", "verifier", "candidates"], "rows": mark_states}
    records = sum(len(v) for v in tables.values())
    body = {
        "format_version": FORMAT_VERSION,
        "software": {"name": "jiangxin", "version": "bench"},
        "contest_uid": f"bench-{i:06d}", "device_id": device,
        "exported_at": at(50000), "exported_by": "admin",
        "competition": {"id": f"HLJ-{year}-{i:05d}", "name": comp_name,
                        "organiser": f"{REGIONS[i % len(REGIONS)]}总工会",
                        "venue": "实训基地", "level": level, "date": date.isoformat(),
                        "events": events},
        "competition_file": "competition.toml", "competition_toml": "format = 1\n",
        "key": {"algorithm": "Ed25519", "key_id": signing.key_id(public),
                "public": public.hex()},
        "audit_head": {"seq": records, "hash": hashlib.sha256(device.encode()).hexdigest(),
                       "records": records},
        "exports": [], "tables": out_tables, "mark_states": states, "results": results,
    }
    body["manifest"] = manifest_of(out_tables, states, results)
    body["_private"] = private
    return body


def _write(job: tuple[int, int, str]) -> tuple[str, int]:
    i, per_file, directory = job
    body = make_body(i, per_file, _columns())
    private = body.pop("_private")
    path = Path(directory) / f"venue-{i:05d}.jxr"
    data = sign_body(body, private)
    path.write_bytes(data)
    return str(path), len(data)


def generate(directory: Path, files: int, per_file: int, workers: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    todo = [(i, per_file, str(directory)) for i in range(files)
            if not (directory / f"venue-{i:05d}.jxr").exists()]
    if todo:
        t = time.perf_counter()
        with Pool(workers) as pool:
            for k, _ in enumerate(pool.imap_unordered(_write, todo, chunksize=4), start=1):
                if k % 100 == 0:
                    print(f"  generated {k}/{len(todo)}", flush=True)
        print(f"generated {len(todo)} files in {time.perf_counter() - t:.1f} s")
    return [directory / f"venue-{i:05d}.jxr" for i in range(files)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--per-file", type=int, default=300)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/jiangxin-bench-hq"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    from db.hq.store import Headquarters

    paths = generate(args.dir / "files", args.files, args.per_file, args.workers)
    size = sum(p.stat().st_size for p in paths)
    hq_path = args.dir / "hq.db"
    import shutil

    for suffix in ("", "-wal", "-shm"):
        Path(str(hq_path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(str(hq_path) + ".files", ignore_errors=True)
    hq = Headquarters.open(hq_path)
    t0 = time.perf_counter()
    results = hq.import_files(paths, accept_key=True, operator="bench")
    import_s = time.perf_counter() - t0
    assert all(not isinstance(r, Exception) for _, r in results)
    per_file = [import_s / len(paths)]
    parts = hq.db.execute("SELECT COUNT(*) FROM participations").fetchone()[0]
    marks = sum(json.loads(r[0])["marks"] for r in hq.db.execute("SELECT counts FROM submissions"))
    t = time.perf_counter()
    again = hq.import_file(paths[0], operator="bench")
    repeat_s = time.perf_counter() - t
    assert again.status == "duplicate"
    timings = []
    for _ in range(5):
        t = time.perf_counter()
        report = hq.report()
        timings.append(time.perf_counter() - t)
    t = time.perf_counter()
    ranking = hq.trade_ranking("焊工")
    ranking_s = time.perf_counter() - t
    idn = hq.db.execute("SELECT id_number FROM participations LIMIT 1").fetchone()[0]
    t = time.perf_counter()
    hq.person_history(idn)
    person_s = time.perf_counter() - t
    files_size = sum(p.stat().st_size for p in hq.files_dir.iterdir())
    hq.close()
    db_size = sum(Path(str(hq_path) + s).stat().st_size for s in ("", "-wal")
                  if Path(str(hq_path) + s).exists())
    figures = {
        "files": len(paths), "file_bytes_total": size, "participations": parts,
        "mark_rows": marks, "persons": report["persons"], "units": report["units"],
        "import_s": round(import_s, 2),
        "import_per_file_ms_mean": round(per_file[0] * 1000, 1),
        "repeat_file_ms": round(repeat_s * 1000, 1),
        "report_s_median": round(statistics.median(timings), 3),
        "report_s_max": round(max(timings), 3),
        "trade_ranking_s": round(ranking_s, 3), "trade_ranked_persons": ranking["persons"],
        "person_history_ms": round(person_s * 1000, 2), "hq_db_bytes": db_size,
        "hq_files_bytes": files_size,
    }
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    ok = import_s < 120 and max(timings) < 2
    print("targets (import < 120 s, report < 2 s):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
