"""The audit log as the audit screen reads it: filters, records, the chain check.

Over db/store/audit.py, taking the :class:`Contest` (screens never hold the raw database
handle) and giving typed :class:`AuditRecord` rows instead of dicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.store import audit
from db.store.audit import AuditReport
from db.store.contest import Contest

__all__ = ["AuditRecord", "AuditReport", "check_chain", "filters", "log_records"]


@dataclass(frozen=True)
class AuditRecord:
    """One audit record: who, role, device, when, what, on which table, why."""

    seq: int
    at: str
    user: str
    role: str
    device: str
    action: str
    table: str | None
    row_uid: str | None
    before: str | None
    after: str | None
    reason: str


def filters(c: Contest) -> dict[str, list[str]]:
    """The distinct users, actions and tables in the log (for the filter lists)."""
    return audit.facets(c.db)


def log_records(c: Contest, *, user: str | None = None, action: str | None = None,
                table: str | None = None, since: str | None = None, until: str | None = None,
                limit: int = 5000) -> list[AuditRecord]:
    """Audit records, newest first, filtered (``since``/``until`` compare ISO times)."""
    return [AuditRecord(int(r["seq"]), str(r["at"]), str(r["user"]), str(r["role"]),
                        str(r["device"] or ""), str(r["action"]), r["tbl"], r["row_uid"],
                        r["before"], r["after"], str(r["reason"] or ""))
            for r in audit.records(c.db, user=user, action=action, table=table, since=since,
                                   until=until, limit=limit)]


def check_chain(c: Contest) -> AuditReport:
    """The chain end to end and every append-only row against its record (can take long:
    run it on a worker, ui/worker.py)."""
    return audit.verify(c.db)
