"""Secrets: PINs only as scrypt hashes with a lock-out, the contest's private key encrypted at
rest, resident ID numbers kept out of logs, refusals, judges' exports and the audit text."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from judging.errors import NotAllowed
from tests.conftest import EXAMPLES, TEST_PASSPHRASE, cli

IDS = [r["id_number"] for r in csv.DictReader(
    (EXAMPLES / "competitors.csv").open(encoding="utf-8-sig"))]
PINS = {"王组委": "1000", "李裁判长": "2000", "赵一": "3001", "冯记录": "4001",
        "于记录": "4002", "陈保密": "5000", "褚监督": "6000"}


def file_bytes(db: Path) -> bytes:
    data = db.read_bytes()
    wal = db.with_name(db.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


# ---- PINs ---------------------------------------------------------------------------------------
def test_pins_are_stored_as_salted_scrypt_hashes(example_db: Callable[[str], Path]) -> None:
    con = sqlite3.connect(example_db("init"))
    rows = con.execute("SELECT name, pin_hash FROM users").fetchall()
    con.close()
    salts = set()
    for _name, stored in rows:
        algo, n, r, p, salt, digest = stored.split("$")
        assert (algo, int(n), int(r), int(p)) == ("scrypt", 2**14, 8, 1)
        assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
        salts.add(salt)
    assert len(salts) == len(rows), "every user has their own salt"


def test_no_pin_column_holds_a_pin(example_db: Callable[[str], Path]) -> None:
    from db.ops.auth import check_pin

    con = sqlite3.connect(example_db("init"))
    stored = dict(con.execute("SELECT name, pin_hash FROM users").fetchall())
    con.close()
    for name, pin in PINS.items():
        assert pin not in stored[name]
        assert check_pin(pin, stored[name]) and not check_pin("9" + pin, stored[name])


def test_pins_appear_nowhere_in_the_contest_file(example_db: Callable[[str], Path]) -> None:
    con = sqlite3.connect(example_db("init"))
    text = "\n".join(con.iterdump())
    con.close()
    for pin in PINS.values():
        assert not re.search(rf'pin\s*=\s*"{pin}"', text), pin


def test_five_wrong_pins_lock_the_user_out(example_db: Callable[[str], Path]) -> None:
    from db.store.contest import Contest

    db = example_db("init")
    for _ in range(5):
        c = Contest.open(db)   # a new process each time: the failures are kept in the file
        with pytest.raises(NotAllowed, match="PIN"):
            c.sign_in("冯记录", "9999")
        c.close()
    c = Contest.open(db)
    with pytest.raises(NotAllowed, match="locked"):
        c.sign_in("冯记录", "4001")   # even the right PIN, for the lock-out time
    # other users are not affected
    assert c.sign_in("于记录", "4002").role == "recorder"
    c.close()
    assert cli("results", "--event", "GJQG", "--db", db, who="recorder") == 5


def test_lockout_ends_after_its_time(example_db: Callable[[str], Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import db.ops.auth as auth
    from db.store.contest import Contest

    db = example_db("init")
    c = Contest.open(db)
    for _ in range(5):
        with pytest.raises(NotAllowed):
            c.sign_in("冯记录", "0")
    real = dt.datetime

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return real.now(tz) + dt.timedelta(minutes=auth.LOCKOUT_MINUTES + 1)

    monkeypatch.setattr(auth.dt, "datetime", Later)
    assert c.sign_in("冯记录", "4001").user == "冯记录"
    c.close()


# ---- the contest's private key ------------------------------------------------------------------
def test_private_key_is_encrypted_at_rest(example_db: Callable[[str], Path]) -> None:
    from db.keys.contest_key import unlock_private_key
    from db.store.contest import Contest

    db = example_db("final")
    c = Contest.open(db)
    private = unlock_private_key(c, TEST_PASSPHRASE)
    assert unlock_private_key(c) == private  # JIANGXIN_PASSPHRASE
    with pytest.raises(NotAllowed):
        unlock_private_key(c, TEST_PASSPHRASE + "x")
    for pin in PINS.values():  # a PIN never opens the key
        with pytest.raises(NotAllowed):
            unlock_private_key(c, pin)
    c.close()
    raw = file_bytes(db)
    assert len(private) == 32
    assert private not in raw and private.hex().encode() not in raw
    import base64
    assert base64.b64encode(private) not in raw


# ---- resident ID numbers ------------------------------------------------------------------------
def test_id_numbers_only_in_the_competitor_rows(example_db: Callable[[str], Path]) -> None:
    """Not in the audit's before/after text, marks, draws, theory or anywhere else."""
    db = example_db("decrypted")
    con = sqlite3.connect(db)
    lines = list(con.iterdump())
    con.close()
    for line in lines:
        if any(i in line for i in IDS):
            assert line.startswith('INSERT INTO "competitors"'), line[:200]


