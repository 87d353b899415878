"""Bad input everywhere: hypothesis against every importer (issue 7).

For competition files, competitor lists, marks, times, theory, results files and QR texts:
no exception other than a JiangxinError, no partial write (the database is as before after a
refusal), and a message that names the file and, where a row is at fault, the row.
The default run is short (few examples); `pytest -m slow` runs the long fuzz.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from judging.errors import InputError, JiangxinError
from tests.conftest import EXAMPLES, USERS, copy_db

FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SLOW = settings(max_examples=1500, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

COMPETITION = (EXAMPLES / "competition.toml").read_text(encoding="utf-8")


def check_message(exc: JiangxinError, file: str) -> None:
    """The message names the file; an error about a row says which row."""
    msg = str(exc)
    assert file in msg, msg
    assert "Traceback" not in msg
    errors = exc.errors if hasattr(exc, "errors") else [exc]
    for e in errors:
        assert file in str(e) or (isinstance(e, InputError) and e.file is None
                                  and file in msg), str(e)
        if isinstance(e, InputError) and e.row is not None:
            assert f"row {e.row}" in str(e), str(e)


@pytest.fixture(autouse=True)
def _pin_checks_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real scrypt once per (PIN, hash), then remembered: hundreds of sign-ins otherwise."""
    import db.ops.auth

    monkeypatch.setattr(db.ops.auth, "check_pin", _cached_check)


_real_check = __import__("db.ops.auth", fromlist=["check_pin"]).check_pin
_checked: dict[tuple[str, str], bool] = {}


def _cached_check(pin: str, stored: str) -> bool:
    if (pin, stored) not in _checked:
        _checked[(pin, stored)] = _real_check(pin, stored)
    return _checked[(pin, stored)]


def test_infinite_whole_number_in_a_competition_file_is_an_input_error() -> None:
    """Found by the fuzzer: `spread_limit = inf` crashed load_competition (OverflowError)."""
    from judging.scheme import load_competition

    text = COMPETITION.replace("spread_limit = 1", "spread_limit = inf", 1)
    with pytest.raises(InputError) as info:
        load_competition(text, "inf.toml")
    assert "spread_limit" in str(info.value) and "inf.toml" in str(info.value)


# ---- competition files --------------------------------------------------------------------------
def _mutate(text: str, rng: random.Random, n: int) -> str:
    lines = text.splitlines()
    for _ in range(n):
        i = rng.randrange(len(lines))
        op = rng.randrange(6)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2 and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = key + "= " + rng.choice(
                ['""', "-1", "0", "1e9", "[]", "{}", '"X"', "true", "3.5", "[[1, 2]]",
                 '{ rule = "nope" }', "[0.5, 0.6]", '"工"', "nan", "inf"])
        elif op == 3:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 4 and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + rng.choice("=[]{}\"'#\\\n,.0-") + lines[i][k + 1:]
        else:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    return "\n".join(lines)


def _competition_case(seed: int, n: int) -> None:
    from judging.scheme import load_competition

    text = _mutate(COMPETITION, random.Random(seed), n)
    try:
        comp = load_competition(text, "fuzz-comp.toml")
    except JiangxinError as exc:
        check_message(exc, "fuzz-comp.toml")
        return
    # accepted: it must then be a competition the rules can work with
    for ev in comp.events:
        assert ev.modules and ev.aspects


@FAST
@given(st.integers(0, 2**32), st.integers(1, 6))
def test_competition_files(seed: int, n: int) -> None:
    _competition_case(seed, n)


@FAST
@given(st.text(max_size=300))
def test_competition_files_arbitrary_text(text: str) -> None:
    from judging.scheme import load_competition

    try:
        load_competition(text, "fuzz-comp.toml")
    except JiangxinError as exc:
        check_message(exc, "fuzz-comp.toml")


@pytest.mark.slow
@SLOW
@given(st.integers(0, 2**32), st.integers(1, 12))
def test_soak_competition_files(seed: int, n: int) -> None:
    _competition_case(seed, n)


