"""Commands of the results file: export, merge between laptops, and headquarters (hq)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from cli import commands
from cli.commands import _open


def cmd_export(args: argparse.Namespace) -> int:
    from cli.keys_prompt import signing_passphrase
    from db.files.exchange import export

    c = _open(args)
    c.require("export")
    digest = export(c, args.out, passphrase=signing_passphrase()).value
    print(f"wrote {args.out}")
    print(f"SHA-256 {digest}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from db.files.merge import merge_file, new_laptop
    from judging.errors import InputError

    c = _open(args)
    if args.new_laptop:
        if args.file:
            raise InputError("give a FILE to merge or --new-laptop, not both")
        from cli.keys_prompt import signing_passphrase

        path = new_laptop(c, args.new_laptop, passphrase=signing_passphrase())
        print(f"wrote {path}: a copy of this contest for another laptop (its own device id)")
        return 0
    if not args.file:
        raise InputError("which results file? jiangxin merge FILE --db FILE")
    print(merge_file(c, args.file).summary())
    return 0


def _hq(args: argparse.Namespace) -> Any:
    from db.hq.store import Headquarters

    return Headquarters.open(args.hq)


RECEIPTS_SHOWN = 20  # more files than this: the summary, and receipts only with --receipts


def cmd_hq_import(args: argparse.Namespace) -> int:
    from db.hq import bulk
    from judging.errors import JiangxinError

    paths = bulk.expand(args.files)
    show_receipts = not args.json and (args.receipts or len(paths) <= RECEIPTS_SHOWN)
    tty = sys.stderr.isatty()
    every = max(1, len(paths) // 100)
    receipts = []

    def on_result(path: str, result: Any, progress: bulk.Progress) -> None:
        if isinstance(result, JiangxinError):
            if tty:
                sys.stderr.write("\r\x1b[K")
            print(f"jiangxin: {result}", file=sys.stderr)
        else:
            receipts.append(result)
            if show_receipts:
                print(result.text(), flush=True)
        if len(paths) > 1 and (tty or progress.done % every == 0
                               or progress.done == progress.total):
            end = "" if tty and progress.done < progress.total else "\n"
            sys.stderr.write(("\r\x1b[K" if tty else "") + progress.line() + end)
            sys.stderr.flush()
    progress = bulk.import_many(args.hq, paths, jobs=args.jobs, on_result=on_result,
                                accept_key=args.accept_key, force=args.force,
                                dry_run=args.dry_run, operator=getpass.getuser())
    if args.json:
        sys.stdout.write(json.dumps([r.as_dict() for r in receipts], ensure_ascii=False,
                                    indent=1, sort_keys=True) + "\n")
    if len(paths) > 1:
        print(progress.summary(), file=sys.stderr if args.json else sys.stdout)
    return progress.exit_code


def cmd_hq_report(args: argparse.Namespace) -> int:
    from db.hq.store import report_text

    hq = _hq(args)
    if args.person:
        data: Any = hq.person_history(args.person)
    elif args.trade:
        data = hq.trade_ranking(args.trade, year=args.year)
    else:
        data = hq.report()
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    else:
        sys.stdout.write(report_text(data))
    return 0


def cmd_hq_trust(args: argparse.Namespace) -> int:
    hq = _hq(args)
    info = hq.publish_trust(args.out)
    print(f"wrote {args.out}: {info['keys']} contest keys, {info['records']} certificates on "
          f"record, {info['revoked']} revocations, signed by headquarters key "
          f"{info['hq_key_id']}")
    return 0


def cmd_hq_keys(args: argparse.Namespace) -> int:
    hq = _hq(args)
    if args.add:
        kid = hq.register_key(args.add, label=args.label or "", operator=getpass.getuser())
        print(f"registered contest key {kid}")
    for k in hq.trusted_keys():
        print(f"{k['key_id']}  {k['source']:10} {k['label'] or ''}  {k['at']} {k['by']}")
    return 0


def cmd_hq_revoke(args: argparse.Namespace) -> int:
    from judging.errors import InputError

    hq = _hq(args)
    if args.withdraw:
        if args.serial or not args.key:
            raise InputError("--withdraw goes with --key KEYID and no serial", field="--withdraw")
        hq.withdraw_key(args.key, args.withdraw, args.reason, operator=getpass.getuser())
        print(f"withdrew contest key {args.key} from {args.withdraw}; publish a new trust file "
              "(jiangxin hq trust) / 已撤回赛事密钥")
        return 0
    if not args.serial:
        raise InputError("which serial? (or --key KEYID --withdraw DATE)", field="serial")
    kid = hq.revoke(args.serial, args.reason, operator=getpass.getuser(), key_id=args.key)
    print(f"revoked {args.serial} of contest key {kid}; publish a new trust file "
          "(jiangxin hq trust)")
    return 0


def cmd_hq_window(args: argparse.Namespace) -> int:
    """`jiangxin hq [--hq FILE]`: the headquarters window, opened by the desktop app."""
    from judging.errors import InputError

    opener = commands.WINDOWS.get("hq")
    if opener is None:
        raise InputError("the headquarters window needs the desktop app (main.py); give a "
                         "subcommand: jiangxin hq import|report|trust|keys|revoke / 需要桌面程序")
    return opener(args)


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    sp = cmd("export", cmd_export, "the signed results file for headquarters (admin)")
    sp.add_argument("--out", required=True, help="the results file to write")
    sp = cmd("merge", cmd_merge, "pool another laptop's results file of this contest")
    sp.add_argument("file", nargs="?", help="the other laptop's results file")
    sp.add_argument("--new-laptop", metavar="DEST",
                    help="instead: copy this contest for another laptop (its own device id)")

    hq_parser = sub.add_parser("hq", help="headquarters: import results files, report")
    hq_parser.add_argument("--hq", help="the headquarters database: a SQLite file or "
                           "postgresql://user@host/db")
    hq_parser.set_defaults(handler=cmd_hq_window)
    hq = hq_parser.add_subparsers(dest="sub")
    commands.GROUPS["hq"] = hq

    def hq_cmd(name: str, handler: Callable[[argparse.Namespace], int], text: str
               ) -> argparse.ArgumentParser:
        p = cmd(name, handler, text, parent=hq, needs_db=False, writes=False)
        p.add_argument("--hq", required=True,
                       help="the headquarters database: a SQLite file (made if new) or "
                       "postgresql://user@host/db (an empty database is set up)")
        return p

    sp = hq_cmd("import", cmd_hq_import, "verify and import venue results files")
    sp.add_argument("files", nargs="+", metavar="FILE|FOLDER|WILDCARD",
                    help="results files, folders (every *.jxr in them) or wildcards such as "
                    "venue-*.jxr (expanded here, also on Windows)")
    sp.add_argument("--jobs", type=int, default=1, metavar="N",
                    help="import with N processes at once (PostgreSQL writes side by side)")
    sp.add_argument("--receipts", action="store_true",
                    help=f"print every receipt also when importing more than {RECEIPTS_SHOWN}")
    sp.add_argument("--accept-key", action="store_true",
                    help="accept (and record) a contest key headquarters does not know yet")
    sp.add_argument("--force", action="store_true",
                    help="let an export that does not descend from the one held replace it")
    sp.add_argument("--dry-run", action="store_true", help="verify and show, import nothing")
    sp.add_argument("--json", action="store_true", help="receipts as JSON")
    sp = hq_cmd("report", cmd_hq_report, "province-wide statistics")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--trade", help="a ranking across the contests of one trade")
    sp.add_argument("--year", help="with --trade: only this year")
    sp.add_argument("--person", metavar="ID_NUMBER", help="one person's history")
    sp = hq_cmd("trust", cmd_hq_trust, "publish the signed trust file (keys, revocations)")
    sp.add_argument("--out", required=True)
    sp = hq_cmd("keys", cmd_hq_keys, "list contest keys; --add registers one in advance")
    sp.add_argument("--add", metavar="PUBLIC_KEY_HEX")
    sp.add_argument("--label")
    sp = hq_cmd("revoke", cmd_hq_revoke, "revoke a certificate serial, or withdraw a whole "
                                         "contest key from a date")
    sp.add_argument("serial", nargs="?")
    sp.add_argument("--key", metavar="KEYID", help="the contest key (16 hex) the serial is of")
    sp.add_argument("--withdraw", metavar="DATE",
                    help="with --key: withdraw that contest key from this date (YYYY-MM-DD)")
    sp.add_argument("--reason", required=True)
    commands.GROUPS["hq"] = hq
    commands.GROUPS["hq_cmd"] = hq_cmd  # for the other modules adding hq subcommands


commands.EXTENSIONS.append(register)
