"""The encryption officer's key: `jiangxin officer key` (docs/security.md, docs/keys.md)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from cli import commands


def officer_passphrase() -> str | None:
    """JIANGXIN_OFFICER_PASSPHRASE, else JIANGXIN_PASSPHRASE, else a prompt on a terminal."""
    from db.keys.officer import passphrase_from_env

    found = passphrase_from_env()
    if found is None and sys.stdin.isatty():
        found = getpass.getpass("加密裁判口令 / encryption officer's passphrase: ") or None
    return found


def cmd_officer_key(args: argparse.Namespace) -> int:
    from db.keys.officer import create_officer_key

    c = commands._open(args)
    kid = create_officer_key(c, officer_passphrase())
    print(f"encryption officer's key {kid} made; draws are sealed to it "
          "/ 已生成加密裁判密钥，抽签结果将加密保存")
    return 0


def cmd_hq_bind(args: argparse.Namespace) -> int:
    """`jiangxin hq bind`: bind a competition to its contest key in advance, or rebind it."""
    import getpass as gp

    from db.hq.bindings import bind
    from db.hq.importer import now
    from db.hq.store import Headquarters

    hq = Headquarters.open(args.hq)
    try:
        kid = hq.register_key(args.key, label=args.label or args.competition,
                              operator=gp.getuser())
        with hq.transaction():
            before = bind(hq.db, args.competition, kid, rebind=args.rebind,
                          reason=args.reason or "", at=now(), operator=gp.getuser())
    finally:
        hq.close()
    if before and before != kid:
        print(f"competition {args.competition}: key {before} -> {kid} ({args.reason}) "
              "/ 已重新绑定")
    else:
        print(f"competition {args.competition} bound to contest key {kid} / 已绑定")
    return 0


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    group = sub.add_parser("officer", help="the encryption officer's key").add_subparsers(
        dest="sub", required=True)
    commands.GROUPS["officer"] = group
    cmd("key", cmd_officer_key, "make the encryption officer's key pair (before the draw)",
        parent=group)
    hq = commands.GROUPS.get("hq")
    if hq is not None:
        sp = cmd("bind", cmd_hq_bind, "bind a competition id to its contest key (or rebind)",
                 parent=hq, needs_db=False, writes=False)
        sp.add_argument("--hq", required=True, help="the headquarters database")
        sp.add_argument("--competition", required=True, help="the competition id")
        sp.add_argument("--key", required=True, metavar="PUBLIC_KEY_HEX")
        sp.add_argument("--label")
        sp.add_argument("--rebind", action="store_true",
                        help="replace the key the competition is bound to (needs --reason)")
        sp.add_argument("--reason")


commands.EXTENSIONS.append(register)
