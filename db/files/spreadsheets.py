"""The organisers' spreadsheets in and out, shared by the import screen and the command line.

In: :func:`preview_import` reads a competitor list, theory scores, times or marks and runs the
engine's own import on it inside a transaction that is always rolled back, so the preview shows
exactly the problems the import would refuse with, and writes nothing. :func:`import_file` is
the real import (the same engine function, committed).

Out: the results list (:func:`export_results`), the chief judge's marks workbook
(:func:`export_marks`, built from the derived slot and aspect caches) and the marking scheme
(:func:`export_scheme`, from the competition file kept in the contest). :func:`scheme_toml`
turns a marking-scheme sheet back into ``[[event.module]]`` TOML.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from db.files.toml_text import toml_value
from db.store.changes import Done
from db.store.connection import transaction
from db.store.contest import Contest
from judging.errors import InputError, JiangxinError, NotAllowed

KINDS = ("competitors", "theory", "times", "marks")
"""What can be imported, in the order the screen offers them."""

OPERATION = {"competitors": "competitors", "theory": "theory", "times": "times",
             "marks": "marks"}
"""The permission (judging.roles) each kind of import needs."""

MARKS_EXPORT_ROLES = frozenset({"chief", "supervisor", "admin"})
"""Who may write the chief judge's full marks workbook."""

_TIMES_COLUMNS: dict[str, list[str]] = {
    "event": ["event", "赛项"], "station": ["station", "工位号", "工位"],
    "used_seconds": ["used_seconds", "用时秒", "用时"],
    "extra_seconds": ["extra_seconds", "补时秒", "补时"]}
_MARKS_COLUMNS: dict[str, list[str]] = {
    "event": ["event", "赛项"], "station": ["station", "工位号", "工位"],
    "aspect": ["aspect", "评分项"], "judge": ["judge", "裁判", "裁判员"],
    "score": ["score", "分数", "得分"], "measured": ["measured", "实测值"]}
# the same header names as db.ops.timing.import_times and db.ops.marking.read_marks_file accept


def display_columns(kind: str) -> dict[str, list[str]]:
    """The columns shown in the preview of a kind of file (canonical name → header aliases)."""
    if kind == "competitors":
        from db.files.competitor_file import COLUMNS

        return COLUMNS
    if kind == "theory":
        from db.files.theory_file import COLUMNS as THEORY

        return THEORY
    if kind == "times":
        return _TIMES_COLUMNS
    if kind == "marks":
        return _MARKS_COLUMNS
    raise ValueError(f"unknown kind of import {kind!r}")


@dataclass(frozen=True)
class Problem:
    """One reason a file would be refused; ``row`` None for the file as a whole."""

    file: str | None
    row: int | None
    field: str | None
    message: str


@dataclass(frozen=True)
class PreviewRow:
    """One data row of the file as read, with its problems (empty when the row is fine)."""

    row: int
    values: dict[str, str]
    problems: tuple[Problem, ...] = ()


@dataclass
class ImportPreview:
    """Every row of a file and every problem the import would refuse it with.

    ``outcome`` is what the import would return (a count, or the marks' counts) when the file
    would be accepted; ``problems`` lists all problems, the rows' ones included.
    """

    kind: str
    file: str
    columns: list[str]
    labels: dict[str, str]
    rows: list[PreviewRow]
    problems: list[Problem] = field(default_factory=list)
    outcome: Any = None

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def file_problems(self) -> list[Problem]:
        """Problems not tied to a row shown in the preview."""
        shown = {r.row for r in self.rows}
        return [p for p in self.problems if p.row not in shown]


_WHERE = re.compile(r"row (\d+) \(第\d+行\)(?:, field ([^:]+))?: ")


def _problems(exc: JiangxinError, file: str) -> list[Problem]:
    if isinstance(exc, InputError):
        errors = getattr(exc, "errors", None) or [exc]
        return [Problem(e.file or file, e.row, e.field, e.detail) for e in errors]
    where = _WHERE.search(str(exc))  # NotAllowed about a row names it in its text
    if where:
        return [Problem(file, int(where.group(1)), where.group(2),
                        str(exc)[where.end():])]
    return [Problem(file, None, None, str(exc))]


class _RolledBack(Exception):
    """Raised inside a dry run to undo everything the import wrote."""


