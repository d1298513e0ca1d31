"""Reporting queries: activiteit filter and the last hour's throughput."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.store.queries import VerzoekFilter, search_verzoeken, throughput
from tests.unit.api.conftest import FAILED_NR, Seeded


def test_activiteit_filter(seeded: Seeded) -> None:
    store = seeded.container.store
    store.update_summary("2024031400044", activiteiten="nl.imow-gm0200.activiteit.KappenVanHoutopstand")
    found, total = search_verzoeken(store, VerzoekFilter(activiteit="kappenvan"))
    assert total == 1 and found[0].verzoeknummer == "2024031400044"
    _, none = search_verzoeken(store, VerzoekFilter(activiteit="100%_"))
    assert none == 0


def test_throughput_counts_only_the_window(seeded: Seeded) -> None:
    store = seeded.container.store
    now = throughput(store)
    assert (now.ontvangen, now.mislukt) == (3, 1)
    store.add_event(FAILED_NR, 1, "delivered", "geregistreerd")
    assert throughput(store).geregistreerd == 1
    later = throughput(store, since=datetime.now(UTC) + timedelta(minutes=1))
    assert later == type(later)(0, 0, 0, 0)
