"""Set-up checks the platform the app itself uses (issue 17: `bootstrap.py setup` said ok, then
the app failed with "Could not load the Qt platform plugin xcb": libxcb-icccm4 and
libxcb-keysyms1 were missing, because set-up had tried Qt offscreen only)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bootstrap  # noqa: E402

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux's")


@linux
def test_the_xcb_plugin_is_read_for_real_and_nothing_is_missing_here() -> None:
    plugin = bootstrap.xcb_plugin()
    if plugin is None or not shutil.which("ldd"):
        pytest.skip("no xcb plugin or no ldd here")
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    assert "libxcb-icccm.so.4" in out and "libxcb-keysyms.so.1" in out  # what it needs
    assert bootstrap.xcb_missing() == []  # this machine was set up by bootstrap


def test_missing_libraries_are_named_and_mapped_to_their_debian_packages(monkeypatch) -> None:
    ldd = ("\tlibQt6XcbQpa.so.6 => /x/libQt6XcbQpa.so.6 (0x1)\n"
           "\tlibxcb-icccm.so.4 => not found\n\tlibxcb-keysyms.so.1 => not found\n"
           "\tlibX11-xcb.so.1 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x2)\n")
    monkeypatch.setattr(bootstrap, "xcb_plugin", lambda: Path("/x/libqxcb.so"))
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(bootstrap.subprocess, "run",
                        lambda *a, **k: SimpleNamespace(stdout=ldd, returncode=0))
    missing = bootstrap.xcb_missing()
    assert missing == ["libX11-xcb.so.1", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert [bootstrap.deb_for(m) for m in missing] == ["libx11-xcb1", "libxcb-icccm4",
                                                       "libxcb-keysyms1"]
    assert bootstrap.deb_for("libxcb-render-util.so.0") == "libxcb-render-util0"
    assert bootstrap.deb_for("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


@linux
def test_set_up_installs_what_the_desktop_platform_lacks(monkeypatch, capsys) -> None:
    found = [["libxcb-icccm.so.4", "libxcb-keysyms.so.1"], []]  # before, after apt-get
    commands: list[tuple[str, ...]] = []
    monkeypatch.setattr(bootstrap, "xcb_missing", lambda: found.pop(0))
    monkeypatch.setattr(bootstrap, "xcb_probe", lambda: None)
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 0)
    monkeypatch.setattr(bootstrap, "run", lambda *cmd, **kw: commands.append(cmd) or 0)
    bootstrap.ensure_desktop_platform()
    install = next(c for c in commands if "install" in c)
    assert "libxcb-icccm4" in install and "libxcb-keysyms1" in install
    assert "warning" not in capsys.readouterr().err  # fixed: no complaint


@linux
def test_set_up_says_what_to_install_when_it_cannot(monkeypatch, capsys) -> None:
    monkeypatch.setattr(bootstrap, "xcb_missing", lambda: ["libxcb-icccm.so.4"])
    monkeypatch.setattr(bootstrap, "xcb_probe", lambda: None)
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 1000)  # not root: no apt-get
    bootstrap.ensure_desktop_platform()
    err = capsys.readouterr().err
    assert "libxcb-icccm.so.4" in err and "apt-get install" in err and "libxcb-icccm4" in err
