"""Taking back a mark (issue 17: a wrong mark could not be taken back unless caught at once):
the typist before verification, or the chief judge after with a reason, clears it; every row
stays in the history and the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.ops.locking import lock
from db.ops.marking import clear_mark, enter_mark
from db.ops.slots import slot_log, slot_state
from db.store.audit import records
from db.store.contest import Contest
from judging.errors import InputError, NotAllowed, StateError
from tests.conftest import USERS

KEY = ("GJQG", "05", "A1", "赵一")  # typed from the example's marks.csv


def signed(path: Path, who: str) -> Contest:
    c = Contest.open(path)
    c.sign_in(*USERS[who])
    return c


def test_the_typist_clears_an_unverified_mark_and_the_history_keeps_it(example_db) -> None:
    path = example_db("marked")
    other = signed(path, "recorder2")
    with pytest.raises(NotAllowed):  # not theirs
        clear_mark(other, *KEY)
    other.close()
    c = signed(path, "recorder")
    before = slot_state(c, KEY)
    assert before.status == "entered" and before.measured is not None
    rows = len(slot_log(c, KEY))
    saved = clear_mark(c, *KEY)
    assert saved.counts == {"cleared": 1} and KEY in saved.slots
    assert saved.slots[KEY].status == "retracted"
    after = slot_state(c, KEY)
    assert not after.has_value and after.status == "retracted"
    assert any(h.startswith("clear by 冯记录") for h in after.history)
    assert len(slot_log(c, KEY)) == rows + 1  # nothing deleted: one more row
    entry = [r for r in records(c.db) if r["action"] == "marks.clear"][-1]
    assert "59.985" in str(entry["before"])
    with pytest.raises(StateError):
        clear_mark(c, *KEY)  # nothing left to clear
    enter_mark(c, *KEY, None, measured=before.measured)  # typed again: entered again
    assert slot_state(c, KEY).status == "entered"
    c.close()


def test_after_verification_only_the_chief_clears_with_a_reason(example_db) -> None:
    path = example_db("verified")
    c = signed(path, "recorder")
    assert slot_state(c, KEY).status == "verified"
    with pytest.raises(NotAllowed):
        clear_mark(c, *KEY)
    c.close()
    chief = signed(path, "chief")
    with pytest.raises(InputError):
        clear_mark(chief, *KEY, reason="  ")
    clear_mark(chief, *KEY, reason="评分表读错工位，重新录入")
    st = slot_state(chief, KEY)
    assert not st.has_value
    assert any("评分表读错工位" in h for h in st.history)
    chief.close()


def test_a_locked_module_refuses(example_db) -> None:
    chief = signed(example_db("timed"), "chief")
    lock(chief, "GJQG")
    with pytest.raises(StateError):
        clear_mark(chief, *KEY, reason="太晚了")
    assert slot_state(chief, KEY).status == "verified"
    chief.close()
