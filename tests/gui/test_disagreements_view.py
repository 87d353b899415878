"""录入分歧 for the supervisor: the open disagreements of double entry, read-only, workstations
only (issue 17: `jiangxin marks disagreements` had no place in the supervisor's window)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal

import pytest

from db.ops.marking import enter_mark
from tests.conftest import USERS
from ui.disagreements import DisagreementsScreen
from ui.state import AppState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_the_supervisor_reads_each_disagreement_and_sees_it_settled(qtbot, example_db) -> None:
    from db.ops.marking import resolve

    path = example_db("marked")  # 冯记录 typed every sheet once
    state = AppState()
    state.open(path)
    state.sign_in(*USERS["supervisor"])
    screen = DisagreementsScreen(state)
    state.changed.connect(screen.refresh)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.model.rowCount() == 0 and "没有分歧" in screen.status.text()
    # the second recorder types 6.5 where the first typed 7 (and 7.0 elsewhere: no disagreement)
    other = AppState()
    other.open(path)
    other.sign_in(*USERS["recorder2"])
    other.apply(enter_mark, "GJQG", "05", "A4", "赵一", Decimal("6.5"))
    screen.reload()
    assert screen.model.rowCount() == 1 and "1 处分歧" in screen.status.text()
    row = [screen.model.index(0, c).data() for c in range(screen.model.columnCount())]
    assert row[:3] == ["05", "A4", "赵一"]
    assert USERS["recorder"][0] + " 7" in row[3] and USERS["recorder2"][0] + " 6.5" in row[3]
    # read-only: the supervisor has nothing to press; the chief judge settles it
    assert not [b for b in screen.findChildren(object) if type(b).__name__ == "QPushButton"]
    chief = AppState()
    chief.open(path)
    chief.sign_in(*USERS["chief"])
    chief.apply(resolve, "GJQG", "05", "A4", "赵一", Decimal("7"), "按原始评分表")
    screen.reload()
    assert screen.model.rowCount() == 0
