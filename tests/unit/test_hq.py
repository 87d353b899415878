"""Headquarters: verify, import, replace, refuse; the report; the trust file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.files.exchange import build_body, export, read_results_file, sign_body
from db.files.merge import new_laptop
from db.hq.store import Headquarters
from db.keys import signing
from db.ops.people import set_status
from db.ops.results import results
from tests.conftest import USERS, cli, copy_db, signed_in

ADMIN_PIN = USERS["admin"][1]
New = Callable[[], str]  # hq_target(): a new headquarters on the engine of the test
TABLES = ("submissions", "files", "keys", "competitions", "events", "participations")




@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory,
          example_cache: Callable[[str], Path]) -> dict[str, Any]:
    """v1 and v2 (one competitor disqualified since) of the example contest; an export of a
    laptop copied before v1 (unrelated lineage); and a second contest (2021, national) with
    the same people, signed by its own key."""
    base = tmp_path_factory.mktemp("hq")
    venue = copy_db(example_cache("decrypted"), base / "venue.db")
    c = signed_in(venue, "admin")
    laptop = new_laptop(signed_in(venue, "chief"), base / "laptop.db")
    v1 = base / "v1.jxr"
    export(c, v1, ADMIN_PIN)
    results_v1 = results(c, "GJQG").as_json()
    chief = signed_in(venue, "chief")
    from db.ops.locking import lock, unlock

    unlock(chief, "GJQG", None, "identity marks found on a work piece")  # the lock gate
    set_status(chief, "GJQG", "04", "disqualified", "identity marks on the work piece")
    lock(chief, "GJQG")
    v2 = base / "v2.jxr"
    export(c, v2, ADMIN_PIN)
    other = base / "laptop.jxr"
    lc = signed_in(laptop, "admin")
    export(lc, other, ADMIN_PIN)
    body = build_body(c, exported_by="王组委")
    private, public = signing.generate_key()
    body["contest_uid"] = "second-contest"
    body["key"] = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
                   "public": public.hex()}
    body["competition"].update(id="CN-2021-GJQG", name="2021年全国工具钳工决赛",
                               date="2021-10-10", level="national")
    body["exports"] = []
    second = base / "second.jxr"
    second.write_bytes(sign_body(body, private))
    return {"v1": v1, "v2": v2, "laptop": other, "second": second, "results_v1": results_v1,
            "results_v2": results(c, "GJQG").as_json(), "key": c.db.execute(
                "SELECT public FROM keys").fetchone()[0], "uid": c.meta("contest_uid")}


def counts(target: str) -> dict[str, int]:
    hq = Headquarters.open(target)
    try:
        return {t: hq.count(t) for t in TABLES}
    finally:
        hq.close()


def hq_cli(*args: Any) -> int:
    return cli("hq", *args)


def test_import_reproduces_the_venues_results_exactly(hq_target: New, files: dict[str, Any],
                                                      tmp_path: Path) -> None:
    target = hq_target()
    hq = Headquarters.open(target)
    r = hq.import_file(files["v1"], accept_key=True)
    assert r.status == "imported" and r.submission == 1
    assert r.counts == {"events": 1, "participations": 12, "persons": 12, "marks": 600,
                        "certificates": 0}
    assert hq.event_results(files["uid"], "GJQG") == files["results_v1"]
    assert hq.file_bytes(r.sha256) == files["v1"].read_bytes()  # kept whole, with its hash


def test_unknown_key_is_refused_unless_accepted_which_is_recorded(hq_target: New,
        files: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = hq_target()
    assert hq_cli("import", files["v1"], "--hq", db) == 3
    assert "does not know" in capsys.readouterr().err
    assert counts(db) == dict.fromkeys(TABLES, 0)
    assert hq_cli("import", files["v1"], "--hq", db, "--accept-key") == 0
    out = capsys.readouterr().out
    assert "accepted now" in out and "submission 1" in out
    keys = Headquarters.open(db).trusted_keys()
    assert [(k["source"], k["file_sha256"]) for k in keys] == [
        ("accepted", read_results_file(files["v1"]).sha256)]


def test_a_key_registered_in_advance_is_trusted(hq_target: New,
        files: dict[str, Any], tmp_path: Path) -> None:
    db = hq_target()
    assert hq_cli("keys", "--add", files["key"], "--label", "工具钳工决赛", "--hq", db) == 0
    assert hq_cli("import", files["v1"], "--hq", db) == 0
    assert counts(db)["participations"] == 12


@pytest.mark.parametrize("where", ["signature", "manifest", "body", "truncated", "head"])
def test_damaged_file_is_refused_and_nothing_imported(hq_target: New,
        files: dict[str, Any], tmp_path: Path,
                                                      where: str) -> None:
    data = files["v1"].read_bytes()
    pos = {"signature": data.rindex(b'"value":"') + 20, "manifest": data.index(b'"manifest"') + 30,
           "body": len(data) // 2, "head": 2, "truncated": -1}[where]
    bad = (data[: len(data) - 1000] if where == "truncated"
           else data[:pos] + bytes([data[pos] ^ 0x20]) + data[pos + 1:])
    path = tmp_path / "bad.jxr"
    path.write_bytes(bad)
    db = hq_target()
    assert hq_cli("import", path, "--hq", db, "--accept-key") == 3
    assert counts(db) == dict.fromkeys(TABLES, 0)
    assert Headquarters.open(db).count("refusals") == 1  # the refusal is logged


def test_same_file_twice_is_a_noop(hq_target: New, files: dict[str, Any], tmp_path: Path) -> None:
    target = hq_target()
    hq = Headquarters.open(target)
    first = hq.import_file(files["v1"], accept_key=True)
    before = counts(target)
    again = hq.import_file(files["v1"])
    assert again.status == "duplicate" and again.submission == first.submission
    assert counts(target) == before


def test_newer_export_replaces_the_older_as_a_whole_showing_the_difference(hq_target: New,
        files: dict[str, Any], tmp_path: Path) -> None:
    target = hq_target()
    hq = Headquarters.open(target)
    hq.import_file(files["v1"], accept_key=True)
    r = hq.import_file(files["v2"])
    assert r.status == "replaced" and r.replaces == 1
    assert r.diff is not None
    changed = {ch["candidate"]: ch["fields"] for ch in r.diff["changed"]}
    station04 = next(x for x in files["results_v1"]["rows"] if x["station"] == "04")
    assert changed[station04["candidate"]]["status"] == ["ok", "disqualified"]
    assert "difference" in r.text()
    assert hq.event_results(files["uid"], "GJQG") == files["results_v2"]
    assert counts(target)["participations"] == 12
    rep = hq.report()
    assert (rep["persons"], rep["participations"], rep["competitions"]) == (12, 12, 1)
    states = [(s["id"], s["state"]) for s in hq.submissions()]
    assert states == [(1, "replaced"), (2, "current")]


def test_an_older_export_replayed_is_refused(hq_target: New, files: dict[str, Any], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = hq_target()
    assert hq_cli("import", files["v2"], "--hq", db, "--accept-key") == 0
    before = counts(db)
    assert hq_cli("import", files["v1"], "--hq", db) == 3
    assert "older export" in capsys.readouterr().err
    assert counts(db) == before
    hq = Headquarters.open(db)
    assert hq.event_results(files["uid"], "GJQG") == files["results_v2"]
    # v1 first, then v2, then v1 again: replaced, so also refused
    db2 = hq_target()
    for f, rc in ((files["v1"], 0), (files["v2"], 0), (files["v1"], 3)):
        assert hq_cli("import", f, "--hq", db2, "--accept-key") == rc


def test_export_of_another_lineage_needs_force(hq_target: New,
        files: dict[str, Any], tmp_path: Path) -> None:
    db = hq_target()
    assert hq_cli("import", files["v1"], "--hq", db, "--accept-key") == 0
    assert hq_cli("import", files["laptop"], "--hq", db) == 3
    assert counts(db)["submissions"] == 1
    assert hq_cli("import", files["laptop"], "--hq", db, "--force") == 0
    assert counts(db)["submissions"] == 2


def test_dry_run_imports_nothing(hq_target: New, files: dict[str, Any], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = hq_target()
    assert hq_cli("import", files["v1"], "--hq", db, "--accept-key", "--dry-run") == 0
    assert "not imported" in capsys.readouterr().out
    assert counts(db) == dict.fromkeys(TABLES, 0)


@pytest.fixture
def province(hq_target: New, files: dict[str, Any], tmp_path: Path) -> str:
    db = hq_target()
    assert hq_cli("import", files["v2"], files["second"], "--hq", db, "--accept-key") == 0
    return db


def test_report_matches_people_across_contests(province: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert hq_cli("report", "--hq", province, "--json") == 0
    first = capsys.readouterr().out
    assert hq_cli("report", "--hq", province, "--json") == 0
    assert capsys.readouterr().out == first  # deterministic
    rep = json.loads(first)
    assert rep["competitions"] == 2 and rep["participations"] == 24
    assert rep["persons"] == 12  # the same people, matched by resident ID number
    assert rep["units"] == 6
    assert sum(rep["awards"].values()) > 0 and set(rep["awards"]) <= {"一等奖", "二等奖", "三等奖"}
    assert set(rep["by_year"]) == {"2020", "2021"}
    assert set(rep["by_level"]) == {"provincial", "national"}
    assert rep["by_trade"]["工具钳工"]["participations"] == 24
    assert rep["grades"] and rep["titles"]
    regions = rep["by_region"].values()
    assert sum(v["participations"] for v in regions) == 24
    assert sum(v["persons"] for v in regions) == 12 and all(v["events"] == 2 for v in regions)


def test_person_history_and_trade_ranking(province: str, files: dict[str, Any]) -> None:
    hq = Headquarters.open(province)
    idn = hq.db.execute("SELECT id_number FROM participations LIMIT 1").fetchone()[0]
    hist = hq.person_history(idn)
    assert [p["date"] for p in hist["participations"]] == ["2020-09-25", "2021-10-10"]
    rank = hq.trade_ranking("工具钳工")
    assert rank["persons"] == 11  # the competitor disqualified in v2 has no place
    top = rank["ranking"][0]
    assert top["rank"] == 1 and top["level"] == "national" and top["place"] == 1
    assert "*" in top["id_number"]  # masked
    assert [r["rank"] for r in rank["ranking"]][:6] == [1, 2, 3, 3, 5, 6]  # the tie is shared


def test_trust_file_lists_keys_and_revocations(province: str, tmp_path: Path) -> None:
    from db.keys import trust as trust_mod

    hq = Headquarters.open(province)
    kid = hq.trusted_keys()[0]["key_id"]
    # a serial on no record needs its contest key named (serials repeat across contests)
    assert hq_cli("revoke", "HLJ-0001", "--reason", "substitute sitting", "--hq",
                  province) == 2
    assert hq_cli("revoke", "HLJ-0001", "--key", kid, "--reason", "substitute sitting",
                  "--hq", province) == 0
    out = tmp_path / "trust.json"
    assert hq_cli("trust", "--hq", province, "--out", out) == 0
    trust = trust_mod.load_trust_file(out, hq.hq_public_key())
    assert len(trust.keys) == 2 and trust.revoked == {(kid, "HLJ-0001"): "substitute sitting"}
    assert any("工具钳工" in e.label for e in trust.keys.values())


def test_many_files_in_one_batch_are_each_checked_on_their_own(hq_target: New,
        files: dict[str, Any],
                                                                tmp_path: Path) -> None:
    bad = tmp_path / "bad.jxr"
    bad.write_bytes(files["v1"].read_bytes()[:-10])
    target = hq_target()
    hq = Headquarters.open(target)
    out = hq.import_files([files["v1"], bad, files["v2"], files["v1"], files["second"]],
                          accept_key=True, batch=50)
    kinds = [getattr(r, "status", type(r).__name__) for _, r in out]
    assert kinds == ["imported", "VerificationFailed", "replaced", "VerificationFailed",
                     "imported"]
    assert hq.event_results(files["uid"], "GJQG") == files["results_v2"]
    assert hq.report()["participations"] == 24


def test_provisional_results_give_no_awards_at_headquarters(hq_target: New,
        example_cache: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An event exported before it is locked and decrypted counts its participations but gives
    nobody an award, title or grade yet."""
    venue = copy_db(example_cache("final"), tmp_path / "venue.db")  # marked, not locked
    out = tmp_path / "early.jxr"
    export(signed_in(venue, "admin"), out, ADMIN_PIN)
    hq = hq_target()
    assert hq_cli("import", out, "--hq", hq, "--accept-key") == 0
    capsys.readouterr()
    assert hq_cli("report", "--hq", hq, "--json") == 0
    import json
    report = json.loads(capsys.readouterr().out)
    assert report["participations"] == 12
    assert report["awarded"] == 0 and not report["awards"]


