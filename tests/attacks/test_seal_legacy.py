"""A file drawn by an older version (links and seed in clear) is sealed when the encryption
officer makes the key: the clear rows, the seed and their copies in the audit records go; the
chain still verifies; the officer's key gives the draw back. And theory scores keyed by
candidate number before decryption are sealed, joining their people at decryption."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks.forge import theory_by_candidate
from tests.attacks.test_seal_file import assert_no_link, dump_rows, lot_tokens, people_of
from tests.conftest import EXAMPLES, USERS, cli

Example = Callable[[str], Path]


def old_draw(db: Path) -> list[tuple[str, str, str]]:
    """The draw exactly as the version before the seal wrote it (db/ops/people.py then)."""
    from db.store.contest import Contest
    from judging.draw import electronic_draw

    c = Contest.open(db)
    c.sign_in(*USERS["admin"])
    people = [r[0] for r in c.db.execute("SELECT uid FROM competitors ORDER BY rowid")]
    lots = electronic_draw("GJQG", people, [f"{i:02d}" for i in range(1, 13)], 42)
    with c.write("draw", reason="electronic draw of GJQG") as w:
        d = w.insert("draws", {"event": "GJQG", "method": "electronic", "seed": "42",
                               "witness": "褚监督", "file_sha256": None})
        for lot in lots:
            w.insert("assignments", {"draw": d["uid"], "event": "GJQG",
                                     "competitor": lot.key, "candidate": lot.candidate,
                                     "station": lot.station}, device=False,
                     audit_row={"candidate": lot.candidate, "station": lot.station})
    c.close()
    return sorted((lot.key, lot.candidate, lot.station) for lot in lots)


def test_a_legacy_clear_draw_is_sealed_by_the_officers_key(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    from db.keys.officer import unlock_officer_key
    from db.ops.blind import legacy_clear, open_payloads
    from db.store.contest import Contest

    db = tmp_path / "legacy.db"
    monkeypatch.delenv("JIANGXIN_OFFICER_PASSPHRASE")
    assert cli("init", EXAMPLES / "competition.toml", "--db", db, who="admin") == 0
    assert cli("competitors", "import", EXAMPLES / "competitors.csv", "--db", db,
               who="admin") == 0
    links = old_draw(db)
    c = Contest.open(db)
    assert legacy_clear(c) == ["GJQG"]
    c.close()
    assert cli("check", "--db", db) == 0
    monkeypatch.setenv("JIANGXIN_OFFICER_PASSPHRASE", "officer-test-passphrase")
    assert cli("officer", "key", "--db", db, who="encryption") == 0
    assert_no_link(dump_rows(db), people_of(db), lot_tokens(db), db.name)
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 0
    assert con.execute("SELECT seed FROM draws").fetchone()[0] is None
    assert "42" not in [json.loads(a or "{}").get("seed") for (a,) in
                        con.execute("SELECT after FROM audit WHERE tbl = 'draws'")]
    con.close()
    capsys.readouterr()
    assert cli("audit", "verify", "--db", db, who="supervisor") == 0
    c = Contest.open(db)
    (sealed,) = open_payloads(c, unlock_officer_key(c, "officer-test-passphrase"), "GJQG",
                              "draw")
    c.close()
    assert sealed["seed"] == "42"
    assert sorted((x["competitor"], x["candidate"], x["station"]) for x in sealed["lots"]) \
        == links


def test_theory_by_candidate_number_is_sealed_until_decryption(example_db: Example,
                                                               tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[
                                                                   str]) -> None:
    import csv

    db = example_db("timed")
    f = theory_by_candidate(tmp_path / "theory-by-candidate.csv")
    assert cli("theory", "import", f, "--db", db, who="admin") == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM theory").fetchone()[0] == 0
    assert con.execute("SELECT COUNT(*) FROM seals WHERE kind = 'theory'").fetchone()[0] >= 1
    con.close()
    assert_no_link(dump_rows(db), people_of(db), lot_tokens(db), db.name)
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 0
    assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 0
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--json", "--db", db, who="judge") == 0
    got = {r["candidate"]: r["theory"] for r in json.loads(capsys.readouterr().out)["rows"]}
    with open(f, encoding="utf-8") as fh:
        want = {r["candidate"]: f"{float(r['theory']):.2f}" for r in csv.DictReader(fh)}
    assert got == want
