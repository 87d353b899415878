"""The contest signing key at rest: a copy of the contest file or of a backup, and every PIN,
give an attacker nothing that opens it; signing commands need the passphrase (exit 5)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from db.keys import passphrase as pp
from db.keys import signing
from db.keys.contest_key import unlock_private_key, wrapped_key
from db.store.contest import Contest
from judging.errors import NotAllowed
from tests.conftest import EXAMPLES, ROOT, TEST_PASSPHRASE, USERS, build_example, cli

ALL_PINS = [pin for _name, pin in USERS.values()] + ["0000", "1234"]


def _leaves(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        try:
            inner = json.loads(value)
        except ValueError:
            inner = None
        if isinstance(inner, (dict, list)):
            yield from _leaves(inner)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif value is not None:
        yield str(value)


def stored_strings(db: Path) -> set[str]:
    """Every value of every cell of every table (JSON opened up), and each of its words."""
    con = sqlite3.connect(db)
    out: set[str] = set()
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            for row in con.execute(f'SELECT * FROM "{t}"'):
                for cell in row:
                    if isinstance(cell, bytes):
                        cell = cell.decode("utf-8", "replace")
                    for leaf in _leaves(cell):
                        out.add(leaf)
                        out.update(re.split(r"[\s,;:=\"'/]+", leaf))
    finally:
        con.close()
    return {s for s in out if s}


def test_no_pin_nor_any_stored_string_opens_the_signing_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Thousands of candidates are tried: this contest's envelope is made with scrypt N=2 (it
    # records its parameters) so that each try is cheap. Which strings open the key does not
    # depend on the cost; the cost per guess is measured in bench/bench_kdf.py.
    monkeypatch.setattr(signing, "SCRYPT_N", 2)
    db = build_example(tmp_path / "contest.db", stage="decrypted")
    assert cli("backup", "--db", db, "--to", tmp_path / "bk", who="admin") == 0
    assert cli("certificates", "--out", tmp_path / "c.pdf", "--db", db, who="admin") == 0
    backups = list((tmp_path / "bk").glob("*"))
    assert backups
    c = Contest.open(db)
    wrapped = wrapped_key(c)
    assert {e["n"] for e in wrapped["unwrappers"].values()} == {2}
    private = unlock_private_key(c, TEST_PASSPHRASE)  # the passphrase does open it
    c.close()
    holders = sorted(wrapped["unwrappers"])
    assert holders == [pp.RECOVERY_HOLDER, pp.SIGNING_HOLDER]  # no user, no PIN holder
    candidates = set(ALL_PINS)
    for f in [db, *backups]:
        candidates |= stored_strings(f)
    assert TEST_PASSPHRASE not in candidates  # the passphrase is stored nowhere
    assert len(candidates) > 1000, len(candidates)
    raw = b"".join(f.read_bytes() for f in [db, *backups])
    assert private not in raw and private.hex().encode() not in raw
    opened = []
    for secret in sorted(candidates):
        for holder in holders:
            try:
                signing.unwrap_private_key(wrapped, holder, secret)
            except NotAllowed:
                continue
            opened.append((holder, secret))
    assert opened == []


def test_signing_commands_without_the_passphrase_exit_5(
        example_db: Callable[[str], Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = example_db("decrypted")
    monkeypatch.delenv(pp.ENV)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # no terminal to ask on
    assert cli("certificates", "--out", tmp_path / "c.pdf", "--db", db, who="admin") == 5
    assert cli("export", "--out", tmp_path / "r.jxr", "--db", db, who="admin") == 5
    assert not (tmp_path / "c.pdf").exists() and not (tmp_path / "r.jxr").exists()
    monkeypatch.setenv(pp.ENV, "0000")  # the admin's PIN is no passphrase
    assert cli("certificates", "--out", tmp_path / "c.pdf", "--db", db, who="admin") == 5
    monkeypatch.setenv(pp.ENV, USERS["admin"][1])
    assert cli("export", "--out", tmp_path / "r.jxr", "--db", db, who="admin") == 5
    monkeypatch.setenv(pp.ENV, TEST_PASSPHRASE)
    assert cli("export", "--out", tmp_path / "r.jxr", "--db", db, who="admin") == 0


def test_init_wants_a_long_passphrase_and_prints_a_recovery_phrase_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    monkeypatch.setenv(pp.ENV, "short-pass")
    db = tmp_path / "c.db"
    assert cli("init", EXAMPLES / "competition.toml", "--db", db, who="admin") == 2
    assert not db.exists() or db.stat().st_size == 0
    monkeypatch.delenv(pp.ENV)
    assert cli("init", EXAMPLES / "competition.toml", "--db", db, who="admin") == 5
    monkeypatch.setenv(pp.ENV, "a new contest passphrase")
    capsys.readouterr()
    assert cli("init", EXAMPLES / "competition.toml", "--db", db, who="admin") == 0
    out = capsys.readouterr().out
    m = re.search(r"\b([0-9A-Z]{5}(?:-[0-9A-Z]{5}){4})\b", out)
    assert m, out
    phrase = m.group(1)
    assert phrase.encode() not in db.read_bytes()
    c = Contest.open(db)
    # the recovery phrase stands in for the passphrase, typed loosely
    assert unlock_private_key(c, phrase.lower().replace("-", " ")) == unlock_private_key(
        c, "a new contest passphrase")
    with pytest.raises(NotAllowed):
        unlock_private_key(c, phrase[:-1] + ("0" if phrase[-1] != "0" else "1"))
    c.close()


def test_a_real_init_records_scrypt_2_17(tmp_path: Path) -> None:
    """Outside the test process (whose KDF cost conftest lowers): the production envelope."""
    db = tmp_path / "real.db"
    user, pin = USERS["admin"]
    env = dict(os.environ, JIANGXIN_PASSPHRASE="a real passphrase here")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "init",
                           str(EXAMPLES / "competition.toml"), "--db", str(db), "--user", user,
                           "--pin", pin], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    c = Contest.open(db)
    for entry in wrapped_key(c)["unwrappers"].values():
        assert (entry["kdf"], entry["n"], entry["r"], entry["p"]) == ("scrypt", 2**17, 8, 1)
    c.close()
