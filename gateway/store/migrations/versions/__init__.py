"""One module per schema revision, oldest first (alembic ignores this file)."""
