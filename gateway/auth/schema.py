"""The auth tables, on the store's MetaData so `create_schema` makes them too: local accounts,
server-side staff sessions, and failed-login counters for throttling."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, Text

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

# One row per staff session. The cookie holds only a random id; the row is keyed by its SHA-256,
# so a copy of this table lets nobody in. What the session holds (user, roles, CSRF token, the
# clerk's search terms) stays here and never travels in a cookie. Logout deletes the row.
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
)

# Failed local logins per user name and per client address (both as SHA-256, so whatever was
# typed in the name field is not kept), for throttling (gateway/auth/throttle.py).
login_failures = Table(
    "login_failures",
    metadata,
    Column("key_sha256", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)
