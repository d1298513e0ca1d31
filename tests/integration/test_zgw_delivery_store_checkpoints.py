"""The crash and lost-answer cases of test_zgw_delivery.py, on the store's checkpoints.

The translate stage hands the adapter StoreCheckpoints (gateway/pipeline/checkpoints.py), which
reads a verzoek's checkpoints once and serves later reads from memory. Every delivery attempt
here gets a new StoreCheckpoints on the same store, as a restarted worker would: what a run
finds is only what the previous one made durable. Also counts the store transactions of one
delivery against the per-step read and write it replaced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from adapters.errors import DeliveryRetryableError
from adapters.zgw.delivery import ZgwDelivery
from adapters.zgw.testserver import ZgwStore
from gateway.pipeline.checkpoints import StoreCheckpoints
from gateway.store import SqlStore
from tests.integration.test_zgw_delivery import (
    EXPECTED,
    LARGE,
    LOST_ANSWERS,
    MACHTIGING_FAULTS,
    MACHTIGING_VERSIONS,
    THRESHOLD,
    _assert_delivered_once,
    _assert_machtiging,
    _counts,
    _documents,
    _forced_unlock,
)
from tests.unit.adapters.support import demo_verzoek, planner
from tests.zgw_spec import CONFIG, ZgwEnv, zgw_env, zgw_server

__all__ = ["zgw_env", "zgw_server"]  # fixtures

VNR = demo_verzoek().verzoeknummer


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    yield store
    store.close()


def restarted(store: SqlStore) -> StoreCheckpoints:
    """The checkpoints a freshly started worker gets: nothing but what is in the store."""
    return StoreCheckpoints(store, VNR)


class PerStepCheckpoints:
    """What StoreCheckpoints replaced: a store read before and a store write after every step."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def get(self, key: str) -> dict[str, Any] | None:
        return self.store.checkpoint_get(VNR, key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.store.checkpoint_put(VNR, key, value)


class Transactions:
    """Counts the transactions the store begins (reads and writes alike)."""

    def __init__(self, store: SqlStore) -> None:
        self.count = 0
        sa.event.listen(store.engine, "begin", self._begun)

    def _begun(self, _: Any) -> None:
        self.count += 1


@pytest.mark.parametrize(("method", "path", "skip"), LOST_ANSWERS)
def test_lost_answer_is_adopted_after_a_restart(
    zgw_env: ZgwEnv, store: SqlStore, method: str, path: str, skip: int
) -> None:
    server = _forced_unlock(zgw_env) if path.endswith("/enkelvoudiginformatieobjecten") else zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    server.inject_fault(500, method=method, path_contains=path, skip=skip, after_handling=True)

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(demo_verzoek(), None, _documents(), restarted(store))
    assert server.faults[0].times == 0
    # The marker of the step whose answer was lost is durable, its result is not.
    keys = store.checkpoints_for(VNR)
    pending = [k for k in keys if k.endswith(":pending") and k.removesuffix(":pending") not in keys]
    # (The zaak is looked up by identificatie before its POST, a bestandsdeel resumes from its
    # upload checkpoint: neither needs a marker.)
    assert pending or path.endswith("/zaken") or method == "PUT"
    result = delivery.deliver(demo_verzoek(), None, _documents(), restarted(store))

    _assert_delivered_once(server)
    assert result.zaak_url == next(iter(server.zaken.values()))["url"]
    delivery.deliver(demo_verzoek(), None, _documents(), restarted(store))
    _assert_delivered_once(server)


@pytest.mark.parametrize(("method", "path", "skip"), LOST_ANSWERS)
def test_failure_before_create_posts_again_after_a_restart(
    zgw_env: ZgwEnv, store: SqlStore, method: str, path: str, skip: int
) -> None:
    server = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    server.inject_fault(500, method=method, path_contains=path, skip=skip)

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(demo_verzoek(), None, _documents(), restarted(store))
    delivery.deliver(demo_verzoek(), None, _documents(), restarted(store))

    _assert_delivered_once(server)


def test_crash_between_bestandsdelen_resumes_the_upload(zgw_env: ZgwEnv, store: SqlStore) -> None:
    server = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    verzoek = demo_verzoek(documenten=("DOC-2",))
    server.inject_fault(500, method="PUT", path_contains="/bestandsdelen/", skip=2)

    with pytest.raises(DeliveryRetryableError):
        delivery.deliver(verzoek, None, _documents(), restarted(store))
    delivery.deliver(verzoek, None, _documents(), restarted(store))

    [doc] = server.documenten.values()
    assert server.content_of(doc["url"]) == LARGE
    assert len([p for m, p in server.calls if m == "PUT"]) == 5 + 1


@pytest.mark.parametrize(("volgnummer", "method", "skip", "after_handling"), MACHTIGING_FAULTS)
def test_rol_replacement_survives_a_restart(
    zgw_env: ZgwEnv, store: SqlStore, volgnummer: int, method: str, skip: int, after_handling: bool
) -> None:
    server = zgw_env.store
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)

    def deliver(n: int) -> None:
        delivery.deliver(
            MACHTIGING_VERSIONS[n], MACHTIGING_VERSIONS.get(n - 1), _documents(), restarted(store)
        )

    for earlier in range(1, volgnummer):
        deliver(earlier)
    server.inject_fault(
        500, method=method, path_contains="/zaken/api/v1/rollen", skip=skip, after_handling=after_handling
    )
    with pytest.raises(DeliveryRetryableError):
        deliver(volgnummer)
    deliver(volgnummer)

    gemachtigd = volgnummer == 2
    _assert_machtiging(server, gemachtigd)
    assert len(server.rollen) == (2 if gemachtigd else 1)
    calls = len(server.calls)
    deliver(volgnummer)
    assert len(server.calls) == calls


