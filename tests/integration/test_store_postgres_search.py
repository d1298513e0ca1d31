"""On PostgreSQL, staff search by project name or activiteit has trigram indexes behind it."""

from __future__ import annotations

import sqlalchemy as sa

from gateway.store import SqlStore


def test_trigram_indexes_exist_and_schema_creation_is_repeatable(postgres_url: str) -> None:
    store = SqlStore.from_url(postgres_url)
    store.create_schema()  # a second process starting: no error, nothing doubled
    with store.engine.connect() as conn:
        names = set(
            conn.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE tablename IN ('verzoeken', 'zoekindex')")
            ).scalars()
        )
        # EXPLAIN with sequential scans off: the planner can answer the substring search by index.
        conn.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                sa.text("EXPLAIN SELECT verzoeknummer FROM verzoeken WHERE naam ILIKE '%dakkapel%'")
            ).scalars()
        )
        clerk_plan = "\n".join(
            conn.execute(
                sa.text("EXPLAIN SELECT verzoeknummer FROM zoekindex WHERE tekst LIKE '%7315ab%'")
            ).scalars()
        )
    store.close()
    assert {"ix_verzoeken_naam_trgm", "ix_verzoeken_activiteiten_trgm"} <= names
    assert "ix_verzoeken_naam_trgm" in plan
    assert {"ix_zoekindex_tekst_trgm", "ix_zoekindex_bsn_trgm"} <= names
    assert "ix_zoekindex_tekst_trgm" in clerk_plan
