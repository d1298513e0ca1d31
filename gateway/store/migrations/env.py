"""Alembic's environment: always a connection handed over by gateway.store.migrate."""

from __future__ import annotations

from alembic import context

import gateway.api_tokens
import gateway.auth.schema  # noqa: F401 - registers the auth tables on the store's MetaData
from gateway.store.migrate import managed
from gateway.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: alembic copies the table instead
    compare_type=True,
    include_object=managed,
)
with context.begin_transaction():
    context.run_migrations()
