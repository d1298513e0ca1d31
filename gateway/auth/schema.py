"""The local account table, on the store's MetaData so `create_schema` makes it too."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Table, Text

from gateway.store.schema import metadata

staff_users = Table(
    "staff_users",
    metadata,
    Column("username", String(120), primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2id, never the password
    Column("roles", String(200), nullable=False),  # comma separated
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
