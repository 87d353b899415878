"""Every role's whole job in the app: each operation of the command line that a role may run
(contracts §1, judging.roles) has its place in that role's window (issue 17: the encryption
officer could decrypt only from a terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.files.spreadsheets import OPERATION
from db.ops.paper_forms import FORM_ROLES
from judging.roles import PERMISSIONS, ROLE_NAMES
from tests.conftest import USERS
from ui.main_window import MainWindow
from ui.settings import Settings
from ui.state import AppState

# operation -> where it is in the app: a menu action of the window, a widget of a screen, or a
# kind of file on the import screen (first found is enough)
PLACES: dict[str, list[tuple[str, ...]]] = {
    "init": [("action", "a_new")],
    "competitors": [("import", "competitors")],
    "checkin": [("screen", "checkin", "checkin_btn")],
    "draw": [("screen", "draw", "draw_btn")],
    "theory": [("import", "theory")],
    "certificates": [("screen", "certificates", "issue_btn")],
    "export": [("action", "a_export")],
    "backup": [("action", "a_backup")],
    "marks": [("screen", "marking", "view")],
    "times": [("import", "times")],
    "clocks": [("screen", "board", "start_all_btn")],
    "status": [("screen", "chief", "status_btn")],
    "lock": [("screen", "chief", "lock_btn")],
    "unlock": [("screen", "chief", "unlock_btn")],
    "resolve": [("screen", "chief", "resolve_btn")],
    "override": [("screen", "chief", "conflict_btn")],
    "publish": [("screen", "results", "publish_btn")],
    "appeals": [("screen", "appeals", "view")],
    "merge": [("action", "a_merge")],
    "decrypt": [("screen", "results", "decrypt_btn")],
    "results": [("screen", "results", "view")],
    "audit": [("screen", "audit", "verify_btn")],
}
# the chief's matrix of disagreements; the supervisor's read-only list
PLACES["disagreements"] = [("screen", "chief", "view"), ("screen", "disagreements", "view")]
# 抽签核验 on the draw screen (the officer's passphrase while the draw is sealed)
PLACES["draw_verify"] = [("screen", "draw", "verify_btn")]
# commands whose roles are kept beside the permission table, and where they are
BY_ROLE = {
    "forms": (FORM_ROLES, [("screen", "certificates", "form_btn"), ("screen", "forms",
                                                                      "form_btn")]),
    # before decryption the draw sheet is the encryption officer's (db/ops/paper_forms.py)
    "forms --form draw": (frozenset({"encryption"}), [("screen", "forms", "form_btn")]),
}
# commands beyond the permission table, and where they are
EXTRA = {
    "verify": [("screen", "verify", "__self__")],  # anyone; needs no sign-in
    "restore": [("action", "a_restore")],  # admin or chief of the backup
}


def found(w: MainWindow, place: tuple[str, ...]) -> bool:
    kind = place[0]
    if kind == "action":
        action = getattr(w, place[1])
        return bool(action.isEnabled() and action.isVisible())
    if kind == "import":
        if "imports" not in w.screens.keys():
            return False
        screen = w.screens["imports"]
        return bool(screen.kind.findData(place[1]) >= 0)
    _, key, attr = place
    if key not in w.screens.keys():
        return False
    screen = w.show_screen(key)
    if attr == "__self__":
        return screen is not None
    widget = getattr(screen, attr, None)
    return widget is not None and not widget.isHidden()


def test_every_operation_has_a_place() -> None:
    assert set(PLACES) == set(PERMISSIONS), "a new operation needs its place in the app"
    assert set(OPERATION.values()) <= set(PERMISSIONS)


@pytest.mark.parametrize("role", sorted(ROLE_NAMES))
def test_each_role_finds_each_of_its_operations_in_the_app(qtbot, example_db, role: str
                                                           ) -> None:
    path: Path = example_db("locked")
    state = AppState()
    w = MainWindow(state, Settings())
    w.quiet_dialogs = True
    qtbot.addWidget(w)
    w.show()
    w.open_contest(path)
    user, pin = USERS[role]
    state.sign_in(user, pin)
    w.signin.signed_in_done.emit(user)
    missing = []
    for operation, roles in PERMISSIONS.items():
        if role in roles and not any(found(w, p) for p in PLACES[operation]):
            missing.append(operation)
    for command, (roles, places) in BY_ROLE.items():
        if role in roles and not any(found(w, p) for p in places):
            missing.append(command)
    for command, places in EXTRA.items():
        if not any(found(w, p) for p in places):
            missing.append(command)
    assert missing == [], f"{role} cannot do {missing} in the app"
    state.close()
