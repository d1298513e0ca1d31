"""Alembic migrations of the store (SQLite and PostgreSQL alike); run through gateway.store.migrate."""
