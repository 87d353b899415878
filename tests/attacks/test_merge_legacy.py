"""Contests made before device keys (docs/security.md, "Contests made before device keys").

A file of an older version gets the tables of device keys empty (migration m007): no laptop
of it has a key, so its merges cannot say which laptop wrote a row. The documented rule:

- while the receiving laptop knows no device key at all, a merge is accepted *unattributed*
  (said in its report and audit record); it still proves the same contest (key), rows
  unaltered (same id, same content), and merged locks and decryptions are re-checked;
- once the contest has device keys (a copy made with `merge --new-laptop` by this version
  registers this laptop's key and the copy's), a file from a laptop copied before them is
  refused (exit 3): merge such laptops first, then make new copies.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db.files.exchange import export
from db.files.merge import merge_file, new_laptop
from db.ops.marking import enter_marks
from db.store.audit import verify
from db.store.contest import Contest
from judging.errors import VerificationFailed
from tests.attacks.test_merge_forgery import signed_in, verifications
from tests.conftest import USERS, build_example


@pytest.fixture()
def old_laptops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Laptop A of a contest made before device keys, and B copied from it as the older
    version did (the file copied, a new device id)."""
    import db.keys.devices as devices

    with monkeypatch.context() as m:
        m.setattr(devices, "make_device_key", lambda *a, **k: "")
        a = build_example(tmp_path / "a.db", stage="marked")
    b = tmp_path / "b.db"
    con, out = sqlite3.connect(a), sqlite3.connect(b)
    con.backup(out)
    con.close()
    out.execute("UPDATE meta SET value = 'b0b0b0b0b0b0' WHERE key = 'device_id'")
    out.commit()
    out.close()
    assert sqlite3.connect(a).execute("SELECT COUNT(*) FROM devices").fetchone()[0] == 0
    return a, b


def verified_on(b: Path, tmp: Path) -> Path:
    c = signed_in(b, "recorder2")
    enter_marks(c, verifications(c), file="second.csv")
    c.close()
    c = signed_in(b, "admin")
    out = tmp / "b.jxr"
    export(c, out, USERS["admin"][1])
    c.close()
    return out


def test_an_old_copy_merges_unattributed(old_laptops: tuple[Path, Path], tmp_path: Path
                                         ) -> None:
    a, b = old_laptops
    out = verified_on(b, tmp_path)
    c = signed_in(a, "chief")
    report = merge_file(c, out)
    assert report.added["marks"] == 300 and not report.attributed
    assert "copies made before device keys" in report.summary()
    assert c.db.execute("SELECT COUNT(*) FROM audit WHERE action = 'merge' AND reason LIKE "
                        "'%unattributed%'").fetchone()[0] == sum(report.added.values()) + 1
    assert verify(c.db).ok


def test_an_old_copy_is_refused_once_the_contest_has_device_keys(
        old_laptops: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = old_laptops
    out = verified_on(b, tmp_path)
    c = signed_in(a, "admin")
    new_laptop(c, tmp_path / "c.db")  # registers A's key and C's
    assert c.db.execute("SELECT COUNT(*) FROM devices").fetchone()[0] == 2
    c.close()
    c = signed_in(a, "chief")
    with pytest.raises(VerificationFailed, match="copied before device keys"):
        merge_file(c, out)
    assert c.db.execute("SELECT COUNT(*) FROM merges").fetchone()[0] == 0


def test_an_old_copys_forged_lock_is_still_refused(old_laptops: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    """Unattributed is not unchecked: a lock written behind the lock's checks is refused."""
    a, b = old_laptops
    c = Contest.open(b)
    c.sign_in(*USERS["chief"])
    with c.write("lock", reason="forged") as w:
        for mod in c.event("GJQG").modules:
            w.insert("locks", {"event": "GJQG", "module": mod.id, "action": "lock",
                               "reason": "forged"})
    c.close()
    c = signed_in(b, "admin")
    out = tmp_path / "b.jxr"
    export(c, out, USERS["admin"][1])
    c.close()
    ca = signed_in(a, "chief")
    with pytest.raises(VerificationFailed, match="merged lock"):
        merge_file(ca, out)
