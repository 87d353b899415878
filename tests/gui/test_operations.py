"""Operations from the screens (ui/ops.py): typed Changes, one `changed`, hidden screens wait.

The figure the issue set: one typed mark runs its one transaction and repaints in at most
10 SQL statements with every screen built, since hidden screens only mark themselves stale.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.ops import marking
from db.store.changes import Changes, Kind
from tests.gui.test_marking import row_of, type_cell, unmarked_station
from ui.main_window import MainWindow
from ui.marking import MarkingScreen
from ui.settings import Settings


def every_screen_built(qtbot, state, user: str, pin: str) -> MainWindow:
    w = MainWindow(state, Settings())
    qtbot.addWidget(w)
    w.open_contest(state.contest.path)
    w.auto_backup = None  # rolling backups have their own test (test_app_backups.py)
    state.sign_in(user, pin)
    w.signin.signed_in_done.emit(user)
    for i in range(w.nav.count()):
        w.nav.setCurrentRow(i)  # builds the screen and shows it once
    assert len(w.screens.values()) == w.nav.count() >= 5
    return w


def test_one_typed_mark_costs_at_most_ten_sql_statements_with_every_screen_built(
        qtbot, state) -> None:
    w = every_screen_built(qtbot, state, "裁判长", "1111")  # the chief sees the most screens
    screen = w.show_screen("marking")
    assert isinstance(screen, MarkingScreen)
    screen.select("KD", "A", "赵一")
    st = unmarked_station(state, "KD")
    statements: list[str] = []
    state.contest.db.conn.set_trace_callback(statements.append)
    try:
        with qtbot.waitSignal(screen.model.mark_saved):
            type_cell(qtbot, screen, row_of(screen, st), 0, "45")
    finally:
        state.contest.db.conn.set_trace_callback(None)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert any("INSERT INTO marks" in s for s in writes)  # the mark really was written
    assert "45" in screen.model.index(row_of(screen, st), 0).data()  # and repainted
    print(f"SQL statements of one typed mark: {len(statements)}")
    assert len(statements) <= 10, "\n".join(statements)


def test_hidden_screens_reload_once_when_shown(qtbot, state) -> None:
    w = every_screen_built(qtbot, state, "裁判长", "1111")
    marking_screen = w.show_screen("marking")
    chief = w.screens["chief"]
    reloads: list[int] = []
    real = chief.reload
    chief.reload = lambda *a, **k: (reloads.append(1), real(*a, **k))  # type: ignore[method-assign]
    assert isinstance(marking_screen, MarkingScreen)
    marking_screen.select("KD", "A", "赵一")
    st = unmarked_station(state, "KD")
    for col, text in ((0, "40"), (1, "41")):
        with qtbot.waitSignal(marking_screen.model.mark_saved):
            type_cell(qtbot, marking_screen, row_of(marking_screen, st), col, text)
    assert reloads == []  # hidden: stale, not reloaded
    assert w.watchers[id(chief)].stale
    w.show_screen("chief")
    assert reloads == [1]  # once, for both marks
    assert not w.watchers[id(chief)].stale


def test_an_operation_returning_no_changes_is_refused(signed_in) -> None:
    state = signed_in("记分员甲")
    emitted: list[object] = []
    state.changed.connect(lambda *args: emitted.append(args))
    with pytest.raises(TypeError, match="must return Changes"):
        state.run_op(lambda c: 3)
    assert emitted == []


def test_changes_say_what_and_for_which_event(signed_in) -> None:
    state = signed_in("记分员甲")
    st = unmarked_station(state, "KD")
    got: list[tuple[Changes, object]] = []
    state.changed.connect(lambda ch, who: got.append((ch, who)))
    me = object()
    saved = state.run_op(lambda c: marking.enter_mark(c, "KD", st, "A1", "赵一",
                                                      Decimal("33")), me)
    assert len(got) == 1 and got[0][1] is me
    changes = got[0][0]
    assert changes is saved.changes
    assert changes.touches(Kind.MARKS, event="KD") and changes.touches(Kind.RESULTS)
    assert not changes.touches(Kind.MARKS, event="GJQG")  # another event's screens stay
    assert not changes.touches(Kind.PEOPLE, Kind.CLOCKS, Kind.CERTIFICATES)
    assert saved.slots[("KD", st, "A1", "赵一")].score == "33"
