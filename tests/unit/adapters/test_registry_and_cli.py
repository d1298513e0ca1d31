"""create_delivery by name, RecordingDelivery's record, and the `sandbox zgw` command."""

from __future__ import annotations

import argparse

import pytest

from adapters.memory import MemoryCheckpoints, RecordingDelivery
from adapters.registry import available, create_delivery
from adapters.zgw.cli import add_zgw_commands, config_from_args
from adapters.zgw.delivery import ZgwDelivery
from stam_mapping.mapping import default_mapping
from stam_mapping.model import Doel
from tests.unit.adapters.support import MemoryDocuments, demo_verzoek, planner


def test_create_delivery_by_name() -> None:
    assert set(available()) >= {"memory", "zgw"}
    assert isinstance(create_delivery("memory"), RecordingDelivery)
    zgw = create_delivery(
        "zgw",
        planner=planner,
        zaken_url="http://oz.test/zaken/api/v1",
        documenten_url="http://oz.test/documenten/api/v1",
        catalogi_url="http://oz.test/catalogi/api/v1",
        client_id="gw",
        secret="unit-test-secret-0123456789abcdef0123",
        bestandsdelen_threshold=10,
    )
    assert isinstance(zgw, ZgwDelivery)
    assert zgw.name == "zgw"
    with pytest.raises(ValueError, match="unknown delivery adapter 'stuf'"):
        create_delivery("stuf")
    stuf = create_delivery(
        "stuf-zkn",
        mapping=default_mapping(),
        vrije_berichten_url="http://zds.test/VrijeBerichten",
        ontvang_asynchroon_url="http://zds.test/OntvangAsynchroon",
    )
    assert stuf.name == "stuf-zkn"


def test_recording_delivery_records_versions_documents_and_statuses() -> None:
    delivery = RecordingDelivery(planner)
    checkpoints = MemoryCheckpoints()
    documents = MemoryDocuments(**{"DOC-1": b"1", "DOC-2": b"22", "DOC-3": b"333"})
    v1 = demo_verzoek()
    v2 = demo_verzoek(volgnummer=2, doel=Doel.AANVULLEN, documenten=("DOC-1", "DOC-3"))
    v3 = demo_verzoek(volgnummer=3, doel=Doel.INTREKKEN, documenten=("DOC-1", "DOC-3"))

    first = delivery.deliver(v1, None, documents, checkpoints)
    delivery.deliver(v2, v1, documents, checkpoints)
    delivery.deliver(v3, v2, documents, checkpoints)

    [zaak] = delivery.zaken.values()
    assert zaak.url == first.zaak_url
    assert zaak.versies == [1, 2, 3]
    assert zaak.documenten == ["DOC-1", "DOC-2", "DOC-3"]
    assert zaak.vervallen == ["DOC-2"]
    assert zaak.statussen == ["Ontvangen", "Aangevuld", "Afgehandeld"]
    # Deterministic: another instance gives the same zaak URL for the same verzoeknummer.
    assert RecordingDelivery().deliver(v1, None, documents, MemoryCheckpoints()) == first


def test_sandbox_zgw_command_parses_options() -> None:
    parser = argparse.ArgumentParser()
    add_zgw_commands(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(
        ["zgw", "--port", "9002", "--secret", "s3cr3t-for-the-sandbox", "--part-size", "4096"]
    )
    config = config_from_args(args)
    assert args.port == 9002
    assert config.secret == "s3cr3t-for-the-sandbox"
    assert config.part_size == 4096
    assert callable(args.func)
