"""Theory scores from CSV or XLSX (docs/formats.md), including exam systems' own exports."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from db.files.competitor_file import event_lookup, match_event
from db.files.tables import Table, TableRow, parse_decimal, read_table
from judging.errors import InputError, InputErrors
from judging.idnumber import validate_id_number

COLUMNS: dict[str, list[str]] = {
    "event": ["赛项", "比赛项目", "竞赛项目", "项目", "工种", "event id"],
    "candidate": [
        "参赛编号", "准考证号", "考号", "考生号", "考生编号", "准考证", "选手编号", "编号",
        "candidate number", "candidate no", "exam number",
    ],
    "id_number": [
        "身份证号", "身份证号码", "身份证", "证件号码", "证件号", "公民身份号码", "id number",
    ],
    "theory": [
        "理论成绩", "理论", "理论考试成绩", "成绩", "总分", "得分", "分数", "考试成绩",
        "score", "total", "mark",
    ],
}
"""Accepted header names per canonical column, in order of preference."""

ABSENT = {"缺考", "缺席", "未参加", "弃考", "absent"}
"""Score cell texts that mean the candidate did not sit the exam (theory None)."""


@dataclass(frozen=True)
class TheoryRow:
    """One theory score. At least one of ``candidate`` and ``id_number`` is set.

    ``theory`` is exact (never a binary float); None means the file marks the candidate absent
    (缺考), which the engine treats as a missing score.
    """

    row: int
    event: str
    candidate: str | None
    id_number: str | None
    theory: Decimal | None
    id_problem: str | None = None
    """Why the ID number cell could not be used (then another column must identify the row)."""


def _parse(
    table: Table, row: TableRow, events: dict[str, str], single: str | None
) -> tuple[TheoryRow | None, list[InputError]]:
    def err(message: str, key: str) -> InputError:
        return InputError(message, file=table.file, row=row.number, field=table.label(key))

    problems: list[InputError] = []
    raw_event = row.get("event")
    event, why = match_event(raw_event, events) if raw_event else (single, None)
    if event is None:
        problems.append(err(why or "the event is empty (赛项为空)", "event"))
    candidate = row.get("candidate").upper() or None
    id_number: str | None = None
    id_problem: str | None = None
    if row.get("id_number"):
        try:
            id_number = validate_id_number(
                row.get("id_number"), stored_as_number=row.is_number("id_number")
            )
        except ValueError as exc:
            id_problem = str(exc)
            if candidate is None:  # nothing else identifies this row
                problems.append(err(id_problem, "id_number"))
    elif candidate is None:
        key = "candidate" if table.has("candidate") else "id_number"
        problems.append(err("no candidate number or ID number (缺少参赛编号或身份证号)", key))
    text = row.get("theory")
    theory: Decimal | None = None
    if not text:
        problems.append(err("the theory score is empty; write 缺考 for an absent candidate "
                            "(理论成绩为空; 缺考请填写“缺考”)", "theory"))
    elif text.casefold() not in ABSENT:
        try:
            theory = parse_decimal(text)
        except ValueError as exc:
            problems.append(err(str(exc), "theory"))
        else:
            if not Decimal(0) <= theory <= Decimal(100):
                problems.append(err(f"the theory score {text} is not within 0..100 "
                                    f"(理论成绩应在0到100之间)", "theory"))
    if problems or event is None:
        return None, problems
    return TheoryRow(row.number, event, candidate, id_number, theory, id_problem), []


def read_theory(
    path: str | Path, known_events: Collection[str] | Mapping[str, str]
) -> list[TheoryRow]:
    """The rows of a theory file (see :func:`read_theory_table`)."""
    return read_theory_table(path, known_events)[1]


KEY_FIELDS = "参赛编号/准考证号/身份证号"
"""The field a message names when no column identifies the competitors."""


def read_theory_table(
    path: str | Path, known_events: Collection[str] | Mapping[str, str]
) -> tuple[Table, list[TheoryRow]]:
    """Theory scores keyed by candidate number or ID number; InputErrors names every bad row.

    Headers may be ours (``event,candidate,theory`` / ``event,id_number,theory``) or an exam
    system's (准考证号, 考号, 身份证号, 理论成绩, 成绩, 总分, ...); title rows above the header
    are skipped. With a single known event the event column may be left out. Numbers stored
    as floats in XLSX come back exactly as typed (85.1 → Decimal("85.1")). The same key twice
    in one event refuses both rows.
    """
    events = event_lookup(known_events)
    ids = set(events.values())
    single = next(iter(ids)) if len(ids) == 1 else None
    table = read_table(path, columns=COLUMNS, required=["theory"] + ([] if single else ["event"]))
    if not (table.has("candidate") or table.has("id_number")):
        raise InputError(
            "缺少参赛编号（准考证号）或身份证号列 / no column names the competitor: 参赛编号 "
            "(准考证号, candidate) or 身份证号 (id_number)", file=table.file, field=KEY_FIELDS,
        )
    if not table.rows:
        raise InputError("the file has a header but no scores (文件没有成绩数据)", file=table.file)
    problems: list[InputError] = []
    rows: list[TheoryRow] = []
    seen: dict[tuple[str, str, str], list[int]] = {}
    for raw in table.rows:
        parsed, row_problems = _parse(table, raw, events, single)
        problems.extend(row_problems)
        if parsed is not None:
            rows.append(parsed)
            key = ("id", parsed.id_number) if parsed.id_number else ("c", parsed.candidate or "")
            seen.setdefault((parsed.event, *key), []).append(parsed.row)
    for (event, kind, value), numbers in seen.items():
        if len(numbers) > 1:
            field = table.label("id_number" if kind == "id" else "candidate")
            for n in numbers:
                others = ", ".join(str(o) for o in numbers if o != n)
                problems.append(InputError(
                    f"{value} has a second score in event {event} at row {others} "
                    f"(同一考生重复, 见第{others}行)", file=table.file, row=n, field=field,
                ))
    if problems:
        problems.sort(key=lambda e: e.row or 0)
        raise InputErrors(problems)
    return table, rows


class Person(Protocol):
    @property
    def uid(self) -> str: ...
    @property
    def candidate(self) -> str | None: ...
    @property
    def id_number(self) -> str: ...


KEYS = ("id_number", "candidate")
"""The columns that may identify a competitor, in the order they are tried."""


def match_theory(table: Table, rows: Sequence[TheoryRow],
                 people: Mapping[str, Sequence[Person]]) -> tuple[str, list[tuple[TheoryRow, str]]]:
    """(the key column used, [(row, competitor uid)]): the first column that identifies every row.

    The exam system's file may carry our candidate numbers, its own ticket numbers (which match
    nobody) and ID numbers (perhaps stored as numbers, with digits lost): the ID number is tried
    first, then the candidate number, and the first that names exactly one competitor of the
    row's event for every row is used. When none does, InputErrors names, for the column that
    identifies the most rows, each row it does not identify.
    """
    attempts: list[tuple[int, str, list[tuple[TheoryRow, str]], list[InputError]]] = []
    for key in KEYS:
        if not table.has(key):
            continue
        matched: list[tuple[TheoryRow, str]] = []
        errors: list[InputError] = []
        for r in rows:
            value = r.id_number if key == "id_number" else r.candidate
            if value is None:
                why = (r.id_problem if key == "id_number" and r.id_problem
                       else f"the {table.label(key)} cell is empty (为空)")
                errors.append(InputError(why, file=table.file, row=r.row,
                                         field=table.label(key)))
                continue
            hits = [p for p in people.get(r.event, ())
                    if (p.id_number if key == "id_number" else p.candidate) == value]
            if len(hits) != 1:
                errors.append(InputError(
                    f"no competitor of {r.event} has the {table.label(key)} {value} "
                    f"(无此选手: 赛项{r.event}中没有{table.label(key)}为{value}的选手)",
                    file=table.file, row=r.row, field=table.label(key)))
                continue
            matched.append((r, hits[0].uid))
        if not errors:
            return key, matched
        attempts.append((len(matched), key, matched, errors))
    if not attempts:
        raise InputError("缺少参赛编号（准考证号）或身份证号列 / no column identifies the "
                         "competitors", file=table.file, field=KEY_FIELDS)
    attempts.sort(key=lambda a: -a[0])
    tried = " / ".join(table.label(a[1]) for a in attempts)
    best = attempts[0][3]
    if len(attempts) == 1:
        raise InputErrors(best)
    note = InputError(f"no column identifies every row (tried {tried}); the rows below are "
                      f"not identified by {table.label(attempts[0][1])} "
                      f"(没有一列能识别所有考生)", file=table.file,
                      field=table.label(attempts[0][1]))
    raise InputErrors([note, *best])
