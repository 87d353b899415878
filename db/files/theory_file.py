"""Theory scores from CSV or XLSX (contracts §5), including exam systems' own exports."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from db.files.competitor_file import event_lookup
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


def _parse(
    table: Table, row: TableRow, events: dict[str, str], single: str | None
) -> tuple[TheoryRow | None, list[InputError]]:
    def err(message: str, key: str) -> InputError:
        return InputError(message, file=table.file, row=row.number, field=table.label(key))

    problems: list[InputError] = []
    raw_event = row.get("event")
    event = events.get(raw_event.casefold()) if raw_event else single
    if event is None:
        if raw_event:
            problems.append(err(f"unknown event “{raw_event}” (赛项“{raw_event}”不存在)", "event"))
        else:
            problems.append(err("the event is empty (赛项为空)", "event"))
    candidate = row.get("candidate").upper() or None
    id_number: str | None = None
    if row.get("id_number"):
        try:
            id_number = validate_id_number(
                row.get("id_number"), stored_as_number=row.is_number("id_number")
            )
        except ValueError as exc:
            problems.append(err(str(exc), "id_number"))
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
    return TheoryRow(row.number, event, candidate, id_number, theory), []


def read_theory(
    path: str | Path, known_events: Collection[str] | Mapping[str, str]
) -> list[TheoryRow]:
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
            "missing column candidate / 参赛编号 / 准考证号 or id_number / 身份证号 "
            "(缺少参赛编号或身份证号列)", file=table.file, field="candidate",
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
    return rows
