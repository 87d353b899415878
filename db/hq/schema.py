"""Headquarters' tables and their migrations, one list for both engines.

A migration is a function of the engine, run inside one transaction together with the record
that it ran (table ``_sqlite_migrations`` on SQLite, as sqlite-utils always wrote it for
headquarters files, ``hq_migrations`` on PostgreSQL; migration set ``jiangxin-hq``). Add one
with :func:`migration`, at the end of this module (never edit one that has shipped); write its
DDL once with :func:`db.hq.engine.ddl`'s type words. On PostgreSQL, migrations run under an
advisory lock, so two importers opening a new database at once do not race.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from db.hq import groups
from db.hq.engine import Engine, ddl
from judging.errors import StorageError

MIGRATION_SET = "jiangxin-hq"
Migration = Callable[[Engine], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    """Register a migration (names in order: h001_…, h002_…; helpers add theirs at the end)."""
    def add(fn: Migration) -> Migration:
        if any(n == name for n, _ in MIGRATIONS):
            raise ValueError(f"migration {name} registered twice")
        MIGRATIONS.append((name, fn))
        return fn
    return add


def migrations_table(engine: Engine) -> str:
    return "_sqlite_migrations" if engine.kind == "sqlite" else "hq_migrations"


def applied(engine: Engine) -> list[str]:
    table = migrations_table(engine)
    if table not in engine.tables():
        return []
    return [str(r[0]) for r in engine.execute(
        f"SELECT name FROM {table} WHERE migration_set = ? ORDER BY id", [MIGRATION_SET])]


def apply(engine: Engine) -> None:
    """Bring the database to the current schema (refusing one made by a newer version)."""
    table = migrations_table(engine)
    with engine.transaction():
        engine.lock("jiangxin-hq-migrations")
        names = engine.tables()
        if names and table not in names:
            raise StorageError(f"{engine.location}: not a Jiangxin headquarters database "
                               "/ 不是总部数据库")
        if "competitors" in names:
            raise StorageError(f"{engine.location}: this is a contest file, not a headquarters "
                               "database / 这是赛事文件，不是总部数据库")
        if table not in names:
            for s in ddl(engine, f"CREATE TABLE {table} (id {{id}}, migration_set TEXT, "
                                 "name TEXT, applied_at TEXT)"):
                engine.execute(s)
    done = applied(engine)
    known = [n for n, _ in MIGRATIONS]
    unknown = [n for n in done if n not in known]
    if unknown:
        raise StorageError(f"{engine.location}: written by a newer version of Jiangxin "
                           f"({', '.join(unknown)}); please update / 由更新版本写入，请升级软件")
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with engine.transaction():
            engine.lock("jiangxin-hq-migrations")
            if name in applied(engine):  # another process ran it meanwhile
                continue
            fn(engine)
            engine.execute(f"INSERT INTO {table} (migration_set, name, applied_at) "
                           "VALUES (?, ?, ?)",
                           [MIGRATION_SET, name, str(dt.datetime.now(dt.UTC))])


HQ_SQL = """
CREATE TABLE hq_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE keys (key_id TEXT PRIMARY KEY, public TEXT NOT NULL, label TEXT NOT NULL,
  source TEXT NOT NULL, file_sha256 TEXT, at TEXT NOT NULL, by TEXT NOT NULL);
CREATE TABLE files (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL,
  stored TEXT NOT NULL);
CREATE TABLE submissions (id {id}, sha256 TEXT NOT NULL UNIQUE
  REFERENCES files(sha256), file TEXT NOT NULL, contest_uid TEXT NOT NULL,
  competition_id TEXT NOT NULL, competition TEXT NOT NULL, key_id TEXT NOT NULL,
  device_id TEXT NOT NULL, exported_at TEXT NOT NULL, audit_seq INTEGER NOT NULL,
  audit_head TEXT NOT NULL, exports TEXT NOT NULL, counts TEXT NOT NULL, state TEXT NOT NULL,
  replaces INTEGER, replaced_by INTEGER, diff TEXT, key_accepted INTEGER NOT NULL,
  received_at TEXT NOT NULL, received_by TEXT NOT NULL);
CREATE INDEX submissions_contest ON submissions (contest_uid, state);
CREATE TABLE competitions (contest_uid TEXT PRIMARY KEY, submission INTEGER NOT NULL,
  competition_id TEXT NOT NULL, name TEXT NOT NULL, organiser TEXT NOT NULL,
  venue TEXT NOT NULL, level TEXT NOT NULL, date TEXT NOT NULL, year TEXT NOT NULL);
CREATE TABLE events (contest_uid TEXT NOT NULL, event TEXT NOT NULL, name TEXT NOT NULL,
  grp TEXT NOT NULL, entrants INTEGER NOT NULL, scaled INTEGER NOT NULL, header TEXT NOT NULL,
  PRIMARY KEY (contest_uid, event));
CREATE TABLE participations (contest_uid TEXT NOT NULL, event TEXT NOT NULL, ord INTEGER NOT NULL,
  trade TEXT NOT NULL, grp TEXT NOT NULL, year TEXT NOT NULL, level TEXT NOT NULL,
  id_number TEXT, gender TEXT, region TEXT, name TEXT, unit TEXT, station TEXT, candidate TEXT,
  place INTEGER, theory TEXT, practical TEXT, total TEXT, time_used_s INTEGER, status TEXT,
  award TEXT, title TEXT, grade TEXT, scale INTEGER, person_unit TEXT, person INTEGER,
  unit_id INTEGER);
