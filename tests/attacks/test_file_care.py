"""Issue 16: restore only from the same contest; export's audit record before its file; full
disks and read-only media said plainly."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, cli, dump

Example = Callable[[str], Path]


def _root_mount(args: list[str]) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


# ---- restore -----------------------------------------------------------------------------------
def test_restore_refuses_a_backup_of_another_contest(example_db: Example, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The outsider's attack: a contest of their own, made from the same competition file (so
    with their own key), restored over the real one with their own admin PIN."""
    real = example_db("final")
    outsider = tmp_path / "outsider.db"
    assert cli("init", EXAMPLES / "competition.toml", "--db", outsider, who="admin") == 0
    before = dump(real)
    capsys.readouterr()
    assert cli("restore", outsider, "--db", real, who="admin") == 2
    err = capsys.readouterr().err
    assert "another contest" in err and "另一个赛事" in err
    assert dump(real) == before
    assert not list(tmp_path.glob("*.replaced-*"))


def test_restore_takes_a_backup_of_the_same_contest(example_db: Example, tmp_path: Path) -> None:
    real = example_db("final")
    assert cli("backup", "--to", tmp_path / "b", "--db", real, who="chief") == 0
    backup = next((tmp_path / "b").glob("*.jxdb"))
    assert cli("restore", backup, "--db", real, who="chief") == 0


def test_a_damaged_file_is_restored_only_from_its_own_contests_backups(
        example_db: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from db.store.backups import backup_folder_for

    real = example_db("final")
    # a rolling backup of the real contest, in its own folder
    assert cli("backup", "--to", backup_folder_for(real), "--db", real,
               who="chief") == 0
    outsider = tmp_path / "outsider.db"
    assert cli("init", EXAMPLES / "competition.toml", "--db", outsider, who="admin") == 0
    real.write_bytes(b"\0" * 4096)  # damaged beyond saying which contest it was
    capsys.readouterr()
    assert cli("restore", outsider, "--db", real, who="admin") == 2
    assert "another contest" in capsys.readouterr().err
    own = next(backup_folder_for(real).glob("*.jxdb"))
    assert cli("restore", own, "--db", real, who="chief") == 0


# ---- export --------------------------------------------------------------------------------------
def test_the_export_is_recorded_before_its_file_appears(example_db: Example, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed the instant the file appears: the audit already holds the export's record."""
    import hashlib

    db = example_db("decrypted")
    out = tmp_path / "results.jxr"
    real_replace = Path.replace
    seen: list[int] = []

    class Killed(BaseException):
        pass

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        done = real_replace(self, target)
        if Path(target) == out:
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
            con = sqlite3.connect(db)  # another process's view: only what was committed
            seen.append(con.execute(
                "SELECT COUNT(*) FROM audit WHERE action = 'export' AND "
                "json_extract(after, '$.sha256') = ?", [digest]).fetchone()[0])
            con.close()
            raise Killed  # the power goes
        return done

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(Killed):
        cli("export", "--out", out, "--db", db, who="admin")
    assert out.exists() and seen == [1]


# ---- full disk and read-only media ---------------------------------------------------------------
def test_a_disk_with_no_byte_free_is_called_full(example_db: Example, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    src = example_db("drawn")
    mnt = tmp_path / "stick"
    mnt.mkdir()
    if not _root_mount(["-t", "tmpfs", "-o", f"size={src.stat().st_size // 1024 + 256}k",
                        "tmpfs", str(mnt)]):
        pytest.skip("cannot mount a small tmpfs here (not root or no mount permission)")
    try:
        db = mnt / "contest.db"
        shutil.copy(src, db)
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        try:  # every last byte
            for chunk in (1 << 16, 4096, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * chunk)
                except OSError:
                    pass
        finally:
            os.close(fd)
        before = dump(src)  # the same bytes (SQLite cannot even open its -shm here now)
        capsys.readouterr()
        code = cli("marks", "import", EXAMPLES / "marks.csv", "--db", db, who="recorder")
        err = capsys.readouterr().err
        assert code != 0 and "Traceback" not in err
        assert "disk is full" in err and "磁盘已满" in err, err
        assert "database error: disk I/O error" not in err
        for name in os.listdir(mnt):  # what is there, read from a disk with room
            if name.startswith("contest.db"):
                shutil.copy(mnt / name, tmp_path / name)
        assert dump(tmp_path / "contest.db") == before
    finally:
        _umount(mnt)


def test_check_tells_an_intact_file_on_read_only_media_from_a_damaged_one(
        example_db: Example, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    db = src_dir / "contest.db"
    shutil.copy(example_db("final"), db)
    mnt = tmp_path / "ro"
    mnt.mkdir()
    if not _root_mount(["--bind", str(src_dir), str(mnt)]):
        pytest.skip("cannot make a read-only mount here")
    try:
        if not _root_mount(["-o", "remount,bind,ro", str(mnt)]):
            pytest.skip("cannot make a read-only mount here")
        capsys.readouterr()
        assert cli("check", "--db", mnt / "contest.db") == 0
        out = capsys.readouterr().out
        assert "intact" in out and "read-only" in out and "只读" in out
        assert "damaged" not in out
    finally:
        _umount(mnt)
    # the same file damaged is called damaged
    with db.open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xff" * 8192)
    capsys.readouterr()
    assert cli("check", "--db", db, "--full") == 3
    assert "damaged" in capsys.readouterr().err
