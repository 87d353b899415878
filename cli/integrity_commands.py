"""Commands that let the chief judge and the supervisors see what the rules recorded (issue 10):
`jiangxin marks disagreements` and `jiangxin draw verify` (through the `draw` command)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from cli import commands


def cmd_marks_disagreements(args: argparse.Namespace) -> int:
    from db.ops.marking import disagreements

    c = commands._open(args)
    found = disagreements(c, args.event)
    if args.json:
        sys.stdout.write(json.dumps([d.as_json() for d in found], ensure_ascii=False,
                                    indent=1) + "\n")
        return 0
    if not found:
        print("no open disagreements / 没有待处理的录入不一致")
        return 0
    for d in found:
        values = "; ".join(f"{sc if sc is not None else '-'}"
                           f"{' (实测 measured ' + me + ')' if me is not None else ''}"
                           f" 由 by {u}" for u, sc, me in d.values)
        print(f"{d.event} 工位 workstation {d.station}  评分项 aspect {d.aspect}  "
              f"裁判 judge {d.judge}:  {values}")
    print(f"{len(found)} open / 共{len(found)}处待处理; settle each with: jiangxin resolve "
          "--event E --station S --aspect A --judge J --score VALUE --reason TEXT")
    return 0


def cmd_draw_verify(args: argparse.Namespace) -> int:
    from db.ops.people import verify_draw
    from judging.errors import InputError

    if args.seed is None:
        raise InputError("draw verify needs the seed that was announced "
                         "/ 复核抽签须提供公布的种子", field="--seed")
    if args.from_file:
        raise InputError("draw verify recomputes a seeded draw; --from is for recording "
                         "paper lots / 复核不接受 --from", field="--from")
    c = commands._open(args)
    ok, recorded, again = verify_draw(c, args.event, args.seed)
    if ok:
        print(f"{args.event}: the recorded draw matches seed {args.seed} (fingerprint "
              f"{recorded[:16]}) / 抽签结果与种子一致")
        return 0
    print(f"{args.event}: the recorded draw does NOT match seed {args.seed}: recorded "
          f"fingerprint {recorded[:16]}, recomputed {again[:16]} / 抽签结果与种子不符",
          file=sys.stderr)
    return 3


def register(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    sp = cmd("disagreements", cmd_marks_disagreements,
             "open disagreements of double entry (chief judge, supervisor)",
             parent=commands.GROUPS["marks"])
    sp.add_argument("--event")
    sp.add_argument("--json", action="store_true")


commands.EXTENSIONS.append(register)
