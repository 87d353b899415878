"""抽签: an electronic draw with a shown seed and a witness, or typed paper lots; the sheet."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from db.ops.people import competitors, draw_record
from judging.draw import electronic_draw
from tests.conftest import EXAMPLES, USERS
from ui.confirm import press_yes
from ui.draw import DrawScreen, PaperLotsModel
from ui.state import AppState

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def undrawn(example_db: Callable[[str], Path]) -> Path:
    return example_db("competitors")


def open_draw(qtbot, path: Path, who: str = "admin") -> tuple[AppState, DrawScreen]:
    state = AppState()
    state.open(path)
    state.sign_in(*USERS[who])
    screen = DrawScreen(state)
    state.changed.connect(screen.refresh)  # as the main window does
    qtbot.addWidget(screen)
    screen.show()
    return state, screen


def sheet(screen: DrawScreen) -> list[list[str]]:
    m = screen.sheet
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def test_electronic_draw_with_seed_and_witness(qtbot, undrawn: Path, qtmodeltester) -> None:
    state, screen = open_draw(qtbot, undrawn)
    assert screen.pages.currentWidget() is screen.before
    assert screen.seed.text().isdigit()  # a seed is proposed and shown before drawing
    screen.seed.setText("")
    qtbot.keyClicks(screen.seed, "20260925")
    assert not screen.draw_btn.isEnabled()  # no witness yet
    screen.witness.insert("褚监督")
    assert screen.draw_btn.isEnabled()
    qtbot.mouseClick(screen.draw_btn, Qt.MouseButton.LeftButton)
    assert screen.pages.currentWidget() is screen.before  # it asks first
    assert screen.confirm_box is not None and "20260925" in screen.confirm_box.text()
    with qtbot.waitSignal(screen.draw_recorded):
        press_yes(screen.confirm_box)
    assert screen.pages.currentWidget() is screen.after
    # the seed is sealed with the links (anyone re-running it would get the draw back)
    assert "20260925" not in screen.record.text() and "褚监督" in screen.record.text()
    assert "已加密" in screen.record.text()
    rec = draw_record(state.contest, "GJQG")
    assert rec is not None and rec.seed is None and rec.witness == "褚监督"
    qtmodeltester.check(screen.sheet)
    rows = sheet(screen)
    assert len(rows) == 12 and [r[0] for r in rows] == sorted(r[0] for r in rows)
    # no names on the sheet until decryption; the same seed gives the same lots
    people = {p.uid: p for p in competitors(state.contest, "GJQG")}
    assert not {r[2] for r in rows} & {p.name for p in people.values()}
    uid_of = {p.id_number: uid for uid, p in people.items()}  # the draw is keyed by ID number
    lots = electronic_draw("GJQG", list(uid_of), [f"{i:02d}" for i in range(1, 13)], 20260925)
    assert {(lot.station, lot.candidate) for lot in lots} == {(r[0], r[1]) for r in rows}
    # who holds which lot: only in the copy sealed to the encryption officer
    from db.keys.officer import unlock_officer_key
    from db.ops.blind import open_payloads

    private = unlock_officer_key(state.contest, "officer-test-passphrase")
    (sealed,) = open_payloads(state.contest, private, "GJQG", "draw")
    assert {(x["station"], x["candidate"], x["competitor"]) for x in sealed["lots"]} == \
        {(lot.station, lot.candidate, uid_of[lot.key]) for lot in lots}


def test_paper_lots_typed_in_with_mistakes_shown_by_row(qtbot, undrawn: Path,
                                                        qtmodeltester) -> None:
    state, screen = open_draw(qtbot, undrawn)
    screen.tabs.setCurrentIndex(1)
    model: PaperLotsModel = screen.lots
    qtmodeltester.check(model)
    with (EXAMPLES / "draw.csv").open(encoding="utf-8-sig") as f:
        paper = {r["id_number"]: r for r in csv.DictReader(f)}
    assert not screen.paper_btn.isEnabled()
    for row, lot in enumerate(model.lots):  # what typing into the two columns does
        model.setData(model.index(row, model.CANDIDATE), paper[lot.person.id_number]["candidate"])
        model.setData(model.index(row, model.STATION), paper[lot.person.id_number]["station"])
    good_station = model.lots[1].station
    model.setData(model.index(1, model.STATION), model.lots[0].station)  # a slip: same station
    screen.paper_witness.insert("褚监督")
    assert screen.paper_btn.isEnabled()
    screen.paper_btn.click()
    assert screen.paper_errors.isVisible()
    assert "第3行" in screen.paper_errors.text() or "第2行" in screen.paper_errors.text()
    assert model.index(1, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert draw_record(state.contest, "GJQG") is None  # nothing written
    model.setData(model.index(1, model.STATION), good_station)
    with qtbot.waitSignal(screen.draw_recorded):
        screen.paper_btn.click()
    rec = draw_record(state.contest, "GJQG")
    assert rec is not None and rec.method == "paper" and rec.seed is None
    assert rec.file_sha256 is None  # sealed: hashing the permutations would undo the draw
    assert "纸质" in screen.record.text()
    # the lots are in clear, who has them is sealed to the encryption officer
    from db.keys.officer import unlock_officer_key
    from db.ops.blind import open_payloads
    from db.ops.people import by_station

    assert {(p.station, p.candidate) for p in by_station(state.contest, "GJQG").values()} \
        == {(r["station"], r["candidate"]) for r in paper.values()}
    by_uid = {p.uid: p.id_number for p in competitors(state.contest, "GJQG")}
    private = unlock_officer_key(state.contest, "officer-test-passphrase")
    (sealed,) = open_payloads(state.contest, private, "GJQG", "draw")
    for lot in sealed["lots"]:
        r = paper[by_uid[lot["competitor"]]]
        assert (lot["station"], lot["candidate"]) == (r["station"], r["candidate"])


def test_supervisor_sees_the_sheet_without_names(qtbot, example_db) -> None:
    _state, screen = open_draw(qtbot, example_db("drawn"), who="supervisor")
    assert screen.pages.currentWidget() is screen.after
    headers = [screen.sheet.headerData(i, Qt.Orientation.Horizontal)
               for i in range(screen.sheet.columnCount())]
    assert headers == ["工位", "参赛编号"]


def test_only_the_organiser_draws(qtbot, undrawn: Path) -> None:
    _state, screen = open_draw(qtbot, undrawn, who="supervisor")
    assert screen.before.currentWidget() is screen.not_allowed


# ---- 抽签核验 (issue 17: draw verify had no place in the app) --------------------------------
@pytest.fixture
def drawn_by_seed(undrawn: Path) -> Path:
    from db.ops.people import draw
    from tests.conftest import signed_in

    draw(signed_in(undrawn, "admin"), "GJQG", seed=20260925, witness="褚监督")
    return undrawn


def verify_with(qtbot, screen: DrawScreen, seed: str, passphrase: str | None = None) -> None:
    screen.verify_seed.setText(seed)
    if passphrase is not None:
        screen.verify_passphrase.setText(passphrase)
    assert screen.verify_btn.isEnabled()
    screen.verify_btn.click()
    qtbot.waitUntil(lambda: screen.verify_result.isVisible(), timeout=15_000)


def test_the_officer_verifies_the_sealed_draw_with_the_passphrase(qtbot, drawn_by_seed) -> None:
    from tests.conftest import dump

    _state, screen = open_draw(qtbot, drawn_by_seed, who="encryption")
    assert screen.pages.currentWidget() is screen.after
    assert not screen.verify_passphrase.isHidden()  # sealed: the officer's passphrase asked
    screen.verify_seed.setText("20260925")
    assert not screen.verify_btn.isEnabled()  # not without the passphrase
    untouched = dump(drawn_by_seed)
    # a wrong passphrase: said plainly (the command line's exit 5), nothing written
    verify_with(qtbot, screen, "20260925", "not-the-officer-passphrase")
    assert "保密口令错误" in screen.verify_result.text()
    assert screen.verify_passphrase.text() == ""
    assert dump(drawn_by_seed) == untouched
    # the right one: the recorded (sealed) draw matches the announced seed
    with qtbot.waitSignal(screen.draw_verified) as sig:
        verify_with(qtbot, screen, "20260925", os.environ["JIANGXIN_OFFICER_PASSPHRASE"])
    assert sig.args == [True] and screen.verify_result.text().startswith("✓")
    # another seed does not give this draw
    with qtbot.waitSignal(screen.draw_verified) as sig:
        verify_with(qtbot, screen, "20260926", os.environ["JIANGXIN_OFFICER_PASSPHRASE"])
    assert sig.args == [False] and screen.verify_result.text().startswith("✗")
    assert "不符" in screen.verify_result.text()


def test_before_decryption_others_are_told_why_they_cannot_verify(qtbot,
                                                                  drawn_by_seed) -> None:
    for who in ("supervisor", "chief", "admin"):
        _state, screen = open_draw(qtbot, drawn_by_seed, who=who)
        screen.verify_seed.setText("20260925")
        assert not screen.verify_btn.isEnabled(), who
        assert screen.verify_passphrase.isHidden()
        assert screen.verify_why.isVisible() and "解密" in screen.verify_why.text(), who


def test_a_paper_draw_has_no_seed_to_verify(qtbot, example_db) -> None:
    _state, screen = open_draw(qtbot, example_db("drawn"), who="supervisor")
    screen.verify_seed.setText("1")
    assert not screen.verify_btn.isEnabled() and "纸质抽签" in screen.verify_why.text()
