"""Issue 16, "blind marking is a flag, not encryption": an attacker holding a copy of the
contest file, its automatic backups or a results file, before `decrypt`, with sqlite3 and
the project's own functions, learns no link between a person and a workstation or candidate.

Against the old behaviour each test here fails: the ``assignments`` table held
competitor → candidate → workstation in clear, the draw's seed (or the paper file's hash)
gave it back, the results JSON carried theory scores by workstation, and decrypt needed no key.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from judging.errors import NotAllowed, VerificationFailed
from tests.conftest import EXAMPLES, USERS, cli

Example = Callable[[str], Path]


def people_of(db: Path) -> list[dict[str, str]]:
    con = sqlite3.connect(db)
    rows = [dict(zip(("uid", "name", "id_number", "unit"), r)) for r in con.execute(
        "SELECT uid, name, id_number, unit FROM competitors")]
    con.close()
    return rows


def dump_rows(db: Path) -> Iterator[tuple[str, dict[str, object]]]:
    """Every row of every table of a SQLite file, as the attacker's sqlite3 reads it."""
    con = sqlite3.connect(db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for t in tables:
        cur = con.execute(f'SELECT * FROM "{t}"')
        cols = [d[0] for d in cur.description]
        for values in cur:
            yield t, dict(zip(cols, values))
    con.close()


def lot_tokens(db: Path) -> set[str]:
    """Candidate numbers as they appear in the file (non-identifying on their own)."""
    con = sqlite3.connect(db)
    out = {str(r[0]) for r in con.execute("SELECT candidate FROM lots")}
    con.close()
    return out


def assert_no_link(rows: Iterator[tuple[str, dict[str, object]]],
                   people: list[dict[str, str]], candidates: set[str], where: str) -> None:
    """No row carries a person (uid, name, ID number, unit) beside a station or candidate."""
    person_tokens = {p[k] for p in people for k in ("uid", "name", "id_number")}
    units = {p["unit"] for p in people if p["unit"]}
    for table, row in rows:
        text = json.dumps(row, ensure_ascii=False, default=str)
        has_person = any(tok in text for tok in person_tokens)
        has_unit = any(u in text for u in units)
        has_lot = (row.get("station") not in (None, "") or row.get("candidate")
                   not in (None, "") or any(cand in text for cand in candidates)
                   or '"station"' in str(row.get("after") or ""))
        if table == "users":  # judges' own units: no station or candidate beside them
            assert not has_lot, f"{where}: {table} {text[:200]}"
            continue
        assert not ((has_person or has_unit) and has_lot), \
            f"{where}: {table} row links a person to a lot: {text[:300]}"


@pytest.fixture()
def locked_with_copies(example_db: Example, tmp_path: Path) -> tuple[Path, list[Path], Path]:
    """The example locked (marked, timed, theory imported) but not decrypted, with a backup
    taken at the lock and a results file exported before decryption."""
    db = example_db("locked")
    folder = tmp_path / "backups"
    assert cli("backup", "--to", folder, "--db", db, who="admin") == 0
    out = tmp_path / "early.jxresults"
    assert cli("export", "--out", out, "--db", db, who="admin") == 0
    return db, sorted(folder.glob("*.jxdb")), out


def test_file_and_backups_hold_no_link_before_decrypt(locked_with_copies: tuple[Path,
                                                                                list[Path],
                                                                                Path]) -> None:
    db, backups, _ = locked_with_copies
    people = people_of(db)
    assert len(people) == 12 and backups
    for f in [db, *backups]:
        assert_no_link(dump_rows(f), people, lot_tokens(f), f.name)
        con = sqlite3.connect(f)
        assert con.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 0
        assert con.execute("SELECT seed, file_sha256 FROM draws").fetchall() == [(None, None)]
        con.close()
        # the paper lots' file gave the links back to anyone who hashes the permutations
        paper = hashlib.sha256((EXAMPLES / "draw.csv").read_bytes()).hexdigest()
        assert paper not in "\n".join(sqlite3.connect(f).iterdump())


def test_results_file_holds_no_link_before_decrypt(locked_with_copies: tuple[Path, list[Path],
                                                                             Path]) -> None:
    db, _, results_file = locked_with_copies
    people = people_of(db)
    body = json.loads(results_file.read_text(encoding="utf-8"))["body"]
    lots = body["tables"]["lots"]
    candidates = {dict(zip(lots["columns"], r))["candidate"] for r in lots["rows"]}
    assert len(candidates) == 12
    rows = []
    for name, table in body["tables"].items():
        rows += [(name, dict(zip(table["columns"], r))) for r in table["rows"]]
    for ev, res in body["results"].items():
        rows += [(f"results.{ev}", r) for r in res["rows"]]
        # theory by workstation joined with the exam's list by name named 10 of 12 people
        assert all(r["theory"] is None for r in res["rows"])
    assert_no_link(iter(rows), people, candidates, results_file.name)


def test_results_before_decrypt_carry_no_theory(example_db: Example,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("locked")
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--json", "--db", db, who="judge") == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows and all(r["theory"] is None and r["name"] is None for r in rows)


def test_decrypt_needs_the_officers_passphrase(example_db: Example,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("locked")
    monkeypatch.delenv("JIANGXIN_OFFICER_PASSPHRASE", raising=False)
    monkeypatch.delenv("JIANGXIN_PASSPHRASE", raising=False)
    assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 5
    # every PIN of the contest and the admin's: none opens the officer's key
    for _user, pin in USERS.values():
        monkeypatch.setenv("JIANGXIN_OFFICER_PASSPHRASE", pin * 3)
        assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 5
    monkeypatch.setenv("JIANGXIN_OFFICER_PASSPHRASE", "officer-test-passphrase")
    assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 0
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--json", "--db", db, who="judge") == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert all(r["name"] and r["theory"] for r in rows)


def test_strings_in_the_file_do_not_open_the_officers_key(example_db: Example) -> None:
    from db.keys import signing

    db = example_db("locked")
    con = sqlite3.connect(db)
    wrapped = json.loads(con.execute("SELECT wrapped FROM officer_keys").fetchone()[0])
    strings = {str(v) for _, row in dump_rows(db) for v in row.values()
               if isinstance(v, str) and 12 <= len(v) <= 64}
    con.close()
    tried = 0
    for s in sorted(strings)[:40]:  # scrypt per guess: a sample of the file's own strings
        with pytest.raises((NotAllowed, VerificationFailed)):
            signing.unwrap_private_key(wrapped, "officer", s)
        tried += 1
    assert tried >= 10


def test_check_in_and_conflicts_work_by_workstation_while_sealed(example_db: Example,
                                                                 capsys: pytest.CaptureFixture[
                                                                     str]) -> None:
    from db.ops.blind import is_sealed
    from db.ops.people import by_station, check_in, competitors
    from db.store.contest import Contest

    db = example_db("drawn")
    c = Contest.open(db)
    c.sign_in(*USERS["chief"])
    assert is_sealed(c, "GJQG")
    lots = by_station(c, "GJQG")
    assert len(lots) == 12 and all(p.name == "" and p.id_number == "" for p in lots.values())
    assert all(p.station is None for p in competitors(c, "GJQG"))
    check_in(c, lots["03"].uid, late_min=40)  # past the limit: absent, by workstation
    assert by_station(c, "GJQG")["03"].status == "absent"
    pairs = c.db.execute("SELECT station, judge FROM lot_conflicts").fetchall()
    c.close()
    # the 回避 pairs are exactly the same-unit (workstation, judge) pairs of the real draw
    import csv

    with open(EXAMPLES / "draw.csv", encoding="utf-8") as fh:
        station_of = {r["id_number"]: r["station"].zfill(2) for r in csv.DictReader(fh)}
    con = sqlite3.connect(db)
    judges = con.execute("SELECT name, unit FROM users WHERE role IN ('judge', 'chief')").fetchall()
    con.close()
    want = {(station_of[p["id_number"]], j) for p in people_of(db) for j, u in judges
            if u and u == p["unit"]}
    assert set(pairs) == want and want


def test_a_moved_seal_does_not_open(example_db: Example, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The seal is bound to its contest and draw: pasted into another contest, it fails."""
    from db.keys import sealing
    from db.ops.blind import _aad
    from judging.errors import VerificationFailed

    db = example_db("drawn")
    con = sqlite3.connect(db)
    ev, ref, blob = con.execute("SELECT event, ref, sealed FROM seals").fetchone()
    con.close()
    other = Path(shutil.copy(db, tmp_path / "other.db"))
    from db.store.contest import Contest

    c = Contest.open(other)
    import base64

    from db.keys.officer import unlock_officer_key

    private = unlock_officer_key(c, "officer-test-passphrase")
    assert sealing.open_sealed(private, base64.b64decode(blob), _aad(c, ev, "draw", ref))
    with pytest.raises(VerificationFailed):
        sealing.open_sealed(private, base64.b64decode(blob), _aad(c, ev, "draw", "x" + ref))
    c.close()


def test_sealed_theory_meets_the_lock_and_opens_at_decrypt(
        example_db: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Theory keyed by candidate number before decryption is sealed: like any theory score it
    is refused once the event is locked, and decrypt (after the lock) joins it to its person."""
    import csv

    db = example_db("timed")
    candidate = {r["id_number"]: r["candidate"]
                 for r in csv.DictReader((EXAMPLES / "draw.csv").open(encoding="utf-8-sig"))}
    rows = list(csv.DictReader((EXAMPLES / "theory.csv").open(encoding="utf-8-sig")))
    by_candidate = tmp_path / "theory-by-candidate.csv"
    by_candidate.write_text("event,candidate,theory\n" + "".join(
        f"{r['event']},{candidate[r['id_number']]},{r['theory']}\n" for r in rows),
        encoding="utf-8")
    assert cli("theory", "import", by_candidate, "--db", db, who="admin") == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM theory").fetchone()[0] == 0  # sealed, not clear
    sealed = con.execute("SELECT COUNT(*) FROM seals WHERE kind = 'theory'").fetchone()[0]
    con.close()
    assert sealed >= 1
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 0
    capsys.readouterr()
    assert cli("theory", "import", by_candidate, "--db", db, who="admin") == 2
    assert "locked" in capsys.readouterr().err
    assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 0
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--json", "--db", db, who="judge") == 0
    out = json.loads(capsys.readouterr().out)["rows"]
    assert len(out) == 12 and all(r["name"] and r["theory"] is not None for r in out)
    assert cli("audit", "verify", "--db", db, who="judge") == 0