# ---- files into a contest -----------------------------------------------------------------------
def fingerprint(c: Any) -> tuple[Any, ...]:
    """Row counts of every table and the audit head: any write shows."""
    names = [r[0] for r in c.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'login_failures' "
        "ORDER BY name")]
    counts = tuple(c.db.execute(f"SELECT COUNT(*) FROM [{n}]").fetchone()[0] for n in names)
    head = c.db.execute("SELECT MAX(seq), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1) "
                        "FROM audit").fetchone()
    return counts, tuple(head)


@contextmanager
def signed_in(path: Path, who: str) -> Iterator[Any]:
    from db.store.contest import Contest

    c = Contest.open(path)
    c.sign_in(*USERS[who])
    try:
        yield c
    finally:
        c.close()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
              ) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return path


def run_import(c: Any, fn: Callable[[Any, Path], Any], path: Path,
               bad_row: int | None = None) -> bool:
    """Import; on a refusal check the message and that nothing was written. True if taken."""
    before = fingerprint(c)
    try:
        fn(c, path)
    except JiangxinError as exc:
        check_message(exc, str(path))
        assert fingerprint(c) == before, "a refused file left rows behind"
        assert not c.db.conn.in_transaction
        if bad_row is not None:
            assert f"row {bad_row}" in str(exc), str(exc)
        return False
    return True


JUNK = st.sampled_from(["", " ", "x", "-1", "0", "1e400", "NaN", "inf", "１２", "3.14159",
                        "٣", "\u200b7", "=1+1", "None", "null", "999999999999999999999",
                        "0x10", "1,5", "７.５", "'", '"', "\\", "工", "GJQG", "05", "5",
                        "230202199908163780", "23020219990816378X", "A1", "赵一"])

STATIONS = [f"{i:02d}" for i in range(1, 13)] + ["00", "13", "5", "1"]
ASPECTS = ["A1", "A2", "A4", "B1", "C1", "S1", "Z9", "a4"]
JUDGES = ["赵一", "钱二", "孙三", "周四", "吴五", "郑六", "冯记录", "无名"]


