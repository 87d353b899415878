"""The layering holds at run time: the core and the command line never load Qt.

lint-imports (pyproject.toml) checks the import graph statically; this test imports every
module of judging/, db/, printing/ and cli/ in a fresh interpreter, and runs a headless
command, and looks at what was actually loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import USERS

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



ISSUE = """
import io, json, sys
from db.ops import certificates as certs
from db.ops.paper_forms import write_form
from db.store.contest import Contest

class Recorder:  # a printer handed in: what issuing asks of it, and nothing of printing/
    def __init__(self):
        self.calls = []
    def check(self, cs, template):
        self.calls.append(("check", len(cs)))
        return []
    def render(self, cs, template, out, progress=None):
        self.calls.append(("render", [x.serial for x in cs]))
        out.write(b"%PDF-")

class Forms:
    def __getattr__(self, name):
        return lambda *args, **kwargs: printed.append(name)

printed = []
c = Contest.open(sys.argv[1])
c.sign_in(*json.loads(sys.argv[2]))
r = Recorder()
certs.set_template(c, orientation="portrait", printer=r)
out = io.BytesIO()
signed = certs.issue_certificates(c, c.session.user, None, out=out, printer=r)
write_form(c, "marking", c.competition.events[0].id, io.BytesIO(), Forms())
print(json.dumps({"imported": [json.dumps(r.calls), out.getvalue().decode(), *printed,
                               str(len(signed))],
                  "qt": sorted(m for m in sys.modules
                               if m.split(".")[0] in ("printing", "reportlab", "qrcode"))}))
"""


def test_issuing_and_forms_run_on_a_printer_handed_in(
        example_db: Callable[[str], Path]) -> None:
    # db/ never imports printing/, not even inside a function: issuing certificates and
    # writing a form in a fresh interpreter load neither printing/ nor reportlab nor qrcode
    db = example_db("decrypted")
    out = subprocess.run([sys.executable, "-c", ISSUE, str(db), json.dumps(USERS["admin"])],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = json.loads(out.splitlines()[-1])
    calls, pdf, *printed, count = found["imported"]
    assert int(count) == 7
    calls = json.loads(calls)
    assert calls[0] == ["check", 0]  # the template's characters, when it is set
    assert calls[1] == ["check", 7]  # the fields, before anything is signed
    assert calls[2][0] == "render" and len(calls[2][1]) == 7
    assert pdf == "%PDF-" and printed == ["marking_sheets"]
    assert found["qt"] == []
