"""Schema revisions of the store (alembic), on SQLite and PostgreSQL alike.

- An **empty** database is created at head on first start (the demo, a new installation, every
  test): `create_all` and a stamp, one transaction, under a lock so that two processes starting
  at once do not both create it.
- A database **at head** is used as it is.
- Anything else (an older revision, or release 0.1's tables without a revision) is never
  changed by `api` or `worker`: they refuse to start with one line that says to run
  `dso-gateway db upgrade`, which stamps release 0.1's schema as revision 0001 and applies
  every later revision. Upgrading is a deliberate step (a migration Job in Kubernetes), not a
  side effect of whichever replica starts first.

tests/integration/test_migrations.py holds the migrations to the models: autogenerate against a
database upgraded from empty, and from release 0.1 with data, must find nothing to do."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

import gateway.api_tokens
import gateway.auth.schema  # noqa: F401 - registers the auth tables on the store's MetaData
from gateway.store.schema import metadata


class _OnlyTheRevisions(logging.Filter):
    """Alembic says which dialect it uses before every run ("Context impl ...", "Will assume
    transactional DDL."): noise on an operator's terminal. "Running upgrade A -> B" stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("Context impl ", "Will assume "))


logging.getLogger("alembic.runtime.migration").addFilter(_OnlyTheRevisions())

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # release 0.1's schema, made by create_all before there were revisions
_LOCK_KEY = 0x64736F67  # PostgreSQL advisory lock for schema changes ("dsog")


class SchemaNotCurrent(Exception):
    """The store's schema is not the one this release needs; `dso-gateway db upgrade` fixes it."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # the stamped revision; None when there is none
    head: str
    has_tables: bool

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    @property
    def empty(self) -> bool:
        return self.current is None and not self.has_tables

    def describe(self) -> str:
        if self.at_head:
            return f"at revision {self.head} (head)"
        if self.empty:
            return "empty (no tables yet)"
        if self.current is None:
            return f"release 0.1's tables without a revision; head is {self.head}"
        return f"at revision {self.current}; head is {self.head}"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None, "no migrations found"
    return revision


def _state(conn: Connection) -> SchemaState:
    current = MigrationContext.configure(conn).get_current_revision()
    has_tables = sa.inspect(conn).has_table("verzoeken")
    return SchemaState(current=current, head=head(), has_tables=has_tables)


def _locked(conn: Connection) -> None:
    # Serialise schema changes between processes. SQLite's write transactions already are.
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def state(engine: Engine) -> SchemaState:
    with engine.connect() as conn:
        return _state(conn)


def prepare(engine: Engine) -> SchemaState:
    """Create an empty database at head; accept one at head; refuse anything else."""
    with engine.begin() as conn:
        _locked(conn)
        found = _state(conn)
        if found.empty:
            metadata.create_all(conn)
            MigrationContext.configure(conn).stamp(ScriptDirectory.from_config(_config()), "head")
            return SchemaState(current=found.head, head=found.head, has_tables=True)
    if not found.at_head:
        raise SchemaNotCurrent(
            f"the store's schema is {found.describe()}: run `dso-gateway db upgrade` (with the same"
            " DSOGW_STORE_URL) before starting this release"
        )
    return found


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Bring any earlier state to head; returns (before, after). Running it again changes nothing."""
    with engine.begin() as conn:
        _locked(conn)
        before = _state(conn)
        if before.has_tables and before.current is None:
            # Release 0.1 created its tables without alembic: they are revision 0001.
            MigrationContext.configure(conn).stamp(ScriptDirectory.from_config(_config()), BASELINE)
        command.upgrade(_config(conn), "head")
        after = _state(conn)
    return before, after


def managed(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """What revisions manage: not the optional trigram indexes, which the store creates itself
    where PostgreSQL lets it (SqlStore._trigram_indexes)."""
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))


def pending_changes(engine: Engine) -> list[object]:
    """What autogenerate would still write: the models against the database's schema."""
    from alembic.autogenerate import compare_metadata

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": managed})
        return list(compare_metadata(context, metadata))


def new_revision(message: str) -> None:
    """For developers: write the next revision from the models' difference to head."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        engine = sa.create_engine(f"sqlite:///{tmp}/head.db")
        with engine.begin() as conn:
            command.upgrade(_config(conn), "head")
            config = _config(conn)
            config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
            number = f"{int(head()) + 1:04d}"  # revisions are numbered in order: 0001, 0002, ...
            command.revision(config, message=message, autogenerate=True, rev_id=number)
        engine.dispose()


if __name__ == "__main__":  # python -m gateway.store.migrate "what changed"
    import sys

    new_revision(" ".join(sys.argv[1:]) or "schema change")
