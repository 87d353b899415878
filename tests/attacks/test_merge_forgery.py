"""Issue 16, "a forged merge": the admin alone made a "second laptop" file adding 300
verifications "by 于记录", module locks "by 李裁判长" (skipping the lock checks) and a
decryption "by 陈保密"; the merge took them and `audit verify` still passed.

Now every row of a merge file is signed by the device that wrote it (db/keys/devices.py), and
a merge refuses rows of an unknown device, rows not signed by their device, rows of a user who
never signed in on that device, and locks or decryptions that do not hold by the rules.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.files.exchange import build_body, export, sign_body
from db.files.merge import merge_file, new_laptop
from db.ops.auth import Session
from db.ops.marking import MarkInput, enter_marks
from db.store.contest import Contest
from judging.errors import VerificationFailed
from tests.attacks.forge import theory_by_candidate
from tests.conftest import USERS

Example = Callable[[str], Path]


def copy_db(src: Path, dst: Path) -> Path:
    con, out = sqlite3.connect(src), sqlite3.connect(dst)
    con.backup(out)
    con.close()
    out.close()
    return dst


def signed_in(db: Path, who: str) -> Contest:
    c = Contest.open(db)
    c.sign_in(*USERS[who])
    return c


def made_up(c: Contest, who: str) -> None:
    """What the admin alone can do in code: a session for someone, without their PIN."""
    name = USERS[who][0]
    row = c.user(name)
    assert row is not None
    c.session = Session(user=name, role=row.role, unit=row.unit, events=None,
                        device=c.device_id)


@pytest.fixture()
def laptops(example_db: Example, tmp_path: Path) -> dict[str, Any]:
    """Laptop A with the marks typed once (冯记录); laptop B, a copy for a second laptop."""
    a = copy_db(example_db("marked"), tmp_path / "a.db")
    b = new_laptop(signed_in(a, "admin"), tmp_path / "b.db")
    return {"a": a, "b": b, "tmp": tmp_path}


def verifications(c: Contest) -> list[MarkInput]:
    rows = c.db.execute("SELECT event, station, aspect, judge, score, measured FROM marks"
                        ).fetchall()
    from decimal import Decimal

    return [MarkInput(e, s, a, j, Decimal(sc) if sc is not None else None,
                      Decimal(m) if m is not None else None) for e, s, a, j, sc, m in rows]


def export_b(b: Path, tmp: Path) -> Path:
    c = signed_in(b, "admin")
    out = tmp / "b.jxr"
    export(c, out, USERS["admin"][1])
    c.close()
    return out


def test_verifications_by_a_user_who_never_signed_in_there_are_refused(
        laptops: dict[str, Any]) -> None:
    c = Contest.open(laptops["b"])
    made_up(c, "recorder2")  # 于记录 never signed in on laptop B
    enter_marks(c, verifications(c), file="forged.csv")
    c.close()
    out = export_b(laptops["b"], laptops["tmp"])
    a = signed_in(laptops["a"], "chief")
    with pytest.raises(VerificationFailed, match="never signed in on device"):
        merge_file(a, out)
    assert a.db.execute("SELECT COUNT(*) FROM merges").fetchone()[0] == 0


def test_the_same_verifications_by_the_real_user_merge(laptops: dict[str, Any]) -> None:
    c = signed_in(laptops["b"], "recorder2")  # 于记录 with their PIN, on laptop B
    enter_marks(c, verifications(c), file="real.csv")
    c.close()
    out = export_b(laptops["b"], laptops["tmp"])
    a = signed_in(laptops["a"], "chief")
    report = merge_file(a, out)
    assert report.added.get("marks") and not report.disagreements


def test_rows_not_signed_by_their_device_are_refused(laptops: dict[str, Any]) -> None:
    c = signed_in(laptops["b"], "recorder2")
    enter_marks(c, verifications(c), file="real.csv")
    c.session = None
    c.sign_in(*USERS["admin"])
    body = build_body(c, exported_by="王组委")  # signed by the contest key, rows unsigned
    from db.keys.contest_key import unlock_private_key

    data = sign_body(body, unlock_private_key(c))
    c.close()
    out = laptops["tmp"] / "unsigned.jxr"
    out.write_bytes(data)
    a = signed_in(laptops["a"], "chief")
    with pytest.raises(VerificationFailed, match="not signed by its device"):
        merge_file(a, out)


def test_rows_of_an_unknown_device_are_refused(laptops: dict[str, Any]) -> None:
    c = signed_in(laptops["b"], "recorder2")
    import dataclasses

    assert c.session is not None
    c.session = dataclasses.replace(c.session, device="f0f0f0f0f0f0")
    enter_marks(c, verifications(c), file="elsewhere.csv")
    c.close()
    out = export_b(laptops["b"], laptops["tmp"])
    a = signed_in(laptops["a"], "chief")
    with pytest.raises(VerificationFailed, match="not registered"):
        merge_file(a, out)


def test_a_lock_that_skips_the_lock_checks_is_refused(laptops: dict[str, Any]) -> None:
    """The chief judge did sign in on laptop B; a lock row written there behind the lock's
    checks (marks not verified) is refused when merged."""
    c = signed_in(laptops["b"], "chief")
    with c.write("clock") as w:  # something real the chief did on B
        w.log(after={"note": "present"})
    with c.write("lock", reason="forged") as w:
        for m in c.event("GJQG").modules:
            w.insert("locks", {"event": "GJQG", "module": m.id, "action": "lock",
                               "reason": "forged"})
    c.close()
    out = export_b(laptops["b"], laptops["tmp"])
    a = signed_in(laptops["a"], "chief")
    with pytest.raises(VerificationFailed, match="merged lock"):
        merge_file(a, out)
    assert a.db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0


def test_a_decryption_by_someone_who_may_not_decrypt_is_refused(laptops: dict[str, Any]
                                                               ) -> None:
    c = signed_in(laptops["b"], "admin")
    with c.write("decrypt") as w:  # the admin writes a decryption row directly
        w.insert("decryptions", {"event": "GJQG"})
    c.close()
    out = export_b(laptops["b"], laptops["tmp"])
    a = signed_in(laptops["a"], "chief")
    with pytest.raises(VerificationFailed, match="may not decrypt"):
        merge_file(a, out)


def laptops_at(example_db: Example, tmp_path: Path, stage: str) -> tuple[Path, Path]:
    a = copy_db(example_db(stage), tmp_path / "a.db")
    return a, new_laptop(signed_in(a, "admin"), tmp_path / "b.db")


def test_a_lock_with_a_clock_still_running_is_refused(example_db: Example,
                                                      tmp_path: Path) -> None:
    """Every mark verified, but a workstation clock started on laptop B and never stopped:
    the lock command refuses that; lock rows written behind it are refused when merged."""
    from db.ops.marking import lock
    from db.ops.timing import clock_action
    from judging.errors import StateError

    a, b = laptops_at(example_db, tmp_path, "final")
    c = signed_in(b, "chief")
    clock_action(c, "GJQG", ["01"], "start")
    with pytest.raises(StateError, match="clock is still running"):
        lock(c, "GJQG")
    with c.write("lock", reason="forged") as w:
        for m in c.event("GJQG").modules:
            w.insert("locks", {"event": "GJQG", "module": m.id, "action": "lock",
                               "reason": "forged"})
    c.close()
    out = export_b(b, tmp_path)
    ca = signed_in(a, "chief")
    with pytest.raises(VerificationFailed, match="clock is still running"):
        merge_file(ca, out)
    assert ca.db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0


def test_a_decryption_without_the_officers_key_is_refused(example_db: Example,
                                                          tmp_path: Path) -> None:
    """陈保密 signed in on laptop B, but the links are written without opening the sealed draw
    (the officer's key): guessed links, and a made-up opening key, are both refused."""
    import base64
    import os

    a, b = laptops_at(example_db, tmp_path, "locked")
    c = signed_in(b, "encryption")
    people = [r[0] for r in c.db.execute("SELECT uid FROM competitors ORDER BY rowid")]
    lots = c.db.execute("SELECT candidate, station FROM lots ORDER BY station").fetchall()
    draw = c.db.execute("SELECT uid FROM draws").fetchone()[0]
    seal = c.db.execute("SELECT uid FROM seals WHERE kind = 'draw'").fetchone()[0]
    with c.write("decrypt") as w:
        for person, (cand, st) in zip(people, lots):
            w.insert("assignments", {"draw": draw, "event": "GJQG", "competitor": person,
                                     "candidate": cand, "station": st}, device=False)
        w.insert("openings", {"event": "GJQG", "seal": seal,
                              "key": base64.b64encode(os.urandom(32)).decode()})
        w.insert("decryptions", {"event": "GJQG"})
    c.close()
    out = export_b(b, tmp_path)
    ca = signed_in(a, "chief")
    with pytest.raises(VerificationFailed, match="not opened with the officer's key"):
        merge_file(ca, out)
    assert ca.db.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] == 0


