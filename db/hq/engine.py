"""The two engines of headquarters: an embedded SQLite file or a PostgreSQL server.

Everything above this module writes one SQL text for both: ``?`` placeholders, standard
``INSERT … ON CONFLICT``, ``RETURNING``, ``CASE``, ``COUNT(DISTINCT …)``. What differs lives
here and only here:

* how to connect (a path, or a ``postgresql://`` URL) and the storage errors in plain words;
* placeholders (``?`` here, ``%s`` for psycopg; a literal ``%`` is escaped);
* transactions: SQLite's are ``BEGIN IMMEDIATE`` through db/store/connection.py's helper (one
  writer at a time, nested use a savepoint); PostgreSQL's are psycopg's (nested: a savepoint);
* :meth:`Engine.lock`: inside a transaction, a PostgreSQL advisory lock held until it ends, so
  that concurrent importers of the same contest or file take turns (SQLite has one writer);
* where the accepted files are kept whole (``HQ.db.files/`` beside a SQLite file; the folder
  in ``JIANGXIN_HQ_FILES`` for a server, by default one per database in the user's data folder);
* a few type words in DDL (:func:`ddl`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from db.store import connection
from judging.errors import StorageError

Params = Sequence[Any]


class Cursor(Protocol):
    """The part of a DB-API cursor headquarters uses (sqlite3 and psycopg alike)."""

    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


def is_server_url(target: str | Path) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


class Engine:
    """One connection to a headquarters database. Not thread-safe: one per thread/process."""

    kind = "?"
    location = ""  # what messages name: the file, or the URL without its password

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        raise NotImplementedError

    def query(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def one(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Many new rows at once (PostgreSQL: COPY, several times faster than INSERTs)."""
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def add_counts(self, table: str, keys: Sequence[str], rows: Sequence[Params], *,
                   new_by: int = 0) -> Counter[tuple[Any, ...]]:
        """Add ``n`` to each row keyed by ``keys`` (made if new: ``rows`` are the key values
        then n). With ``new_by``, gives how many of the rows were new (not there before),
        counted by their first ``new_by`` keys. The rows are written in the order given (sort
        them, so that concurrent writers never wait in a circle)."""
        new: Counter[tuple[Any, ...]] = Counter()
        cols = ", ".join([*keys, "n"])
        marks = "(" + ", ".join("?" for _ in range(len(keys) + 1)) + ")"
        per = max(1, 30000 // (len(keys) + 1))  # within SQLite's 32,766 parameters
        for i in range(0, len(rows), per):
            chunk = rows[i:i + per]
            cur = self.execute(
                f"INSERT INTO {table} ({cols}) VALUES {', '.join(marks for _ in chunk)} "
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table}.n + excluded.n"
                + (f" RETURNING {cols}" if new_by else ""), [x for r in chunk for x in r])
            if new_by:
                given = {tuple(r[:-1]): r[-1] for r in chunk}
                for r in cur.fetchall():
                    if int(r[-1]) == int(given[tuple(r[:-1])]):
                        new[tuple(r[:new_by])] += 1
        return new

    def claim(self, table: str, keys: Sequence[str], column: str, rows: Sequence[Params],
              default: str) -> dict[tuple[Any, ...], str]:
        """Inside a transaction: the ``column`` of each row keyed by ``keys`` (``rows``: key
        values), held for this transaction so that no other writer changes it before the commit;
        a row not there yet is made with ``default`` (and held too). Claim rows sorted, as
        :meth:`add_counts` writes them. Here, for SQLite, the transaction's write lock
        (BEGIN IMMEDIATE) already holds every row: a read, and the missing ones are left to
        the write that follows."""
        held: dict[tuple[Any, ...], str] = {}
        per = max(1, 30000 // len(keys))
        one = "(" + ", ".join("?" for _ in keys) + ")"
        # the wanted keys as the outer loop (CROSS JOIN keeps SQLite to that order), each a
        # search of the primary key: a row-value IN (VALUES …) scans the whole table instead
        picked = ", ".join(f"t.{k}" for k in keys)
        on = " AND ".join(f"t.{k} = w.{k}" for k in keys)
        for i in range(0, len(rows), per):
            chunk = rows[i:i + per]
            params = [x for key in chunk for x in key]
            for r in self.execute(
                    f"WITH w ({', '.join(keys)}) AS (VALUES {', '.join(one for _ in chunk)}) "
                    f"SELECT {picked}, t.{column} FROM w CROSS JOIN {table} t WHERE {on}",
                    params):
                held[tuple(r[:-1])] = str(r[-1])
        return {tuple(r): held.get(tuple(r), default) for r in rows}

    def upsert(self, table: str, columns: Sequence[str], types: Sequence[str],
               keys: Sequence[str], updates: str, rows: Sequence[Params]) -> None:
        """Insert ``rows`` (values in ``columns`` order), or on a conflict on ``keys`` set
        ``updates`` (SQL with ``excluded.col`` and ``table.col``, no parameters). ``types``
        are the columns' PostgreSQL words (text, bigint, bytea). A row must not conflict
        with another of the same call; write them sorted (see :meth:`add_counts`)."""
        if not rows:
            return
        marks = ", ".join("?" for _ in columns)
        self.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
                         f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}", rows)

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """One transaction; used inside another one, a savepoint."""
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def lock(self, *keys: str) -> None:
        """Inside a transaction: wait for, then hold until it ends, a lock on each key."""

    def tables(self) -> set[str]:
        raise NotImplementedError

    def files_dir(self) -> Path:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteEngine(Engine):
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 60000")  # another importer's batch
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            # the import's indexes are far bigger than SQLite's default 2 MB page cache
            conn.execute("PRAGMA cache_size = -262144")
        except sqlite3.Error as exc:
            raise StorageError(f"{path}: cannot open the headquarters database: {exc}") from exc
        self.conn = conn
        self.db = sqlite_utils.Database(conn)

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        try:
            return self.conn.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise connection.storage_error(exc, self.path) from exc

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise connection.storage_error(exc, self.path) from exc

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with connection.transaction(self.db):
            yield

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def tables(self) -> set[str]:
        return set(self.db.table_names())

    def files_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".files")

    def close(self) -> None:
        self.conn.close()