def mark_rows() -> st.SearchStrategy[list[list[str]]]:
    row = st.tuples(st.sampled_from(["GJQG", "gjqg", "XX", ""]), st.sampled_from(STATIONS),
                    st.sampled_from(ASPECTS), st.sampled_from(JUDGES),
                    st.one_of(st.sampled_from(["0", "1", "2", "3", "5.5", "8", "10", "11"]),
                              JUNK),
                    st.one_of(st.just(""), st.sampled_from(["60", "59.98", "20.03"]), JUNK))
    return st.lists(row.map(list), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def drawn_db(tmp_path_factory: pytest.TempPathFactory,
             example_cache: Callable[[str], Path]) -> Path:
    dst = tmp_path_factory.mktemp("fuzz") / "drawn.db"
    copy_db(example_cache("drawn"), dst)
    return dst


def _marks_case(c: Any, rows: list[list[str]], tmp: Path, encoding: str) -> None:
    from db.ops.marking import import_marks

    path = write_csv(tmp / "fuzz-marks.csv",
                     ["event", "station", "aspect", "judge", "score", "measured"], rows,
                     encoding)
    run_import(c, import_marks, path)


@FAST
@given(rows=mark_rows(), encoding=st.sampled_from(["utf-8", "gbk", "utf-8-sig", "utf-16"]))
def test_marks_files(drawn_db: Path, tmp_path: Path, rows: list[list[str]],
                     encoding: str) -> None:
    with signed_in(drawn_db, "recorder") as c:
        _marks_case(c, rows, tmp_path, encoding)


@pytest.mark.slow
@SLOW
@given(rows=mark_rows(), encoding=st.sampled_from(["utf-8", "gbk", "utf-8-sig"]))
def test_soak_marks_files(drawn_db: Path, tmp_path: Path, rows: list[list[str]],
                          encoding: str) -> None:
    with signed_in(drawn_db, "recorder") as c:
        _marks_case(c, rows, tmp_path, encoding)


@FAST
@given(k=st.integers(0, 299), junk=st.sampled_from(["11", "-1", "abc", "1e400", "", "NaN"]),
       field=st.sampled_from([1, 2, 4]))
def test_one_bad_row_in_a_good_marks_file_is_named(drawn_db: Path, tmp_path: Path, k: int,
                                                   junk: str, field: int) -> None:
    """Spoil one cell of the real example file: the refusal names exactly that row."""
    from db.ops.marking import import_marks

    with (EXAMPLES / "marks.csv").open(encoding="utf-8-sig") as f:
        header, *rows = list(csv.reader(f))
    row = rows[k]
    spoiled_measured = field == 4 and bool(row[5])
    if field == 4:
        if spoiled_measured:   # a measured value: spoil it instead of the empty score
            row[5] = junk or "x"
        else:
            row[4] = junk
    elif field == 1:
        row[1] = {"11": "13", "-1": "00"}.get(junk, junk or "99")
    else:
        row[2] = junk or "Q1"
    path = write_csv(tmp_path / "fuzz-marks.csv", header, rows)
    with signed_in(drawn_db, "recorder2") as c:
        taken = run_import(c, import_marks, path, bad_row=k + 2)
    # any measured number is a valid measurement (it may earn 0 points); all else is refused
    assert taken == (spoiled_measured and junk in ("11", "-1"))


def competitor_rows() -> st.SearchStrategy[list[list[str]]]:
    ids = st.sampled_from(["230202199908163780", "23020219990816378", "230202199908163781",
                           "11010519491231002X", "11010519491231002x", "110105194912310021",
                           "2.30202199908164E+17", "", "abc", "230202199908163000"])
    row = st.tuples(st.one_of(st.sampled_from(["张三", "李四", "", " ", "王\u3000五"]), JUNK),
                    ids, st.sampled_from(["男", "女", "M", "f", "", "?"]),
                    st.sampled_from(["某厂", "", "x" * 300]), st.sampled_from(["哈尔滨", ""]),
                    st.sampled_from(["GJQG", "gjqg", "", "HJ", "工具钳工"]))
    return st.lists(row.map(list), min_size=1, max_size=8)


@pytest.fixture(scope="module")
def init_db(tmp_path_factory: pytest.TempPathFactory,
            example_cache: Callable[[str], Path]) -> Path:
    dst = tmp_path_factory.mktemp("fuzz") / "init.db"
    copy_db(example_cache("init"), dst)
    return dst


@FAST
@given(rows=competitor_rows(),
       header=st.sampled_from([["name", "id_number", "gender", "unit", "region", "event"],
                               ["姓名", "身份证号", "性别", "单位", "地区", "赛项"],
                               ["姓名", "身份证", "性别", "单位", "地区", "赛项"],
                               ["name", "id", "x", "y", "z", "event"]]))
def test_competitor_lists(init_db: Path, tmp_path: Path, rows: list[list[str]],
                          header: list[str]) -> None:
    from db.ops.people import import_competitors

    path = write_csv(tmp_path / "fuzz-people.csv", header, rows)
    with signed_in(init_db, "admin") as c:
        run_import(c, import_competitors, path)


@FAST
@given(data=st.binary(max_size=400),
       prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe",
                               b"name,id_number,event\n"]))
def test_garbage_files_in_every_importer(drawn_db: Path, tmp_path: Path, data: bytes,
                                         prefix: bytes) -> None:
    from db.ops.marking import import_marks
    from db.ops.people import import_competitors, import_theory
    from db.ops.timing import import_times

    path = tmp_path / "fuzz-garbage.csv"
    path.write_bytes(prefix + data)
    for who, fn in (("recorder", import_marks), ("chief", import_times),
                    ("admin", import_theory), ("admin", import_competitors)):
        with signed_in(drawn_db, who) as c:
            run_import(c, fn, path)


