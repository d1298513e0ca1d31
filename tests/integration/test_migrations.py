"""Store migrations on SQLite and PostgreSQL: from empty, from release 0.1 with data, and the
refusal of api and worker to start on a schema that is not at head."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.store import SqlStore, migrate
from gateway.store.sql_store import create_engine
from tests.fixtures.store import release_0_1_schema as old

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gateway.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    # A database of its own per test: the session's shared one is already at head.
    import psycopg

    name = f"dsogw_migr_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli(*args: str, store_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DSOGW_STORE_URL": store_url, "DSOGW_QUEUE_URL": "memory://"}
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


def test_upgrade_from_empty_then_again_changes_nothing(store_url: str) -> None:
    first = cli("db", "upgrade", store_url=store_url)
    assert first.returncode == 0, first.stderr
    assert f"to revision {migrate.head()}" in first.stdout
    again = cli("db", "upgrade", store_url=store_url)
    assert again.returncode == 0 and "nothing changed" in again.stdout, again.stdout
    current = cli("db", "current", store_url=store_url)
    assert current.returncode == 0 and f"at revision {migrate.head()} (head)" in current.stdout
    engine = create_engine(store_url)
    try:
        # The migrations make exactly what the models describe: autogenerate finds nothing to do.
        assert migrate.pending_changes(engine) == []
    finally:
        engine.dispose()


def test_upgrade_from_release_0_1_keeps_the_data(store_url: str) -> None:
    engine = create_engine(store_url)
    now = datetime.now(UTC)
    old.metadata.create_all(engine)  # what release 0.1 made: tables, no revision
    with engine.begin() as conn:
        conn.execute(
            old.verzoeken.insert().values(
                verzoeknummer="2024031400042", volgnummer=1, state="reported", naam="Dakkapel",
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
        conn.execute(
            old.staff_users.insert().values(
                username="olga", password_hash="x", roles="operator", created_at=now, updated_at=now
            )
        )
    assert migrate.state(engine).current is None and migrate.state(engine).has_tables
    # This release refuses it until it is upgraded, with one line that says what to do.
    refused = cli("worker", store_url=store_url)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "dso-gateway db upgrade" in refused.stderr
    assert "Traceback" not in refused.stderr

    upgraded = cli("db", "upgrade", store_url=store_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "release 0.1's tables without a revision" in upgraded.stdout
    assert migrate.state(engine).at_head
    assert migrate.pending_changes(engine) == []
    store = SqlStore(engine)
    record = store.get_verzoek("2024031400042")
    assert record is not None and record.naam == "Dakkapel" and record.state == "reported"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT username FROM staff_users")).scalar_one() == "olga"
    store.close()  # the engine, and the store's own connections for reads


def test_an_empty_database_is_created_at_head_on_first_start(store_url: str) -> None:
    store = SqlStore.from_url(store_url)
    try:
        found = migrate.state(store.engine)
        assert found.at_head and found.current == migrate.head()
        assert migrate.pending_changes(store.engine) == []
        SqlStore.from_url(store_url).close()  # a second process starting: nothing changes
    finally:
        store.close()


def test_a_database_behind_head_is_refused_with_one_line(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:
        from alembic import command

        command.upgrade(migrate._config(conn), migrate.BASELINE)
    engine.dispose()
    with pytest.raises(migrate.SchemaNotCurrent, match="run `dso-gateway db upgrade`"):
        SqlStore.from_url(store_url)
    # A connection the refusal left open would warn when collected: an error, and in this test.
    gc.collect()
    current = cli("db", "current", store_url=store_url)
    assert current.returncode == 1 and f"at revision {migrate.BASELINE}; head is" in current.stdout
