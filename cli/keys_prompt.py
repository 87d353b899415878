"""The signing passphrase on the command line: JIANGXIN_PASSPHRASE, else a prompt on a terminal."""

from __future__ import annotations

import getpass
import sys

from db.keys import passphrase as pp
from judging.errors import InputError


def signing_passphrase(*, new: bool = False) -> str:
    """The signing passphrase from JIANGXIN_PASSPHRASE, else asked on a terminal (twice when
    ``new``); NotAllowed (exit 5) when there is neither."""
    value = pp.current()
    if value:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        typed = getpass.getpass("签名口令 / signing passphrase (JIANGXIN_PASSPHRASE): ")
        if typed and new:
            again = getpass.getpass("再输入一次 / again: ")
            if again != typed:
                raise InputError("the two passphrases differ / 两次输入的口令不一致",
                                 field="JIANGXIN_PASSPHRASE")
        if typed:
            return typed
    return pp.required(None)


def print_recovery_phrase(phrase: str) -> None:
    """Shown once, at init: the only copy of the recovery phrase."""
    print("恢复短语（只显示这一次，请抄写并封存；忘记签名口令时用它代替口令）/ recovery phrase "
          "(shown only this once: write it down and seal it; it stands in for a forgotten "
          "signing passphrase):")
    print(f"  {phrase}")
