"""Logboek Dataverwerkingen through a whole LocalStack run: one verzoek from the sandbox to a
reported zaak leaves one record per processing step, and not one BSN in clear in the table."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa

from gateway.logboek import vastleggingen, voor
from gateway.settings import Settings
from gateway.stack import LocalStack
from gateway.store import schema as t

BSN = "999993653"  # the initiatiefnemer of the sandbox's example "verbouwing-initieren"
VNR = "2026031000101"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(Settings(_env_file=None, data_dir=tmp_path, retry_base_delay=0.2)) as running:
        yield running


def test_one_record_per_processing_step_and_no_bsn_in_clear(stack: LocalStack) -> None:
    httpx2.post(f"{stack.sandbox.url}/_sandbox/examples/verbouwing-initieren", timeout=30).raise_for_status()
    versie = stack.wait_final([(VNR, 1)], timeout=60)[(VNR, 1)]
    assert versie is not None and versie.state == "reported", versie

    store = stack.container.store
    records = [v for v in vastleggingen(store) if v.verzoeknummer == VNR]
    steps = Counter(v.verwerkingsactiviteit for v in records)
    # fetch, archive, delivery, and the ontvangstbevestiging to the initiatiefnemer: once each.
    assert steps == {"ophalen": 1, "archiveren": 1, "registreren-zaak": 1, "bericht-initiatiefnemer": 1}

    person = voor(store).bsn(BSN)
    for v in records:
        assert (
            v.actor.startswith("worker:")
            and v.doel
            and v.processing_activity_id.endswith(v.verwerkingsactiviteit)
        )
        assert len(v.trace_id) == 32 and len(v.span_id) == 16
        # The initiatiefnemer is the data subject of every step, as a keyed hash.
        assert person.as_json() in v.betrokkenen, v

    # Scan every column of every row: the BSN appears nowhere, in any form we write.
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.logboek)).all()
    dumped = json.dumps([[str(value) for value in row] for row in rows])
    assert rows and BSN not in dumped


def test_with_tracing_on_the_records_carry_the_verzoeks_trace(tmp_path: Path) -> None:
    """The standard builds on trace context: a record links to the trace of the step it records."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from gateway import telemetry

    settings = Settings(_env_file=None, data_dir=tmp_path, retry_base_delay=0.2, otel_enabled=True)
    exporter = InMemorySpanExporter()
    assert telemetry.configure(settings, exporter=exporter)
    try:
        with LocalStack(settings, data_dir=tmp_path) as stack:
            httpx2.post(
                f"{stack.sandbox.url}/_sandbox/examples/verbouwing-initieren", timeout=30
            ).raise_for_status()
            versie = stack.wait_final([(VNR, 1)], timeout=90)[(VNR, 1)]
            assert versie is not None and versie.state == "reported", versie
            records = [v for v in vastleggingen(stack.container.store) if v.verzoeknummer == VNR]
        spans = {format(s.context.span_id, "016x"): s for s in exporter.get_finished_spans() if s.context}
    finally:
        telemetry.shutdown()
    assert len(records) == 4
    # One trace for the whole verzoek, and each record's span is a real, exported span of it.
    assert len({v.trace_id for v in records}) == 1
    for v in records:
        span = spans[v.span_id]
        assert span.context is not None and format(span.context.trace_id, "032x") == v.trace_id