def ranking_recount(target: str, trade: str, year: str | None = None) -> dict[str, Any]:
    """The ranking computed from scratch from every participation held (what the rows kept
    at import must always give): each person's best (level, place, total; the first of
    equals in contest, event, order), ties sharing a rank."""
    from decimal import Decimal

    from db.hq.report import LEVELS, mask_id

    hq = Headquarters.open(target)
    rows = [r for r in hq.db.query(
        "SELECT p.*, c.name AS competition FROM participations p JOIN competitions c "
        "ON c.contest_uid = p.contest_uid WHERE p.trade = ?", [trade])
        if r["place"] is not None and r["id_number"] and (not year or r["year"] == year)]
    hq.close()
    rows.sort(key=lambda r: (r["contest_uid"].encode(), r["event"].encode(), r["ord"]))
    best: dict[str, tuple[Any, dict[str, Any], int]] = {}
    for r in rows:
        key = (-LEVELS.index(r["level"]) if r["level"] in LEVELS else 1, r["place"],
               -Decimal(r["total"]))
        held = best.get(r["id_number"])
        n = held[2] + 1 if held else 1
        best[r["id_number"]] = (key, r, n) if held is None or key < held[0] else \
            (held[0], held[1], n)
    out, prev, rank = [], None, 0
    for i, (key, r, n) in enumerate(sorted(best.values(),
                                           key=lambda x: (x[0], x[1]["id_number"])), start=1):
        if key != prev:
            rank, prev = i, key
        out.append({"rank": rank, "id_number": mask_id(r["id_number"]), "name": r["name"],
                    "unit": r["person_unit"], "region": r["region"],
                    "competition": r["competition"], "level": r["level"], "year": r["year"],
                    "event_group": r["grp"], "place": r["place"], "total": r["total"],
                    "award": r["award"], "title": r["title"], "contests": n})
    return {"trade": trade, "year": year, "persons": len(out), "ranking": out}


