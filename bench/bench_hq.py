"""Headquarters at province scale: import 1,000 venue results files and answer the report.

The files are made directly in the results-file format (db/files/exchange.py) from synthetic
contests, because running 1,000 contests through the engine would take hours; each is signed
for real with its own Ed25519 contest key and passes the same reader as a venue's export.
Every file holds ~300 participations in 3 events with their marks: 8 aspects per competitor
(5 measured, 2 judged by three judges, 1 deduction), each value typed and verified by two
recorders, i.e. 24 mark rows per participation, plus the derived mark states.

    .venv/bin/python bench/bench_hq.py                 # 1,000 files, ~300,000 participations
    .venv/bin/python bench/bench_hq.py --files 50      # a quick look
    .venv/bin/python bench/bench_hq.py --files 10758   # a province-year, both engines

Both engines by default (--engine sqlite|postgresql|both): SQLite with one importing process,
PostgreSQL (a server of its own started from Debian's binaries, durable settings) with two
(--jobs). Generated files are kept in --dir and reused. Figures go to stdout and, with --json,
to a file; docs/performance-hq.md records them.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.files.exchange import (  # noqa: E402 - after the path set-up above
    FORMAT,
    FORMAT_VERSION,
    OMITTED,
    TABLES,
    canonical,
    manifest_of,
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


class Marks:
    """The mark rows of one file (24 per participation), serialised once per file size.

    Every file carries the same marks and mark states (headquarters checks their counts and
    signs over them but does not store them), each row's uid and device made the file's own by
    one text substitution; everything else (people, results, key) is drawn per file. This
    keeps the generator at ~0.1 s a file instead of ~1 s.
    """

    _cache: dict[tuple[int, str], tuple[str, str, int, int]] = {}

    @classmethod
    def get(cls, per_file: int, cols: list[str]) -> tuple[str, str, int, int]:
        key = (per_file, ",".join(cols))
        if key not in cls._cache:
            r = random.Random(7)
            rows, states = [], []
            per_event = per_file // 3
            n = 0
            for e in range(3):
                ev_id = f"E{e + 1}"
                for s in range(per_event):
                    station = f"{s + 1:03d}"
                    for k, (asp, kind, judges) in enumerate(ASPECTS):
                        for j in range(judges):
                            score = r.randint(0, {"J": 3, "M": 12, "D": 3}[kind])
                            for typist, offset in (("rec1", 0), ("rec2", 20000)):
                                n += 1
                                sec = 3600 + s * 7 + offset + k // 2
                                values = {"uid": f"@UID@{n:024x}", "event": ev_id,
                                          "station": station, "aspect": asp,
                                          "judge": JUDGES[j], "action": "type",
                                          "score": str(score), "measured": None,
                                          "reason": "from sheet.csv", "target": None,
                                          "by": typist, "device": "@DEVICE@",
                                          "at": f"@DATE@T{8 + sec // 3600:02d}:"
                                                f"{sec % 3600 // 60:02d}:{sec % 60:02d}."
                                                f"{(k % 2) * 500000 + j * 100000:06d}+00:00"}
                                rows.append([values.get(c) for c in cols])
                            states.append([ev_id, station, asp, JUDGES[j], str(score), None,
                                           str(score), "verified", "rec1", "rec2", None])
            cls._cache[key] = (canonical(rows), canonical(states), len(rows), len(states))
        return cls._cache[key]


def make_body(i: int, per_file: int, cols: dict[str, list[str]], persons: int = PERSONS
              ) -> tuple[dict[str, Any], bytes]:
    r = random.Random(1000 + i)
    year = 2022 + i % 3
    level = r.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
    date = dt.date(year, 1, 1) + dt.timedelta(days=r.randrange(330))
    device = f"{i:012x}"
    day = date.isoformat()
    n = [0]

    def uid() -> str:
        n[0] += 1
        return f"{i:08x}{n[0]:024x}"

    def at(sec: int) -> str:
        return f"{day}T{8 + sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}.000000+00:00"

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
    per_event = per_file // 3
    pool = r.sample(range(persons), per_file)
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
            practical = float(sum(r.randint(0, 12) for _ in range(5)) + r.randint(0, 18))
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
    marks_json, states_json, n_marks, n_states = Marks.get(per_file, cols["marks"])
    private, public = signing.generate_key()
    out_tables = {t: {"columns": cols[t], "rows": rows} for t, rows in tables.items()}
    out_tables["marks"]["rows"] = ["@MARKS@"]
    states = {"columns": ["event", "station", "aspect", "judge", "score", "measured", "points",
                          "status", "typist", "verifier", "candidates"], "rows": ["@STATES@"]}
    records = sum(len(v) for v in tables.values()) + n_marks
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
    manifest = manifest_of(out_tables, states, results)
    manifest["tables"]["marks"], manifest["mark_states"] = n_marks, n_states
    body["manifest"] = manifest
    text = canonical(body)
    marks = marks_json.replace("@UID@", f"{i:08x}").replace("@DEVICE@", device) \
        .replace("@DATE@", day)
    text = text.replace('["@MARKS@"]', marks, 1).replace('["@STATES@"]', states_json, 1)
    return body, _signed(text.encode("utf-8"), private, public)


def _signed(body_bytes: bytes, private: bytes, public: bytes) -> bytes:
    """What db.files.exchange.sign_body writes, over body bytes made here (checked on import:
    the reader refuses anything that is not exactly the format)."""
    sig = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
           "body_sha256": hashlib.sha256(body_bytes).hexdigest(),
           "value": base64.b64encode(signing.sign(private, body_bytes)).decode("ascii")}
    tail = canonical({"format": FORMAT, "signature": sig}).encode("utf-8")
    return b'{"body":' + body_bytes + b"," + tail[1:] + b"\n"


_COLS: dict[str, list[str]] = {}


def _write(job: tuple[int, int, int, str]) -> tuple[str, int]:
    i, per_file, persons, directory = job
    if not _COLS:
        _COLS.update(_columns())
    _, data = make_body(i, per_file, _COLS, persons)
    path = Path(directory) / f"venue-{i:05d}.jxr"
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return str(path), len(data)


def generate(directory: Path, files: int, per_file: int, workers: int,
             persons: int = PERSONS) -> list[Path]:
    """The files (made once; a folder already holding them is reused)."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = directory / "generated.json"
    made = json.loads(stamp.read_text()) if stamp.exists() else {}
    if made and (made.get("per_file"), made.get("persons")) != (per_file, persons):
        raise SystemExit(f"{directory} holds files of another size ({made}); use another --dir")
    todo = [(i, per_file, persons, str(directory)) for i in range(files)
            if not (directory / f"venue-{i:05d}.jxr").exists()]
    stamp.write_text(json.dumps({"per_file": per_file, "persons": persons}))
    if todo:
        t = time.perf_counter()
        with Pool(workers) as pool:
            for k, _ in enumerate(pool.imap_unordered(_write, todo, chunksize=4), start=1):
                if k % 200 == 0:
                    print(f"  generated {k}/{len(todo)} ({time.perf_counter() - t:.0f} s)",
                          flush=True)
        print(f"generated {len(todo)} files in {time.perf_counter() - t:.1f} s", flush=True)
    return [directory / f"venue-{i:05d}.jxr" for i in range(files)]