def test_the_officers_own_decryption_on_another_laptop_merges(example_db: Example,
                                                              tmp_path: Path) -> None:
    from db.ops.results import decrypt, is_decrypted
    from db.store.audit import verify

    a, b = laptops_at(example_db, tmp_path, "locked")
    c = signed_in(b, "encryption")
    decrypt(c, "GJQG")  # with JIANGXIN_OFFICER_PASSPHRASE (tests/conftest.py)
    links = sorted(c.db.execute("SELECT competitor, candidate, station FROM assignments"))
    c.close()
    out = export_b(b, tmp_path)
    ca = signed_in(a, "chief")
    report = merge_file(ca, out)
    assert report.added["decryptions"] == 1 and report.added["openings"] == 1
    assert is_decrypted(ca, "GJQG")
    assert sorted(ca.db.execute("SELECT competitor, candidate, station FROM assignments")
                  ) == links
    assert verify(ca.db).ok


def test_the_forged_second_laptop_of_the_finding_is_refused_whole(
        example_db: Example, tmp_path: Path) -> None:
    """The finding as it was made: the admin alone, in code, on a copy for a 'second laptop':
    300 verifications by 于记录, module locks by 李裁判长 without the lock checks, a decryption by
    陈保密; exported with the admin's passphrase (so every row is signed by laptop B). The
    merge refuses it (exit 3 from the command line), nothing merged, and audit verify of the
    receiving laptop still passes."""
    from db.store.audit import verify
    from tests.conftest import cli

    a, b = laptops_at(example_db, tmp_path, "marked")
    c = Contest.open(b)
    made_up(c, "recorder2")
    enter_marks(c, verifications(c), file="forged.csv")
    made_up(c, "chief")
    with c.write("lock", reason="forged") as w:
        for m in c.event("GJQG").modules:
            w.insert("locks", {"event": "GJQG", "module": m.id, "action": "lock",
                               "reason": "forged"})
    made_up(c, "encryption")
    with c.write("decrypt") as w:
        w.insert("decryptions", {"event": "GJQG"})
    c.close()
    out = export_b(b, tmp_path)
    assert cli("merge", out, "--db", a, who="chief") == 3
    ca = signed_in(a, "chief")
    assert ca.db.execute("SELECT COUNT(*) FROM merges").fetchone()[0] == 0
    assert ca.db.execute("SELECT COUNT(*) FROM locks").fetchone()[0] == 0
    assert ca.db.execute("SELECT COUNT(*) FROM decryptions").fetchone()[0] == 0
    assert ca.db.execute("SELECT COUNT(DISTINCT verifier) FROM slots WHERE verifier IS NOT NULL"
                         ).fetchone()[0] == 0
    assert verify(ca.db).ok


