"""Registers the commands that live beside the engine's (certificates, verify, export, hq)."""

from __future__ import annotations

import importlib
import importlib.util

for _name in ("cli.printing_commands", "cli.exchange_commands", "cli.care_commands",
              "cli.sheet_commands", "cli.workbook_commands", "cli.trust_commands",
              "cli.integrity_commands", "cli.print_commands", "cli.seal_commands"):
    if importlib.util.find_spec(_name) is not None:
        importlib.import_module(_name)