def _resigned(path: Path, private: bytes, public: bytes, after: Path | None) -> bytes:
    """The body of ``path`` as a national 2021 contest signed by another key (a newer export
    of ``after`` when given)."""
    import hashlib

    body = json.loads(path.read_bytes())["body"]
    body["contest_uid"] = "national-contest"
    body.pop("signed_heads", None)  # signed by the venue's key for its own contest
    body["key"] = {"algorithm": "Ed25519", "key_id": signing.key_id(public),
                   "public": public.hex()}
    body["competition"].update(id="CN-2021-GJQG", name="2021年全国工具钳工决赛",
                               date="2021-10-10", level="national")
    body["exports"] = [] if after is None else [
        {"sha256": hashlib.sha256(after.read_bytes()).hexdigest(), "at": "2021-10-10"}]
    return sign_body(body, private)


def test_trade_ranking_kept_at_import_equals_a_recount_through_replacements(
        hq_target: New, files: dict[str, Any], tmp_path: Path) -> None:
    """A person's best in a contest that a newer export replaces falls back to the best
    still held elsewhere; one whose only placed result goes leaves the ranking."""
    private, public = signing.generate_key()
    n1, n2 = tmp_path / "n1.jxr", tmp_path / "n2.jxr"
    n1.write_bytes(_resigned(files["v1"], private, public, None))
    n2.write_bytes(_resigned(files["v2"], private, public, n1))
    target = hq_target()
    hq = Headquarters.open(target)
    seen = []
    for paths, options in (([files["v1"]], {}), ([n1], {}), ([n2], {}), ([files["v2"]], {}),
                           ([files["laptop"]], {"force": True})):
        out = hq.import_files(paths, accept_key=True, **options)
        assert all(not isinstance(r, Exception) for _, r in out), out
        for year in (None, "2020", "2021", "1999"):
            got = hq.trade_ranking("工具钳工", year=year)
            assert got == ranking_recount(target, "工具钳工", year)
        seen.append(hq.trade_ranking("工具钳工"))
    assert [s["persons"] for s in seen] == [12, 12, 12, 11, 12]
    # after n2, the competitor disqualified there is ranked by the provincial contest
    national = {r["name"]: r for r in seen[1]["ranking"]}
    fallen = [r for r in seen[2]["ranking"] if r["level"] == "provincial"]
    assert len(fallen) == 1 and national[fallen[0]["name"]]["level"] == "national"
    assert fallen[0]["contests"] == 1 and national[fallen[0]["name"]]["contests"] == 2
    assert hq.trade_ranking("焊工") == {"trade": "焊工", "year": None, "persons": 0,
                                       "ranking": []}


def test_the_ranking_migration_counts_an_older_database_in(hq_target: New,
                                                          files: dict[str, Any]) -> None:
    from db.hq import schema

    target = hq_target()
    hq = Headquarters.open(target)
    hq.import_files([files["v2"], files["second"]], accept_key=True)
    expected = hq.trade_ranking("工具钳工", year="2021")
    with hq.transaction():  # back to before h005: what an older version left
        hq.db.execute("DROP TABLE trade_best")
        hq.db.execute(f"DELETE FROM {schema.migrations_table(hq.db)} WHERE name = "
                      "'h005_trade_best'")
    hq.close()
    again = Headquarters.open(target)
    assert again.trade_ranking("工具钳工", year="2021") == expected == ranking_recount(
        target, "工具钳工", "2021")
    assert expected["persons"] == 11  # built from v2: one competitor disqualified
