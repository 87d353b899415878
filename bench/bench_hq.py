"""Headquarters at province scale: import 1,000 venue results files and answer the report.

Headquarters recomputes every result from the marks a file carries, so the files are real
contests: one contest of the chosen size is run through the product's own operations
(bench/hq_template.py: 3 events, 8 aspects per competitor — 5 measured, 2 judged by three
judges, 1 deduction — each value typed blind by two recorders, clocks, theory, lock,
decryption, publication) and every file is its export with its own people, units, regions,
competition, trades, ids and Ed25519 contest key, signed for real, passing the same reader
and the same recomputation as a venue's export.

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
import re
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
    canonical,
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
PERSONS = 150_000
GENERATOR = 2  # files derived from a real template contest (bench/hq_template.py)
UNITS = 6_000


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


_TEMPLATES: dict[int, tuple[str, dict[str, str]]] = {}


def template(per_file: int) -> tuple[str, dict[str, str]]:
    """The canonical body text of the real template contest of this size (made once per
    process; a forked generator inherits it) and the template's own ids."""
    if per_file not in _TEMPLATES:
        from bench import hq_template

        body = hq_template.build(per_file)
        ids = {"contest_uid": str(body["contest_uid"]), "device_id": str(body["device_id"]),
               "key_id": str(body["key"]["key_id"]), "public": str(body["key"]["public"])}
        _TEMPLATES[per_file] = (canonical(body), ids)
    return _TEMPLATES[per_file]


def make_body(i: int, per_file: int, cols: Any = None, persons: int = PERSONS
              ) -> tuple[dict[str, Any], bytes]:
    """Synthetic file ``i``: the template contest (bench/hq_template.py) with its own people,
    units, regions, competition, trades, ids and key, signed for real. Its stated results
    are what the rules give for its marks (the template's), as headquarters recomputes."""
    from bench import hq_template as tpl

    text, ids = template(per_file)
    r = random.Random(1000 + i)
    year = 2022 + i % 3
    level = r.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
    date = dt.date(year, 1, 1) + dt.timedelta(days=r.randrange(330))
    per_event = max(1, per_file // tpl.EVENTS)
    pool = r.sample(range(persons), per_event * tpl.EVENTS)
    who = [person(k) for k in pool]
    # two synthetic people may share an ID number (region, birth date, sequence drawn): one
    # person enters an event once, so a repeat within an event is drawn again
    again = random.Random(5000 + i)
    for e in range(tpl.EVENTS):
        held: set[str] = set()
        for j in range(e * per_event, (e + 1) * per_event):
            while who[j][0] in held:
                who[j] = person(again.randrange(persons))
            held.add(who[j][0])
    units = [f"{region}第{r.randrange(UNITS)}机械厂" for _, _, _, region in who]
    private, public = signing.generate_key()
    comp_name = f"{year}年第{i}届职工技能大赛"
    plain = {
        tpl.COMP_ID: f"HLJ-{year}-{i:05d}", tpl.COMP_NAME: comp_name,
        tpl.ORGANISER: f"{REGIONS[i % len(REGIONS)]}总工会", tpl.DATE: date.isoformat(),
        f'level = \\"{tpl.LEVEL}\\"': f'level = \\"{level}\\"',
        f'"level":"{tpl.LEVEL}"': f'"level":"{level}"',
        ids["contest_uid"]: f"bench-{i:06d}", ids["device_id"]: f"{i:012x}",
        ids["key_id"]: signing.key_id(public), ids["public"]: public.hex(),
    }
    for e in range(tpl.EVENTS):
        plain[tpl.trade_token(e)] = TRADES[(i * 3 + e) % len(TRADES)]
    token = re.compile("|".join(re.escape(k) for k in plain)
                       + r"|模板(选手|单位|地区)(\d{5})|110101(19[0-2]\d{5})(\d{3}[\dX])")
    ids_of = {tpl.id_token(k): who[k][0] for k in range(len(who))}

    def swap(m: re.Match[str]) -> str:
        if m.group(1):
            k = int(m.group(2))
            return {"选手": who[k][1], "单位": units[k], "地区": who[k][3]}[m.group(1)]
        if m.group(3):
            return ids_of.get(m.group(0), m.group(0))
        return plain[m.group(0)]

    body_text = token.sub(swap, text)
    meta = {"competition_id": plain[tpl.COMP_ID], "participations": len(who), "year": year,
            "level": level}
    return meta, _signed(body_text.encode("utf-8"), private, public)


def _signed(body_bytes: bytes, private: bytes, public: bytes) -> bytes:
    """What db.files.exchange.sign_body writes, over body bytes made here (checked on import:
    the reader refuses anything that is not exactly the format)."""
    sig = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
           "body_sha256": hashlib.sha256(body_bytes).hexdigest(),
           "value": base64.b64encode(signing.sign(private, body_bytes)).decode("ascii")}
    tail = canonical({"format": FORMAT, "signature": sig}).encode("utf-8")
    return b'{"body":' + body_bytes + b"," + tail[1:] + b"\n"


def _write(job: tuple[int, int, int, str]) -> tuple[str, int]:
    i, per_file, persons, directory = job
    _, data = make_body(i, per_file, None, persons)
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
    if made and (made.get("per_file"), made.get("persons"), made.get("generator")) != (
            per_file, persons, GENERATOR):
        raise SystemExit(f"{directory} holds files of another size ({made}); use another --dir")
    todo = [(i, per_file, persons, str(directory)) for i in range(files)
            if not (directory / f"venue-{i:05d}.jxr").exists()]
    stamp.write_text(json.dumps({"per_file": per_file, "persons": persons,
                                      "generator": GENERATOR}))
    if todo:
        t = time.perf_counter()
        template(per_file)  # the real contest, made once here and inherited by the workers
        print(f"template contest of {per_file} made in {time.perf_counter() - t:.1f} s",
              flush=True)
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
            folder = args.dir / "files"
            # the folder when the run is every file in it, else the run's files by name
            given = ([str(folder)] if len(paths) == len(list(folder.glob("*.jxr")))
                     else [str(p) for p in paths])
            with open(log, "w", encoding="utf-8") as out:
                proc = subprocess.run(
                    [sys.executable, str(ROOT / "main.py"), "hq", "import", *given,
                     "--hq", target, "--accept-key", "--jobs", str(jobs)],
                    stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ))
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
        before = [round(x, 2) for x in os.getloadavg()]  # `uptime`'s 1, 5, 15 minutes
        figures[engine] = run_engine(engine, paths, args)
        figures[engine]["load_before"] = before
        figures[engine]["load_after"] = [round(x, 2) for x in os.getloadavg()]
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
    print("report < 2 s on " + ", ".join(engines) + ":", "met" if ok else "NOT met")
    if "postgresql" in figures:
        fast = figures["postgresql"]["import_s"] * 10758 / len(paths) <= 15 * 60
        print(f"10,758 files in <= 15 min on PostgreSQL (at this rate, {len(paths)} files "
              f"imported): {'met' if fast else 'NOT met'}")
        ok = ok and fast
    else:
        print("10,758 files in <= 15 min on PostgreSQL: not measured in this run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
