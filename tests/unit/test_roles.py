"""Every operation against every role: allowed ones succeed, the others exit 5 / raise
NotAllowed and leave the database exactly as it was (docs/cli.md, judging/roles.py)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from judging.errors import JiangxinError, NotAllowed
from judging.roles import PERMISSIONS
from tests.conftest import EXAMPLES, USERS, cli, dump

ROLES = ("admin", "chief", "judge", "recorder", "encryption", "supervisor")
EVERYONE = frozenset(ROLES)

# docs/cli.md, who may do what, written out independently of judging/roles.py
CONTRACT: dict[str, frozenset[str]] = {
    "init": frozenset({"admin"}), "competitors": frozenset({"admin"}),
    "draw": frozenset({"admin"}), "theory": frozenset({"admin"}),
    "certificates": frozenset({"admin"}), "export": frozenset({"admin"}),
    "backup": frozenset({"admin", "chief"}),
    "marks": frozenset({"recorder", "chief", "judge"}),
    "times": frozenset({"chief"}), "clocks": frozenset({"chief"}),
    "status": frozenset({"chief"}), "lock": frozenset({"chief"}),
    "unlock": frozenset({"chief"}), "resolve": frozenset({"chief"}),
    "override": frozenset({"chief"}), "decrypt": frozenset({"encryption"}),
    "results": EVERYONE, "audit": EVERYONE,
}


def _commands() -> set[str]:
    from cli import extensions  # noqa: F401
    from cli.commands import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[attr-defined]


COMMANDS = _commands()


@pytest.fixture(autouse=True)
def _pin_checks_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each (PIN, stored hash) pair is checked by real scrypt once per session, then
    remembered: the copies of one example database share their hashes, and ~300 sign-ins
    at 80 ms each would be most of this file's time."""
    import db.ops.auth

    monkeypatch.setattr(db.ops.auth, "check_pin", _cached_check)


_real_check = __import__("db.ops.auth", fromlist=["check_pin"]).check_pin
_checked: dict[tuple[str, str], bool] = {}


def _cached_check(pin: str, stored: str) -> bool:
    key = (pin, stored)
    if key not in _checked:
        _checked[key] = _real_check(pin, stored)
    return _checked[key]


def test_permissions_follow_the_contract() -> None:
    for op, roles in CONTRACT.items():
        assert PERMISSIONS[op] == roles, op


@pytest.mark.parametrize("role", ROLES)
def test_require_follows_the_permission_table(example_db: Callable[[str], Path],
                                              role: str) -> None:
    from db.store.contest import Contest

    c = Contest.open(example_db("init"))
    try:
        c.sign_in(*USERS[role])
        for op in sorted(PERMISSIONS):
            if role in PERMISSIONS[op]:
                assert c.require(op).role == role
            else:
                with pytest.raises(NotAllowed) as info:
                    c.require(op)
                assert info.value.exit_code == 5
    finally:
        c.close()


def test_nobody_signed_in_may_do_anything(example_db: Callable[[str], Path]) -> None:
    from db.store.contest import Contest

    c = Contest.open(example_db("init"))
    for op in PERMISSIONS:
        with pytest.raises(NotAllowed):
            c.require(op)
    c.close()


# ---- the command line -------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One command: the stage it runs at, its arguments, who may run it."""

    name: str
    stage: str
    argv: Callable[[Path, Path], list[object]]  # (db, tmp) -> arguments
    allowed: frozenset[str]
    writes: bool = True
    needs: str | None = None  # a subcommand that must exist (helpers' commands)
    prepare: Callable[[Path, Path], None] | None = None  # (db, tmp): set the stage up


def _disagree(db: Path, tmp: Path) -> None:
    """A second recorder types 6 where the first typed 7.0 (05 A4 赵一): a disagreement."""
    f = tmp / "second.csv"
    f.write_text("event,station,aspect,judge,score,measured\nGJQG,05,A4,赵一,6,\n",
                 encoding="utf-8")
    assert cli("marks", "import", f, "--db", db, who="recorder2") == 0


