"""`dso-gateway deliver` decides like the pipeline what a version builds on (gateway/cli/deliver.py
plan_version), on a real SQLite store and archive."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from gateway.archive import Archive
from gateway.cli.deliver import DeliverRefused, plan_version
from gateway.store import SqlStore, State
from stam_mapping import parse_verzoek
from stam_mapping.model import Verzoek

EXAMPLES = resources.files("dso_client.sandbox.examples")
VNR = "2026031000101"  # verbouwing-initieren (v1) and verbouwing-aanvullen (v2)
MAX = 64 * 1024 * 1024


def _verzoek(name: str) -> tuple[Verzoek, bytes]:
    raw = EXAMPLES.joinpath(name).read_bytes()
    return parse_verzoek(raw, max_bytes=MAX), raw


@pytest.fixture
def books(tmp_path: Path) -> tuple[SqlStore, Archive]:
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gateway.db'}")
    return store, Archive(tmp_path / "archive", store)


def _version(books: tuple[SqlStore, Archive], name: str, state: State) -> Verzoek:
    store, archive = books
    verzoek, raw = _verzoek(name)
    store.ensure_versie(verzoek.verzoeknummer, verzoek.volgnummer, None, state)
    archive.put_bytes(verzoek.verzoeknummer, verzoek.volgnummer, "stam", raw, "deliver.xml")
    return verzoek


def test_a_new_verzoek_builds_on_nothing(books: tuple[SqlStore, Archive]) -> None:
    verzoek, _ = _verzoek("verbouwing-initieren.xml")
    plan = plan_version(*books, verzoek, MAX)
    assert plan.previous is None and plan.done is None


def test_an_aanvulling_builds_on_the_delivered_first_version(books: tuple[SqlStore, Archive]) -> None:
    _version(books, "verbouwing-initieren.xml", State.DELIVERED)
    aanvulling, _ = _verzoek("verbouwing-aanvullen.xml")
    plan = plan_version(*books, aanvulling, MAX)
    assert plan.done is None and plan.previous is not None
    assert (plan.previous.verzoeknummer, plan.previous.volgnummer) == (VNR, 1)


def test_an_aanvulling_whose_first_version_is_still_in_flight_is_refused(
    books: tuple[SqlStore, Archive],
) -> None:
    _version(books, "verbouwing-initieren.xml", State.FETCHED)
    aanvulling, _ = _verzoek("verbouwing-aanvullen.xml")
    with pytest.raises(DeliverRefused, match=r"versie\(s\) 1 not delivered yet"):
        plan_version(*books, aanvulling, MAX)


@pytest.mark.parametrize(
    ("state", "done"),
    [
        (State.DELIVERED, f"{VNR} versie 1 is delivered already"),
        (State.REPORTED, f"{VNR} versie 1 is reported already"),
        (State.PARKED, f"{VNR} versie 1 is parked"),
        (State.HANDLED, f"{VNR} versie 1 is handled"),
    ],
)
def test_a_version_past_delivery_has_nothing_left_to_do(
    books: tuple[SqlStore, Archive], state: State, done: str
) -> None:
    verzoek = _version(books, "verbouwing-initieren.xml", state)
    assert plan_version(*books, verzoek, MAX).done == done


@pytest.mark.parametrize("state", [State.RECEIVED, State.FETCHED, State.FAILED])
def test_a_version_not_yet_delivered_is_delivered_again(
    books: tuple[SqlStore, Archive], state: State
) -> None:
    verzoek = _version(books, "verbouwing-initieren.xml", state)
    plan = plan_version(*books, verzoek, MAX)
    assert plan.done is None and plan.previous is None


def test_an_older_version_after_a_newer_one_is_superseded(books: tuple[SqlStore, Archive]) -> None:
    _version(books, "verbouwing-aanvullen.xml", State.DELIVERED)
    initieren, _ = _verzoek("verbouwing-initieren.xml")
    assert plan_version(*books, initieren, MAX).done == (
        f"{VNR} versie 2 is delivered already, versie 1 is superseded"
    )
