"""Headquarters' window: import, receipts, refusals, replacement after confirming, report."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.files.exchange import export
from db.ops.people import set_status
from db.store.contest import Contest
from tests.conftest import USERS, copy_db
from ui.hq_window import HqWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory,
          example_cache: Callable[[str], Path]) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hqgui")
    venue = base / "venue.db"
    copy_db(example_cache("decrypted"), venue)
    c = Contest.open(venue)
    c.sign_in(*USERS["admin"])
    export(c, base / "v1.jxr", USERS["admin"][1])
    chief = Contest.open(venue)
    chief.sign_in(*USERS["chief"])
    from db.ops.locking import lock, unlock

    unlock(chief, "GJQG", None, "cheating found after the lock")  # the lock gate
    set_status(chief, "GJQG", "04", "disqualified", "cheating")
    lock(chief, "GJQG")
    export(c, base / "v2.jxr", USERS["admin"][1])
    bad = base / "bad.jxr"
    bad.write_bytes((base / "v1.jxr").read_bytes()[:-50])
    return {"v1": base / "v1.jxr", "v2": base / "v2.jxr", "bad": bad}


@pytest.fixture
def window(qtbot, hq_target: Callable[[], str]) -> HqWindow:  # type: ignore[no-untyped-def]
    w = HqWindow(hq_target())
    qtbot.addWidget(w)
    w.accept_key.setChecked(True)
    return w


def imported(qtbot, window: HqWindow, paths: list[Path]) -> list[Any]:  # type: ignore[no-untyped-def]
    """Import on the window's worker and wait for the end; the receipts."""
    with qtbot.waitSignal(window.files_imported, timeout=60000) as sig:
        window.import_paths(paths)
    return list(sig.args[0])


def test_models_are_sound(qtmodeltester, qtbot, window: HqWindow, files: dict[str, Path]
                          ) -> None:  # type: ignore[no-untyped-def]
    imported(qtbot, window, [files["v1"]])
    window.look_up(window.hq.db.execute(
        "SELECT id_number FROM participations LIMIT 1").fetchone()[0])
    for model in (window.submissions, window.metrics, window.breakdown, window.history):
        qtmodeltester.check(model)


def test_import_shows_the_submission_its_receipt_and_the_report(
        qtbot, window: HqWindow, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.files_imported) as sig:
        task = window.import_paths([files["v1"]])
        assert window.hq.count("submissions") == 0  # not on the GUI thread: later
        steps: list[tuple[int, int, str]] = []
        task.progressed.connect(lambda *a: steps.append(a))
    assert len(sig.args[0]) == 1 and steps == [(1, 1, "v1.jxr")]
    assert window.submissions.rowCount() == 1
    assert "SHA-256" in window.receipts.toPlainText()
    metrics = dict(window.metrics.rows)
    assert 12 in metrics.values()  # participations
    window.dimension.setCurrentIndex(3)  # by trade
    assert [r[0] for r in window.breakdown.rows] == ["工具钳工"]


def test_a_damaged_file_is_refused_with_its_reason(qtbot, window: HqWindow,
                                                   files: dict[str, Path]
                                                   ) -> None:  # type: ignore[no-untyped-def]
    from ui.errors import reporter

    with qtbot.waitSignal(window.file_refused) as sig, \
            qtbot.waitSignal(reporter.error_shown):
        window.import_paths([files["bad"]])
    assert "nothing was imported" in sig.args[1]
    assert window.submissions.rowCount() == 0
    reporter.last_dialog.close()


def test_many_refusals_are_summed_up_once_at_the_end(qtbot, window: HqWindow,
                                                     files: dict[str, Path], tmp_path: Path
                                                     ) -> None:  # type: ignore[no-untyped-def]
    from ui.errors import reporter

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.jxr", "b.jxr", "c.jxr"):
        (folder / name).write_bytes(files["bad"].read_bytes())
    (folder / "good.jxr").write_bytes(files["v1"].read_bytes())
    shown: list[str] = []
    refused: list[str] = []
    reporter.error_shown.connect(lambda kind, text: shown.append(text))
    window.file_refused.connect(lambda path, msg: refused.append(path))
    receipts = imported(qtbot, window, [folder])  # a folder: every *.jxr in it
    assert [r.status for r in receipts] == ["imported"]
    assert sorted(Path(p).name for p in refused) == ["a.jxr", "b.jxr", "c.jxr"]
    assert len(shown) == 1 and "3 of the files were refused" in shown[0]
    assert all(n in shown[0] for n in ("a.jxr", "b.jxr", "c.jxr"))
    assert window.hq.count("refusals") == 3 and window.submissions.rowCount() == 1
    reporter.last_dialog.close()


def test_newer_export_replaces_only_after_confirming(qtbot, window: HqWindow,
                                                     files: dict[str, Path], monkeypatch
                                                     ) -> None:  # type: ignore[no-untyped-def]
    imported(qtbot, window, [files["v1"]])
    shown = []
    monkeypatch.setattr(window, "confirm_replace", lambda r: shown.append(r) or False)
    assert imported(qtbot, window, [files["v2"]]) == []
    assert shown and shown[0].diff["changed"]
    assert window.submissions.rowCount() == 1
    monkeypatch.setattr(window, "confirm_replace", lambda r: True)
    receipts = imported(qtbot, window, [files["v2"]])
    assert receipts[0].status == "replaced"
    states = [r["state"] for r in window.submissions.rows]
    assert states == ["replaced", "current"]


def test_person_history_and_trust_file(qtbot, window: HqWindow, files: dict[str, Path],
                                       tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    imported(qtbot, window, [files["v1"]])
    idn = window.hq.db.execute("SELECT id_number FROM participations WHERE place = 1"
                               ).fetchone()[0]
    data = window.look_up(idn)
    assert window.history.rowCount() == 1 and data["participations"][0]["place"] == 1
    info = window.publish_trust(tmp_path / "trust.json")  # JIANGXIN_PASSPHRASE: no dialog
    assert info is not None and info["keys"] == 1 and (tmp_path / "trust.json").exists()


def test_number_columns_sort_by_value_not_as_text(qtbot, window: HqWindow
                                                  ) -> None:  # type: ignore[no-untyped-def]
    from ui.qt import Qt

    rows = [{"id": i, "competition_id": f"C{i}", "competition": "赛", "state": "current",
             "replaced_by": None, "counts": f'{{"participations": {p}}}', "file": f"{i}.jxr",
             "sha256": "0" * 64, "received_at": "2026-01-01"}
            for i, p in ((9, 100), (10, 25), (2, 3000), (100, 9), (1, 250))]
    window.submissions.set_rows(rows)
    view = window.submission_view
    proxy = view.model()

    def column(c: int) -> list[str]:
        return [proxy.index(r, c).data() for r in range(proxy.rowCount())]
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert column(0) == ["1", "2", "9", "10", "100"]  # as text: 1, 10, 100, 2, 9
    view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    assert column(4) == ["3000", "250", "100", "25", "9"]
    view.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # text stays text
    assert column(1) == ["C1", "C10", "C100", "C2", "C9"]


def test_columns_are_as_wide_as_what_they_hold(qtbot, window: HqWindow,
                                               files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    """The competition's id and name are read whole, not cut to 'DEMO-202…'."""
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    imported(qtbot, window, [files["v1"]])
    view = window.submission_view
    metrics = view.fontMetrics()
    model = view.model()
    for col in range(model.columnCount()):
        text = str(model.index(0, col).data() or "")
        if text and len(text) < 40:  # the id, the name, the state…; not a whole SHA-256
            assert view.columnWidth(col) >= metrics.horizontalAdvance(text), (col, text)
