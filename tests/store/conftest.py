"""The store under test: a new SQLite file, or a schema of its own in a PostgreSQL database made for
this test session (dropped at the end), and reports built by really assessing a small repository."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aicop.assess.results import Assessment as Report
from aicop.store import Database, open_database
from tests.conftest import MANIFEST
from tests.gateway.conftest import service

POSTGRES = os.environ.get("AICOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _admin_connect() -> object:
    import psycopg

    return psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of this session's own; its URL (without a schema)."""
    service(POSTGRES, lambda: _admin_connect().close())  # type: ignore[attr-defined]
    name = f"aicop_serve_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _admin_connect() as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with _admin_connect() as conn:  # type: ignore[attr-defined]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_schema_url(database: str) -> str:
    """A new, empty schema in the session's database; the URL selects it for every connection."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database.replace('postgresql://', 'postgresql+psycopg://')}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty store on each database."""
    if request.param == "sqlite":
        db = open_database(tmp_path / "store.sqlite3")
    else:
        from aicop.store.migrate import migrate

        db = Database(pg_schema_url(request.getfixturevalue("pg_database")))
        migrate(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def base_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A real report: a small repository assessed by aicop."""
    from aicop.assess import assess

    root = tmp_path_factory.mktemp("assessed")
    (root / "aicop.yaml").write_text(MANIFEST)
    (root / "SECURITY.md").write_text("# Security\nReport to security@example.org\n")
    (root / "app.py").write_text("import pickle\nmodel = pickle.load(open('m.pkl', 'rb'))\n")
    return assess(root, today=dt.date(2026, 11, 27))


def variant(base: Report, name: str, day: int = 0, *, met_ratio: float | None = None) -> Report:
    """Another run of ``base``: another system name, ``day`` days later, optionally another ratio."""
    summary = (
        base.summary.model_copy(update={"met_ratio": met_ratio}) if met_ratio is not None else base.summary
    )
    return base.model_copy(
        update={
            "system": {**base.system, "name": name},
            "generated_at": base.generated_at + dt.timedelta(days=day),
            "summary": summary,
        }
    )
