"""The shared example contest reproduces expected-results.json exactly, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, cli

FIELDS = ("place", "station", "candidate", "name", "theory", "practical", "total",
          "time_used_s", "status", "award", "title", "grade")


def results(db: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--json", "--db", db, who="judge") == 0
    return json.loads(capsys.readouterr().out)


def test_example_reproduces_expected_results(example_db: Callable[[str], Path],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = results(example_db("decrypted"), capsys)
    expected = json.loads((EXAMPLES / "expected-results.json").read_text(encoding="utf-8"))
    assert data["locked"] is True and data["decrypted"] is True
    assert data["snapshot"] == 0
    got = {r["station"]: {k: r[k] for k in FIELDS} for r in data["rows"]}
    want = {r["station"]: {k: r[k] for k in FIELDS} for r in expected["rows"]}
    assert got == want
    assert "scale" not in data["rows"][0]


def test_names_hidden_until_decrypted(example_db: Callable[[str], Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    data = results(example_db("locked"), capsys)
    assert data["locked"] is True and data["decrypted"] is False
    assert all(r["name"] is None and r["unit"] is None for r in data["rows"])
    assert all(r["station"] and r["candidate"] for r in data["rows"])


def test_shared_fourth_place_is_a_real_tie(example_db: Callable[[str], Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # theory joins the results at decryption (before it, the draw is sealed)
    rows = results(example_db("decrypted"), capsys)["rows"]
    assert [r["place"] for r in rows] == [1, 2, 3, 4, 4, 6, 7, 8, 9, 10, 11, 12]


def test_results_csv(example_db: Callable[[str], Path],
                     capsys: pytest.CaptureFixture[str]) -> None:
    db = example_db("final")
    capsys.readouterr()
    assert cli("results", "--event", "GJQG", "--csv", "--db", db, who="chief") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("place,station,candidate,name")
    first = lines[1].split(",")
    assert first[0] == "1" and first[3] == "" and first[5] == ""  # no name, no theory yet
    assert len(lines) == 13


def test_audit_chain_verifies_after_the_whole_contest(example_db: Callable[[str], Path]
                                                      ) -> None:
    assert cli("audit", "verify", "--db", example_db("decrypted"), who="supervisor") == 0
