"""The chain of trust on the command line: pinning headquarters' root key (`trust pin`), and
headquarters' root key, short-code look-up and verification page (`hq root-key|verify|verifier`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from cli import commands


def cmd_trust_pin(args: argparse.Namespace) -> int:
    from db.keys import trust

    public = trust.parse_hq_key(args.hex, "HEX")
    path = trust.pin_hq_key(public)
    print(f"pinned headquarters' key {trust.fingerprint(public)} in {path} / 已固定总部公钥")
    return 0


def cmd_trust_show(args: argparse.Namespace) -> int:
    from db.keys import trust

    public = trust.pinned_hq_key()
    if public is None:
        print("no headquarters key pinned (jiangxin trust pin HEX) / 尚未固定总部公钥")
        return 3
    print(f"pinned headquarters' key {trust.fingerprint(public)}")
    print(public.hex())
    return 0


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    group = sub.add_parser("trust", help="headquarters' root key as this computer trusts it")
    commands.GROUPS["trust"] = tr = group.add_subparsers(dest="sub", required=True)
    sp = cmd("pin", cmd_trust_pin, "pin headquarters' root key (64 hex, from `hq root-key`)",
             parent=tr, needs_db=False, writes=False)
    sp.add_argument("hex", help="headquarters' root public key, 64 hex digits")
    cmd("show", cmd_trust_show, "the pinned headquarters key", parent=tr, needs_db=False,
        writes=False)


commands.EXTENSIONS.append(register)
