"""GUI test set-up: offscreen Qt (set before PySide6 loads), a demo contest built once per
session and copied per test, private settings, and signed-in application states."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports PySide6

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from db.ops.demo import DEMO_USERS, write_demo  # noqa: E402

DEMO_PINS = {name: pin for name, _, pin, _ in DEMO_USERS}


from tests.conftest import copy_db  # noqa: E402 - one copy helper for all tests


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo contest (24 competitors over 4 events), written once per session."""
    return write_demo(tmp_path_factory.mktemp("demo") / "demo.jxdb", size=24)


@pytest.fixture
def demo_db(demo_master: Path, tmp_path: Path) -> Path:
    """A private copy of the demo contest for one test."""
    return copy_db(demo_master, tmp_path / "demo.jxdb")


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and the data directory in the test's own folder, never the user's."""
    monkeypatch.setenv("JIANGXIN_CONFIG", str(tmp_path / "config" / "jiangxin.ini"))
    monkeypatch.setenv("JIANGXIN_DATA", str(tmp_path / "data"))
    from ui import i18n

    i18n.set_language("zh")
    return tmp_path


@pytest.fixture(autouse=True)
def no_watching_after_the_test() -> Iterator[None]:
    """An AppState watches its file once a second; one left behind by a test (whose screens
    are gone) must not keep refreshing into the next test."""
    yield
    from ui.state import AppState

    for s in list(AppState.instances):
        s.watch_timer.stop()


@pytest.fixture
def state(qapp: object, demo_db: Path) -> Iterator[object]:
    """An AppState with a private demo contest open (nobody signed in)."""
    from ui.state import AppState

    s = AppState()
    s.open(demo_db)
    yield s
    if s.contest is not None:
        s.contest.close()


@pytest.fixture
def signed_in(state: object) -> Callable[[str], object]:
    """signed_in("记分员甲") -> the AppState, signed in as that demo user."""
    def sign(user: str) -> object:
        state.sign_in(user, DEMO_PINS[user])  # type: ignore[attr-defined]
        return state
    return sign


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns that it cannot propagate size hints when a top-level
    window is shown; that is about the test platform, not the app, so it is ignored here."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))
