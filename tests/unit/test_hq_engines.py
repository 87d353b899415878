"""Headquarters on its two engines: the same files give the same bytes; what each engine is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.hq.engine import _safe_url, ddl
from db.hq.store import Headquarters
from judging.errors import StorageError
from tests.conftest import cli
from tests.unit.test_hq import files  # noqa: F401  (the module's fixture: v1, v2, second …)


def test_the_fixture_gives_each_engine(hq_engine: str, hq_target: Callable[[], str]) -> None:
    hq = Headquarters.open(hq_target())
    assert hq.db.kind == hq_engine
    assert "submissions" in hq.db.tables() and "cert_register" in hq.db.tables()
    assert hq.meta("hq_private") is None  # the root key is never kept plain
    hq.close()


def _outputs(target: str, made: dict[str, Any], capsys: pytest.CaptureFixture[str]
             ) -> list[str]:
    assert cli("hq", "import", made["v1"], made["v2"], made["second"], made["laptop"],
               "--hq", target, "--accept-key") == 3  # the laptop's export is refused
    capsys.readouterr()
    outs = []
    idn = Headquarters.open(target).db.one("SELECT id_number FROM participations WHERE "
                                           "place = 2 ORDER BY id_number LIMIT 1")
    for extra in ((), ("--trade", "工具钳工"), ("--trade", "工具钳工", "--year", "2021"),
                  ("--person", idn)):
        assert cli("hq", "report", "--hq", target, "--json", *extra) == 0
        outs.append(capsys.readouterr().out)
        assert cli("hq", "report", "--hq", target, *extra) == 0
        outs.append(capsys.readouterr().out)
    return outs


def test_report_is_byte_identical_on_sqlite_and_postgresql(
        files: dict[str, Any],  # noqa: F811
        tmp_path: Path, pg_server: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JIANGXIN_HQ_FILES", str(tmp_path / "pg-files"))
    on_sqlite = _outputs(str(tmp_path / "hq.db"), files, capsys)
    on_pg = _outputs(pg_server.new_database(), files, capsys)
    assert '"participations": 24' in on_sqlite[0]
    assert on_sqlite == on_pg


def test_a_server_that_cannot_be_reached_is_said_plainly(tmp_path: Path) -> None:
    url = f"postgresql://someone:secret@/nothing?host={tmp_path}"
    with pytest.raises(StorageError) as err:
        Headquarters.open(url)
    assert "cannot connect" in str(err.value) and "secret" not in str(err.value)
    assert _safe_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


def test_a_contest_file_or_another_database_is_not_taken_for_headquarters(
        hq_engine: str, hq_target: Callable[[], str], example_cache: Callable[[str], Path]
        ) -> None:
    target = hq_target()
    if hq_engine == "sqlite":
        import shutil

        shutil.copy(example_cache("init"), target)
        with pytest.raises(StorageError, match="contest file"):
            Headquarters.open(target)
        return
    import psycopg

    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("CREATE TABLE someone_elses (x integer)")
    with pytest.raises(StorageError, match="not a Jiangxin headquarters"):
        Headquarters.open(target)


def test_ddl_speaks_each_engines_words(hq_target: Callable[[], str]) -> None:
    hq = Headquarters.open(hq_target())
    (stmt,) = ddl(hq.db, "CREATE TABLE t (id {id}, b {blob})")
    assert ("IDENTITY" in stmt) == (hq.db.kind == "postgresql")
    with hq.transaction():
        hq.db.execute(stmt)
        first = hq.db.one("INSERT INTO t (b) VALUES (?) RETURNING id", [b"\x00\xff"])
        second = hq.db.one("INSERT INTO t (b) VALUES (?) RETURNING id", [b"%?"])
    assert (first, second) == (1, 2)
    assert bytes(hq.db.one("SELECT b FROM t WHERE id = ?", [2])) == b"%?"
    assert hq.db.one("SELECT '100%' || ?", ["!"]) == "100%!"  # a literal % is kept
