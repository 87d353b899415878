"""`jiangxin check` at open and `jiangxin restore` from the rolling backups."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import cli, dump
from tests.unit.test_backup import _damage


def test_check_then_restore_the_newest_good_backup(example_db: Callable[[str], Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("verified")
    # the times import takes a "before-import" backup beside the contest
    assert cli("times", "import", Path(__file__).parents[1] / "fixtures" / "example" /
               "times.csv", "--db", db, who="chief") == 0
    wanted = dump(db)
    capsys.readouterr()
    assert cli("check", "--db", db) == 0
    assert "intact" in capsys.readouterr().out
    _damage(db)
    assert cli("check", "--db", db) == 3
    err = capsys.readouterr().err
    assert "damaged" in err and "jiangxin restore" in err
    backup = Path(err.strip().splitlines()[-1].split()[2])
    assert backup.exists() and "before-import" in backup.name
    # a judge may not restore; a wrong PIN may not either; nothing changes
    assert cli("restore", backup, "--db", db, who="judge") == 5
    assert cli("restore", backup, "--db", db, "--user", "李裁判长", "--pin", "0000") == 5
    assert cli("restore", backup, "--db", db, who="chief") == 0
    assert cli("check", "--db", db, "--full") == 0
    # the backup was taken before the times import: everything before it is back
    restored = dump(db)
    assert len(restored) < len(wanted)
    assert cli("times", "import", Path(__file__).parents[1] / "fixtures" / "example" /
               "times.csv", "--db", db, who="chief") == 0
    assert list(db.parent.glob(f"{db.name}.replaced-*"))  # the damaged file is kept