CREATE INDEX participations_contest ON participations (contest_uid, event, ord);
CREATE INDEX participations_person ON participations (id_number);
CREATE INDEX participations_trade ON participations (trade, year);
CREATE TABLE people (id {id}, id_number TEXT NOT NULL UNIQUE);
CREATE TABLE units (id {id}, name TEXT NOT NULL UNIQUE);
CREATE TABLE tallies (contest_uid TEXT NOT NULL, event TEXT NOT NULL, year TEXT NOT NULL,
  level TEXT NOT NULL, trade TEXT NOT NULL, award TEXT, title TEXT, grade TEXT,
  n INTEGER NOT NULL);
CREATE INDEX tallies_contest ON tallies (contest_uid);
CREATE TABLE region_tallies (contest_uid TEXT NOT NULL, region TEXT NOT NULL, award TEXT,
  titles INTEGER NOT NULL, grades INTEGER NOT NULL, n INTEGER NOT NULL);
CREATE INDEX region_tallies_contest ON region_tallies (contest_uid);
CREATE TABLE region_events (contest_uid TEXT NOT NULL, event TEXT NOT NULL, region TEXT NOT NULL);
CREATE INDEX region_events_contest ON region_events (contest_uid);
CREATE INDEX participations_unit ON participations (person_unit);
CREATE INDEX participations_year_person ON participations (year, person);
CREATE INDEX participations_year_unit_id ON participations (year, unit_id);
CREATE INDEX participations_region_person ON participations (region, person);
CREATE INDEX participations_region_unit_id ON participations (region, unit_id);
CREATE INDEX participations_level_person ON participations (level, person);
CREATE INDEX participations_level_unit_id ON participations (level, unit_id);
CREATE INDEX participations_trade_person ON participations (trade, person);
CREATE INDEX participations_trade_unit_id ON participations (trade, unit_id);
CREATE TABLE certificates (contest_uid TEXT NOT NULL, serial TEXT NOT NULL, event TEXT NOT NULL,
  id_number TEXT, duplicate_of TEXT, at TEXT NOT NULL);
CREATE INDEX certificates_contest ON certificates (contest_uid);
CREATE TABLE venue_revocations (contest_uid TEXT NOT NULL, serial TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE revocations (serial TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
  by TEXT NOT NULL);
CREATE TABLE refusals (at TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL,
  reason TEXT NOT NULL, by TEXT NOT NULL)
"""


@migration("h001_base")
def h001_base(engine: Engine) -> None:
    for statement in ddl(engine, HQ_SQL):
        engine.execute(statement)


@migration("h002_certificate_register")
def h002_certificate_register(engine: Engine) -> None:
    """Issue 11: the register of certificates, revocations by (contest key, serial), keys
    withdrawn from a date (db/hq/register.py)."""
    from db.hq.register import REGISTER_SQL

    for statement in ddl(engine, REGISTER_SQL):
        engine.execute(statement)


GROUPS_SQL = """
CREATE TABLE group_members (dim TEXT NOT NULL, grp TEXT NOT NULL, kind TEXT NOT NULL,
  member TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (dim, grp, kind, member)) {without_rowid};
CREATE TABLE group_sizes (dim TEXT NOT NULL, grp TEXT NOT NULL, kind TEXT NOT NULL,
  n BIGINT NOT NULL, PRIMARY KEY (dim, grp, kind));
CREATE TABLE group_tallies (dim TEXT NOT NULL, grp TEXT NOT NULL, measure TEXT NOT NULL,
  n BIGINT NOT NULL, PRIMARY KEY (dim, grp, measure));
CREATE UNIQUE INDEX submissions_one_current ON submissions (contest_uid) WHERE state = 'current';
DROP INDEX participations_unit;
DROP INDEX participations_year_person;
DROP INDEX participations_year_unit_id;
DROP INDEX participations_region_person;
DROP INDEX participations_region_unit_id;
DROP INDEX participations_level_person;
DROP INDEX participations_level_unit_id;
DROP INDEX participations_trade_person;
DROP INDEX participations_trade_unit_id;
DROP TABLE tallies;
DROP TABLE region_tallies;
DROP TABLE region_events;
DROP TABLE people;
DROP TABLE units
"""


@migration("h003_groups")
def h003_groups(engine: Engine) -> None:
    """The report's figures kept at import (db/hq/groups.py) instead of read from per-contest
    tallies and indexes over the participations; at most one current submission per contest,
    enforced. The tables dropped held only figures derived from the participations, which
    are counted in again by h006 (this migration counted them into ``group_members`` itself
    until h006 replaced that table: a database that runs it now gets its figures there)."""
    for statement in ddl(engine, GROUPS_SQL):
        engine.execute(statement)


@migration("h004_competition_keys")
def h004_competition_keys(engine: Engine) -> None:
    """One contest, one key: competition id -> contest key bindings (db/hq/bindings.py)."""
    from db.hq.bindings import create_tables

    create_tables(engine)


@migration("h005_trade_best")
def h005_trade_best(engine: Engine) -> None:
    """Each person's best result per trade and year kept at import (db/hq/ranking.py), so
    that the ranking across contests reads one trade's rows, not the participations."""
    from db.hq import ranking

    for statement in ddl(engine, ranking.RANKING_SQL):
        engine.execute(statement)
    ranking.rebuild(engine)


MEMBER_GROUPS_SQL = """
CREATE TABLE member_groups (kind TEXT NOT NULL, member TEXT NOT NULL, groups TEXT NOT NULL,
  PRIMARY KEY (kind, member)) {without_rowid};
DROP TABLE group_members
"""


@migration("h006_member_groups")
def h006_member_groups(engine: Engine) -> None:
    """Each person, unit, competition and event kept once with the groups it is in
    (``member_groups``), instead of once per group (``group_members``): a fifth of the rows
    written at import. Every figure is counted again from the participations held."""
    for statement in ddl(engine, MEMBER_GROUPS_SQL):
        engine.execute(statement)
    groups.rebuild(engine)
