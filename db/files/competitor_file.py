"""Competitor lists from CSV or XLSX (docs/formats.md): per-row checks, preview, all-or-nothing."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db.files.tables import Table, TableRow, read_table
from judging.errors import InputError, InputErrors
from judging.idnumber import EXCEL_HINT, mask_id_number, validate_id_number

COLUMNS: dict[str, list[str]] = {
    "name": ["姓名", "名字", "参赛选手", "选手姓名", "参赛人员", "full name"],
    "id_number": [
        "身份证号", "身份证号码", "身份证", "证件号码", "证件号", "公民身份号码", "身份证件号码",
        "id", "id no", "id card", "id number", "resident id",
    ],
    "gender": ["性别", "sex"],
    "unit": ["单位", "工作单位", "单位名称", "所在单位", "推荐单位", "选送单位", "企业",
             "employer"],
    "region": ["地区", "所在地区", "地市", "市州", "所属地区", "area", "city"],
    "event": ["赛项", "比赛项目", "竞赛项目", "参赛项目", "项目", "工种", "参赛工种", "event id"],
}
"""Accepted header names per canonical column, in order of preference."""

MAX_NAME = 64
"""Names and units longer than this many characters are refused at import."""
CERTIFICATE_TEXT_BYTES = 0x7F
"""A printed field of a certificate's signed QR code holds at most this many bytes
(judging/certificate_payload.py: UTF-8 or UTF-16, whichever is shorter)."""

GENDERS = {
    "男": "男", "男性": "男", "m": "男", "male": "男",
    "女": "女", "女性": "女", "f": "女", "female": "女",
}


@dataclass(frozen=True)
class CompetitorRow:
    """One competitor as read from the file; ``row`` is the spreadsheet row number."""

    row: int
    name: str
    id_number: str
    gender: str | None
    unit: str | None
    region: str | None
    event: str


class Preview(list[tuple[int, CompetitorRow | None, list[InputError]]]):
    """Every data row: (row number, its competitor or None, its problems); ``labels`` are the
    file's own headers for our columns (``{"id_number": "身份证号码", …}``), for messages."""

    labels: dict[str, str]

    def __init__(self, labels: dict[str, str] | None = None) -> None:
        super().__init__()
        self.labels = dict(labels or {})


LABELS = {"name": "姓名", "id_number": "身份证号", "event": "赛项", "unit": "单位",
          "candidate": "参赛编号", "station": "工位号", "theory": "理论成绩"}
"""The header a message names when the file's own is not known (the organiser's words)."""


def field_label(labels: Mapping[str, str] | None, key: str) -> str:
    """The header of ``key`` as the file wrote it, else as the organiser's template says it."""
    return (labels or {}).get(key) or LABELS.get(key, key)


def _spelling(text: str) -> str:
    return re.sub(r"[\s()\[\]（）【】_\-·]+", "", text).casefold()


def event_lookup(known_events: Collection[str] | Mapping[str, str]) -> dict[str, str]:
    """Accepted spelling (folded) → event id. A mapping adds spellings (e.g. names).

    Spellings are compared without case, spaces and brackets: ``工具钳工 (职工组)`` is
    ``工具钳工职工组``. A spelling two events share (one name, two groups) is dropped, so only
    the longer spellings name them.
    """
    lookup: dict[str, str] = {}
    shared: set[str] = set()
    if isinstance(known_events, Mapping):
        for spelling, event_id in known_events.items():
            key = _spelling(spelling)
            if lookup.get(key, event_id) != event_id:
                shared.add(key)
            lookup[key] = event_id
    for event_id in (known_events.values() if isinstance(known_events, Mapping)
                     else known_events):
        lookup[_spelling(event_id)] = event_id
        shared.discard(_spelling(event_id))
    for key in shared:
        del lookup[key]
    return lookup


