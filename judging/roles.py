"""Who may do what (docs/cli.md)."""

from __future__ import annotations

PERMISSIONS: dict[str, frozenset[str]] = {
    "init": frozenset({"admin"}),
    "competitors": frozenset({"admin"}),
    "checkin": frozenset({"admin", "chief"}),
    "draw": frozenset({"admin"}),
    "theory": frozenset({"admin"}),
    "certificates": frozenset({"admin"}),
    "export": frozenset({"admin"}),
    "backup": frozenset({"admin", "chief"}),
    "marks": frozenset({"recorder", "chief", "judge"}),
    "times": frozenset({"chief"}),
    "clocks": frozenset({"chief"}),
    "status": frozenset({"chief"}),
    "lock": frozenset({"chief"}),
    "unlock": frozenset({"chief"}),
    "resolve": frozenset({"chief"}),
    "disagreements": frozenset({"chief", "supervisor"}),
    "draw_verify": frozenset({"supervisor", "chief", "admin", "encryption"}),
    "override": frozenset({"chief"}),
    "publish": frozenset({"chief", "admin"}),
    "appeals": frozenset({"chief", "supervisor"}),
    "merge": frozenset({"chief", "admin"}),
    "decrypt": frozenset({"encryption"}),
    "results": frozenset({"admin", "chief", "judge", "recorder", "encryption", "supervisor"}),
    "audit": frozenset({"admin", "chief", "judge", "recorder", "encryption", "supervisor"}),
}

ROLE_NAMES = {
    "admin": "组委会/赛务 Organiser",
    "chief": "裁判长 Chief judge",
    "judge": "裁判员 Judge",
    "recorder": "记分员 Recorder",
    "encryption": "加密裁判 Encryption officer",
    "supervisor": "监督仲裁 Supervisor",
}


def allowed(role: str, operation: str) -> bool:
    return role in PERMISSIONS.get(operation, frozenset())
