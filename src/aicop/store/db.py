"""Where the store lives and how to reach it: a URL, an engine, sessions.

SQLite by default (a file under the user's data directory, or ``--db PATH``), PostgreSQL when
``AICOP_DB_URL`` names one (``postgresql://user@host/db``; psycopg 3 is the driver). Every failure to
reach or read the database becomes a ``StoreError`` with the URL (password hidden) and what to do; the
CLI prints it and exits 2.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aicop.errors import AicopError

ENV_URL = "AICOP_DB_URL"


class StoreError(AicopError):
    """The store cannot be reached, is not migrated, or refused what was asked."""


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("aicop", appauthor=False)) / "store.sqlite3"


def database_url(db: Path | None = None) -> str:
    """``--db PATH`` first, then ``AICOP_DB_URL``, then the SQLite file under the user's data directory."""
    if db is not None:
        return f"sqlite:///{db}"
    env = os.environ.get(ENV_URL, "").strip()
    if env:
        return env
    return f"sqlite:///{default_path()}"


def shown(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable database URL>"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``: psycopg 3 for PostgreSQL; for SQLite, foreign keys on, WAL (readers do not
    wait for a writer) and a busy timeout so that concurrent writers queue instead of failing."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {shown(url)!r} (e.g. postgresql://user@host/db)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (ArgumentError, ImportError, SQLAlchemyError) as err:
        raise StoreError(f"{shown(url)}: cannot use this database ({err})") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """An engine and its session factory: what the CLI, the web app and the tests share."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed at the end of the block, or rolled back on an error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()

    def check_reachable(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as err:
            raise unreachable(self.url, err) from None


def error_reason(err: SQLAlchemyError) -> str:
    """The driver's own first line (e.g. 'connection refused'), without SQLAlchemy's wrapping."""
    return str(getattr(err, "orig", None) or err).strip().splitlines()[0]


def unreachable(url: str, err: SQLAlchemyError) -> StoreError:
    return StoreError(f"{shown(url)}: the database cannot be reached ({error_reason(err)})")
