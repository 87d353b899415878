"""Headquarters at scale: folders and wildcards, several importers at once, a killed import,
and a report read from figures kept at import that always equals a recount from scratch."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.hq import bulk
from db.hq.store import Headquarters
from judging.errors import InputError
from tests.conftest import ROOT, cli
from tests.unit.test_hq import (
    files,  # noqa: F401  (the example's v1, v2, second, laptop)
    ranking_recount,
)

New = Callable[[], str]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_hq", ROOT / "bench" / "bench_hq.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """100 small contests (30 participations each) from the benchmark's generator (a real
    template contest, so headquarters' recomputation accepts them), drawing on
    a pool of 600 people, so that persons and units recur across contests."""
    bench = _bench()
    d = tmp_path_factory.mktemp("synthetic")
    out = []
    for i in range(100):
        _, data = bench.make_body(i, 30, None, 600)
        path = d / f"venue-{i:03d}.jxr"
        path.write_bytes(data)
        out.append(path)
    return out


def recount(target: str) -> dict[str, Any]:
    """The report computed from scratch by reading every participation (what the figures
    kept at import must always equal)."""
    hq = Headquarters.open(target)
    rows = hq.db.query("SELECT * FROM participations")

    def figures(rs: list[dict[str, Any]]) -> dict[str, Any]:
        return {"participations": len(rs),
                "awarded": sum(r["award"] is not None for r in rs),
                "titles_given": sum(r["title"] is not None for r in rs),
                "promotions": sum(r["grade"] is not None for r in rs),
                "competitions": len({r["contest_uid"] for r in rs}),
                "events": len({(r["contest_uid"], r["event"]) for r in rs}),
                "persons": len({r["id_number"] for r in rs if r["id_number"]}),
                "units": len({r["person_unit"] for r in rs if r["person_unit"]}),
                "awards": dict(sorted(Counter(r["award"] for r in rs
                                              if r["award"] is not None).items()))}
    whole = figures(rows)
    out: dict[str, Any] = {k: whole[k] for k in ("participations", "awarded", "titles_given",
                                                 "promotions", "persons", "units")}
    out.update(competitions=hq.count("competitions"), events=hq.count("events"),
               submissions=hq.count("submissions"))
    for name, col in (("awards", "award"), ("titles", "title"), ("grades", "grade")):
        out[name] = dict(sorted(Counter(r[col] for r in rows if r[col]).items()))
    for dim in ("year", "region", "level", "trade"):
        keys = sorted({str(r[dim] or "") for r in rows})
        out[f"by_{dim}"] = {k: figures([r for r in rows if str(r[dim] or "") == k])
                            for k in keys}
    hq.close()
    return out


def report(target: str) -> dict[str, Any]:
    hq = Headquarters.open(target)
    try:
        return hq.report()
    finally:
        hq.close()


def test_report_equals_a_recount_through_replacements(
        hq_target: New, files: dict[str, Any],  # noqa: F811
        synthetic: list[Path]) -> None:
    target = hq_target()
    steps = [([files["v1"], *synthetic[:5]], {}), ([files["second"]], {}),
             ([files["v2"]], {}), ([files["laptop"]], {"force": True}),
             (synthetic[3:9], {})]
    hq = Headquarters.open(target)
    for paths, options in steps:
        hq.import_files(paths, accept_key=True, **options)
        assert hq.report() == recount(target)
        for trade in ("工具钳工", "焊工"):
            assert hq.trade_ranking(trade) == ranking_recount(target, trade)
    rep = hq.report()
    assert rep["competitions"] == 2 + 9 and rep["submissions"] == 3 + 1 + 9
    assert rep["participations"] == 12 + 12 + 9 * 30  # the example once (the laptop's)


def test_the_figures_migration_counts_an_older_database_in(tmp_path: Path,
                                                           files: dict[str, Any]  # noqa: F811
                                                           ) -> None:
    """A headquarters file from before the kept figures (h001 only) is counted in when it is
    opened by this version."""
    from db.hq import schema
    from db.hq.engine import open_engine

    target = str(tmp_path / "old.db")
    new = Headquarters.open(target)
    new.import_files([files["v2"], files["second"]], accept_key=True)
    expected = new.report()
    new.close()
    engine = open_engine(target)  # back to h001: what an older version left
    with engine.transaction():
        for t in ("member_groups", "group_sizes", "group_tallies"):
            engine.execute(f"DROP TABLE {t}")
        engine.execute("DROP INDEX submissions_one_current")
        for statement in schema.ddl(engine, schema.HQ_SQL):
            if statement.startswith(("CREATE TABLE people", "CREATE TABLE units",
                                     "CREATE TABLE tallies", "CREATE TABLE region_",
                                     "CREATE INDEX participations_unit",
                                     "CREATE INDEX participations_year_",
                                     "CREATE INDEX participations_region_",
                                     "CREATE INDEX participations_level_",
                                     "CREATE INDEX participations_trade_",
                                     "CREATE INDEX tallies", "CREATE INDEX region_")):
                engine.execute(statement)
        engine.execute("DELETE FROM _sqlite_migrations WHERE name IN ('h003_groups', "
                       "'h006_member_groups')")
    engine.close()
    again = Headquarters.open(target)
    assert again.report() == expected == recount(target)


def test_the_member_groups_migration_counts_the_figures_again(tmp_path: Path,
                                                               files: dict[str, Any]  # noqa: F811
                                                               ) -> None:
    """A headquarters database from before ``member_groups`` (a row per member and group in
    ``group_members``, h003–h005) has its figures counted again when opened, and imports on."""
    from db.hq import schema
    from db.hq.engine import open_engine

    target = str(tmp_path / "old.db")
    new = Headquarters.open(target)
    new.import_files([files["v1"], files["second"]], accept_key=True)
    engine = open_engine(target)  # back to h005: what the previous version left
    with engine.transaction():
        engine.execute("DROP TABLE member_groups")
        for statement in schema.ddl(engine, schema.GROUPS_SQL):
            if statement.startswith("CREATE TABLE group_members"):
                engine.execute(statement)
        engine.execute("DELETE FROM group_sizes")  # whatever the old sets said: counted again
        engine.execute("DELETE FROM _sqlite_migrations WHERE name = 'h006_member_groups'")
    engine.close()
    again = Headquarters.open(target)
    assert "group_members" not in again.db.tables()
    assert again.report() == recount(target)
    again.import_files([files["v2"]], accept_key=True)  # a replacement: counted out, then in
    assert again.report() == recount(target)


def test_folders_and_wildcards_are_expanded_by_the_program(tmp_path: Path,
                                                           synthetic: list[Path]) -> None:
    d = synthetic[0].parent
    (tmp_path / "sub").mkdir()
    extra = tmp_path / "sub" / "late.jxr"
    extra.write_bytes(synthetic[0].read_bytes())
    (tmp_path / "notes.txt").write_text("not a results file")
    assert bulk.expand([d]) == synthetic
    assert bulk.expand([str(d / "venue-00?.jxr")]) == synthetic[:10]
    assert bulk.expand([tmp_path]) == [extra]  # subfolders too, *.jxr only
    both = bulk.expand([synthetic[1], str(d / "*.jxr")])  # each file once, first as given
    assert both[0] == synthetic[1] and len(both) == len(synthetic)
    with pytest.raises(InputError, match="no file matches"):
        bulk.expand([str(tmp_path / "*.xlsx")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no results file"):
        bulk.expand([tmp_path / "empty"])


def test_hq_import_of_a_folder_shows_progress_and_a_summary(
        hq_target: New, synthetic: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    target = hq_target()
    bad = synthetic[0].parent.parent / "bad-folder"
    bad.mkdir(exist_ok=True)
    (bad / "broken.jxr").write_bytes(synthetic[0].read_bytes()[:-100])
    assert cli("hq", "import", synthetic[0].parent, bad, "--hq", target, "--accept-key") == 3
    captured = capsys.readouterr()
    assert "[101/101] 100%" in captured.err and "[50/101]" in captured.err
    summary = captured.out.strip().splitlines()
    assert any(line.startswith("101 files in ") and "100 imported" in line
               and "1 refused" in line for line in summary)
    assert any("broken.jxr" in line for line in summary)
    assert report(target) == recount(target)


def _import_proc(target: str, args: list[str | Path], env: dict[str, str]
                 ) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "hq", "import",
                             *map(str, args), "--hq", target, "--accept-key"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


def _check_whole(target: str, expect_files: set[str] | None = None) -> None:
    """Every submission whole (its participations all there), one current per contest, each
    file once, the figures equal to a recount, every accepted file kept whole."""
    hq = Headquarters.open(target)
    subs = hq.db.query("SELECT id, sha256, contest_uid, state, counts FROM submissions")
    assert len({s["sha256"] for s in subs}) == len(subs)
    current = [s for s in subs if s["state"] == "current"]
    assert len({s["contest_uid"] for s in current}) == len(current)
    held = Counter(str(r[0]) for r in hq.db.execute("SELECT contest_uid FROM participations"))
    assert held == Counter({s["contest_uid"]: json.loads(s["counts"])["participations"]
                            for s in current})
    for s in subs:
        import hashlib

        assert hashlib.sha256(hq.file_bytes(s["sha256"])).hexdigest() == s["sha256"]
    if expect_files is not None:
        assert {s["sha256"] for s in subs} == expect_files
    trades = sorted({(str(r[0]), str(r[1])) for r in hq.db.execute(
        "SELECT DISTINCT trade, year FROM participations")})
    rankings = {(t, y): hq.trade_ranking(t, year=y) for t, y0 in trades for y in (None, y0)}
    hq.close()
    assert report(target) == recount(target)
    for (t, y), got in rankings.items():  # the best kept at import, whatever the order
        assert got == ranking_recount(target, t, y)


def _env() -> dict[str, str]:
    return dict(os.environ)  # with the kept files' folder of a PostgreSQL headquarters


def test_two_importers_at_once_lose_and_double_nothing(
        hq_engine: str, hq_target: New, files: dict[str, Any],  # noqa: F811
        synthetic: list[Path], tmp_path: Path) -> None:
    target = hq_target()
    Headquarters.open(target).close()
    one = [files["v1"], *synthetic[:40], files["v2"]]
    two = [files["v2"], *reversed(synthetic[20:]), files["v1"]]  # 20 files in both lists
    env = _env()
    procs = [_import_proc(target, one, env), _import_proc(target, two, env)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode in (0, 3), err  # 3: v1 refused as older when v2 came first
        assert "Traceback" not in err
    import hashlib

    expect = {hashlib.sha256(p.read_bytes()).hexdigest() for p in [*synthetic, files["v2"]]}
    hq = Headquarters.open(target)
    v1 = hashlib.sha256(files["v1"].read_bytes()).hexdigest()
    states = {r[0]: r[1] for r in hq.db.execute("SELECT sha256, state FROM submissions")}
    hq.close()
    assert states.get(hashlib.sha256(files["v2"].read_bytes()).hexdigest()) == "current"
    assert states.get(v1, "replaced") == "replaced"
    _check_whole(target, expect | ({v1} if v1 in states else set()))


def test_jobs_import_in_several_processes(hq_target: New, synthetic: list[Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = hq_target()
    assert cli("hq", "import", synthetic[0].parent, "--hq", target, "--accept-key",
               "--jobs", "2") == 0
    assert "100 imported" in capsys.readouterr().out
    _check_whole(target)
    assert cli("hq", "import", str(synthetic[0].parent / "*.jxr"), "--hq", target,
               "--jobs", "2") == 0
    assert "100 already held" in capsys.readouterr().out


def test_a_killed_import_leaves_whole_files_only(hq_engine: str, hq_target: New,
                                                 synthetic: list[Path], tmp_path: Path) -> None:
    target = hq_target()
    Headquarters.open(target).close()
    env = _env()
    proc = _import_proc(target, [synthetic[0].parent], env)
    assert proc.stderr is not None
    seen, done_at_kill = "", 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it in the middle: once 50 of 100 files are in
        line = proc.stderr.readline()
        seen += line
        if not line:
            break
        if line.startswith("[") and int(line[1:line.index("/")]) >= 50:
            done_at_kill = int(line[1:line.index("/")])
            break
    assert done_at_kill >= 50, seen
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    hq = Headquarters.open(target)
    done = hq.count("submissions")
    hq.close()
    # progress counts committed files; SQLite commits 50 at a time, PostgreSQL each file
    assert (done == 50) if hq_engine == "sqlite" else (done_at_kill <= done < 100)
    _check_whole(target)
    assert cli("hq", "import", synthetic[0].parent, "--hq", target, "--accept-key") == 0
    _check_whole(target)
    assert Headquarters.open(target).count("submissions") == 100


def test_claiming_rows_on_sqlite_searches_the_key_instead_of_scanning(tmp_path: Path) -> None:
    """A claim reads each wanted row through the primary key: a statement that scanned the
    table would make every import slower as headquarters grows (millions of members)."""
    from db.hq.engine import SqliteEngine

    hq = Headquarters.open(str(tmp_path / "hq.db"))
    engine = hq.db
    assert isinstance(engine, SqliteEngine)
    seen: list[tuple[str, list[Any]]] = []
    execute = engine.execute

    def spy(sql: str, params: Any = ()) -> Any:
        seen.append((sql, list(params)))
        return execute(sql, params)

    engine.execute = spy  # type: ignore[method-assign]
    with engine.transaction():
        engine.execute("INSERT INTO member_groups (kind, member, groups) VALUES "
                       "('person', 'p1', '{}')")
        held = engine.claim("member_groups", ("kind", "member"), "groups",
                            [("person", "p1"), ("person", "p2")], "")
    assert held == {("person", "p1"): "{}", ("person", "p2"): ""}
    sql, params = next((q, p) for q, p in seen if "member_groups" in q and "SELECT" in q)
    plan = " / ".join(str(r[-1]) for r in engine.conn.execute("EXPLAIN QUERY PLAN " + sql,
                                                                params))
    assert "SEARCH t USING PRIMARY KEY" in plan and "SCAN t" not in plan, plan
    hq.close()
