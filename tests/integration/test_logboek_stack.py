"""Logboek Dataverwerkingen through a whole LocalStack run: one verzoek from the sandbox to a
reported zaak leaves one record per processing step, and not one BSN in clear in the table."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
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
    httpx.post(f"{stack.sandbox.url}/_sandbox/examples/verbouwing-initieren", timeout=30).raise_for_status()
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
