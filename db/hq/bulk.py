"""Importing many results files: files, folders and wildcards, several processes, progress.

Used by ``jiangxin hq import`` and the headquarters window. Wildcards are expanded here (so
``venue-*.jxr`` works from Windows' ``cmd``, which passes it as it is); a folder gives every
``*.jxr`` under it. With ``jobs`` > 1, that many processes import at once, each with its own
connection: on PostgreSQL they write side by side (each file one transaction, under the
file's and its contest's advisory locks); on SQLite they read and verify side by side and
write one at a time.
"""

from __future__ import annotations

import glob
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.hq.importer import Receipt
from judging.errors import InputError, JiangxinError, StorageError, VerificationFailed

SUFFIXES = (".jxr",)
Result = Receipt | JiangxinError


def expand(args: Sequence[str | Path]) -> list[Path]:
    """Files as given, folders' ``*.jxr`` (sorted, with subfolders) and wildcards (sorted);
    each file once, in the order given. A wildcard or folder with no file is bad input."""
    out: list[Path] = []
    seen: set[str] = set()

    def take(p: Path) -> None:
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            out.append(p)
    for arg in args:
        text = str(arg)
        if any(c in text for c in "*?["):  # a wildcard, expanded here (Windows: cmd does not)
            found = sorted(glob.glob(text, recursive=True))
            files = [Path(f) for f in found if Path(f).is_file()]
            for d in (Path(f) for f in found if Path(f).is_dir()):
                files += _folder(d)
            if not files:
                raise InputError("no file matches / 没有匹配的文件", file=text)
            for f in files:
                take(f)
        elif Path(text).is_dir():
            files = _folder(Path(text))
            if not files:
                raise InputError("the folder holds no results file (*.jxr) / 文件夹中没有结果文件",
                                 file=text)
            for f in files:
                take(f)
        else:
            take(Path(text))  # a missing file is reported by the import, with the others
    return out


def _folder(d: Path) -> list[Path]:
    return sorted((p for p in d.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()),
                  key=lambda p: str(p))


@dataclass
class Progress:
    """Where a bulk import stands; ``line()`` is what the progress line shows."""

    total: int
    done: int = 0
    imported: int = 0
    replaced: int = 0
    duplicate: int = 0
    refused: list[tuple[str, JiangxinError]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def count(self, path: str, result: Result) -> None:
        self.done += 1
        if isinstance(result, JiangxinError):
            self.refused.append((path, result))
        elif result.status == "duplicate":
            self.duplicate += 1
        elif result.status == "replaced":
            self.replaced += 1
        else:
            self.imported += 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def line(self) -> str:
        rate = self.done / self.elapsed if self.elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        pct = 100 * self.done // self.total if self.total else 100
        return (f"[{self.done}/{self.total}] {pct}%  imported {self.imported}, replaced "
                f"{self.replaced}, already held {self.duplicate}, refused {len(self.refused)}"
                f"  {rate:.1f} files/s, {_clock(left)} left / 剩余")

    def summary(self) -> str:
        lines = [f"{self.done} files in {self.elapsed:.1f} s: {self.imported} imported, "
                 f"{self.replaced} replaced, {self.duplicate} already held, "
                 f"{len(self.refused)} refused / 共{self.done}个文件：导入{self.imported}，"
                 f"替换{self.replaced}，已有{self.duplicate}，拒绝{len(self.refused)}"]
        if self.refused:
            lines.append("refused / 拒绝:")
            lines += [f"  {err}" if Path(path).name in str(err) else f"  {path}: {err}"
                      for path, err in self.refused]
        return "\n".join(lines)

    @property
    def exit_code(self) -> int:
        return max((e.exit_code for _, e in self.refused), default=0)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


def import_many(target: str | Path, paths: Sequence[str | Path], *, jobs: int = 1,
                on_result: Callable[[str, Result, Progress], None] | None = None,
                **options: Any) -> Progress:
    """Import ``paths`` into the headquarters at ``target``; ``on_result`` after each file.

    ``options`` are :meth:`Importer.import_file`'s (accept_key, force, dry_run, operator).
    A storage failure stops the import and is raised (files already committed stay; importing
    again is safe: they are no-ops).
    """
    progress = Progress(len(paths))

    def tick(path: str, result: Result) -> None:
        progress.count(path, result)
        if on_result is not None:
            on_result(path, result, progress)
    if jobs <= 1 or len(paths) <= 1:
        from db.hq.store import Headquarters

        hq = Headquarters.open(target)
        try:
            hq.import_files(paths, on_result=tick, **options)
        finally:
            hq.close()
        return progress
    ctx = multiprocessing.get_context("spawn")  # the same on Windows and Linux
    with ctx.Pool(jobs, initializer=_worker_open, initargs=(str(target),)) as pool:
        for path, kind, payload in pool.imap_unordered(
                _worker_import, ((str(p), options) for p in paths), chunksize=1):
            if kind == "storage":
                pool.terminate()
                raise StorageError(payload)
            tick(path, _result(kind, payload))
    return progress


def _result(kind: str, payload: Any) -> Result:
    if kind == "receipt":
        return Receipt(**payload)
    kinds: dict[str, type[JiangxinError]] = {"VerificationFailed": VerificationFailed,
                                             "InputError": InputError}
    err = kinds.get(str(payload[0]), JiangxinError)(str(payload[1]))
    err.exit_code = int(payload[2])
    return err


_hq: Any = None


def _worker_open(target: str) -> None:
    global _hq
    from db.hq.store import Headquarters

    _hq = Headquarters.open(target)


def _worker_import(job: tuple[str, dict[str, Any]]) -> tuple[str, str, Any]:
    path, options = job
    try:
        receipt = _hq.import_file(path, **options)
    except StorageError as exc:
        return path, "storage", str(exc)
    except JiangxinError as exc:
        return path, "error", (type(exc).__name__, str(exc), exc.exit_code)
    return path, "receipt", receipt.as_dict()
