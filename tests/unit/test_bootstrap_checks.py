"""`.ci/run` = `python3 scripts/bootstrap.py test`: ruff, mypy and lint-imports run before the
tests, and a failing check fails the run without running them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bootstrap(monkeypatch: pytest.MonkeyPatch, fail: str | None = None) -> tuple[ModuleType,
                                                                              list[str]]:
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "scripts" / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ran: list[str] = []

    def run(*cmd: object, check: bool = True, **kw: object) -> int:
        words = [str(c) for c in cmd]
        name = next((n for n in ("ruff", "mypy", "lint-imports", "pytest")
                     if any(w.endswith(n) for w in words)), " ".join(words))
        ran.append(name)
        return 1 if name == fail else 0

    monkeypatch.setattr(mod, "setup", lambda: None)
    monkeypatch.setattr(mod, "run", run)
    return mod, ran


def test_the_ci_command_is_the_readmes() -> None:
    assert "python3 scripts/bootstrap.py test" in (ROOT / ".ci" / "run").read_text()
    assert "python3 scripts/bootstrap.py test" in (ROOT / "README.md").read_text()


def test_the_checks_run_before_the_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    mod, ran = bootstrap(monkeypatch)
    assert mod.main(["test", "-q"]) == 0
    assert ran == ["ruff", "mypy", "lint-imports", "pytest"]


@pytest.mark.parametrize("failing", ["ruff", "mypy", "lint-imports"])
def test_a_failing_check_fails_the_run_and_no_test_runs(monkeypatch: pytest.MonkeyPatch,
                                                        failing: str) -> None:
    mod, ran = bootstrap(monkeypatch, fail=failing)
    assert mod.main(["test"]) == 1
    assert "pytest" not in ran and ran == ["ruff", "mypy", "lint-imports"]  # all reported
