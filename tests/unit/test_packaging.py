"""Packaging: the version from the package metadata everywhere, and the top-level name guard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import main as main_module
from db.store.connection import APP_VERSION
from tests.conftest import cli, copy_db

ROOT = Path(__file__).resolve().parents[2]


def test_version_comes_from_the_package_metadata(capsys) -> None:
    assert APP_VERSION == metadata.version("jiangxin") != "0+unknown"
    assert main_module.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"jiangxin {APP_VERSION}"


def test_the_console_script_prints_the_version() -> None:
    exe = Path(sys.executable).with_name("jiangxin")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"jiangxin {metadata.version('jiangxin')}"


def test_the_results_file_names_the_software_version(example_cache, tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    copy_db(example_cache("decrypted"), db)
    out = tmp_path / "r.jxr"
    assert cli("export", "--out", out, "--db", db, who="admin") == 0
    raw = out.read_bytes()
    if raw[:2] == b"PK":
        with zipfile.ZipFile(out) as z:
            raw = z.read(z.namelist()[0])
    body = json.loads(raw)
    body = body.get("body", body)
    assert body["software"] == {"name": "jiangxin", "version": metadata.version("jiangxin")}


def _fake_distribution(site: Path, top_level: str) -> None:
    info = site / "acme_tools-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tools\nVersion: 1.0\n")
    (info / "top_level.txt").write_text(f"{top_level}\n")
    (site / top_level).mkdir()
    (site / top_level / "__init__.py").write_text("")


def test_another_distribution_with_our_top_level_name_fails_loudly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_distribution(site, "printing")
    env = dict(os.environ, PYTHONPATH=str(site))
    run = subprocess.run([sys.executable, "-c", "import sys, main; sys.exit(main.main())",
                          "--version"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert run.returncode == 1
    assert "'printing'" in run.stderr and "acme-tools" in run.stderr
    assert run.stdout == ""  # refused before doing anything


def test_no_clash_in_a_clean_environment() -> None:
    assert main_module.top_level_clashes() == {}
