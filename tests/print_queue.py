"""A real CUPS print queue for tests: a private cupsd with a cups-pdf queue writing PDFs.

cupsd runs with its own configuration, spool and socket in a temporary folder (the system's
CUPS, if any, is not touched); the queue's cups-pdf settings go to
/etc/cups/cups-pdf-<queue>.conf (cups-pdf reads them from there only) and are removed at the
end. Needs root (cups-pdf is a root backend) and Debian's cups + printer-driver-cups-pdf,
which scripts/bootstrap.py installs; without them the tests skip, except in CI (CI=true),
where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
BACKEND = Path("/usr/lib/cups/backend/cups-pdf")


@dataclass
class Queue:
    name: str
    server: str  # the socket, for CUPS_SERVER
    out: Path  # where cups-pdf writes what it printed

    def env(self) -> dict[str, str]:
        return dict(os.environ, CUPS_SERVER=self.server)

    def wait_for(self, job_id: str, timeout: float = 90) -> Path:
        """The PDF that came out of the printer for ``job_id`` (e.g. 'jx-1-3')."""
        number = job_id.rsplit("-", 1)[-1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = subprocess.run(["lpstat", "-o", self.name], capture_output=True,
                                     text=True, env=self.env()).stdout
            done = [p for p in self.out.glob(f"*job_{number}*.pdf") if p.stat().st_size]
            if job_id not in pending and done:
                return done[0]
            time.sleep(0.3)
        log = (self.out.parent / "log" / "error_log")
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise AssertionError(f"job {job_id} produced no PDF in {timeout:g} s\n{tail}")


def _missing() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root (cups-pdf is a root backend)"
    for what in ("cupsd", "lp", "lpadmin", "lpstat"):
        if shutil.which(what) is None:
            return f"{what} is not installed (Debian: cups, cups-client)"
    if not PPD.exists() or not BACKEND.exists():
        return "printer-driver-cups-pdf is not installed"
    return None


def start_queue() -> Iterator[Queue]:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must print to a real CUPS queue: {reason}")
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="jiangxin-cups-"))
    base.chmod(0o755)  # the filters run as lp and read the spool
    for d in ("spool", "cache", "state", "log", "out", "root"):
        (base / d).mkdir()
        (base / d).chmod(0o755)
    name = f"jx{os.getpid()}x{int(time.time() * 1000) % 100000}"
    files = (f"ServerRoot {base}/root\nRequestRoot {base}/spool\nCacheDir {base}/cache\n"
             f"StateDir {base}/state\nServerBin /usr/lib/cups\nDataDir /usr/share/cups\n"
             f"AccessLog {base}/log/access_log\nErrorLog {base}/log/error_log\n"
             f"PageLog {base}/log/page_log\nSystemGroup root\nFileDevice Yes\n")
    conf = (f"Listen {base}/cups.sock\nLogLevel info\nWebInterface No\nBrowsing Off\n"
            "DefaultAuthType None\n<Location />\nOrder allow,deny\nAllow all\n</Location>\n"
            "<Policy default>\n<Limit All>\nOrder deny,allow\n</Limit>\n</Policy>\n")
    (base / "cups-files.conf").write_text(files)
    (base / "cupsd.conf").write_text(conf)
    (base / "root" / "cups-files.conf").write_text(files)
    (base / "root" / "cupsd.conf").write_text(conf)
    pdf_conf = Path(f"/etc/cups/cups-pdf-{name}.conf")
    pdf_conf.write_text(f"Out {base}/out\nAnonDirName {base}/out\nLabel 0\nGrp root\n"
                        f"Log {base}/log\nTitlePref 1\n")
    server = f"{base}/cups.sock"
    daemon = subprocess.Popen(["cupsd", "-f", "-c", str(base / "cupsd.conf"),
                               "-s", str(base / "cups-files.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    env = dict(os.environ, CUPS_SERVER=server)
    try:
        for _ in range(100):
            if subprocess.run(["lpstat", "-r"], capture_output=True, env=env,
                              text=True).stdout.startswith("scheduler is running"):
                break
            if daemon.poll() is not None:
                raise AssertionError(f"cupsd stopped: {daemon.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.1)
        subprocess.run(["lpadmin", "-p", name, "-v", f"cups-pdf:/{name}", "-E", "-P",
                        str(PPD)], check=True, capture_output=True, env=env)
        subprocess.run(["lpadmin", "-d", name], check=True, capture_output=True, env=env)
        yield Queue(name, server, base / "out")
    finally:
        daemon.terminate()
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            daemon.kill()
        pdf_conf.unlink(missing_ok=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def cups_queue() -> Iterator[Queue]:
    yield from start_queue()