def _own_marks(tmp: Path) -> Path:
    """赵一's own marks only: what a judge may type."""
    out = tmp / "zhao-marks.csv"
    with (EXAMPLES / "marks.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerows([rows[0]] + [r for r in rows[1:] if r[3] == "赵一"])
    return out


E = EXAMPLES
CASES = [
    Case("competitors import", "init",
         lambda db, t: ["competitors", "import", E / "competitors.csv"], CONTRACT["competitors"]),
    Case("draw --from", "competitors",
         lambda db, t: ["draw", "--event", "GJQG", "--from", E / "draw.csv"], CONTRACT["draw"]),
    Case("draw --seed", "competitors",
         lambda db, t: ["draw", "--event", "GJQG", "--seed", "7"], CONTRACT["draw"]),
    Case("marks import", "drawn", lambda db, t: ["marks", "import", E / "marks.csv"],
         frozenset({"recorder", "chief"})),
    Case("marks import (own marks)", "drawn",
         lambda db, t: ["marks", "import", _own_marks(t)], CONTRACT["marks"]),
    Case("times import", "drawn", lambda db, t: ["times", "import", E / "times.csv"],
         CONTRACT["times"]),
    Case("theory import", "drawn", lambda db, t: ["theory", "import", E / "theory.csv"],
         CONTRACT["theory"]),
    Case("status", "drawn", lambda db, t: ["status", "--event", "GJQG", "--station", "03",
                                           "--set", "absent", "--reason", "did not come"],
         CONTRACT["status"]),
    Case("clock start", "drawn", lambda db, t: ["clock", "start", "--event", "GJQG"],
         CONTRACT["clocks"]),
    Case("override", "drawn",
         lambda db, t: ["override", "conflict", "--event", "GJQG", "--station", "01",
                        "--judge", "周四", "--reason", "only welder on the panel"],
         CONTRACT["override"]),
    Case("resolve", "marked",
         lambda db, t: ["resolve", "--event", "GJQG", "--station", "05", "--aspect", "A4",
                        "--judge", "赵一", "--score", "6", "--reason", "re-measured"],
         CONTRACT["resolve"], prepare=_disagree),
    Case("lock", "final", lambda db, t: ["lock", "--event", "GJQG"], CONTRACT["lock"]),
    Case("lock --module", "final", lambda db, t: ["lock", "--event", "GJQG", "--module", "A"],
         CONTRACT["lock"]),
    Case("unlock", "locked",
         lambda db, t: ["unlock", "--event", "GJQG", "--reason", "appeal upheld"],
         CONTRACT["unlock"]),
    Case("decrypt", "locked", lambda db, t: ["decrypt", "--event", "GJQG"],
         CONTRACT["decrypt"]),
    Case("publish", "locked", lambda db, t: ["publish", "--event", "GJQG"],
         PERMISSIONS["publish"]),
    Case("results", "final", lambda db, t: ["results", "--event", "GJQG", "--json"],
         CONTRACT["results"], writes=False),
    Case("results --csv", "decrypted", lambda db, t: ["results", "--event", "GJQG", "--csv"],
         CONTRACT["results"], writes=False),
    Case("audit verify", "decrypted", lambda db, t: ["audit", "verify"], CONTRACT["audit"],
         writes=False),
    Case("backup", "final", lambda db, t: ["backup", "--to", t / "backups"],
         CONTRACT["backup"], writes=False),
    Case("export", "decrypted", lambda db, t: ["export", "--out", t / "results.jxr"],
         CONTRACT["export"], writes=False, needs="export"),
    Case("certificates", "decrypted",
         lambda db, t: ["certificates", "--event", "GJQG", "--out", t / "c.pdf"],
         CONTRACT["certificates"], needs="certificates"),
    Case("merge --new-laptop", "final",
         lambda db, t: ["merge", "--new-laptop", t / "second.db"], PERMISSIONS["merge"],
         writes=False, needs="merge"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_command_against_every_role(case: Case, role: str,
                                          example_db: Callable[[str], Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if case.needs and case.needs not in COMMANDS:
        pytest.skip(f"`jiangxin {case.needs}` does not exist yet")
    db = example_db(case.stage)
    if case.prepare is not None:
        case.prepare(db, tmp_path)
    before = dump(db)
    capsys.readouterr()
    code = cli(*case.argv(db, tmp_path), "--db", db, who=role)
    out = capsys.readouterr()
    if role in case.allowed:
        assert code == 0, out.err
        if case.writes:
            assert dump(db) != before
    else:
        assert code == 5, out.err
        assert out.err.startswith("jiangxin: ")
        assert dump(db) == before
        assert not (tmp_path / "backups").exists()
        assert not (tmp_path / "results.jxr").exists()
        assert not (tmp_path / "c.pdf").exists()
        assert not (tmp_path / "second.db").exists()


@pytest.mark.parametrize("role", ROLES)
def test_init_only_as_an_admin_of_the_competition_file(role: str, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    code = cli("init", E / "competition.toml", "--db", db, who=role)
    if role == "admin":
        assert code == 0 and db.exists()
    else:
        assert code == 5
        assert not db.exists() or db.stat().st_size == 0


def test_decrypt_before_the_lock_is_refused_even_for_the_officer(
        example_db: Callable[[str], Path]) -> None:
    db = example_db("final")
    before = dump(db)
    assert cli("decrypt", "--event", "GJQG", "--db", db, who="encryption") == 2
    assert dump(db) == before


def test_wrong_pin_is_exit_5_and_writes_nothing(example_db: Callable[[str], Path]) -> None:
    db = example_db("drawn")
    before = dump(db)
    assert cli("marks", "import", E / "marks.csv", "--db", db, "--user", "冯记录",
               "--pin", "9999") == 5
    assert cli("marks", "import", E / "marks.csv", "--db", db) == 5   # no sign-in at all
    assert dump(db) == before


def test_a_judge_assigned_elsewhere_sees_nothing_of_the_event(tmp_path: Path) -> None:
    """`events = [...]` on a user limits them to those events, for reading too."""
    text = (E / "competition.toml").read_text(encoding="utf-8")
    text = text.replace('name = "孙三"\nrole = "judge"',
                        'name = "孙三"\nrole = "judge"\nevents = ["OTHER"]')
    text += '\n[[event]]\nid = "OTHER"\nname = "焊工"\nstations = 4\nduration_min = 60\n' \
            '  [[event.module]]\n  id = "A"\n  name = "A"\n' \
            '    [[event.module.aspect]]\n    id = "A1"\n    kind = "M"\n    max = 100\n'
    comp = tmp_path / "comp.toml"
    comp.write_text(text, encoding="utf-8")
    db = tmp_path / "c.db"
    assert cli("init", comp, "--db", db, who="admin") == 0
    assert cli("competitors", "import", E / "competitors.csv", "--db", db, who="admin") == 0
    assert cli("draw", "--event", "GJQG", "--seed", "1", "--db", db, who="admin") == 0
    assert cli("results", "--event", "GJQG", "--db", db, "--user", "孙三", "--pin", "3003") == 5


# ---- operations without a command of their own (the app's screens) ------------------------------
def _run(c: Any, op: str) -> Any:
    from db.ops import marking, people, timing
    from db.ops.results import publish

    if op == "checkin":
        uid = people.competitors(c, "GJQG")[0].uid
        return people.check_in(c, uid, 3)
    if op == "clocks":
        return timing.clock_action(c, "GJQG", ["05"], "start")
    if op == "status":
        return people.set_status(c, "GJQG", "05", "withdrawn", "ill")
    if op == "override":
        return marking.override(c, "GJQG", "05", "spread", "discussed", aspect="C1")
    if op == "resolve":
        return marking.resolve(c, "GJQG", "05", "A4", "赵一", Decimal("6"), "re-measured")
    if op == "publish":
        return publish(c, "GJQG", "first posting")
    if op == "appeals":
        from db.ops.appeals import file_appeal

        return file_appeal(c, "GJQG", "05", "the measurement of A1 is wrong")
    raise AssertionError(op)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("op", ["checkin", "clocks", "status", "override", "resolve",
                                "publish", "appeals"])
def test_screen_operations_against_every_role(op: str, role: str,
                                              example_db: Callable[[str], Path]) -> None:
    from db.store.contest import Contest

    db = example_db("verified")
    before = dump(db)
    c = Contest.open(db)
    c.sign_in(*USERS[role])
    try:
        if role in PERMISSIONS[op]:
            try:
                _run(c, op)
            except NotAllowed:
                raise
            except JiangxinError:
                pass  # allowed, but e.g. outside the appeal window: the role was not the issue
        else:
            with pytest.raises(NotAllowed):
                _run(c, op)
    finally:
        c.close()
    if role not in PERMISSIONS[op]:
        assert dump(db) == before
