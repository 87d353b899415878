"""Values as competition-file text (TOML), for the files this program writes: the competition
file read from a workbook (db/files/workbook_read.py) and a scheme sheet's [[event.module]]
tables (db/files/spreadsheets.py). Python's tomllib reads TOML; nothing in the standard
library writes it."""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from typing import Any


def toml_value(value: Any) -> str:
    """A value as competition-file (TOML) text: exact decimals, dates, inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else text + ".0"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()  # a TOML date
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")