class Arriving(Sequence[Path]):
    """The files, each waited for until it exists (--follow: another process makes them)."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        p = self.paths[i]
        while not p.exists():
            time.sleep(0.5)
        return p


def _pg_server(parent: Path) -> Any:
    """A PostgreSQL server of its own for the bench (Debian's binaries, durable settings)."""
    sys.path.insert(0, str(ROOT))
    from tests import pgserver

    bindir = pgserver.find_bin()
    if bindir is None:
        raise SystemExit("no PostgreSQL server installed (apt-get install postgresql)")
    parent.mkdir(parents=True, exist_ok=True)
    os.chmod(parent, 0o755)
    server = pgserver.Server(bindir, parent=str(parent), settings={
        "shared_buffers": "2GB", "max_wal_size": "8GB", "checkpoint_timeout": "15min",
        "max_connections": "20", "work_mem": "64MB", "maintenance_work_mem": "512MB"})
    server.start()
    return server


def run_engine(engine: str, paths: Sequence[Path], args: argparse.Namespace
               ) -> dict[str, Any]:
    from db.hq import bulk
    from db.hq.store import Headquarters

    server = None
    if engine == "sqlite":
        target = str(args.dir / "hq.db")
        for suffix in ("", "-wal", "-shm"):
            Path(target + suffix).unlink(missing_ok=True)
        shutil.rmtree(target + ".files", ignore_errors=True)
    else:
        server = _pg_server(args.dir / "pg")
        target = server.new_database()
        os.environ["JIANGXIN_HQ_FILES"] = str(args.dir / "pg-files")
        shutil.rmtree(os.environ["JIANGXIN_HQ_FILES"], ignore_errors=True)
    jobs = args.jobs if args.jobs else (2 if engine == "postgresql" else 1)
    try:
        Headquarters.open(target).close()
        last = [0.0]

        def show(path: str, result: Any, progress: bulk.Progress) -> None:
            if isinstance(result, Exception):
                raise SystemExit(f"refused: {path}: {result}")
            if time.monotonic() - last[0] > 30 or progress.done == progress.total:
                last[0] = time.monotonic()
                print(f"  {engine}: {progress.line()}", flush=True)
        t0 = time.perf_counter()
        if args.via_cli:  # `jiangxin hq import DIR`, its progress lines kept in a log
            log = args.dir / f"import-{engine}.log"
            with open(log, "w", encoding="utf-8") as out:
                proc = subprocess.run(
                    [sys.executable, str(ROOT / "main.py"), "hq", "import",
                     str(args.dir / "files"), "--hq", target, "--accept-key", "--jobs",
                     str(jobs)], stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))
            if proc.returncode:
                raise SystemExit(f"hq import failed ({proc.returncode}), see {log}")
        else:
            bulk.import_many(target, paths, jobs=jobs, on_result=show, accept_key=True,
                             operator="bench")
        import_s = time.perf_counter() - t0
        hq = Headquarters.open(target)
        parts = hq.count("participations")
        marks = sum(json.loads(r[0])["marks"] for r in hq.db.execute(
            "SELECT counts FROM submissions"))
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
        ranking = hq.trade_ranking("焊工", year="2023")
        ranking_s = time.perf_counter() - t
        idn = hq.db.one("SELECT id_number FROM participations WHERE contest_uid = ?",
                        ["bench-000000"])
        t = time.perf_counter()
        hq.person_history(idn)
        person_s = time.perf_counter() - t
        files_size = sum(p.stat().st_size for p in hq.files_dir.iterdir())
        if engine == "sqlite":
            hq.close()
            db_size = sum(Path(target + s).stat().st_size for s in ("", "-wal")
                          if Path(target + s).exists())
        else:
            db_size = int(hq.db.one("SELECT pg_database_size(current_database())"))
            hq.close()
        (args.dir / f"report-{engine}.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            encoding="utf-8")
        return {
            "engine": engine, "jobs": jobs, "files": len(paths), "participations": parts,
            "mark_rows": marks, "persons": report["persons"], "units": report["units"],
            "import_s": round(import_s, 1),
            "import_files_per_s": round(len(paths) / import_s, 2),
            "repeat_file_ms": round(repeat_s * 1000, 1),
            "report_s_median": round(statistics.median(timings), 3),
            "report_s_max": round(max(timings), 3),
            "trade_ranking_s": round(ranking_s, 3), "trade_ranked_persons": ranking["persons"],
            "person_history_ms": round(person_s * 1000, 2), "hq_db_bytes": db_size,
            "hq_files_bytes": files_size,
        }
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(args.dir / "hq.db.files", ignore_errors=True)
            shutil.rmtree(args.dir / "pg-files", ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--per-file", type=int, default=300)
    ap.add_argument("--persons", type=int, default=0,
                    help="size of the pool people are drawn from (default: 150 per file, "
                    "at least 150,000)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/jiangxin-bench-hq"))
    ap.add_argument("--workers", type=int, default=2, help="processes generating files")
    ap.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--jobs", type=int, default=0,
                    help="importing processes (default: 2 on PostgreSQL, 1 on SQLite)")
    ap.add_argument("--keep", action="store_true", help="keep the imported copies afterwards")
    ap.add_argument("--via-cli", action="store_true",
                    help="import with `jiangxin hq import DIR` (a process of its own) and keep "
                    "its progress lines in DIR/import-ENGINE.log")
    ap.add_argument("--follow", action="store_true",
                    help="do not generate: import the files of --dir as another process "
                    "makes them, waiting for each")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()
    persons = args.persons or max(PERSONS, 150 * args.files)
    if args.follow:
        paths: Sequence[Path] = Arriving([args.dir / "files" / f"venue-{i:05d}.jxr"
                                          for i in range(args.files)])
    else:
        paths = generate(args.dir / "files", args.files, args.per_file, args.workers, persons)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    figures: dict[str, Any] = {"files": len(paths), "follow": args.follow,
                               "persons_pool": persons, "per_file": args.per_file,
                               "machine": f"{os.cpu_count()} CPU, load at start "
                                          f"{os.getloadavg()[0]:.1f}",
                               "date": dt.datetime.now(dt.UTC).isoformat(timespec="minutes")}
    for engine in engines:
        figures[engine] = run_engine(engine, paths, args)
        figures[engine]["load_after"] = round(os.getloadavg()[0], 1)
        print(json.dumps(figures[engine], indent=1), flush=True)
    figures["file_bytes_total"] = sum(p.stat().st_size for p in paths)
    if len(engines) == 2:
        same = ((args.dir / "report-sqlite.json").read_bytes()
                == (args.dir / "report-postgresql.json").read_bytes())
        figures["reports_identical"] = same
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    ok = all(figures[e]["report_s_max"] < 2 for e in engines)
    if "postgresql" in figures:
        ok = ok and figures["postgresql"]["import_s"] * 10758 / len(paths) <= 15 * 60
    print("targets (report < 2 s; 10,758 files in <= 15 min on PostgreSQL):",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
