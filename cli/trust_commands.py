"""The chain of trust on the command line: pinning headquarters' root key (`trust pin`), and
headquarters' root key, short-code look-up and verification page (`hq root-key|verify|verifier`).
"""

from __future__ import annotations

import argparse
import sys
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


def _hq(args: argparse.Namespace) -> Any:
    from db.hq.store import Headquarters

    return Headquarters.open(args.hq)


def cmd_hq_root_key(args: argparse.Namespace) -> int:
    from db.keys.trust import fingerprint

    hq = _hq(args)
    public = hq.hq_public_key()  # made now if new (needs JIANGXIN_HQ_PASSPHRASE)
    print(f"headquarters' root key (fingerprint {fingerprint(public)}); verifiers pin it with "
          "`jiangxin trust pin HEX` / 总部根公钥：")
    print(public.hex())
    return 0


def cmd_hq_verify(args: argparse.Namespace) -> int:
    """A short code typed by a person, looked up in headquarters' register."""
    from db.hq import register
    from db.keys import certificate_check as cc
    from db.keys import trust
    from judging.errors import InputError

    hq = _hq(args)
    if not cc.is_short_code(args.code):
        raise InputError("a short code is 10 characters (XXXXX-XXXXX) as printed under the QR "
                         "/ 验证码为10个字符", field="CODE")
    found = register.find_short_code(hq, args.code)
    if not found:
        print(f"未登记 NOT ON RECORD: no certificate on headquarters' record has the short code "
              f"{args.code} / 总部登记中没有此验证码", file=sys.stderr)
        return 3
    tl = trust.load_trust_text(register.trust_text(hq), hq.hq_public_key())
    keys = cc.keys_from_trust(tl, "headquarters")
    verdicts = []
    for row in found:  # each is checked like a scanned QR code, against the record
        v = cc.check_text(row.qr_text, keys, f"registered {row.registered_at[:10]}")
        verdicts.append(v)
        from cli.printing_commands import _print_verdict

        _print_verdict(v)
    return cc.worst_exit(verdicts)


def cmd_hq_verifier(args: argparse.Namespace) -> int:
    from db.hq import register
    from db.keys import trust, verifier_page

    hq = _hq(args)
    if args.url:
        register.set_verify_url(hq, args.url)
    text = register.trust_text(hq)
    tl = trust.load_trust_text(text, hq.hq_public_key())
    path = verifier_page.write_page(tl, args.out)
    size = path.stat().st_size
    print(f"wrote {path}: {size} bytes, {len(tl.keys)} contest keys, "
          f"{sum(len(e.records) for e in tl.keys.values())} certificates on record, "
          f"{len(tl.revoked)} revocations; put it at {tl.verify_url or '(no address set: --url)'}")
    if size > verifier_page.MAX_BYTES:
        print(f"warning: the page is over {verifier_page.MAX_BYTES} bytes", file=sys.stderr)
    return 0


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    group = sub.add_parser("trust", help="headquarters' root key as this computer trusts it")
    commands.GROUPS["trust"] = tr = group.add_subparsers(dest="sub", required=True)
    sp = cmd("pin", cmd_trust_pin, "pin headquarters' root key (64 hex, from `hq root-key`)",
             parent=tr, needs_db=False, writes=False)
    sp.add_argument("hex", help="headquarters' root public key, 64 hex digits")
    cmd("show", cmd_trust_show, "the pinned headquarters key", parent=tr, needs_db=False,
        writes=False)
    hq_cmd = commands.GROUPS.get("hq_cmd")
    if hq_cmd is None:  # the hq group comes from cli/exchange_commands.py
        return
    hq_cmd("root-key", cmd_hq_root_key, "headquarters' root public key (64 hex, last line)")
    sp = hq_cmd("verify", cmd_hq_verify, "look a typed short code up in the register")
    sp.add_argument("code", metavar="CODE")
    sp = hq_cmd("verifier", cmd_hq_verifier, "write the static verification page DIR/index.html")
    sp.add_argument("--out", required=True, metavar="DIR")
    sp.add_argument("--url", help="the address the page will be put at (kept; certificates' "
                                  "competition files must name the same)")


commands.EXTENSIONS.append(register)