def test_one_read_and_one_write_per_new_checkpoint(zgw_env: ZgwEnv, tmp_path: Path) -> None:
    """Before: a read transaction per step and a write per checkpoint. Now: one read per delivery."""
    per_step = SqlStore.from_url(f"sqlite:///{tmp_path / 'before.db'}")
    cached = SqlStore.from_url(f"sqlite:///{tmp_path / 'after.db'}")
    before, after = Transactions(per_step), Transactions(cached)

    ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD).deliver(
        demo_verzoek(), None, _documents(), PerStepCheckpoints(per_step)
    )
    zgw_env.server.app.state.zgw = ZgwStore(CONFIG)  # an empty case system for the second run
    ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD).deliver(
        demo_verzoek(), None, _documents(), StoreCheckpoints(cached, VNR)
    )

    counted_before, counted_after = before.count, after.count
    written = len(cached.checkpoints_for(VNR))
    assert written == len(per_step.checkpoints_for(VNR)) > 10
    assert _counts(zgw_env.store) == EXPECTED
    assert counted_after == 1 + written
    assert counted_before > counted_after + written  # at least one read per written checkpoint
    print(f"store transactions per delivery: per step {counted_before}, read once {counted_after}")
    per_step.close()
    cached.close()


def behind(store: SqlStore) -> StoreCheckpoints:
    """As the translate stage hands them to a ZGW delivery: results written behind."""
    return StoreCheckpoints(store, VNR, ZgwDelivery.checkpoint_written_behind)


class Crash(BaseException):
    """The worker dies: nothing after it runs, no flush."""


class CrashAfterResult(StoreCheckpoints):
    """Dies right after the n-th result written behind, while it waits in memory."""

    def __init__(self, store: SqlStore, n: int) -> None:
        super().__init__(store, VNR, ZgwDelivery.checkpoint_written_behind)
        self.n = n

    def put(self, key: str, value: dict[str, Any]) -> None:
        super().put(key, value)
        if ZgwDelivery.checkpoint_written_behind(key, value):
            self.n -= 1
            if self.n == 0:
                raise Crash


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6, 8, 10])
def test_a_crash_that_loses_the_results_written_behind_delivers_once(
    zgw_env: ZgwEnv, store: SqlStore, n: int
) -> None:
    server = _forced_unlock(zgw_env)
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    crashed = CrashAfterResult(store, n)
    with pytest.raises(Crash):
        delivery.deliver(demo_verzoek(), None, _documents(), crashed)
    lost = crashed.unwritten()
    assert lost and not set(lost) & set(store.checkpoints_for(VNR))  # gone with the worker

    retry = behind(store)
    result = delivery.deliver(demo_verzoek(), None, _documents(), retry)
    retry.flush()

    _assert_delivered_once(server)
    assert result.zaak_url == next(iter(server.zaken.values()))["url"]
    again = behind(store)
    delivery.deliver(demo_verzoek(), None, _documents(), again)
    assert again.unwritten() == {}  # everything was known: nothing new to write
    _assert_delivered_once(server)


def test_a_delivery_takes_the_same_few_transactions_whatever_its_number_of_steps(
    zgw_env: ZgwEnv, store: SqlStore
) -> None:
    counted = Transactions(store)
    checkpoints = behind(store)
    ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD).deliver(
        demo_verzoek(), None, _documents(), checkpoints
    )
    checkpoints.flush()

    written = len(store.checkpoints_for(VNR))
    markers = len(
        [k for k, v in store.checkpoints_for(VNR).items() if not ZgwDelivery.checkpoint_written_behind(k, v)]
    )
    assert _counts(zgw_env.store) == EXPECTED
    # One read; the run marker, the status's marker (its memo must be on disk before the POST)
    # and the large document's upload (URL and lock); the final flush with every other marker
    # and result: five, for a dozen steps.
    assert markers == 3
    assert counted.count - 2 == 1 + markers + 1 < written / 3
    print(f"store transactions per delivery: {counted.count - 2} for {written} checkpoints")
