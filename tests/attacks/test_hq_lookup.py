"""Headquarters' root key and short-code look-up; the digits alone; no address, no printing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from judging import certificate_payload as payload
from tests.attacks.conftest import World
from tests.conftest import EXAMPLES, cli, dump


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli(*argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_root_key_is_64_hex_on_the_last_line(world: World,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "hq", "root-key", "--hq", world.hq)
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{64}", last) and last == world.hq_key


def test_root_key_needs_the_operator_passphrase(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("JIANGXIN_PASSPHRASE")
    monkeypatch.delenv("JIANGXIN_HQ_PASSPHRASE", raising=False)
    code, _, err = run(capsys, "hq", "root-key", "--hq", tmp_path / "new.db")
    assert code == 5 and "JIANGXIN_HQ_PASSPHRASE" in err
    monkeypatch.setenv("JIANGXIN_HQ_PASSPHRASE", "the operator's passphrase")
    code, out, _ = run(capsys, "hq", "root-key", "--hq", tmp_path / "new.db")
    assert code == 0
    key = out.strip().splitlines()[-1]
    # the private half is nowhere in the database in the clear
    raw = (tmp_path / "new.db").read_bytes()
    from db.hq import register
    from db.hq.store import Headquarters

    hq = Headquarters.open(tmp_path / "new.db")
    private = register.root_private(hq)
    hq.close()
    assert private.hex().encode() not in raw and private not in raw
    monkeypatch.setenv("JIANGXIN_HQ_PASSPHRASE", "another passphrase!")
    code, _, err = run(capsys, "hq", "trust", "--out", tmp_path / "t.json", "--hq",
                       tmp_path / "new.db")
    assert code == 5
    code, out, _ = run(capsys, "hq", "root-key", "--hq", tmp_path / "new.db")
    assert out.strip().splitlines()[-1] == key  # reading the public half needs nothing


def test_a_short_code_at_headquarters(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    f = payload.unpack(world.texts[3]).fields
    code, out, _ = run(capsys, "hq", "verify", f.short_code.lower().replace("-", " "),
                       "--hq", world.hq)
    assert code == 0 and "真 GENUINE" in out and f"姓名 Name: {f.name}" in out
    code, _, err = run(capsys, "hq", "verify", "ZZZZZ-ZZZZZ", "--hq", world.hq)
    assert code == 3 and "未登记" in err
    other = payload.unpack(world.other_texts[3]).fields.short_code  # contest B: not imported
    code, _, err = run(capsys, "hq", "verify", other, "--hq", world.hq)
    assert code == 3
    code, _, _ = run(capsys, "hq", "verify", "not-a-code", "--hq", world.hq)
    assert code == 2


def test_the_digits_alone_do_not_crash(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    digits = world.texts[0].rsplit("#", 1)[-1]
    assert len(digits) > 255  # longer than a file name may be
    code, out, _ = run(capsys, "verify", digits, "--trust", world.trust, "--hq-key",
                       world.hq_key)
    assert code == 0 and "真 GENUINE" in out
    code, out, _ = run(capsys, "verify", digits, "--db", world.contest)
    assert code == 0
    code, _, _ = run(capsys, "verify", digits[:-1] + "x", "--db", world.contest)
    assert code == 3


def test_no_address_no_certificates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A competition file without headquarters' address: certificates refused, exit 2."""
    bare = tmp_path / "bare"
    bare.mkdir()  # the shared example's file as it is: it names no verify_url
    assert cli("init", EXAMPLES / "competition.toml", "--db", bare / "b.db", who="admin") == 0
    before = dump(bare / "b.db")
    code, _, err = run(capsys, "certificates", "--out", tmp_path / "c.pdf", "--db",
                       bare / "b.db", "--user", "王组委", "--pin", "1000")
    assert code == 2 and "verify_url" in err and "核验网址" in err
    assert not (tmp_path / "c.pdf").exists() and dump(bare / "b.db") == before


def test_a_bad_address_in_the_competition_file_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "competition.toml").read_text(encoding="utf-8").replace(
        "[competition]\n", '[competition]\nverify_url = "https://hq.test/c#x"\n', 1)
    comp = tmp_path / "c.toml"
    comp.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "init", comp, "--db", tmp_path / "x.db", "--user", "王组委",
                       "--pin", "1000")
    assert code == 2 and "verify_url" in err