def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


class PostgresEngine(Engine):
    kind = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise StorageError("PostgreSQL needs the psycopg package: pip install "
                               "'psycopg[binary]' / 需要安装 psycopg") from None
        self._psycopg = psycopg
        self.url = url
        self.location = _safe_url(url)
        try:
            self.conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StorageError(f"{self.location}: cannot connect to the headquarters "
                               f"database / 无法连接总部数据库: {exc}".strip()) from exc
        self._depth = 0
        self._stages: set[str] = set()

    def _error(self, exc: Exception) -> StorageError:
        err = StorageError(f"{self.location}: database error / 数据库错误: {exc}".strip())
        sqlstate = getattr(exc, "sqlstate", None) or ""
        # connection lost, disk full, out of memory, read-only: the operator's to fix (exit 2)
        if not (sqlstate.startswith(("08", "53", "57")) or sqlstate == "25006"):
            err.exit_code = 1
        return err

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        try:
            return self.conn.execute(_pg_sql(sql), tuple(params))
        except self._psycopg.Error as exc:
            raise self._error(exc) from exc

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            with self.conn.cursor() as cur:
                cur.executemany(_pg_sql(sql), list(rows))
        except self._psycopg.Error as exc:
            raise self._error(exc) from exc

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        if not rows:
            return
        try:
            with self.conn.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except self._psycopg.Error as exc:
            raise self._error(exc) from exc

    def _within(self) -> contextlib.AbstractContextManager[None]:
        """The caller's transaction, or a new one (a staging table empties at each commit)."""
        return contextlib.nullcontext() if self.in_transaction else self.transaction()

    def _staged(self, table: str, columns: Sequence[str], types: Sequence[str],
                rows: Sequence[Params]) -> str:
        """``rows`` copied (COPY, psycopg's C code) into a temporary table shaped like
        ``table``'s ``columns`` (made once per connection, emptied at each commit); inside the
        caller's transaction. Its name, for the statement that reads and empties it."""
        name = f"jx_stage_{table}"
        if name not in self._stages:
            self.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {name} ("
                         + ", ".join(f"{c} {t}" for c, t in zip(columns, types))
                         + ") ON COMMIT DELETE ROWS")
            self._stages.add(name)
        self.insert_rows(name, columns, rows)
        return name

    def add_counts(self, table: str, keys: Sequence[str], rows: Sequence[Params], *,
                   new_by: int = 0) -> Counter[tuple[Any, ...]]:
        # the rows copied into a staging table, then one statement that upserts them in
        # order and (with new_by) counts the new ones on the server: a few rows come back
        new: Counter[tuple[Any, ...]] = Counter()
        if not rows:
            return new
        cols = [*keys, "n"]
        with self._within():
            stage = self._staged(table, cols, ["text"] * len(keys) + ["bigint"], rows)
            listed = ", ".join(cols)
            upsert = (f"INSERT INTO {table} ({listed}) SELECT {listed} FROM s ORDER BY "
                      f"{', '.join(keys)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                      f"n = {table}.n + excluded.n")
            head = f"WITH s AS (DELETE FROM {stage} RETURNING {listed}), "
            if not new_by:
                self.execute(f"WITH s AS (DELETE FROM {stage} RETURNING {listed}) {upsert}")
                return new
            # a row this statement inserted (rather than updated) has no deleting
            # transaction: xmax = 0. That counts the new members without joining the upserted
            # rows back to the staged ones (a join of two unindexed CTEs, planned blind)
            by = ", ".join(keys[:new_by])
            for r in self.execute(f"{head}u AS ({upsert} RETURNING {by}, "
                                  f"({table}.xmax = 0) AS fresh) SELECT {by}, COUNT(*) FROM u "
                                  f"WHERE fresh GROUP BY {by}"):
                new[tuple(r[:new_by])] = int(r[-1])
        return new

    def claim(self, table: str, keys: Sequence[str], column: str, rows: Sequence[Params],
              default: str) -> dict[tuple[Any, ...], str]:
        # one statement, in order: a row there is locked by a no-op update (and its latest
        # committed value comes back, read committed), a missing one is inserted, so that
        # another importer claiming it waits for this commit and then reads what was written
        if not rows:
            return {}
        listed = ", ".join(keys)
        with self._within():
            stage = self._staged(table + "_claim", keys, ["text"] * len(keys), rows)
            got = self.execute(
                f"WITH s AS (DELETE FROM {stage} RETURNING {listed}) INSERT INTO {table} "
                f"({listed}, {column}) SELECT {listed}, ? FROM s ORDER BY {listed} "
                f"ON CONFLICT ({listed}) DO UPDATE SET {column} = {table}.{column} "
                f"RETURNING {listed}, {column}", [default]).fetchall()
        return {tuple(r[:-1]): str(r[-1]) for r in got}

    def upsert(self, table: str, columns: Sequence[str], types: Sequence[str],
               keys: Sequence[str], updates: str, rows: Sequence[Params]) -> None:
        # as add_counts: COPY into a staging table, one statement to upsert in order
        if not rows:
            return
        listed = ", ".join(columns)
        with self._within():
            stage = self._staged(table, columns, types, rows)
            self.execute(f"WITH s AS (DELETE FROM {stage} RETURNING {listed}) INSERT INTO "
                         f"{table} ({listed}) SELECT {listed} FROM s ORDER BY "
                         f"{', '.join(keys)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                         f"{updates}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            with self.conn.transaction():
                self._depth += 1
                try:
                    yield
                except BaseException:
                    self._stages.clear()  # made in what is rolled back: made again if needed
                    raise
                finally:
                    self._depth -= 1
        except self._psycopg.Error as exc:
            raise self._error(exc) from exc

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def lock(self, *keys: str) -> None:
        # sorted, so that two importers never wait for each other in a circle
        for key in sorted(set(keys)):
            n = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            self.execute("SELECT pg_advisory_xact_lock(?)", [n])

    def tables(self) -> set[str]:
        return {str(r[0]) for r in self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema()")}

    def files_dir(self) -> Path:
        env = os.environ.get("JIANGXIN_HQ_FILES")
        if env:
            return Path(env)
        from platformdirs import user_data_dir

        info = self.conn.info
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{info.host}-{info.port}-{info.dbname}")
        return Path(user_data_dir("Jiangxin", appauthor=False)) / "hq-files" / name

    def close(self) -> None:
        self.conn.close()


def open_engine(target: str | Path) -> Engine:
    """A SQLite path (made if new) or a ``postgresql://user@host/db`` URL."""
    if is_server_url(target):
        return PostgresEngine(str(target))
    return SqliteEngine(Path(target))


_PG_WORDS = {"{id}": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
             "{blob}": "BYTEA", "{without_rowid}": ""}
_SQLITE_WORDS = {"{id}": "INTEGER PRIMARY KEY", "{blob}": "BLOB",
                 "{without_rowid}": "WITHOUT ROWID"}


def ddl(engine: Engine, text: str) -> list[str]:
    """DDL statements (separated by ``;`` at a line's end) in the engine's words.

    ``{id}`` is an integer primary key numbered by the database, ``{blob}`` raw bytes,
    ``{without_rowid}`` after a table with a primary key stores it clustered on SQLite (and
    means nothing on PostgreSQL); all other types (TEXT, INTEGER, BIGINT) are written as they
    are, and mean the same on both.
    """
    words = _PG_WORDS if engine.kind == "postgresql" else _SQLITE_WORDS
    for k, v in words.items():
        text = text.replace(k, v)
    return [s.strip() for s in text.split(";\n") if s.strip()]
