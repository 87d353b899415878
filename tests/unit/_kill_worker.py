"""A recorder typing marks one grid cell at a time, to be killed with SIGKILL by
tests/unit/test_durability.py.

Usage: python tests/unit/_kill_worker.py DB START COUNT

It signs in as a recorder of the shared example and types marks through
``db.ops.marking.enter_mark`` (one transaction each, durable on return). After each call returns
it prints ``ACK <seq> <station> <aspect> <judge> <value>`` and flushes, so that the parent
knows exactly which marks the program acknowledged before it was killed.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Slots a recorder may type in the shared example without a conflict of interest: aspects
# typed as plain scores (max >= 6) and judges whose units are not any competitor's unit.
ASPECTS = ("A4", "A5", "A7", "A8", "B1", "B2")
JUDGES = {"A4": ("赵一",), "A5": ("赵一",), "A7": ("赵一",), "A8": ("赵一",),
          "B1": ("赵一", "钱二", "孙三"), "B2": ("赵一", "钱二", "孙三")}
STATIONS = tuple(f"{i:02d}" for i in range(1, 13))


def plan(seq: int) -> tuple[str, str, str, Decimal]:
    """The seq-th mark: cycles over the slots; the value changes on every visit to a slot."""
    slots = [(st, a, j) for st in STATIONS for a in ASPECTS for j in JUDGES[a]]
    st, a, j = slots[seq % len(slots)]
    value = Decimal(1 + (seq // len(slots)) % 5) + Decimal("0.5") * (seq % 2)
    return st, a, j, value


def main() -> int:
    from db.ops.marking import enter_mark
    from db.store.contest import Contest

    db, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    c = Contest.open(db)
    c.sign_in("冯记录", "4001")
    print("READY", flush=True)
    for seq in range(start, start + count):
        st, a, j, value = plan(seq)
        enter_mark(c, "GJQG", st, a, j, value)
        sys.stdout.write(f"ACK {seq} {st} {a} {j} {value}\n")
        sys.stdout.flush()
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
