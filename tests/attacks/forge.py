"""What an attacker does to a copied contest file with sqlite3 and the project's own hashes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from db.store import audit


def unguard(con: sqlite3.Connection) -> None:
    """Drop the append-only triggers (anyone with the file can)."""
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                               ).fetchall():
        con.execute(f"DROP TRIGGER {name}")


def rehash(con: sqlite3.Connection) -> None:
    """Recompute every audit record's row hash and the whole chain, as record_hash does."""
    con.row_factory = sqlite3.Row
    rows_by = {}
    for table in {r[0] for r in con.execute("SELECT DISTINCT tbl FROM audit WHERE tbl IS NOT "
                                            "NULL")}:
        try:
            cur = con.execute(f"SELECT * FROM {table}")
        except sqlite3.OperationalError:
            continue
        for r in cur:
            rows_by[(table, r["uid"])] = dict(r)
    prev = audit.GENESIS
    for rec in [dict(r) for r in con.execute("SELECT * FROM audit ORDER BY seq")]:
        row = rows_by.get((rec["tbl"], rec["row_uid"]))
        if row is not None:
            rec["row_hash"] = audit.row_hash(row)
        rec["prev"] = prev
        rec["hash"] = audit.record_hash(rec)
        prev = rec["hash"]
        con.execute("UPDATE audit SET row_hash = ?, prev = ?, hash = ? WHERE seq = ?",
                    [rec["row_hash"], rec["prev"], rec["hash"], rec["seq"]])
    con.row_factory = None


def renumber(con: sqlite3.Connection) -> None:
    """Close the gaps deleted records left in the sequence numbers."""
    cur = con.execute("SELECT * FROM audit ORDER BY seq")
    cols = [d[0] for d in cur.description]
    rows = [list(r) for r in cur.fetchall()]
    con.execute("DELETE FROM audit")
    i = cols.index("seq")
    for n, r in enumerate(rows, start=1):
        r[i] = n
        con.execute(f"INSERT INTO audit ({', '.join(cols)}) VALUES "
                    f"({', '.join('?' for _ in cols)})", r)


def forge(db: Path, change: Callable[[sqlite3.Connection], None], *,
          recompute: bool = True, close_gaps: bool = False) -> None:
    con = sqlite3.connect(db)
    unguard(con)
    change(con)
    if close_gaps:
        renumber(con)
    if recompute:
        rehash(con)
    con.commit()
    con.close()


def theory_by_candidate(out: Path) -> Path:
    """The example's theory scores keyed by candidate number instead of ID number (what a
    venue imports while the draw is sealed), written to ``out``."""
    import csv

    from tests.conftest import EXAMPLES

    with open(EXAMPLES / "draw.csv", encoding="utf-8") as fh:
        cand = {r["id_number"]: r["candidate"] for r in csv.DictReader(fh)}
    with open(EXAMPLES / "theory.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["event", "candidate", "theory"])
        for r in rows:
            w.writerow([r["event"], cand[r["id_number"]], r["theory"]])
    return out
