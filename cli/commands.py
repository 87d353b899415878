"""The headless commands of docs/cli.md; each one calls the same operations as the app."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from judging.errors import InputError, JiangxinError, NotAllowed

Handler = Callable[[argparse.Namespace], int]


def _open(args: argparse.Namespace, *, sign_in: bool = True) -> Any:
    from db.store.contest import Contest

    c = Contest.open(args.db)
    if sign_in:
        user, pin = _credentials(args)
        c.sign_in(user, pin)
    return c


def _credentials(args: argparse.Namespace) -> tuple[str, str]:
    """The user and PIN: ``--user`` (or JIANGXIN_USER) and the PIN from JIANGXIN_PIN, else
    asked for on the terminal. ``--pin`` still works but warns: other users of the computer
    see it in the process list."""
    user = getattr(args, "user", None) or os.environ.get("JIANGXIN_USER")
    pin = getattr(args, "pin", None)
    if pin:
        print("jiangxin: warning: --pin shows the PIN to other users of this computer (ps); "
              "set JIANGXIN_PIN or type it when asked / 警告：--pin 会被本机其他用户看到，"
              "请改用环境变量 JIANGXIN_PIN 或按提示输入", file=sys.stderr)
    else:
        pin = os.environ.get("JIANGXIN_PIN")
    if user and not pin and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            pin = getpass.getpass(f"PIN for {user} / {user}的PIN: ")
        except (EOFError, KeyboardInterrupt):
            pin = ""
    if not user or not pin:
        raise NotAllowed("sign in with --user NAME and the PIN in JIANGXIN_PIN (or typed when "
                         "asked) / 请提供用户名，并用环境变量 JIANGXIN_PIN 提供PIN或按提示输入")
    return user, pin


def _say(text: str) -> None:
    print(text)


def _copy_before_write(c: Any, label: str) -> None:
    """A backup just before the command's write commits, of the state before it: a refused
    command (bad file, locked event) writes nothing and leaves no copy behind."""
    c.before_commit = lambda: _safety_copy(c, label)


def _safety_copy(c: Any, label: str) -> None:
    """A backup before an import or at a lock; a failure is a warning, never a refusal."""
    from db.store.backups import safety_copy

    try:
        safety_copy(c, label)
    except JiangxinError as exc:
        print(f"jiangxin: warning: no backup was made ({exc}) / 未能备份", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    from cli.workbook_commands import competition_text, is_workbook
    from db.store.contest import Contest

    path = Path(args.competition)
    user, pin = _credentials(args)
    if is_workbook(path):  # the competition as a workbook (jiangxin template)
        text = competition_text(path, user, pin)
    else:
        try:
            if path.stat().st_size > 4 * 1024 * 1024:
                raise InputError("a competition file is at most 4 MB (赛事文件过大)",
                                 file=str(path))
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror} / 无法读取文件",
                             file=str(path)) from None
    from cli.keys_prompt import print_recovery_phrase, signing_passphrase

    c = Contest.create(args.db, text, str(path), user, pin,
                       passphrase=signing_passphrase(new=True))
    comp = c.competition
    from judging.scheme import MIN_PIN_DIGITS, load_competition

    short = [u.name for u in load_competition(text, str(path)).users
             if len(u.pin) < MIN_PIN_DIGITS]
    if short:
        print(f"jiangxin: warning: {len(short)} user(s) have PINs shorter than "
              f"{MIN_PIN_DIGITS} digits ({', '.join(short)}); kept for this competition dated "
              f"before 2027, give them {MIN_PIN_DIGITS} digits next time "
              f"/ 警告：有用户的PIN不足{MIN_PIN_DIGITS}位", file=sys.stderr)
    _say(f"created {args.db}: {comp.name} ({len(comp.events)} events, {len(comp.users)} users)")
    if c.recovery_phrase:
        print_recovery_phrase(c.recovery_phrase)
    c.close()
    return 0


def cmd_competitors_import(args: argparse.Namespace) -> int:
    from db.ops.people import import_competitors

    c = _open(args)
    _copy_before_write(c, "before-import")
    n = import_competitors(c, args.file).value
    _say(f"added {n} competitors / 已添加{n}名选手")
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    from db.ops.people import competitors, draw, draw_fingerprint, draw_from_file, draw_record

    if getattr(args, "action", None) == "verify":
        from cli.integrity_commands import cmd_draw_verify

        return cmd_draw_verify(args)
    c = _open(args)
    if args.seed is not None and args.from_file:
        raise InputError("give --seed or --from, not both", field="--seed")
    if args.from_file:
        draw_from_file(c, args.event, args.from_file, witness=args.witness or "")
    else:
        draw(c, args.event, seed=args.seed, witness=args.witness or "")
    d = draw_record(c, args.event)
    assert d is not None  # the draw was just recorded
    from db.ops.blind import is_sealed

    seed = d.seed or "sealed / 已加密"
    fp = "sealed / 已加密" if is_sealed(c, args.event) else draw_fingerprint(c, args.event)[:16]
    _say(f"{args.event}: {d.method} draw, seed {seed}, at {d.at} by {d.by}; "
         f"{len(competitors(c, args.event))} competitors; fingerprint {fp} / 抽签指纹")
    return 0


def cmd_marks_import(args: argparse.Namespace) -> int:
    from db.ops.marking import import_marks

    c = _open(args)
    _copy_before_write(c, "before-import")
    counts = import_marks(c, args.file)
    _say(", ".join(f"{k} {v}" for k, v in counts.counts.items()))
    if counts.counts.get("disagreements"):
        _say_disagreements(c)
    return 0


def _say_disagreements(c: Any) -> None:
    """Where the open disagreements are (no values: those are the chief judge's)."""
    from db.ops.slots import slot_rows

    s = c.session
    for ev in c.competition.event_ids:
        if s is None or not s.may_see_event(ev):
            continue
        for r in slot_rows(c, ev):
            if r.status == "disagreement":
                _say(f"  disagreement / 录入不一致: {ev} workstation {r.station} aspect "
                     f"{r.aspect} judge {r.judge}")
    _say("  the chief judge settles them: jiangxin marks disagreements, then jiangxin resolve "
         "/ 由裁判长处理")


def cmd_times_import(args: argparse.Namespace) -> int:
    from db.ops.timing import import_times

    c = _open(args)
    _copy_before_write(c, "before-import")
    n = import_times(c, args.file, replace_clock_times=args.replace_clock_times,
                     reason=args.reason or "").value
    _say(f"recorded {n} times / 已记录用时")
    return 0


def cmd_theory_import(args: argparse.Namespace) -> int:
    from db.ops.people import import_theory

    c = _open(args)
    _copy_before_write(c, "before-import")
    _say(f"recorded {import_theory(c, args.file).value} theory scores")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from db.ops.people import set_status

    c = _open(args)
    set_status(c, args.event, args.station, args.set, args.reason or "")
    _say(f"{args.event} workstation {args.station}: {args.set}")
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    from db.ops.locking import lock

    c = _open(args)
    lock(c, args.event, args.module, args.reason or "")
    _safety_copy(c, "lock")
    _say(f"locked {args.event}{' module ' + args.module if args.module else ''}")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from db.ops.locking import unlock

    c = _open(args)
    unlock(c, args.event, args.module, args.reason or "")
    _say(f"unlocked {args.event}{' module ' + args.module if args.module else ''}")
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    from cli.seal_commands import officer_passphrase
    from db.ops.results import decrypt

    c = _open(args)
    decrypt(c, args.event, officer_passphrase())
    _say(f"decrypted {args.event}")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    from db.ops.results import results, results_csv

    if args.out and not args.csv:
        raise InputError("--out goes with --csv (--out 需与 --csv 一起使用)", field="--out")
    c = _open(args)
    res = results(c, args.event)
    data = res.as_json()
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    elif args.csv and args.out:
        from db.files.csv_out import write_results_csv

        n = write_results_csv(data, args.out)
        _say(f"wrote {args.out}: {n} rows / 已导出")
    elif args.csv:
        sys.stdout.write(results_csv(res))
    elif args.xlsx:
        from db.files.results_sheet import write_results_xlsx

        write_results_xlsx(data, args.xlsx, competition_name=res.competition,
                           event_name=f"{res.event_name} {res.group}".strip(),
                           decrypted=res.decrypted)
        _say(f"wrote {args.xlsx}")
    else:
        if res.provisional:
            _say("provisional results: not locked, no awards / 暂定成绩（未锁定，不评奖）")
        for r in res.rows:
            _say(f"{r.place or '-':>3}  {r.station or '--'}  {r.candidate or '':10} "
                 f"{r.name or '':8} {r.total:>7} {r.status:12} {r.award or ''}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from db.ops.results import publish, snapshot_changes, unchanged_text

    c = _open(args)
    done = publish(c, args.event, args.note or "")
    number = done.value
    if not done.changes:
        _say(f"{args.event}: {unchanged_text(number)}")
        return 0
    _say(f"published {args.event} snapshot {number} / 已发布第{number}次公示")
    changes = snapshot_changes(c, args.event, number)
    if number > 1:
        _say(f"changes from snapshot {number - 1} / 与第{number - 1}次公示相比: "
             f"{len(changes)} workstation(s) / 个工位")
    for ch in changes:
        fields = "; ".join(f"{f.field} {f.old} → {f.new}" for f in ch.fields)
        _say(f"  workstation {ch.station} ({ch.kind}): {fields}")
    return 0


def cmd_clock(args: argparse.Namespace) -> int:
    from db.ops.timing import clock_action

    c = _open(args)
    c.event(args.event)  # an unknown event is bad input (exit 2) before anything else
    stations = args.station or sorted(_drawn(c, args.event))
    clock_action(c, args.event, stations, args.action, seconds=args.seconds or 0,
                 reason=args.reason or "")
    _say(f"{args.action}: {', '.join(stations)}")
    return 0


def _drawn(c: Any, event: str) -> set[str]:
    from db.ops.people import by_station

    return set(by_station(c, event))


def cmd_resolve(args: argparse.Namespace) -> int:
    from db.ops.marking import resolve
    from judging.decimals import to_decimal

    c = _open(args)
    resolve(c, args.event, args.station, args.aspect, args.judge,
            to_decimal(args.score) if args.score is not None else None, args.reason or "",
            measured=to_decimal(args.measured) if args.measured is not None else None,
            rescore=args.rescore)
    _say("resolved / 已处理")
    return 0


def cmd_override(args: argparse.Namespace) -> int:
    from db.ops.marking import override

    c = _open(args)
    override(c, args.event, args.station, args.kind, args.reason or "", aspect=args.aspect,
             judge=args.judge)
    _say("override recorded")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from db.store.audit import verify

    c = _open(args)
    report = verify(c.db)
    if report.ok:
        from db.ops.derived import derived_problems
        from db.store.backups import backup_folder_for
        from db.store.checkpoints import backup_heads_problems

        report.problems.extend(derived_problems(c))
        # the signed heads kept in the backups (on the USB stick) the file must still reach
        report.problems.extend(backup_heads_problems(c.db, backup_folder_for(c.path)))
    if report.ok:
        _say(f"audit chain intact: {report.records} records, head {report.head}")
        if report.signed_seq is None:
            _say("no signed head yet: nothing vouches for the chain beyond this file "
                 "/ 尚无签名的链头")
        elif report.unsigned:
            _say(f"signed up to record {report.signed_seq}; {report.unsigned} newer record(s) "
                 "not yet signed (signed at the next lock, publication, export or backup with "
                 "the passphrase) / 其后记录尚未签名")
        else:
            _say(f"signed up to record {report.signed_seq} / 已签名")
        return 0
    for p in report.problems:
        print(p, file=sys.stderr)
    print(f"audit chain broken: {len(report.problems)} problem(s) / 审计链校验失败",
          file=sys.stderr)
    return 3


def cmd_backup(args: argparse.Namespace) -> int:
    from db.store.backups import backup_to

    c = _open(args)
    c.require("backup")
    if args.set_folder:
        from db.store.backups import set_backup_folder

        folder = set_backup_folder(c, args.set_folder).value
        _say(f"rolling backups go to {folder} / 自动备份位置已设置")
    if args.to:
        _say(f"backup written: {backup_to(c, args.to)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from db.keys import passphrase as pp
    from db.ops.demo import write_demo

    path = write_demo(args.db, size=args.size)
    given = pp.current()
    _say(f"demo contest written to {path}; sign in as admin / 0000; signing passphrase: "
         + ("JIANGXIN_PASSPHRASE" if given else f"{pp.DEMO_PASSPHRASE} (the demo default)"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jiangxin", description="匠心 Jiangxin: judging skills "
                                "competitions at the venue")
    p.add_argument("--db", help="the contest file")
    p.add_argument("--screenshot", help="render the main window to this PNG and exit")
    p.add_argument("--lang", choices=["zh", "en"], help="language of the app")
    sub = p.add_subparsers(dest="command")

    def cmd(name: str, handler: Handler, help_text: str, parent: Any = sub,
            needs_db: bool = True, writes: bool = True) -> argparse.ArgumentParser:
        sp: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        sp.add_argument("--db", required=needs_db, help="the contest file",
                        default=argparse.SUPPRESS if not needs_db else None)
        if writes:
            sp.add_argument("--user", help="sign in as (or JIANGXIN_USER)")
            sp.add_argument("--pin", help="PIN (or JIANGXIN_PIN)")
        sp.set_defaults(handler=handler)
        return sp

    sp = cmd("demo", cmd_demo, "write a complete demo contest", writes=False)
    sp.add_argument("--size", type=int, default=60, help="number of competitors")
    sp = cmd("init", cmd_init, "create a contest from a competition file")
    sp.add_argument("competition")
    GROUPS.clear()
    comp = sub.add_parser("competitors", help="competitor lists").add_subparsers(dest="sub",
                                                                                required=True)
    GROUPS["competitors"] = comp
    cmd("import", cmd_competitors_import, "add competitors from CSV/XLSX",
        parent=comp).add_argument("file")
    sp = cmd("draw", cmd_draw, "draw candidate numbers and workstations; `draw verify` "
             "recomputes a seeded draw (supervisor)")
    sp.add_argument("action", nargs="?", choices=["verify"],
                    help="verify: recompute the draw from --seed and compare")
    sp.add_argument("--event", required=True)
    sp.add_argument("--seed", type=int)
    sp.add_argument("--from", dest="from_file", help="paper lots: id_number,candidate,station")
    sp.add_argument("--witness", help="who witnessed the draw")
    for name, handler in (("marks", cmd_marks_import), ("times", cmd_times_import),
                          ("theory", cmd_theory_import)):
        group = sub.add_parser(name, help=f"{name} files").add_subparsers(dest="sub",
                                                                          required=True)
        GROUPS[name] = group
        imp = cmd("import", handler, f"import a {name} file", parent=group)
        imp.add_argument("file")
        if name == "times":
            imp.add_argument("--replace-clock-times", action="store_true",
                             help="the file's times replace those the workstation clocks "
                                  "measured (chief judge, with --reason)")
            imp.add_argument("--reason", help="why the file wins over the clocks")
    sp = cmd("status", cmd_status, "discipline: set a competitor's status")
    sp.add_argument("--event", required=True)
    sp.add_argument("--station", required=True)
    sp.add_argument("--set", required=True,
                    choices=["ok", "present", "absent", "withdrawn", "terminated",
                             "disqualified"])
    sp.add_argument("--reason", required=True)
    for name, handler in (("lock", cmd_lock), ("unlock", cmd_unlock)):
        sp = cmd(name, handler, f"{name} marks (chief judge)")
        sp.add_argument("--event", required=True)
        sp.add_argument("--module")
        sp.add_argument("--reason", required=(name == "unlock"))
    sp = cmd("decrypt", cmd_decrypt, "reveal names (encryption officer, after locking)")
    sp.add_argument("--event", required=True)
    sp = cmd("results", cmd_results, "the ranking")
    sp.add_argument("--event", required=True)
    out = sp.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", action="store_true")
    out.add_argument("--xlsx", metavar="OUT")
    sp.add_argument("--out", metavar="FILE.csv",
                    help="with --csv: a file for Excel (UTF-8 BOM, Chinese headers, h:mm:ss)")
    sp = cmd("publish", cmd_publish, "publish a numbered results snapshot (公示)")
    sp.add_argument("--event", required=True)
    sp.add_argument("--note")
    sp = cmd("clock", cmd_clock, "workstation clocks (chief judge)")
    sp.add_argument("action", choices=["start", "pause", "resume", "extra", "stop"])
    sp.add_argument("--event", required=True)
    sp.add_argument("--station", action="append", help="repeatable; default: all drawn")
    sp.add_argument("--seconds", type=int, help="extra time in seconds")
    sp.add_argument("--reason")
    sp = cmd("resolve", cmd_resolve, "keep one value of a disagreement (chief judge)")
    for a in ("event", "station", "aspect", "judge", "reason"):
        sp.add_argument(f"--{a}", required=True)
    sp.add_argument("--score")
    sp.add_argument("--measured")
    sp.add_argument("--rescore", action="store_true",
                    help="keep a new value the judges gave on re-scoring (not one typed)")
    sp = cmd("override", cmd_override, "allow a conflict of interest or a J spread")
    sp.add_argument("kind", choices=["conflict", "spread"])
    for a in ("event", "station", "reason"):
        sp.add_argument(f"--{a}", required=True)
    sp.add_argument("--aspect")
    sp.add_argument("--judge")
    au = sub.add_parser("audit", help="the audit log").add_subparsers(dest="sub", required=True)
    GROUPS["audit"] = au
    cmd("verify", cmd_audit_verify, "check the audit chain end to end", parent=au)
    sp = cmd("backup", cmd_backup, "a consistent copy while the app may be running")
    sp.add_argument("--to", help="write a copy into this folder now")
    sp.add_argument("--set-folder", help="where rolling automatic backups go (e.g. a USB stick)")
    for extra in EXTENSIONS:
        extra(sub, cmd)
    return p


# Commands that open a window (`jiangxin hq` with no subcommand): main.py registers the desktop
# app's opener here, so that cli/ never imports ui/ (checked by lint-imports).
WINDOWS: dict[str, Callable[[argparse.Namespace], int]] = {}

# Other packages add commands here (certificates, verify, export, hq) without editing this file;
# GROUPS holds the subcommand groups (competitors, marks, times, theory, audit) they may extend.
GROUPS: dict[str, Any] = {}
EXTENSIONS: list[Callable[[Any, Callable[..., argparse.ArgumentParser]], None]] = []


def safe_console() -> None:
    """What the console cannot show (𠮷 on a GBK console) is replaced, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or detached stream: leave it
                pass


def run(argv: Sequence[str]) -> int:
    """Run one subcommand; known errors print a plain message and return their exit status."""
    from cli import extensions  # noqa: F401  (registers the other packages' commands)

    safe_console()
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        if exc.code not in (0, None):
            print("jiangxin: 命令参数有误，见 --help / invalid arguments, see --help",
                  file=sys.stderr)
            return 2
        return 0
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code = handler(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except JiangxinError as exc:
        print(f"jiangxin: {both_languages(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _closed_pipe() -> int:
    """The reader of our output went away (`| head`): end quietly, the work is done."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


_CATEGORY_ZH = {2: "输入有误或当前状态不允许", 3: "校验失败", 4: "证书已撤销",
                5: "无权限或PIN错误", 1: "存储或程序错误"}


def both_languages(exc: JiangxinError) -> str:
    """The message, with a Chinese word for what kind of refusal it is when the message
    itself has no Chinese (every refusal reads in Chinese and English)."""
    text = str(exc)
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return f"{text} / {_CATEGORY_ZH.get(exc.exit_code, '操作被拒绝')}"