def dry_run(c: Contest, work: Callable[[], Any]) -> Any:
    """Run ``work`` (an engine operation on ``c``) and roll back whatever it wrote.

    Errors of ``work`` propagate (after the rollback); its return value is returned.
    """
    result: list[Any] = []
    try:
        with transaction(c.db):
            result.append(work())
            raise _RolledBack
    except _RolledBack:
        pass
    return result[0]


def _importer(kind: str) -> Callable[[Contest, str | Path], Done[Any]]:
    if kind == "competitors":
        from db.ops.people import import_competitors

        return import_competitors
    if kind == "theory":
        from db.ops.people import import_theory

        return import_theory
    if kind == "times":
        from db.ops.timing import import_times

        return import_times
    if kind == "marks":
        from db.ops.marking import import_marks

        def marks(c: Contest, path: str | Path) -> Done[Any]:
            saved = import_marks(c, path)
            return Done(saved.counts, saved.changes)

        return marks
    raise ValueError(f"unknown kind of import {kind!r}")


def preview_import(c: Contest, kind: str, path: str | Path) -> ImportPreview:
    """Every row of the file with its problems; nothing is written.

    Competitor lists go through :func:`db.files.competitor_file.preview_competitors` (every row's
    own problems) and then the engine's checks (already entered, event drawn) on the rows that
    read well, so every problem shows at once. The other kinds run the engine's import itself
    inside a rolled-back transaction. Refusals of the signed-in role raise NotAllowed.
    """
    c.require(OPERATION[kind])
    file = str(path)
    from db.files.tables import read_table

    columns = display_columns(kind)
    problems: list[Problem] = []
    try:
        table = read_table(path, columns=columns)
        keys = [k for k in columns if table.has(k)]
        rows = [(r.number, {k: r.get(k) for k in keys}) for r in table.rows]
        labels = {k: table.label(k) for k in keys}
    except InputError as exc:  # unreadable: the import says so below, in its own words
        keys, rows, labels = [], [], {}
        problems += _problems(exc, file)
    outcome: Any = None
    if kind == "competitors":
        outcome = _check_competitors(c, path, problems)
    else:
        importer = _importer(kind)
        try:
            outcome = dry_run(c, lambda: importer(c, path)).value
        except JiangxinError as exc:
            if isinstance(exc, NotAllowed) and not _names_a_row(exc):
                raise
            problems = [p for p in problems if p.row is not None] + _problems(exc, file)
    problems = _unique(problems)
    by_row: dict[int, list[Problem]] = {}
    for p in problems:
        if p.row is not None:
            by_row.setdefault(p.row, []).append(p)
    preview_rows = [PreviewRow(n, v, tuple(by_row.get(n, ()))) for n, v in rows]
    return ImportPreview(kind, file, keys, labels, preview_rows, problems,
                         outcome if not problems else None)


def _names_a_row(exc: JiangxinError) -> bool:
    """A NotAllowed about the file's content (a judge not of this event), not about the user."""
    return _WHERE.search(str(exc)) is not None


def _unique(problems: list[Problem]) -> list[Problem]:
    out = list(dict.fromkeys(problems))
    out.sort(key=lambda p: (p.row is not None, p.row or 0))
    return out


def _check_competitors(c: Contest, path: str | Path, problems: list[Problem]) -> int | None:
    from db.files.competitor_file import event_spellings, preview_competitors
    from db.ops.people import add_competitors

    file = str(path)
    try:
        parsed = preview_competitors(path, event_spellings(c.competition.events))
    except InputError as exc:
        if not problems:
            problems += _problems(exc, file)
        return None
    for _, _, row_problems in parsed:
        problems += _problems_of(row_problems, file)
    good = [comp for _, comp, ps in parsed if comp is not None and not ps]
    if not good:
        return None
    try:
        count: int = dry_run(c, lambda: add_competitors(c, good, file)).value
    except JiangxinError as exc:
        problems += _problems(exc, file)
        return None
    return count


def _problems_of(errors: Sequence[InputError], file: str) -> list[Problem]:
    return [Problem(e.file or file, e.row, e.field, e.detail) for e in errors]


def import_file(c: Contest, kind: str, path: str | Path) -> Done[Any]:
    """The real import of a previewed file: the engine's own import function, all or nothing;
    its value is what the preview's ``outcome`` showed (a count, or the marks' counts)."""
    return _importer(kind)(c, path)


