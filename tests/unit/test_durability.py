"""Nothing lost to a kill, a full disk or a read-only file (issue 7, docs/durability.md).

Real processes are killed with SIGKILL at seeded random moments while they type marks
(tests/unit/_kill_worker.py) or import a marks file (`main.py marks import`). Afterwards every
mark the program acknowledged is in the database, PRAGMA integrity_check is ok, the audit
chain verifies, and an interrupted import is either whole or absent and importable again.

The default run kills a handful of times; `pytest -m slow tests/unit/test_durability.py`
runs the soak (hundreds of kills).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from judging.errors import StorageError
from tests.conftest import EXAMPLES, ROOT, cli, copy_db, dump, second_entry
from tests.unit._kill_worker import plan

PY = sys.executable
WORKER = Path(__file__).with_name("_kill_worker.py")
MAIN = ROOT / "main.py"
RECORDER = ("冯记录", "4001")


# ---- checks -------------------------------------------------------------------------------------
def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def audit_ok(db: Path) -> bool:
    return cli("audit", "verify", "--db", db, who="supervisor") == 0


def typed_by_recorder(db: Path) -> list[tuple[str, str, str, Decimal]]:
    """The recorder's typed marks in the order they were committed."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT station, aspect, judge, score FROM marks WHERE by = ? AND "
                           "action = 'type' ORDER BY at, rowid", [RECORDER[0]]).fetchall()
    finally:
        con.close()
    return [(st, a, j, Decimal(s)) for st, a, j, s in rows]


def acknowledged(stdout: str) -> list[int]:
    """Sequence numbers of the marks the worker acknowledged (a torn last line is ignored)."""
    seqs = []
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] == "ACK":
            seqs.append(int(parts[1]))
    return seqs