def test_a_copy_for_another_laptop_needs_the_passphrase(example_db: Example,
                                                        tmp_path: Path) -> None:
    """Without the admin passphrase, or with a wrong one, no device key is made and no copy
    written (exit 5); the copy made with it registers its key on both laptops."""
    from judging.errors import NotAllowed

    a = copy_db(example_db("marked"), tmp_path / "a.db")
    c = signed_in(a, "admin")
    before = c.db.execute("SELECT COUNT(*) FROM devices").fetchone()[0]
    with pytest.raises(NotAllowed, match="wrong passphrase"):
        new_laptop(c, tmp_path / "b.db", passphrase="not-the-passphrase-at-all")
    assert not (tmp_path / "b.db").exists()
    assert c.db.execute("SELECT COUNT(*) FROM devices").fetchone()[0] == before
    b = new_laptop(c, tmp_path / "b.db")
    cb = Contest.open(b)
    assert cb.device_id in {r[0] for r in c.db.execute("SELECT device_id FROM devices")}
    assert {r[0] for r in cb.db.execute("SELECT device_id FROM devices")} == {
        r[0] for r in c.db.execute("SELECT device_id FROM devices")}
    # the copy carries A's signatures of every row it holds from A
    own = c.db.execute("SELECT COUNT(*) FROM marks WHERE device = ?", [c.device_id]
                       ).fetchone()[0]
    assert own and cb.db.execute(
        "SELECT COUNT(*) FROM row_signatures r JOIN marks m ON m.uid = r.uid WHERE r.device = ?",
        [c.device_id]).fetchone()[0] == own