# ---- out --------------------------------------------------------------------------------------
def export_results(c: Contest, event_id: str, path: str | Path) -> Path:
    """The results list for public posting (``results --xlsx``)."""
    from db.files.results_sheet import write_results_xlsx
    from db.ops.results import results

    res = results(c, event_id)
    write_results_xlsx(res.as_json(), path, competition_name=res.competition,
                       event_name=f"{res.event_name} {res.group}".strip(),
                       decrypted=res.decrypted)
    return Path(path)


def marks_rows(c: Contest, event_id: str) -> list[dict[str, Any]]:
    """Every typed mark of an event: one row per workstation, aspect and judge.

    Keys as :func:`db.files.results_sheet.write_marks_xlsx` takes them, plus ``points`` (the entry's
    points: a measured value converted through its bands, a J score as typed) and ``status``.
    Retracted slots (nothing typed any more) are left out.
    """
    s = c.require("results", event_id)
    if s.role not in MARKS_EXPORT_ROLES:
        raise NotAllowed(f"{s.user} ({s.role}) may not export the full marks; the chief judge, "
                         "a supervisor or the organiser may / 当前角色不能导出评分明细")
    from db.ops.slots import aspect_rows, slot_rows

    ev = c.event(event_id)
    marks = {(a.station, a.aspect): a.mark for a in aspect_rows(c, event_id)}
    out: list[dict[str, Any]] = []
    for slot in slot_rows(c, event_id):
        if slot.status == "retracted":
            continue
        aspect = ev.aspects[slot.aspect]
        out.append({
            "station": slot.station, "module": aspect.module, "aspect": slot.aspect,
            "kind": aspect.kind, "judge": slot.judge, "score": slot.score,
            "measured": slot.measured, "points": slot.points,
            "mark": marks.get((slot.station, slot.aspect)),
            "verified": slot.status in ("verified", "resolved"), "status": slot.status,
            "typed_by": slot.typist, "verified_by": slot.verifier,
        })
    return out


def export_marks(c: Contest, event_id: str, path: str | Path) -> int:
    """The chief judge's marks workbook; returns the number of marks written."""
    from db.files.results_sheet import write_marks_xlsx

    rows = marks_rows(c, event_id)
    ev = c.event(event_id)
    write_marks_xlsx(rows, path, title=f"{c.competition.name} {ev.name}{ev.group} 评分明细")
    return len(rows)


def scheme_modules(c: Contest, event_id: str) -> dict[str, Any]:
    """An event's modules as its competition file gives them (docs/formats.md dict)."""
    c.event(event_id)
    text = c.meta("competition") or ""
    data = tomllib.loads(text, parse_float=Decimal)
    event = next(e for e in data.get("event", []) if e.get("id") == event_id)
    return {"module": event.get("module", [])}


def export_scheme(c: Contest, event_id: str, path: str | Path) -> int:
    """The marking scheme of an event in our sheet layout; returns the number of aspects."""
    if c.session is None:
        raise NotAllowed("sign in first / 请先登录")
    from db.files.scheme_sheet import write_scheme_xlsx

    modules = scheme_modules(c, event_id)
    write_scheme_xlsx(modules, path)
    return sum(len(m.get("aspect", [])) for m in modules["module"])


# ---- TOML -------------------------------------------------------------------------------------
_MODULE_KEYS = ("id", "name")
_ASPECT_KEYS = ("id", "kind", "max", "judges", "trim", "spread_limit", "text", "nominal",
                "bands")




def scheme_toml(modules: Mapping[str, Any], event_id: str | None = None) -> str:
    """``[[event.module]]`` tables for a competition file, in the example's indentation.

    They belong below an ``[[event]]`` table (TOML attaches them to the last one); with
    ``event_id`` a comment says which.
    """
    lines: list[str] = []
    if event_id:
        lines += [f"# marking scheme of event {event_id}: paste below its [[event]] table",
                  f"# 赛项 {event_id} 的评分标准: 粘贴在该赛项的 [[event]] 表之后", ""]
    for m in modules["module"]:
        lines.append("  [[event.module]]")
        for key in _MODULE_KEYS:
            if key in m:
                lines.append(f"  {key} = {toml_value(m[key])}")
        lines.append("")
        for a in m.get("aspect", []):
            lines.append("    [[event.module.aspect]]")
            keys = [k for k in _ASPECT_KEYS if k in a] + [k for k in a if k not in _ASPECT_KEYS]
            for key in keys:
                lines.append(f"    {key} = {toml_value(a[key])}")
            lines.append("")
    return "\n".join(lines)
