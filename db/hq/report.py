"""Headquarters' report, the ranking across contests of one trade, one person's history.

Every figure is read through the engine with one SQL text for both engines; anything whose
order could depend on a database's collation is sorted here, in Python, so that the same
files give the same bytes on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from db.hq import groups, ranking
from db.hq.engine import Engine
from db.hq.importer import RESULT_FIELDS
from db.hq.ranking import LEVELS as LEVELS  # re-exported (db.hq.store)
from judging.errors import InputError

MEASURES = ("participations", "awarded", "titles_given", "promotions")


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
        """Province-wide statistics; the same files give the same dict on either engine.

        Read from the figures kept at import (db/hq/groups.py): a few rows per year, region,
        level and trade, whatever the number of participations.
        """
        sizes, tallies = groups.read(self.db)
        whole, people = tallies.get(("all", ""), {}), sizes.get(("all", ""), {})
        out: dict[str, Any] = {k: whole.get(k, 0) for k in MEASURES}
        out["competitions"] = _int(self.db.one("SELECT COUNT(*) FROM competitions"))
        out["events"] = _int(self.db.one("SELECT COUNT(*) FROM events"))
        out["submissions"] = _int(self.db.one("SELECT COUNT(*) FROM submissions"))
        out["persons"], out["units"] = people.get("person", 0), people.get("unit", 0)
        for name, prefix in (("awards", "award:"), ("titles", "title:"), ("grades", "grade:")):
            out[name] = {k[len(prefix):]: n for k, n in whole.items()
                         if k.startswith(prefix) and k != prefix}
        for dim in ("year", "region", "level", "trade"):
            out[f"by_{dim}"] = {grp: {
                **{k: t.get(k, 0) for k in MEASURES},
                "competitions": sizes.get((d, grp), {}).get("competition", 0),
                "events": sizes.get((d, grp), {}).get("event", 0),
                "persons": sizes.get((d, grp), {}).get("person", 0),
                "units": sizes.get((d, grp), {}).get("unit", 0),
                "awards": {k[6:]: n for k, n in t.items() if k.startswith("award:")}}
                for (d, grp), t in tallies.items() if d == dim and t.get("participations")}
        return _sorted(out)

    def trade_ranking(self, trade: str, *, year: str | None = None) -> dict[str, Any]:
        """Each person's best result across the contests of one trade, ranked.

        Best = higher competition level first (national > … > enterprise), then better place,
        then higher total; equal keys share a rank (1, 2, 2, 4).
        """
        out = [{"rank": r["rank"], "id_number": mask_id(r["id_number"]), "name": r["name"],
                "unit": r["person_unit"], "region": r["region"],
                "competition": r["competition"], "level": r["level"], "year": r["year"],
                "event_group": r["grp"], "place": _int(r["place"]), "total": r["total"],
                "award": r["award"], "title": r["title"], "contests": _int(r["n"])}
               for r in ranking.read(self.db, trade, year)]
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
