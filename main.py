"""Jiangxin (匠心): with no subcommand the desktop app, otherwise a headless command."""

from __future__ import annotations

import argparse
import sys

SUBCOMMANDS = {"demo", "init", "competitors", "draw", "marks", "times", "theory", "status",
               "lock", "unlock", "decrypt", "results", "publish", "clock", "resolve",
               "override", "audit", "backup", "certificates", "verify", "export", "hq",
               "merge", "forms", "scheme", "check", "restore", "template", "trust", "-h",
               "--help"}
# (marks disagreements and draw verify live under their groups: cli/integrity_commands.py)


def _hq_window(args: argparse.Namespace) -> int:
    from ui.hq_window import run_hq_window

    return run_hq_window(getattr(args, "hq", None))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if any(a in SUBCOMMANDS for a in args[:1]):
        from cli.commands import WINDOWS, run

        WINDOWS["hq"] = _hq_window
        try:
            return run(args)
        finally:
            try:  # a reader gone away (`| head`) must not turn the flush at exit into noise
                sys.stdout.flush()
            except BrokenPipeError:
                import os

                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    from ui.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
