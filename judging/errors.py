"""Errors the product knows about, each with the exit status of docs/cli.md."""

from __future__ import annotations


class JiangxinError(Exception):
    """A known, user-facing error. ``exit_code`` follows docs/cli.md."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(JiangxinError):
    """Bad input or usage (exit 2). Names the file, row and field where known.

    ``row`` is the spreadsheet row: the header is row 1, the first data row is row 2.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.field = field
        parts = []
        if file:
            parts.append(str(file))
        if row is not None:
            parts.append(f"row {row} (第{row}行)")
        if field:
            parts.append(f"field {field}")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.detail = message


class InputErrors(InputError):
    """Several input errors found in one file; the whole file is refused."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        lines = [str(e) for e in errors]
        super().__init__("\n".join(lines))
        self.file = first.file
        self.row = first.row
        self.field = first.field


class StateError(JiangxinError):
    """An operation not possible in the contest's current state (exit 2)."""

    exit_code = 2


class VerificationFailed(JiangxinError):
    """Tampered, wrong key, bad signature, broken chain (exit 3)."""

    exit_code = 3


class Revoked(JiangxinError):
    """The certificate is revoked (exit 4)."""

    exit_code = 4


class NotAllowed(JiangxinError):
    """Wrong PIN, locked out, or the role may not do this (exit 5)."""

    exit_code = 5


class StorageError(JiangxinError):
    """Disk full, read-only, corrupt or locked database, in plain words (exit 1 but known)."""

    exit_code = 1
