"""Rolling backups, `jiangxin backup`, the integrity check at open, restoring (db/store/backups)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from db.store.backups import (
    AutoBackup,
    BackupPolicy,
    check_file,
    contest_folder,
    list_backups,
    restore_from_backup,
    take_backup,
    thin,
)
from judging.errors import StorageError
from tests.conftest import EXAMPLES, ROOT, cli, dump
from tests.unit._kill_worker import plan


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _uid(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("SELECT value FROM meta WHERE key='contest_uid'").fetchone()[0])
    finally:
        con.close()


def _marks(db: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT COUNT(*) FROM marks").fetchone()[0])
    finally:
        con.close()


# ---- when backups are taken ---------------------------------------------------------------------
def test_backups_every_few_minutes_while_marks_change(example_db: Callable[[str], Path],
                                                      tmp_path: Path) -> None:
    db = example_db("marked")
    clock = FakeClock()
    auto = AutoBackup(db, BackupPolicy(tmp_path / "stick", interval_s=300), clock=clock)
    assert auto.changed({"people"}) is None            # nothing of marks changed
    first = auto.changed({"marks", "results"})
    assert first is not None and first.name.endswith("-auto.jxdb")
    clock.t += 120
    assert auto.changed({"marks"}) is None             # within the interval: no copy yet
    assert auto.tick() is None
    clock.t += 200
    second = auto.tick()                                # the timer catches the pending change
    assert second is not None and second != first
    clock.t += 1000
    assert auto.tick() is None                         # no change since: no copy
    folder = contest_folder(tmp_path / "stick", db, _uid(db))
    assert [b.path for b in list_backups(folder)] == [second, first]


def test_backups_at_lock_before_import_and_on_exit(example_db: Callable[[str], Path],
                                                   tmp_path: Path) -> None:
    db = example_db("final")
    auto = AutoBackup(db, BackupPolicy(tmp_path / "stick"), clock=FakeClock())
    before = auto.before_import()
    n_before = _marks(before)
    assert cli("marks", "import", EXAMPLES / "marks.csv", "--db", db, who="recorder") == 0
    lock = auto.at_lock()
    assert auto.on_exit() is None                      # nothing changed since the last copy
    auto.changed({"marks"})
    exit_copy = auto.on_exit()
    assert exit_copy is not None
    labels = [b.label for b in list_backups(exit_copy.parent)]
    assert labels == ["exit", "lock", "before-import"]
    assert _marks(before) == n_before and lock.exists()
    for p in (before, lock, exit_copy):
        assert check_file(p, quick=False).ok


def test_each_contest_has_its_own_folder(example_db: Callable[[str], Path],
                                         tmp_path: Path) -> None:
    a = example_db("final")
    b = tmp_path / "other" / "final.db"   # same file name, another contest
    b.parent.mkdir()
    assert cli("init", EXAMPLES / "competition.toml", "--db", b, who="admin") == 0
    policy = BackupPolicy(tmp_path / "stick")
    pa, pb = take_backup(a, policy, "manual"), take_backup(b, policy, "manual")
    assert pa.parent != pb.parent
    assert len(list((tmp_path / "stick").iterdir())) == 2


def test_thinning_keeps_recent_daily_and_lock_copies(example_db: Callable[[str], Path],
                                                     tmp_path: Path) -> None:
    one = take_backup(example_db("marked"), BackupPolicy(tmp_path / "s"), "auto")
    folder = one.parent
    one.unlink()
    start = dt.datetime(2024, 5, 1, 8, 0, 0)
    made = []
    for i in range(60):  # 60 copies every 2 hours: five days
        when = start + dt.timedelta(hours=2 * i)
        label = "lock" if i in (7, 31) else "auto"
        p = folder / f"final-{when:%Y%m%d-%H%M%S-%f}-{label}.jxdb"
        p.write_bytes(b"x")
        made.append((when, label, p))
    stale = folder / "final-x.part"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    deleted = thin(folder, BackupPolicy(tmp_path / "s", keep_recent=10))
    kept = {b.path for b in list_backups(folder)}
    recent = {p for _, _, p in made[-10:]}
    daily = {}
    for when, _, p in made:
        daily[when.date()] = p         # the last of each day is its newest
    locks = {p for _, label, p in made if label == "lock"}
    assert kept == recent | set(daily.values()) | locks
    assert stale in deleted and not stale.exists()
    assert len(kept) + len(deleted) == 61


def test_backup_is_consistent_while_marks_are_typed(example_db: Callable[[str], Path],
                                                    tmp_path: Path) -> None:
    """An online copy taken while another connection commits marks is whole and verifies."""
    from db.ops.marking import enter_mark
    from db.store.contest import Contest

    db = example_db("drawn")
    stop = threading.Event()
    typed = []

    def recorder() -> None:
        c = Contest.open(db)
        c.sign_in("冯记录", "4001")
        seq = 0
        while not stop.is_set() and seq < 400:
            st, a, j, v = plan(seq)
            enter_mark(c, "GJQG", st, a, j, v)
            typed.append(seq)
            seq += 1
        c.close()

    t = threading.Thread(target=recorder)
    t.start()
    copies = []
    try:
        while len(typed) < 5:
            pass
        for _ in range(3):
            copies.append(take_backup(db, BackupPolicy(tmp_path / "stick"), "auto"))
    finally:
        stop.set()
        t.join()
    assert len(typed) > 5
    for p in copies:
        health = check_file(p, quick=False)
        assert health.ok, health.problems
        assert 0 < _marks(p) <= len(typed)


def test_cli_backup_by_admin_and_chief_not_by_a_judge(example_db: Callable[[str], Path],
                                                      tmp_path: Path) -> None:
    db = example_db("final")
    assert cli("backup", "--db", db, "--to", tmp_path / "b1", who="admin") == 0
    assert cli("backup", "--db", db, "--to", tmp_path / "b2", who="chief") == 0
    assert cli("backup", "--db", db, "--to", tmp_path / "b3", who="judge") == 5
    assert not (tmp_path / "b3").exists()
    (copy,) = (tmp_path / "b1").iterdir()
    assert dump(copy) == dump(db)


def test_cli_backup_while_the_app_writes(example_db: Callable[[str], Path],
                                         tmp_path: Path) -> None:
    """`jiangxin backup` in its own process while a recorder process commits marks."""
    db = example_db("drawn")
    worker = subprocess.Popen([sys.executable, str(ROOT / "tests/unit/_kill_worker.py"),
                               str(db), "0", "300"], stdout=subprocess.PIPE, cwd=ROOT,
                              bufsize=0)
    assert worker.stdout is not None and worker.stdout.readline() == b"READY\n"
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "backup", "--db", str(db),
                        "--to", str(tmp_path / "b"), "--user", "王组委", "--pin", "1000"],
                       capture_output=True, cwd=ROOT)
    worker.communicate()
    assert r.returncode == 0, r.stderr.decode()
    (copy,) = (tmp_path / "b").iterdir()
    assert check_file(copy, quick=False).ok


def test_backup_to_a_missing_stick_is_a_plain_error(example_db: Callable[[str], Path],
                                                    tmp_path: Path) -> None:
    db = example_db("final")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the stick's folder should be")
    before = dump(db)
    with pytest.raises(StorageError) as info:
        take_backup(db, BackupPolicy(blocker), "auto")
    assert "backup failed" in str(info.value)
    assert dump(db) == before


# ---- integrity at open and restoring ----------------------------------------------------------
def _damage(db: Path) -> None:
    """Overwrite a run of pages in the middle of the file with garbage (a bad sector)."""
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.seek(size // 2 - (size // 2) % 4096)
        f.write(b"\xde\xad\xbe\xef" * 4096)


def test_a_good_file_passes_the_check_at_open(example_db: Callable[[str], Path]) -> None:
    h = check_file(example_db("decrypted"))
    assert h.ok and not h.problems and not h.advice


def test_a_damaged_file_is_caught_and_restored_from_the_newest_good_backup(
        example_db: Callable[[str], Path], tmp_path: Path) -> None:
    db = example_db("final")
    policy = BackupPolicy(tmp_path / "stick")
    good = take_backup(db, policy, "auto")
    newer = take_backup(db, policy, "lock")
    _damage(newer)                      # the newest copy is bad too: it must be skipped
    wanted = dump(db)
    _damage(db)
    health = check_file(db, backup_folder=tmp_path / "stick")
    assert not health.ok and health.problems
    assert health.good_backup == good
    assert good.name in health.advice and "恢复" in health.advice
    with pytest.raises(StorageError):
        restore_from_backup(newer, db)
    kept = restore_from_backup(good, db)
    assert kept is not None and kept.exists()          # the damaged file is kept aside
    assert check_file(db, quick=False).ok
    assert dump(db) == wanted
    assert cli("audit", "verify", "--db", db, who="supervisor") == 0
    assert cli("results", "--event", "GJQG", "--db", db, who="judge") == 0


def test_damaged_without_a_backup_says_where_to_look(example_db: Callable[[str], Path],
                                                     tmp_path: Path) -> None:
    db = example_db("final")
    _damage(db)
    h = check_file(db, backup_folder=tmp_path / "empty")
    assert not h.ok and h.good_backup is None
    assert "no good backup" in h.advice and "U盘" in h.advice


def test_a_tampered_audit_chain_fails_the_check_at_open(example_db: Callable[[str], Path]
                                                        ) -> None:
    db = example_db("final")
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER marks_no_update")
    con.execute("UPDATE marks SET score = '9' WHERE rowid = 3")
    con.commit()
    con.close()
    h = check_file(db)
    assert not h.ok and any("marks row" in p for p in h.problems)


def test_restore_drops_a_stale_wal(example_db: Callable[[str], Path], tmp_path: Path) -> None:
    """A -wal left by the damaged file must never be replayed onto the restored one."""
    from db.ops.marking import enter_mark
    from db.store.contest import Contest

    db = example_db("drawn")
    backup = take_backup(db, BackupPolicy(tmp_path / "stick"), "manual")
    c = Contest.open(db)
    c.sign_in("冯记录", "4001")
    c.db.execute("PRAGMA wal_autocheckpoint = 0")
    enter_mark(c, "GJQG", "05", "A4", "赵一", Decimal("3"))
    wal = db.with_name(db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    saved_wal = wal.read_bytes()
    c.db.conn.close()
    wal.write_bytes(saved_wal)         # as if the process had died with its WAL
    kept = restore_from_backup(backup, db)
    assert kept is not None and kept.with_name(kept.name + "-wal").exists()
    assert not wal.exists() or wal.stat().st_size == 0
    assert _marks(db) == 0
    assert check_file(db, quick=False).ok


def test_restore_keeps_nothing_when_the_target_is_gone(example_db: Callable[[str], Path],
                                                       tmp_path: Path) -> None:
    db = example_db("final")
    backup = take_backup(db, BackupPolicy(tmp_path / "stick"), "manual")
    target = tmp_path / "new.db"
    assert restore_from_backup(backup, target) is None
    assert dump(target) == dump(db)
    shutil.rmtree(tmp_path / "stick")
