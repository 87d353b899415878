"""CSV files that Excel and WPS open as they are meant, and that never run.

Every CSV the product writes to a file is UTF-8 with a BOM (Excel on Chinese Windows reads a
file without it as GBK: mojibake), with Chinese headers first and the English name beside
(``名次 place``). Cells are written so that nothing in them runs (OWASP, CSV injection): a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``,
so a spreadsheet shows it as text; numbers the product computes (``-1.5`` is not a formula) are
left alone. Workstation numbers are written as ``="05"`` (a constant of ours, not the user's
text) so that Excel keeps the leading zero instead of showing 5.

The results CSV on standard output (``results --csv`` without ``--out``) keeps its plain form
for scripts: :func:`db.ops.results.results_csv`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these may be read as a formula (OWASP CSV injection)."""

_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")

STATUS_WORDS = {"ok": "正常", "absent": "缺考", "withdrawn": "弃权", "terminated": "终止比赛",
                "disqualified": "取消资格"}
"""Contracts §6 statuses in words."""

RESULT_COLUMNS: list[tuple[str, str]] = [
    ("place", "名次"), ("station", "工位号"), ("candidate", "参赛编号"), ("name", "姓名"),
    ("unit", "单位"), ("theory", "理论成绩"), ("practical", "实操成绩"), ("total", "总成绩"),
    ("time_used", "用时"), ("status", "状态"), ("award", "奖项"), ("title", "称号"),
    ("grade", "等级"), ("scale", "标准分"),
]


def safe_text(value: object) -> str:
    """A cell's text that no spreadsheet runs: a leading ``'`` before ``= + - @``, tab or CR.

    A plain number (``-1.5``, ``80.30``) is a number, not a formula, and stays as it is.
    """
    text = "" if value is None else str(value)
    if text.startswith(DANGEROUS_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              *, raw_columns: Iterable[int] = ()) -> int:
    """Write a CSV for Excel: UTF-8 with BOM, CRLF, every cell through :func:`safe_text`.

    ``raw_columns`` are indices whose values the product made itself and wrote in their final
    form (``="05"``); they are not escaped. Returns the number of data rows.
    """
    raw = set(raw_columns)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([safe_text(h) for h in header])
    n = 0
    for row in rows:
        w.writerow([("" if v is None else str(v)) if i in raw else safe_text(v)
                    for i, v in enumerate(row)])
        n += 1
    Path(path).write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return n


def _hms(seconds: object) -> str:
    if seconds is None or seconds == "":
        return ""
    s = int(str(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _as_text(value: object) -> str:
    """``="05"``: Excel shows 05, as text (the value is ours: digits and letters only)."""
    text = "" if value is None else str(value)
    if re.fullmatch(r"[0-9A-Za-z\-]+", text) and text[:1].isdigit():
        return f'="{text}"'
    return safe_text(text)


def results_rows(data: Mapping[str, Any]) -> tuple[list[str], list[list[object]]]:
    """The header (``名次 place`` …) and rows of an event's results for Excel."""
    rows = list(data.get("rows", []))
    columns = [(k, zh) for k, zh in RESULT_COLUMNS
               if k != "scale" or any("scale" in r for r in rows)]
    header = [f"{zh} {k}" for k, zh in columns]
    out: list[list[object]] = []
    for r in rows:
        line: list[object] = []
        for key, _ in columns:
            if key == "time_used":
                line.append(_hms(r.get("time_used_s")))
            elif key == "status":
                line.append(STATUS_WORDS.get(str(r.get("status")), r.get("status")))
            elif key == "station":
                line.append(_as_text(r.get("station")))
            else:
                value = r.get(key)
                line.append("" if value is None else value)
        out.append(line)
    return header, out


def write_results_csv(data: Mapping[str, Any], path: str | Path) -> int:
    """``results --csv --out FILE``: the results of one event as a CSV Excel opens well."""
    header, rows = results_rows(data)
    station = [i for i, h in enumerate(header) if h.endswith(" station")]
    return write_csv(path, header, rows, raw_columns=station)
