"""Alembic's environment for every aicop app's tables: one metadata, one version table, one branch per
app (see ``aicop.store.migrate``). Run through ``aicop.store.migrate``, which hands over the connection;
there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from aicop.store.migrate import target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
