"""The layering holds at run time: the core and the command line never load Qt.

lint-imports (pyproject.toml) checks the import graph statically; this test imports every
module of judging/, db/, printing/ and cli/ in a fresh interpreter, and runs a headless
command, and looks at what was actually loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
names = []
for package in ("judging", "db", "printing", "cli"):
    names.append(package)
    mod = importlib.import_module(package)
    for info in pkgutil.walk_packages(mod.__path__, package + "."):
        names.append(info.name)
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names,
                  "qt": sorted(m for m in sys.modules
                               if m.split(".")[0] in ("PySide6", "shiboken6", "ui"))}))
"""


def _probe(code: str) -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_core_and_the_cli_loads_no_qt() -> None:
    found = _probe(PROBE)
    assert len(found["imported"]) > 40  # every module really was imported
    assert "cli.exchange_commands" in found["imported"]
    assert "db.ops.certificates" in found["imported"]
    assert found["qt"] == []


def test_a_headless_command_loads_no_qt(tmp_path: Path) -> None:
    code = (f"import json, sys; from cli.commands import run; "
            f"rc = run(['demo', '--db', {str(tmp_path / 'demo.db')!r}, '--size', '4']); "
            "print(json.dumps({'imported': [str(rc)], 'qt': sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))}))")
    found = _probe(code)
    assert found["imported"] == ["0"]
    assert found["qt"] == []


def test_the_probe_sees_qt_when_it_is_loaded() -> None:
    # the probe itself can fail: importing a screen does load Qt
    found = _probe(PROBE.replace('("judging", "db", "printing", "cli")', '("ui.state",)')
                   .replace("pkgutil.walk_packages(mod.__path__, package + \".\")", "[]"))
    assert "PySide6" in found["qt"]
