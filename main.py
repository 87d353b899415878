"""Jiangxin (匠心): with no subcommand the desktop app, otherwise a headless command."""

from __future__ import annotations

import argparse
import sys

SUBCOMMANDS = {"demo", "init", "competitors", "draw", "marks", "times", "theory", "status",
               "lock", "unlock", "decrypt", "results", "publish", "clock", "resolve",
               "override", "audit", "backup", "certificates", "verify", "export", "hq",
               "merge", "forms", "scheme", "check", "restore", "template", "trust", "print",
               "officer",
               "-h",
               "--help"}
# (marks disagreements and draw verify live under their groups: cli/integrity_commands.py)
# The top-level names this distribution installs (docs/install.md says why they are generic).
TOP_LEVEL = ("main", "judging", "db", "printing", "ui", "cli", "assets")


def top_level_clashes() -> dict[str, list[str]]:
    """Our top-level modules that another installed distribution provides too, with its names.

    Skipped in the bundle (nothing else is installed there). Reads every distribution's
    metadata, ~0.1 s on a developer's environment.
    """
    if getattr(sys, "frozen", False):
        return {}
    from importlib.metadata import packages_distributions

    found = packages_distributions()
    clashes = {}
    for name in TOP_LEVEL:
        others = sorted({d for d in found.get(name, []) if d.lower() != "jiangxin"})
        if others:
            clashes[name] = others
    return clashes


def version() -> str:
    from db.store.connection import APP_VERSION

    return APP_VERSION


def _hq_window(args: argparse.Namespace) -> int:
    from ui.hq_window import run_hq_window

    return run_hq_window(getattr(args, "hq", None))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    clashes = top_level_clashes()
    if clashes:
        for name, others in clashes.items():
            print(f"jiangxin: the module {name!r} is installed by {', '.join(others)} too; "
                  "Jiangxin cannot run beside it. Install Jiangxin in its own environment "
                  "(python3 scripts/bootstrap.py setup) or use the bundle / 其他软件包占用了同名"
                  f"模块 {name}，请在独立环境中安装匠心", file=sys.stderr)
        return 1
    if args[:1] in (["--version"], ["-V"]):
        print(f"jiangxin {version()}")
        return 0
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
