"""A throwaway PostgreSQL server for the tests: Debian's binaries, initdb into a temporary
folder, listening on a Unix socket there only, stopped and removed at the end.

As root, the server runs as the user ``nobody`` (PostgreSQL refuses to run as root). When no
server binaries are installed (``python3 scripts/bootstrap.py test`` installs Debian's
``postgresql`` package), :func:`find_bin` says so and the tests that need it are skipped.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "jiangxin"


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian puts it under /usr/lib)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


TEST_SETTINGS = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off",
                 "max_connections": "60", "shared_buffers": "64MB"}


class Server:
    """``settings``: postgres -c options; the tests' default trades durability for speed
    (bench/bench_hq.py passes durable ones)."""

    def __init__(self, bindir: Path, *, settings: dict[str, str] | None = None,
                 parent: str | None = None) -> None:
        self.bindir = bindir
        self.settings = TEST_SETTINGS if settings is None else settings
        self.root = Path(tempfile.mkdtemp(prefix="jx-pg-", dir=parent))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self._names = itertools.count(1)
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "nobody", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, "nobody")
            os.chmod(self.root, 0o755)
        r = self._run(self.bindir / "initdb", "-D", str(self.data), "-U", SUPERUSER,
                      "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr or r.stdout}")
        opts = f"-k {self.root} -c listen_addresses=''" + "".join(
            f" -c {k}={v}" for k, v in self.settings.items())
        r = self._run(self.bindir / "pg_ctl", "-D", str(self.data), "-l", str(self.log),
                      "-o", opts, "-w", "-t", "60", "start")
        if r.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"postgres did not start: {r.stderr or r.stdout}\n{log}")
        self.started = True

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{dbname}?host={self.root}"

    def new_database(self) -> str:
        """A new, empty database on the server; its URL."""
        import psycopg

        name = f"hq_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            self._run(self.bindir / "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w",
                      "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)