def event_spellings(events: Iterable[Any]) -> dict[str, str]:
    """Name, name with group → id, for every event of a competition (``Event`` objects)."""
    listed = list(events)
    names = [e.name for e in listed]
    out: dict[str, str] = {}
    for e in listed:
        if names.count(e.name) == 1:  # one name, two groups: only name + group tells them apart
            out[e.name] = e.id
        if getattr(e, "group", ""):
            out[f"{e.name}{e.group}"] = e.id
    return out


def match_event(raw: str, lookup: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The event a cell names, by id or name, or the start of one (``工具`` for 工具钳工).

    Returns (event id, None) or (None, the problem in both languages).
    """
    key = _spelling(raw)
    if key in lookup:
        return lookup[key], None
    hits = sorted({event_id for spelling, event_id in lookup.items()
                   if key and spelling.startswith(key)})
    if len(hits) == 1:
        return hits[0], None
    known = ", ".join(sorted(set(lookup.values())))
    if hits:
        return None, (f"“{raw}” could be any of the events {', '.join(hits)}; write more of "
                      f"the name (赛项“{raw}”不唯一: {', '.join(hits)})")
    return None, f"unknown event “{raw}”; known: {known} (赛项“{raw}”不存在)"


def text_problem(value: str, what: str) -> str | None:
    """Why a name or unit cannot be kept: too long for the contest or for its certificate."""
    if len(value) > MAX_NAME:
        return (f"the {what} has {len(value)} characters; at most {MAX_NAME} are kept "
                f"(长度{len(value)}个字, 最多{MAX_NAME}个字)")
    encoded = min(len(value.encode("utf-8")), len(value.encode("utf-16-be")))
    if encoded > CERTIFICATE_TEXT_BYTES:
        return (f"the {what} is too long for a certificate ({encoded} bytes, at most "
                f"{CERTIFICATE_TEXT_BYTES}); shorten it (过长, 无法印在证书上, 请缩短)")
    if "\n" in value:
        return f"the {what} holds a line break; write it on one line (不能换行)"
    return None


def _parse_row(
    table: Table, row: TableRow, events: dict[str, str], single_event: str | None
) -> tuple[CompetitorRow | None, list[InputError]]:
    def err(message: str, key: str) -> InputError:
        return InputError(message, file=table.file, row=row.number, field=table.label(key))

    problems: list[InputError] = []
    name = row.get("name")
    if not name:
        problems.append(err("the name is empty (姓名为空)", "name"))
    elif (why := text_problem(name, "name")) is not None:
        problems.append(err(why, "name"))
    if row.get("unit") and (why := text_problem(row.get("unit"), "unit")) is not None:
        problems.append(err(why, "unit"))
    if row.get("region") and (why := text_problem(row.get("region"), "region")) is not None:
        problems.append(err(why, "region"))
    id_number = ""
    try:
        id_number = validate_id_number(
            row.get("id_number"), stored_as_number=row.is_number("id_number")
        )
    except ValueError as exc:
        problems.append(err(str(exc), "id_number"))
    raw_event = row.get("event")
    event, why = match_event(raw_event, events) if raw_event else (single_event, None)
    if event is None:
        problems.append(err(why or "the event is empty (赛项为空)", "event"))
    raw_gender = row.get("gender")
    gender: str | None = None
    if raw_gender:
        gender = GENDERS.get(raw_gender.casefold())
        if gender is None:
            problems.append(err(f"gender “{raw_gender}” is not 男 or 女 (性别应为男或女)",
                                "gender"))
    if problems or event is None:
        return None, problems
    return (
        CompetitorRow(
            row=row.number,
            name=name,
            id_number=id_number,
            gender=gender,
            unit=row.get("unit") or None,
            region=row.get("region") or None,
            event=event,
        ),
        [],
    )


def _cross_row_problems(table: Table, parsed: Preview) -> None:
    """Add problems that involve two rows: the same person twice in one event, one ID two names."""
    by_key: dict[tuple[str, str], list[CompetitorRow]] = {}
    by_id: dict[str, list[CompetitorRow]] = {}
    for _, competitor, _ in parsed:
        if competitor is not None:
            by_key.setdefault((competitor.id_number, competitor.event), []).append(competitor)
            by_id.setdefault(competitor.id_number, []).append(competitor)
    problems = {number: p for number, _, p in parsed}
    label = table.label("id_number")
    for (_, event), group in by_key.items():
        if len(group) > 1:
            rows = [c.row for c in group]
            for c in group:
                others = ", ".join(str(r) for r in rows if r != c.row)
                problems[c.row].append(InputError(
                    f"the same person is entered twice in event {event}: see row {others} "
                    f"(同一人在赛项{event}中重复, 见第{others}行)",
                    file=table.file, row=c.row, field=label,
                ))
    for group in by_id.values():
        names = {c.name for c in group}
        if len(names) > 1:
            listed = ", ".join(str(c.row) for c in group)
            for c in group:
                problems[c.row].append(InputError(
                    f"one ID number with different names ({', '.join(sorted(names))}) in rows "
                    f"{listed} (同一身份证号对应不同姓名, 第{listed}行)",
                    file=table.file, row=c.row, field=label,
                ))


def _suspect_truncated(table: Table, parsed: Preview) -> None:
    """Refuse IDs ending in 000 when many do: a column Excel stored as numbers (15 digits kept).

    Such a file saved back to CSV holds text like ``230202199908163000``, which passes the check
    character one time in eleven; one ID ending in 000 is normal, many are not.
    """
    suspects = [c for _, c, _ in parsed if c is not None and c.id_number.endswith("000")]
    if len(suspects) < 2 or len(suspects) * 3 < len(parsed):
        return
    problems = {number: p for number, _, p in parsed}
    for c in suspects:
        problems[c.row].append(InputError(
            f"{mask_id_number(c.id_number)}: many ID numbers in this file end in 000; {EXCEL_HINT}",
            file=table.file, row=c.row, field=table.label("id_number"),
        ))


def preview_competitors(
    path: str | Path, known_events: Collection[str] | Mapping[str, str]
) -> Preview:
    """Every data row with its competitor (None when unreadable) and its problems, for a preview.

    ``known_events`` are the event ids, or a mapping from accepted spellings (e.g. event names)
    to ids. With a single event the event column may be left out. Problems of the file itself
    (unreadable, a required column missing, no rows) raise InputError.
    """
    events = event_lookup(known_events)
    ids = set(events.values())
    single = next(iter(ids)) if len(ids) == 1 else None
    required = ["name", "id_number"] + ([] if single else ["event"])
    table = read_table(path, columns=COLUMNS, required=required)
    if not table.rows:
        raise InputError("the file has a header but no competitors (文件没有选手数据)",
                         file=table.file)
    parsed = Preview({k: table.label(k) for k in COLUMNS if table.has(k)})
    for row in table.rows:
        competitor, problems = _parse_row(table, row, events, single)
        parsed.append((row.number, competitor, problems))
    _cross_row_problems(table, parsed)
    _suspect_truncated(table, parsed)
    return parsed


def read_competitors(
    path: str | Path, known_events: Collection[str] | Mapping[str, str]
) -> Rows:
    """All competitors of the file, or InputErrors naming every bad row (nothing is partial)."""
    parsed = preview_competitors(path, known_events)
    problems = [p for _, _, ps in parsed for p in ps]
    if problems:
        raise InputErrors(problems)
    return Rows((c for _, c, _ in parsed if c is not None), parsed.labels)


class Rows(list[CompetitorRow]):
    """The competitors of a file, with the file's own headers (``labels``, see Preview)."""

    def __init__(self, rows: Iterable[CompetitorRow], labels: dict[str, str]) -> None:
        super().__init__(rows)
        self.labels = labels
