"""Issue 16, sign-in: the lock-out holds against many sign-ins at once; PINs stay out of `ps`."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, USERS

Example = Callable[[str], Path]


def test_forty_parallel_sign_ins_check_no_more_than_five_wrong_pins(
        example_db: Example) -> None:
    """The attack of the issue: 40 sign-ins at once, 39 wrong PINs and the right one last.
    Each attempt is its own connection, as separate processes or windows would be."""
    from db.ops.auth import MAX_FAILURES
    from db.store.contest import Contest
    from judging.errors import NotAllowed

    db = example_db("drawn")
    user, right = USERS["chief"]
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(40)

    def attempt(pin: str) -> None:
        c = Contest.open(db)
        try:
            start.wait()
            c.sign_in(user, pin)
            result = "signed in"
        except NotAllowed as exc:
            result = "locked" if "locked" in str(exc) else "wrong"
        finally:
            c.close()
        with lock:
            outcomes.append(result)

    pins = [f"{9000 + i}" for i in range(40)]  # an attacker's guesses, all at once
    threads = [threading.Thread(target=attempt, args=(p,)) for p in pins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 40
    # every "wrong" is a PIN that was checked; after five, nothing more is checked
    assert outcomes.count("wrong") == MAX_FAILURES, outcomes
    assert outcomes.count("locked") == 40 - MAX_FAILURES
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM login_failures WHERE user = ?",
                       [user]).fetchone()[0] == MAX_FAILURES
    con.close()
    # and the right PIN, guessed next, is not checked either until the lock-out ends
    c = Contest.open(db)
    try:
        with pytest.raises(NotAllowed, match="locked"):
            c.sign_in(user, right)
    finally:
        c.close()


def test_pin_from_the_environment_and_a_warning_for_pin_on_the_command_line(
        example_db: Example) -> None:
    db = example_db("final")
    user, pin = USERS["chief"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("JIANGXIN_PIN", None)
    base = [sys.executable, str(ROOT / "main.py"), "results", "--event", "GJQG", "--db",
            str(db), "--user", user]
    given = subprocess.run([*base, "--pin", pin], capture_output=True, text=True, env=env,
                           timeout=120)
    assert given.returncode == 0
    assert "--pin" in given.stderr and "JIANGXIN_PIN" in given.stderr  # the warning
    quiet = subprocess.run(base, capture_output=True, text=True, timeout=120,
                           env={**env, "JIANGXIN_PIN": pin})
    assert quiet.returncode == 0 and quiet.stderr == ""
    # no PIN anywhere and no terminal to ask on: refused plainly, exit 5
    none = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert none.returncode == 5 and "JIANGXIN_PIN" in none.stderr


def test_new_competitions_need_six_digit_pins_and_old_ones_are_grandfathered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import EXAMPLES, cli

    text = (EXAMPLES / "competition.toml").read_text(encoding="utf-8")
    new = tmp_path / "2027.toml"
    new.write_text(text.replace("date = 2020-09-25", "date = 2027-03-01"), encoding="utf-8")
    capsys.readouterr()
    assert cli("init", new, "--db", tmp_path / "n.db", who="admin") == 2
    err = capsys.readouterr().err
    assert "user[1].pin" in err and "at least 6 digits" in err and "6位" in err
    assert not (tmp_path / "n.db").exists()
    six = tmp_path / "six.toml"
    longer = text.replace("date = 2020-09-25", "date = 2027-03-01")
    longer = re.sub(r'pin = "(\d+)"', r'pin = "\g<1>00"', longer)
    six.write_text(longer, encoding="utf-8")
    os.environ["JIANGXIN_PIN"] = USERS["admin"][1] + "00"
    try:
        assert cli("init", six, "--db", tmp_path / "s.db", "--user", USERS["admin"][0]) == 0
    finally:
        os.environ.pop("JIANGXIN_PIN")
    # the example (2020) keeps its 4-digit PINs, with a warning
    capsys.readouterr()
    assert cli("init", EXAMPLES / "competition.toml", "--db", tmp_path / "old.db",
               who="admin") == 0
    assert "shorter than 6 digits" in capsys.readouterr().err
