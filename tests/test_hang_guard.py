"""The README's test command against a test that hangs (scripts/bootstrap.py HANG_GUARD).

A hang must not eat the whole run: its threads' stacks are printed, its worker process ended
and replaced, and that test alone run once more; a test that hangs again, or simply fails,
fails the run (a failure is never retried)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES = '''
import os, threading
from pathlib import Path

def test_passes():
    pass

def test_hangs_the_first_time():
    mark = Path(os.environ["GUARD_DIR"]) / "hung-once"
    if not mark.exists():
        mark.write_text("x")
        threading.Event().wait()  # a lock nobody releases

def test_hangs_every_time():
    threading.Event().wait()

def test_fails():
    assert 1 == 2, "a plain failure"
'''


def _guard() -> list[str]:
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.HANG_GUARD)


def test_the_project_ends_a_hung_test_and_prints_its_stacks_first() -> None:
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    opts = ini["tool"]["pytest"]["ini_options"]
    assert opts["timeout_method"] == "thread"
    assert 0 < opts["faulthandler_timeout"] < opts["timeout"] <= 600


def test_a_hung_test_is_run_once_more_and_a_failure_never(tmp_path: Path) -> None:
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = dict(os.environ, GUARD_DIR=str(tmp_path))
    env.pop("PYTEST_ADDOPTS", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *_guard(), "-p", "no:cacheprovider",
         "-o", "faulthandler_timeout=2", "-o", "timeout=4", "-o", "timeout_method=thread",
         "test_cases.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    # the hung test's stack, printed before its worker was ended
    assert "Timeout (0:00:02)!" in out and "in test_hangs_the_first_time" in out, out
    assert "PASSED test_cases.py::test_hangs_the_first_time" in out, out
    assert "FAILED test_cases.py::test_fails" in out, out
    assert "RERUN test_cases.py::test_fails" not in out, out  # a failure is not retried
    # hung twice: failed, not retried a third time
    assert out.count("RERUN test_cases.py::test_hangs_every_time") == 1, out
    assert "test_cases.py::test_hangs_every_time" in out.split("short test summary")[-1], out
    assert "2 failed, 2 passed" in out, out