@FAST
@given(rows=st.lists(st.tuples(st.sampled_from(["GJQG", "X", ""]), st.sampled_from(STATIONS),
                               st.one_of(st.sampled_from(["12852", "0", "14400"]), JUNK),
                               st.one_of(st.just(""), st.sampled_from(["60", "0"]), JUNK)
                               ).map(list), min_size=1, max_size=12))
def test_times_files(drawn_db: Path, tmp_path: Path, rows: list[list[str]]) -> None:
    from db.ops.timing import import_times

    path = write_csv(tmp_path / "fuzz-times.csv",
                     ["event", "station", "used_seconds", "extra_seconds"], rows)
    with signed_in(drawn_db, "chief") as c:
        run_import(c, import_times, path)


@FAST
@given(rows=st.lists(st.tuples(st.sampled_from(["GJQG", "X", ""]),
                               st.sampled_from(["GJQG-001", "GJQG-012", "gjqg-003", "GJQG-099",
                                                "", "230202199908163780"]),
                               st.one_of(st.sampled_from(["85.0", "100", "0", "缺考", "101"]),
                                         JUNK)).map(list), min_size=1, max_size=12),
       key=st.sampled_from(["candidate", "id_number", "准考证号"]))
def test_theory_files(drawn_db: Path, tmp_path: Path, rows: list[list[str]], key: str) -> None:
    from db.ops.people import import_theory

    path = write_csv(tmp_path / "fuzz-theory.csv", ["event", key, "theory"], rows)
    with signed_in(drawn_db, "admin") as c:
        run_import(c, import_theory, path)


# ---- results files and QR texts -----------------------------------------------------------------
@pytest.fixture(scope="module")
def results_file(tmp_path_factory: pytest.TempPathFactory,
                 example_cache: Callable[[str], Path]) -> bytes:
    pytest.importorskip("db.files.exchange",
                        reason="db/files/exchange.py (the results file) is not there")
    from tests.conftest import cli

    d = tmp_path_factory.mktemp("fuzz-export")
    db = d / "decrypted.db"
    copy_db(example_cache("decrypted"), db)
    assert cli("export", "--out", d / "r.jxr", "--db", db, who="admin") == 0
    return (d / "r.jxr").read_bytes()


@FAST
@given(pos=st.integers(0, 10**9), byte=st.integers(0, 255), cut=st.booleans())
def test_results_file_any_byte_changed_or_cut(results_file: bytes, pos: int, byte: int,
                                              cut: bool) -> None:
    from db.files.exchange import read_results_file

    i = pos % len(results_file)
    if cut:
        data = results_file[:i]
    else:
        assume(results_file[i] != byte)
        data = results_file[:i] + bytes([byte]) + results_file[i + 1:]
    with pytest.raises(JiangxinError) as info:
        read_results_file(data, name="fuzz.jxr")
    check_message(info.value, "fuzz.jxr")


@FAST
@given(data=st.binary(max_size=600))
def test_results_file_garbage(data: bytes) -> None:
    pytest.importorskip("db.files.exchange")
    from db.files.exchange import read_results_file

    with pytest.raises(JiangxinError) as info:
        read_results_file(data, name="fuzz.jxr")
    check_message(info.value, "fuzz.jxr")


@FAST
@given(text=st.one_of(st.text(max_size=200),
                      st.text(alphabet="0123456789", min_size=50, max_size=400).map(
                          lambda d: "HTTPS://VERIFY.EXAMPLE.GOV.CN/C#" + d)))
def test_qr_texts(text: str) -> None:
    payload = pytest.importorskip("judging.certificate_payload",
                                  reason="judging/certificate_payload.py is not there")
    try:
        payload.unpack(text)
    except JiangxinError as exc:
        assert str(exc) and "Traceback" not in str(exc)
