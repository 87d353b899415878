"""Headquarters' report, the ranking across contests of one trade, one person's history.

Every figure is read through the engine with one SQL text for both engines; anything whose
order could depend on a database's collation is sorted here, in Python, so that the same
files give the same bytes on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from db.hq.engine import Engine
from db.hq.importer import RESULT_FIELDS
from judging.errors import InputError

LEVELS = ("enterprise", "county", "city", "provincial", "national")


def mask_id(id_number: str | None) -> str | None:
    """First 4 and last 4 characters shown (as on certificates)."""
    if not id_number or len(id_number) < 8:
        return id_number
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def _int(v: Any) -> int:
    return int(v or 0)  # PostgreSQL's SUM is a numeric (Decimal); SQLite's an int


class Reports:
    """The reading half of :class:`db.hq.store.Headquarters` (which gives ``db``)."""

    db: Engine

    def submissions(self) -> list[dict[str, Any]]:
        return self.db.query(
            "SELECT id, file, sha256, competition_id, competition, key_id, state, replaces, "
            "replaced_by, counts, received_at, received_by, key_accepted FROM submissions "
            "ORDER BY id")

    def event_results(self, contest_uid: str, event: str) -> dict[str, Any]:
        """The results JSON of an event (contracts §6) rebuilt from headquarters' tables."""
        row = self.db.execute("SELECT header, scaled FROM events WHERE contest_uid = ? AND "
                              "event = ?", [contest_uid, event]).fetchone()
        if row is None:
            raise InputError(f"no event {event} of contest {contest_uid} at headquarters")
        out: dict[str, Any] = json.loads(row[0])
        fields = RESULT_FIELDS if row[1] else RESULT_FIELDS[:-1]
        out["rows"] = [{k: r[k] for k in fields} for r in self.db.query(
            "SELECT * FROM participations WHERE contest_uid = ? AND event = ? ORDER BY ord",
            [contest_uid, event])]
        return out

    def report(self) -> dict[str, Any]:
        """Province-wide statistics; the same files give the same dict on either engine."""
        q = self.db.execute
        zero = {"participations": 0, "awarded": 0, "titles_given": 0, "promotions": 0}
        out: dict[str, Any] = dict(zero)
        row = q("SELECT SUM(n), SUM(CASE WHEN award IS NOT NULL THEN n END), SUM(CASE WHEN "
                "title IS NOT NULL THEN n END), SUM(CASE WHEN grade IS NOT NULL THEN n END) "
                "FROM tallies").fetchone()
        out.update({k: _int(v) for k, v in zip(zero, row)})
        out["competitions"] = _int(self.db.one("SELECT COUNT(*) FROM competitions"))
        out["events"] = _int(self.db.one("SELECT COUNT(*) FROM events"))
        out["persons"] = _int(self.db.one("SELECT COUNT(*) FROM people"))
        out["units"] = _int(self.db.one("SELECT COUNT(*) FROM units"))
        out["submissions"] = _int(self.db.one("SELECT COUNT(*) FROM submissions"))
        for name, column in (("awards", "award"), ("titles", "title"), ("grades", "grade")):
            out[name] = {str(k): _int(n) for k, n in q(
                f"SELECT {column}, SUM(n) FROM tallies WHERE {column} IS NOT NULL AND "
                f"{column} != '' GROUP BY {column}")}
        for name in ("year", "region", "level", "trade"):
            out[f"by_{name}"] = self._summary(name)
        return _sorted(out)

    def _summary(self, dim: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        table = "region_tallies" if dim == "region" else "tallies"
        sql = (f"SELECT {dim}, COUNT(DISTINCT contest_uid), COUNT(DISTINCT contest_uid || "
               "'/' || event), SUM(n), SUM(CASE WHEN award IS NOT NULL THEN n ELSE 0 END), "
               "SUM(CASE WHEN title IS NOT NULL THEN n ELSE 0 END), SUM(CASE WHEN grade IS NOT "
               f"NULL THEN n ELSE 0 END) FROM tallies GROUP BY {dim}")
        if dim == "region":  # a competitor's region: tallied apart, per contest and award
            sql = ("SELECT region, COUNT(DISTINCT contest_uid), NULL, SUM(n), SUM(CASE WHEN "
                   "award IS NOT NULL THEN n ELSE 0 END), SUM(titles), SUM(grades) FROM "
                   "region_tallies GROUP BY region")
        for key, comps, events, parts, awarded, titles, grades in self.db.execute(sql):
            out[str(key)] = {"competitions": _int(comps),
                             "events": None if events is None else _int(events),
                             "participations": _int(parts), "awarded": _int(awarded),
                             "titles_given": _int(titles), "promotions": _int(grades),
                             "persons": 0, "units": 0, "awards": {}}
        for field_name, column in (("persons", "person"), ("units", "unit_id")):
            for key, n in self.db.execute(
                    f"SELECT {dim}, COUNT(*) FROM (SELECT DISTINCT {dim}, {column} FROM "
                    f"participations WHERE {column} IS NOT NULL) d GROUP BY {dim}"):
                if str(key) in out:
                    out[str(key)][field_name] = _int(n)
        if dim == "region":
            for key, n in self.db.execute("SELECT region, COUNT(*) FROM region_events "
                                          "GROUP BY region"):
                out[str(key)]["events"] = _int(n)
        for key, award, n in self.db.execute(
                f"SELECT {dim}, award, SUM(n) FROM {table} WHERE award IS NOT NULL "
                f"GROUP BY {dim}, award"):
            out[str(key)]["awards"][str(award)] = _int(n)
        return out

    def trade_ranking(self, trade: str, *, year: str | None = None) -> dict[str, Any]:
        """Each person's best result across the contests of one trade, ranked.

        Best = higher competition level first (national > … > enterprise), then better place,
        then higher total; equal keys share a rank (1, 2, 2, 4).
        """
        sql = ("SELECT p.*, c.name AS competition, c.date AS date FROM participations p "
               "JOIN competitions c ON c.contest_uid = p.contest_uid WHERE p.trade = ? AND "
               "p.place IS NOT NULL AND p.id_number IS NOT NULL")
        args: list[Any] = [trade]
        if year:
            sql += " AND p.year = ?"
            args.append(year)
        best: dict[str, tuple[tuple[Any, ...], dict[str, Any], int]] = {}
        rows = self.db.query(sql, args)
        rows.sort(key=lambda r: (r["contest_uid"], r["event"], r["ord"]))  # not the engine's
        for r in rows:
            key = (-LEVELS.index(r["level"]) if r["level"] in LEVELS else 1, r["place"],
                   -_num(r["total"]))
            held = best.get(r["id_number"])
            n = held[2] + 1 if held else 1
            if held is None or key < held[0]:
                best[r["id_number"]] = (key, r, n)
            else:
                best[r["id_number"]] = (held[0], held[1], n)
        ranked = sorted(best.values(), key=lambda x: (x[0], x[1]["id_number"]))
        out = []
        prev_key: tuple[Any, ...] | None = None
        rank = 0
        for i, (key, r, n) in enumerate(ranked, start=1):
            if key != prev_key:
                rank, prev_key = i, key
            out.append({"rank": rank, "id_number": mask_id(r["id_number"]), "name": r["name"],
                        "unit": r["person_unit"], "region": r["region"],
                        "competition": r["competition"], "level": r["level"],
                        "year": r["year"], "event_group": r["grp"], "place": r["place"],
                        "total": r["total"], "award": r["award"], "title": r["title"],
                        "contests": n})
        return {"trade": trade, "year": year, "persons": len(out), "ranking": out}

    def person_history(self, id_number: str) -> dict[str, Any]:
        """Every participation of one person (by resident ID number), oldest first."""
        rows = self.db.query(
            "SELECT p.*, c.name AS competition, c.date AS date, c.competition_id "
            "FROM participations p JOIN competitions c ON c.contest_uid = p.contest_uid "
            "WHERE p.id_number = ?", [id_number.strip().upper()])
        rows.sort(key=lambda r: (r["date"], r["competition_id"], r["event"]))
        return {"id_number": id_number.strip().upper(),
                "name": rows[-1]["name"] if rows else None,
                "participations": [
                    {k: r[k] for k in ("date", "competition_id", "competition", "level",
                                       "trade", "grp", "event", "place", "total", "status",
                                       "award", "title", "grade", "person_unit", "region")}
                    for r in rows]}


def _sorted(d: dict[str, Any]) -> dict[str, Any]:
    """Every dict in key order (Python's), whatever order the engine gave the rows in."""
    return {k: _sorted(v) if isinstance(v, dict) else v for k, v in sorted(d.items())}


def _num(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


def report_text(data: dict[str, Any]) -> str:
    """Plain text of a report, a trade ranking or a person's history."""
    lines: list[str] = []
    if "ranking" in data:
        lines.append(f"{data['trade']} {data['year'] or ''}: {data['persons']} persons")
        for r in data["ranking"]:
            lines.append(f"{r['rank']:>4} {r['name'] or '':8} {r['id_number'] or '':18} "
                         f"{r['level']:10} {r['year']} P{r['place']} {r['total']} "
                         f"{r['award'] or ''} ({r['contests']} contests) {r['competition']}")
    elif "participations" in data and isinstance(data["participations"], list):
        lines.append(f"{data['id_number']} {data['name'] or '(unknown / 无记录)'}")
        for p in data["participations"]:
            lines.append(f"  {p['date']} {p['competition']} {p['trade']} {p['grp']}: place "
                         f"{p['place']} total {p['total']} {p['award'] or ''} "
                         f"{p['title'] or ''} {p['grade'] or ''}")
    else:
        for k in ("submissions", "competitions", "events", "participations", "persons", "units",
                  "awarded", "titles_given", "promotions"):
            lines.append(f"{k:15} {data.get(k)}")
        for k in ("awards", "titles", "grades"):
            lines.append(f"{k:15} " + ", ".join(f"{a} {n}" for a, n in sorted(data[k].items())))
        for dim in ("by_year", "by_level", "by_region", "by_trade"):
            lines.append(f"{dim}:")
            for key, v in sorted(data[dim].items()):
                lines.append(f"  {key or '-':12} competitions {v['competitions']}, "
                             f"participations {v['participations']}, persons {v['persons']}, "
                             f"units {v['units']}, awards {v['awarded']}, "
                             f"promotions {v['promotions']}")
    return "\n".join(lines) + "\n"