def test_results_for_judges_carry_no_id_number(example_db: Callable[[str], Path],
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for stage in ("final", "locked", "decrypted"):
        db = example_db(stage)
        for fmt in ("--json", "--csv"):
            capsys.readouterr()
            assert cli("results", "--event", "GJQG", fmt, "--db", db, who="judge") == 0
            out = capsys.readouterr().out
            assert not any(i in out for i in IDS), (stage, fmt)
        xlsx = tmp_path / f"{stage}.xlsx"
        assert cli("results", "--event", "GJQG", "--xlsx", xlsx, "--db", db, who="judge") == 0
        import zipfile
        with zipfile.ZipFile(xlsx) as z:
            text = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")
        assert not any(i in text for i in IDS), stage


def test_refusals_do_not_echo_id_numbers(example_db: Callable[[str], Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    known = IDS[0]
    cases = []
    # a theory file naming an ID that is not in the event
    stranger = "11010519491231002X"
    theory = tmp_path / "theory.csv"
    theory.write_text(f"event,id_number,theory\nGJQG,{stranger},80\nGJQG,{known},200\n",
                      encoding="utf-8")
    cases.append((("theory", "import", theory), "admin", "final"))
    # paper lots with a person twice
    lots = (EXAMPLES / "draw.csv").read_text(encoding="utf-8-sig").splitlines()
    dup = tmp_path / "draw.csv"
    dup.write_text("\n".join(lots + [lots[1]]) + "\n", encoding="utf-8")
    cases.append((("draw", "--event", "GJQG", "--from", dup), "admin", "competitors"))
    # the same competitor list again: everyone is entered already
    cases.append((("competitors", "import", EXAMPLES / "competitors.csv"), "admin", "init2"))
    # a role refusal
    cases.append((("competitors", "import", EXAMPLES / "competitors.csv"), "judge", "init"))
    for argv, who, stage in cases:
        db = example_db("competitors" if stage == "init2" else stage)
        capsys.readouterr()
        code = cli(*argv, "--db", db, who=who)
        err = capsys.readouterr().err
        assert code in (2, 5), err
        assert not any(i in err for i in IDS + [stranger]), err


def test_certificate_payload_never_holds_a_whole_id_number() -> None:
    payload = pytest.importorskip("judging.certificate_payload")
    from judging.certificate import CertificateData
    from judging.errors import JiangxinError

    data = CertificateData(serial="S-1", name="史红霞", id_masked=IDS[0], unit="u",
                           competition="c", event="e", group="g", award="一等奖", title=None,
                           grade=None, date="2020-09-25", organiser="o")
    with pytest.raises((JiangxinError, ValueError)):
        payload.encode(data, b"\0" * 8)


def test_exported_results_file_keeps_pins_out(example_db: Callable[[str], Path],
                                              tmp_path: Path) -> None:
    pytest.importorskip("db.files.exchange")
    db = example_db("decrypted")
    out = tmp_path / "r.jxr"
    assert cli("export", "--out", out, "--db", db, who="admin") == 0
    text = out.read_bytes().decode("utf-8", "replace")
    for pin in PINS.values():
        assert not re.search(rf'pin\s*=\s*\\?"{pin}', text)
    body = json.loads(text[text.index("{"):]) if text.lstrip().startswith("{") else None
    assert body is None or "pin_hash" not in json.dumps(body)


def test_refusal_messages_mask_the_id_number(tmp_path: Path) -> None:
    from judging.idnumber import validate_id_number
    for bad in ("230202199908163781", "23020219990816378", "2302021999081637800",
                "230202199913163780", "2.30202199908164E+17"):
        with pytest.raises(ValueError) as e:
            validate_id_number(bad)
        assert bad not in str(e.value) and "199908" not in str(e.value)
