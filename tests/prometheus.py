"""Read the Prometheus text format as Prometheus does, so tests compare values, not spelling."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def prometheus_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted label pairs): value} of every sample in a scrape."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
