"""Commands for paper: certificates (issue, reprint, revoke), verify, and the forms."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import commands
from cli.commands import _credentials, _open
from judging.errors import InputError


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def cmd_certificates(args: argparse.Namespace) -> int:
    from db.ops import certificates as certs
    from printing.certificates import PDF, PORTRAIT

    c = _open(args)
    user, pin = _credentials(args)
    c.require("certificates")
    passphrase = None
    if not args.revoke:  # everything else signs: refused up front without an address to
        from cli.keys_prompt import signing_passphrase  # point to, or without the passphrase

        certs.verify_url(c)
        passphrase = signing_passphrase()
    if args.seal:  # kept with the contest's template (audited) for every later print
        certs.set_template(c, seal=str(Path(args.seal).resolve()), printer=PDF)
    tpl = certs.template(c)
    if args.portrait:
        tpl = dataclasses.replace(tpl, orientation=PORTRAIT.orientation)
    if args.preprinted:
        tpl = dataclasses.replace(tpl, preprinted=True)
    if args.revoke:
        if args.reprint or args.event:
            raise InputError("--revoke stands alone (no --event or --reprint)", field="--revoke")
        changed = certs.revoke(c, args.revoke, args.reason or "")
        print(f"revoked {args.revoke} / 已撤销" if changed else
              f"{args.revoke} was revoked already / 此前已撤销")
        return 0
    if args.reprint:
        if not args.out:
            raise InputError("--out FILE.pdf is needed", field="--out")
        done = certs.reprint_certificates(c, user, None, args.reprint, args.reason or "",
                                          template_override=tpl, out=args.out,
                                          passphrase=passphrase, printer=PDF)
        for cert in done:
            print(f"{cert.serial}  {cert.name}  补发 duplicate  {cert.short_code}")
        print(f"wrote {args.out}: {len(done)} reprint(s) / 补发 {len(done)} 张")
        return 0
    if not args.out:
        raise InputError("--out FILE.pdf is needed", field="--out")
    events = None
    if args.event:
        events = args.event
    else:
        _ready, skipped = certs.event_readiness(c)
        for ev, why in skipped.items():
            _err(f"skipped {ev}: {why} / 跳过")
    done = certs.issue_certificates(c, user, None, events, template_override=tpl, out=args.out,
                                    reissue_revoked=args.reissue_revoked,
                                    passphrase=passphrase, printer=PDF)
    for cert in done:
        print(f"{cert.serial}  {cert.name}  {cert.award or ''}  {cert.short_code}")
    if done:
        print(f"wrote {args.out}: {len(done)} certificate(s) / 已颁发 {len(done)} 张")
    else:
        _err("nothing new to issue; no PDF written (reprint with --reprint SERIAL --reason "
             "TEXT) / 没有需要颁发的证书")
    printed = {cert.serial for cert in done}
    unchanged = [s for s in certs.list_certificates(c) if s.state == certs.ISSUED
                 and s.serial not in printed and (events is None or s.event in events)]
    if unchanged:
        _err(f"{len(unchanged)} issued before and unchanged, not printed again "
             "(reprint with --reprint SERIAL --reason TEXT) / 已颁发且无变动的未重复打印")
    return 0


def _verify_keys(args: argparse.Namespace) -> Any:
    from db.keys import certificate_check as cc

    given = [x for x in (getattr(args, "db", None), args.trust, args.key) if x]
    if len(given) != 1:
        raise InputError("check against one of --db FILE, --trust FILE or --key HEX "
                         "/ 请指定 --db、--trust 或 --key 之一", field="--db")
    if args.hq_key and not args.trust:
        raise InputError("--hq-key goes with --trust FILE / --hq-key 须与 --trust 同用",
                         field="--hq-key")
    if args.trust:
        return cc.keys_from_trust_file(args.trust, args.hq_key)
    if args.key:
        return cc.keys_from_hex(args.key)
    from db.store.contest import Contest

    if not Path(args.db).is_file():
        raise InputError("no such contest file / 找不到赛事数据库文件", file=args.db)
    return cc.keys_from_contest(Contest.open(args.db))  # read only, no sign-in


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # e.g. the 500 digits of a QR text: "File name too long"
        return False


def cmd_verify(args: argparse.Namespace) -> int:
    from db.keys import certificate_check as cc
    from printing import scan

    keys = _verify_keys(args)
    if keys.trust is not None:
        from db.keys.trust import fingerprint

        print(f"信任文件 trust file: {keys.source}, issued {keys.trust.issued}, headquarters key "
              f"{fingerprint(keys.trust.hq_public)}")
    source = args.source
    path = Path(source)
    verdicts = []
    if len(source) < 4096 and _is_file(path):
        if scan.is_pdf(path):
            for page, texts in scan.qr_texts_in_pdf(path):
                if not texts:
                    _err(f"page {page}: no QR code found / 第{page}页未找到二维码")
                verdicts += [cc.check_text(t, keys, f"page {page}") for t in texts]
            if not verdicts:
                raise InputError("no QR code found in the PDF / PDF 中未找到二维码",
                                 file=str(path))
        else:
            texts = scan.qr_texts_in_image(path)
            if not texts:
                raise InputError("no QR code found in the image; try a sharper, closer "
                                 "picture / 图片中未找到二维码", file=str(path))
            verdicts = [cc.check_text(t, keys, path.name) for t in texts]
    elif len(source) < 256 and path.suffix.lower() in scan.IMAGE_SUFFIXES | {".pdf"}:
        raise InputError("no such file / 文件不存在", file=source)
    else:
        verdicts = [cc.check_text(source, keys)]
    for v in verdicts:
        _print_verdict(v)
    return cc.worst_exit(verdicts)


def _print_verdict(v: Any) -> None:
    from db.keys import certificate_check as cc

    zh, en = v.label
    head = f"[{v.where}] " if v.where else ""
    if v.address:
        print(f"{head}二维码指向 QR points to: {v.address}")
    if v.fields is not None:
        for lzh, len_, value in cc.field_lines(v.fields):
            print(f"{head}{lzh} {len_}: {value}")
    line = f"{head}{zh} {en}: {v.message}"
    print(line)
    if v.status not in (cc.GENUINE, cc.SIGNATURE_ONLY):
        _err(line)


def cmd_forms(args: argparse.Namespace) -> int:
    from db.ops.paper_forms import KIND_LABELS, write_form
    from printing import forms

    c = _open(args)
    digest = write_form(c, args.kind, args.event, args.out, forms)
    zh, en = KIND_LABELS[args.kind]
    print(f"wrote {args.out}: {zh} {en}, {args.event}")
    if digest is not None:
        print(f"{digest.label}{digest.sha256} ({digest.source})")
    return 0


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    sp = cmd("certificates", cmd_certificates,
             "award certificates: issue and print, reprint (补发), revoke (admin)")
    sp.add_argument("--event", action="append",
                    help="repeatable; default: every locked, decrypted event")
    sp.add_argument("--out", help="the PDF to write")
    sp.add_argument("--portrait", action="store_true", help="portrait A4 instead of landscape")
    sp.add_argument("--seal", metavar="SEAL.png",
                    help="the organiser's seal (PNG with transparency), printed over its name; "
                         "kept for later prints")
    sp.add_argument("--preprinted", action="store_true",
                    help="套打: only the variable text, for pre-printed certificate stock")
    sp.add_argument("--reprint", action="append", metavar="SERIAL",
                    help="print an issued certificate again as a duplicate (补发); repeatable")
    sp.add_argument("--revoke", metavar="SERIAL", help="revoke a certificate's serial")
    sp.add_argument("--reissue-revoked", action="store_true",
                    help="give winners whose serial was revoked by hand a new certificate")
    sp.add_argument("--reason", help="why (needed with --reprint and --revoke)")
    sp = cmd("verify", cmd_verify, "check a certificate: QR text, short code, image or PDF",
             needs_db=False, writes=False)
    sp.add_argument("source", help="the QR text, a typed short code, an image or a PDF")
    sp.add_argument("--trust", help="headquarters' signed trust file")
    sp.add_argument("--hq-key", metavar="HEX",
                    help="headquarters' root key (64 hex) the trust file must be signed by; "
                         "default: the one pinned with `jiangxin trust pin`")
    sp.add_argument("--key", help="a contest public key (64 hex digits): checks the signature "
                                  "only, not headquarters' record nor revocations")
    sp = cmd("forms", cmd_forms, "paper forms (organiser or chief judge)")
    sp.add_argument("kind", choices=["marking", "summary", "draw", "checkin", "results"])
    sp.add_argument("--event", required=True)
    sp.add_argument("--out", required=True)


commands.EXTENSIONS.append(register)
