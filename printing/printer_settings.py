"""Per-printer settings of this laptop (not of the contest): the 套打 offsets.

Pre-printed certificate stock lands a little differently in every printer's paper path, so
the offset that puts the variable text into the blanks belongs to the printer on this laptop.
They live in ``printers.json`` beside the app's settings file (JIANGXIN_CONFIG's folder, else
the user's configuration folder), keyed by the printer's name:
``{"printers": {"HP LaserJet": {"dx_mm": 1.5, "dy_mm": -2.0}}}``. dx moves the print right,
dy moves it down, as measured with a ruler on the calibration page.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from judging.errors import InputError

MAX_OFFSET_MM = 50.0
DEFAULT_KEY = "(default)"  # the system's default printer, when no name was given


def settings_path() -> Path:
    env = os.environ.get("JIANGXIN_CONFIG")
    if env:
        return Path(env).parent / "printers.json"
    import platformdirs

    return Path(platformdirs.user_config_dir("jiangxin")) / "printers.json"


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"printers": {}}
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the printer settings: {exc} / 打印机设置文件无法读取",
                         file=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("printers", {}), dict):
        raise InputError("not a printer settings file / 打印机设置文件格式不对", file=str(path))
    data.setdefault("printers", {})
    return data


def offsets(printer: str | None) -> tuple[float, float]:
    """The remembered (dx_mm, dy_mm) of ``printer`` (0, 0 when never calibrated)."""
    entry = _load(settings_path())["printers"].get(printer or DEFAULT_KEY, {})
    return float(entry.get("dx_mm", 0.0)), float(entry.get("dy_mm", 0.0))


def set_offsets(printer: str | None, dx_mm: float, dy_mm: float) -> Path:
    """Remember the offsets of ``printer``; returns the settings file."""
    for name, value in (("dx_mm", dx_mm), ("dy_mm", dy_mm)):
        if not -MAX_OFFSET_MM <= value <= MAX_OFFSET_MM:
            raise InputError(f"an offset of {value} mm is more than {MAX_OFFSET_MM:g} mm: "
                             "measure again on the calibration page / 偏移量过大", field=name)
    path = settings_path()
    data = _load(path)
    data["printers"][printer or DEFAULT_KEY] = {"dx_mm": round(dx_mm, 2),
                                                "dy_mm": round(dy_mm, 2)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def all_offsets() -> dict[str, tuple[float, float]]:
    return {name: (float(v.get("dx_mm", 0)), float(v.get("dy_mm", 0)))
            for name, v in _load(settings_path())["printers"].items()}
