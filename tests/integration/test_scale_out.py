"""Two workers with their own store and queue connections (as two machines would have) share the
work of one gateway through the queue: every verzoek delivered once, nothing twice."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx2
import pytest

from adapters.zgw.testserver.app import store_of
from dso_client.sandbox.examples import list_examples
from gateway.bootstrap import bootstrap
from gateway.settings import Settings
from gateway.stack import LocalStack
from tests.services import port_open, require_service

QUEUES = {
    "sqlite": None,
    "rabbitmq": "stomp://guest:guest@127.0.0.1:61613?flavour=rabbitmq",
}


@pytest.mark.parametrize("backend", list(QUEUES))
def test_two_workers_share_the_work_without_duplicates(backend: str, tmp_path: Path) -> None:
    url = QUEUES[backend]
    if url:
        require_service("RabbitMQ STOMP on 127.0.0.1:61613", port_open("127.0.0.1", 61613))
    settings = Settings(data_dir=tmp_path, queue_url=url or "", retry_base_delay=0.2)
    with LocalStack(settings, data_dir=tmp_path) as stack:
        second = bootstrap(stack.settings)
        other = second.worker()
        other.start()
        try:
            examples = list_examples()
            for example in examples:
                httpx2.post(
                    f"{stack.sandbox.url}/_sandbox/examples/{example.name}", timeout=30
                ).raise_for_status()
            found = stack.wait_final([(e.verzoeknummer, e.volgnummer) for e in examples], timeout=120)
        finally:
            other.stop()
            second.close()
        assert None not in found.values()
        assert {v.state for v in found.values() if v} == {"reported"}
        zgw = store_of(stack.zgw_app)
        assert len(zgw.zaken) == len({e.verzoeknummer for e in examples})
        # No rol was created twice: one per (zaak, roltype).
        rollen = Counter((r["zaak"], r["roltype"]) for r in zgw.rollen.values())
        assert rollen and set(rollen.values()) == {1}
        for example in examples:
            events = stack.container.store.events_for(example.verzoeknummer)
            kinds = Counter(e.kind for e in events if e.volgnummer == example.volgnummer)
            assert kinds["delivered"] == 1 and kinds["reported"] == 1, (example.name, kinds)


def test_several_consumers_per_stage_keep_order_and_do_nothing_twice(tmp_path: Path) -> None:
    """Four consumer threads per stage in one worker, every example filed at once (aanvulling and
    intrekking right behind their first version): each version is handled once, in order."""
    settings = Settings(data_dir=tmp_path, stage_consumers=4, retry_base_delay=0.2)
    with LocalStack(settings, data_dir=tmp_path) as stack:
        names = {t.name for t in threading.enumerate()}
        assert {f"stage-translate-{n}" for n in range(4)} <= names
        examples = list_examples()
        for example in examples:
            httpx2.post(
                f"{stack.sandbox.url}/_sandbox/examples/{example.name}", timeout=30
            ).raise_for_status()
        found = stack.wait_final([(e.verzoeknummer, e.volgnummer) for e in examples], timeout=120)
        assert {v.state for v in found.values() if v} == {"reported"}, found
        zgw = store_of(stack.zgw_app)
        assert len(zgw.zaken) == len({e.verzoeknummer for e in examples})
        rollen = Counter((r["zaak"], r["roltype"]) for r in zgw.rollen.values())
        assert rollen and set(rollen.values()) == {1}
        for nr in {e.verzoeknummer for e in examples}:
            events = stack.container.store.events_for(nr)
            delivered = [e.volgnummer for e in events if e.kind == "delivered"]
            # once per version, and a later version never before an earlier one
            assert delivered == sorted(set(delivered)), (nr, delivered)
