"""Opening contest files: too new refused, older upgraded after a backup, pragmas set."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db.store.connection import connect
from db.store.contest import Contest
from judging.errors import StorageError


def test_a_file_from_a_newer_version_is_refused(example_db: Callable[[str], Path]) -> None:
    db = example_db("init")
    con = sqlite3.connect(db)
    con.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('jiangxin', 'm999_future', 'x')")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="newer version"):
        Contest.open(db)


def test_older_file_is_backed_up_then_migrated(example_db: Callable[[str], Path]) -> None:
    db = example_db("verified")
    con = sqlite3.connect(db)
    # make it look like a file from before m002: old cache table, m002 not applied
    con.execute("DROP TABLE aspect_marks")
    con.execute("CREATE TABLE aspect_marks (event TEXT, station TEXT, aspect TEXT, mark TEXT, "
                "entries INTEGER, complete INTEGER, verified INTEGER, disagreements INTEGER, "
                "spread TEXT, flagged INTEGER)")
    con.execute("DELETE FROM _sqlite_migrations WHERE name = 'm002_aspect_units'")
    con.commit()
    con.close()
    c = Contest.open(db)
    assert list(db.parent.glob("*.before-migration-*"))
    n = c.db.execute("SELECT COUNT(*) FROM aspect_marks").fetchone()[0]
    assert n == 12 * 13  # rebuilt from the mark log
    assert c.meta("rebuild_derived") is None


def test_pragmas_for_durability(tmp_path: Path) -> None:
    db = connect(tmp_path / "x.db", create=True)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA page_size").fetchone()[0] == 1024


def test_not_a_contest_file(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="not a Jiangxin"):
        connect(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError):
        connect(junk)


def test_cached_station_map_sees_other_processes_and_own_writes(
        example_db: Callable[[str], Path]) -> None:
    """A mark typed after another laptop process changed a status uses the new state."""
    from db.ops.people import set_status
    db = example_db("drawn")
    a = Contest.open(db)
    a.sign_in("冯记录", "4001")
    calls = []
    first = a.cached("k", lambda: calls.append(1) or len(calls))
    assert a.cached("k", lambda: calls.append(1) or len(calls)) == first  # kept
    b = Contest.open(db)  # another connection commits: the cache is dropped
    b.sign_in("李裁判长", "2000")
    set_status(b, "GJQG", "05", "absent", "缺考")
    assert a.cached("k", lambda: calls.append(1) or len(calls)) == first + 1
    a.sign_in("李裁判长", "2000")  # an own non-mark write drops it too
    set_status(a, "GJQG", "05", "ok", "到场")
    assert a.cached("k", lambda: calls.append(1) or len(calls)) == first + 2