def sealed_theory_locked(example_db: Example, tmp_path: Path) -> Path:
    """The example, timed, with its theory scores keyed by candidate number (sealed), locked."""
    from tests.conftest import cli

    db = copy_db(example_db("timed"), tmp_path / "a.db")
    f = theory_by_candidate(tmp_path / "theory-by-candidate.csv")
    assert cli("theory", "import", f, "--db", db, who="admin") == 0
    assert cli("lock", "--event", "GJQG", "--db", db, who="chief") == 0
    return db


def test_a_decryption_on_another_laptop_brings_its_sealed_theory(example_db: Example,
                                                                 tmp_path: Path) -> None:
    """The officer decrypts on laptop B: the theory scores sealed before the lock open there;
    merged into A (locked), they pass the lock gate as opened from A's own seals, and A's
    results equal B's."""
    from db.ops.results import decrypt, results

    a = sealed_theory_locked(example_db, tmp_path)
    b = new_laptop(signed_in(a, "admin"), tmp_path / "b.db")
    c = signed_in(b, "encryption")
    decrypt(c, "GJQG")
    theory = c.db.execute("SELECT COUNT(*) FROM theory").fetchone()[0]
    want = results(c, "GJQG").json_rows()
    c.close()
    assert theory == 12
    out = export_b(b, tmp_path)
    ca = signed_in(a, "chief")
    report = merge_file(ca, out)
    assert report.added["theory"] == 12 and report.added["openings"] == 2
    assert results(ca, "GJQG").json_rows() == want


def test_a_theory_score_slipped_into_a_merged_decryption_is_refused(
        example_db: Example, tmp_path: Path) -> None:
    """The same decryption with one more theory row written beside it on B: not opened from a
    seal, it meets the lock gate (the event is locked) and the whole merge is refused."""
    from db.ops.results import decrypt
    from judging.errors import StateError

    a = sealed_theory_locked(example_db, tmp_path)
    b = new_laptop(signed_in(a, "admin"), tmp_path / "b.db")
    c = signed_in(b, "encryption")
    decrypt(c, "GJQG")
    person = c.db.execute("SELECT competitor FROM assignments LIMIT 1").fetchone()[0]
    c.session = None
    c.sign_in(*USERS["admin"])
    with c.write("theory.import") as w:
        w.insert("theory", {"event": "GJQG", "competitor": person, "score": "99.00",
                            "source": "forged.csv:2"}, opened=True)
    c.close()
    out = export_b(b, tmp_path)
    ca = signed_in(a, "chief")
    with pytest.raises(StateError, match="locked"):
        merge_file(ca, out)
    assert ca.db.execute("SELECT COUNT(*) FROM theory").fetchone()[0] == 0