# ---- killing the recorder -----------------------------------------------------------------------
def kill_recorder_runs(db: Path, kills: int, seed: int) -> tuple[list[int], int]:
    """Start the worker again and again, each time killing it after a random delay.

    Each run continues after the last acknowledged mark. Returns (all acknowledged
    sequence numbers in order, number of runs that were killed after acknowledging at least
    one mark).
    """
    rng = random.Random(seed)
    acked: list[int] = []
    productive = 0
    for _ in range(kills):
        start = acked[-1] + 1 if acked else 0
        proc = subprocess.Popen([PY, str(WORKER), str(db), str(start), "100000"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                                bufsize=0)  # unbuffered: readline must not swallow ACKs
        # wait until it has signed in (a kill during start-up proves little), then kill it
        # at a random moment while it types; now and then before the first mark returns
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready == b"READY\n", proc.stderr.read().decode() if proc.stderr else ready
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err.decode()
        got = acknowledged(out.decode())
        assert got == list(range(start, start + len(got)))
        productive += bool(got)
        acked += got
    return acked, productive


def check_recorder_db(db: Path, acked: list[int]) -> None:
    assert integrity(db) == "ok"
    in_db = typed_by_recorder(db)
    want = [plan(s) for s in acked]
    # every acknowledged mark is there, in order; at most the one mark in flight when the
    # last run was killed (committed, not yet acknowledged) follows them
    assert in_db[:len(want)] == want
    assert len(in_db) - len(want) in (0, 1)
    if len(in_db) > len(want):
        assert in_db[-1] == plan(acked[-1] + 1 if acked else 0)
    assert audit_ok(db)


def test_killed_recorder_loses_no_acknowledged_mark(example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    acked, productive = kill_recorder_runs(db, kills=6, seed=7)
    assert productive >= 2, "the kills should land while marks are being typed"
    check_recorder_db(db, acked)


@pytest.mark.slow
def test_soak_killed_recorder(example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    acked, productive = kill_recorder_runs(db, kills=150, seed=20240)
    assert productive >= 100
    check_recorder_db(db, acked)


# ---- killing an import --------------------------------------------------------------------------
def import_marks_proc(db: Path, file: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([PY, str(MAIN), "marks", "import", str(file), "--db", str(db),
                             "--user", RECORDER[0], "--pin", RECORDER[1]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


def rows_from(db: Path, file: Path) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT COUNT(*) FROM marks WHERE reason = ?",
                               [f"from {file.name}"]).fetchone()[0])
    finally:
        con.close()


def kill_imports(base: Path, tmp: Path, kills: int, seed: int) -> dict[str, int]:
    file = EXAMPLES / "marks.csv"
    total = sum(1 for _ in file.open(encoding="utf-8-sig")) - 1
    # how long one whole import takes here, to spread the kills over it
    probe = tmp / "probe.db"
    shutil.copy(base, probe)
    t0 = time.perf_counter()
    proc = import_marks_proc(probe, file)
    proc.communicate()
    span = time.perf_counter() - t0
    assert proc.returncode == 0 and rows_from(probe, file) == total
    rng = random.Random(seed)
    outcomes = {"absent": 0, "whole": 0}
    for i in range(kills):
        db = tmp / f"kill{i}.db"
        shutil.copy(base, db)
        before = dump(db)
        proc = import_marks_proc(db, file)
        time.sleep(rng.uniform(0.3 * span, 1.05 * span))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert integrity(db) == "ok"
        n = rows_from(db, file)
        assert n in (0, total), f"a killed import left {n} of {total} marks"
        if n == 0:
            outcomes["absent"] += 1
            assert dump(db) == before
            # importable again, whole
            assert cli("marks", "import", file, "--db", db, who="recorder") == 0
        else:
            outcomes["whole"] += 1
            # importing it again changes nothing (same user, same values)
            assert cli("marks", "import", file, "--db", db, who="recorder") == 0
        assert rows_from(db, file) == total
        assert audit_ok(db)
        db.unlink()
    return outcomes


def test_killed_import_is_whole_or_absent(example_db: Callable[[str], Path],
                                          tmp_path: Path) -> None:
    outcomes = kill_imports(example_db("drawn"), tmp_path, kills=4, seed=11)
    assert sum(outcomes.values()) == 4


@pytest.mark.slow
def test_soak_killed_imports(example_db: Callable[[str], Path], tmp_path: Path) -> None:
    outcomes = kill_imports(example_db("drawn"), tmp_path, kills=60, seed=99)
    # both outcomes must have been seen for the soak to mean anything
    assert outcomes["absent"] > 0 and outcomes["whole"] > 0, outcomes


# ---- a full disk --------------------------------------------------------------------------------
def _open_recorder(db: Path):  # type: ignore[no-untyped-def]
    from db.store.contest import Contest

    c = Contest.open(db)
    c.sign_in(*RECORDER)
    return c


def test_full_disk_gives_a_plain_message_and_keeps_what_was_saved(
        example_db: Callable[[str], Path]) -> None:
    """SQLite's max_page_count stands in for a full disk (SQLITE_FULL, as a real one gives)."""
    from db.ops.marking import enter_mark

    db = example_db("drawn")
    c = _open_recorder(db)
    pages = c.db.execute("PRAGMA page_count").fetchone()[0]
    c.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    saved = []
    with pytest.raises(StorageError) as info:
        for seq in range(10_000):
            st, a, j, v = plan(seq)
            enter_mark(c, "GJQG", st, a, j, v)
            saved.append(plan(seq))
    assert saved, "some marks fit before the disk filled"
    msg = str(info.value)
    assert "disk is full" in msg and "磁盘已满" in msg
    assert "Traceback" not in msg
    # the failed mark's transaction was rolled back; the connection still works for reading
    assert not c.db.conn.in_transaction
    c.close()
    assert integrity(db) == "ok"
    assert typed_by_recorder(db) == saved
    assert audit_ok(db)
    # after freeing space the same mark goes in
    c = _open_recorder(db)
    st, a, j, v = plan(len(saved))
    enter_mark(c, "GJQG", st, a, j, v)
    c.close()
    assert typed_by_recorder(db) == saved + [plan(len(saved))]


def _mount_tmpfs(where: Path, size_kib: int) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(where)],
                       capture_output=True)
    return r.returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def test_full_tmpfs_refuses_an_import_and_keeps_the_file(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A really full file system (a small tmpfs; needs root, skipped otherwise)."""
    src = example_db("drawn")
    mnt = tmp_path / "stick"
    size = src.stat().st_size // 1024 + 48
    if not _mount_tmpfs(mnt, size):
        pytest.skip("cannot mount a small tmpfs here (not root or no mount permission)")
    try:
        db = mnt / "contest.db"
        shutil.copy(src, db)
        before = dump(db)
        capsys.readouterr()
        code = cli("marks", "import", EXAMPLES / "marks.csv", "--db", db, who="recorder")
        err = capsys.readouterr().err
        assert code != 0
        assert "disk is full" in err and "磁盘已满" in err, err
        assert "Traceback" not in err
        assert integrity(db) == "ok"
        assert dump(db) == before
        assert audit_ok(db)
        # moved to a disk with room, the same file imports whole
        moved = tmp_path / "moved.db"
        copy_db(db, moved)
    finally:
        _umount(mnt)
    assert cli("marks", "import", EXAMPLES / "marks.csv", "--db", moved, who="recorder") == 0
    assert rows_from(moved, EXAMPLES / "marks.csv") == 300


# ---- a read-only database -----------------------------------------------------------------------
def test_read_only_connection_gives_a_plain_message_and_loses_nothing(
        example_db: Callable[[str], Path]) -> None:
    """A file that turns read-only while open (query_only stands in: SQLITE_READONLY)."""
    from db.ops.marking import enter_mark

    db = example_db("marked")
    before = dump(db)
    c = _open_recorder(db)
    c.db.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageError) as info:
        enter_mark(c, "GJQG", "05", "A4", "赵一", Decimal("3"))
    assert "read-only" in str(info.value) and "只读" in str(info.value)
    c.close()
    assert dump(db) == before
    assert integrity(db) == "ok"


def _ro_bind(src_dir: Path, mnt: Path) -> bool:
    mnt.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    if subprocess.run(["mount", "--bind", str(src_dir), str(mnt)],
                      capture_output=True).returncode != 0:
        return False
    if subprocess.run(["mount", "-o", "remount,bind,ro", str(mnt)],
                      capture_output=True).returncode != 0:
        _umount(mnt)
        return False
    return True


def test_write_to_read_only_medium_is_refused_plainly(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A write-protected stick: a read-only bind mount (needs root, skipped otherwise)."""
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    db = src_dir / "contest.db"
    shutil.copy(example_db("marked"), db)
    before = dump(db)
    mnt = tmp_path / "ro"
    if not _ro_bind(src_dir, mnt):
        pytest.skip("cannot make a read-only mount here")
    try:
        capsys.readouterr()
        code = cli("marks", "import", second_entry(EXAMPLES / "marks.csv", tmp_path), "--db",
                   mnt / "contest.db", who="recorder2")
        err = capsys.readouterr().err
    finally:
        _umount(mnt)
    assert code != 0
    assert err.startswith("jiangxin: ") and "Traceback" not in err
    assert "contest.db" in err
    assert dump(db) == before


def test_read_only_medium_can_still_be_read(
        example_db: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    shutil.copy(example_db("final"), src_dir / "contest.db")
    mnt = tmp_path / "ro"
    if not _ro_bind(src_dir, mnt):
        pytest.skip("cannot make a read-only mount here")
    try:
        capsys.readouterr()
        code = cli("results", "--event", "GJQG", "--json", "--db", mnt / "contest.db",
                   who="judge")
        err = capsys.readouterr().err
    finally:
        _umount(mnt)
    assert code == 0 or "read-only" in err, err
