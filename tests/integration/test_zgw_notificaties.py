"""Status from the case system, for real on 127.0.0.1: the ZGW test server's Notificaties API
(checked against the official notificaties-1.0.0.yaml), `dso-gateway zgw abonneren`, the
callback and the statusbericht that follows a new status."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest

from adapters.zgw.testserver import ZgwTestServerConfig, create_app
from adapters.zgw.testserver.notificaties import state_of
from gateway.abonnement import abonneren
from gateway.bootstrap import build_zgw_client
from gateway.errors import PermanentError
from gateway.servers import ServerThread
from gateway.settings import Settings
from gateway.stack import LocalStack
from gateway.zaakstatus import zet_status
from stam_mapping.mapping import default_mapping
from tests.services import IN_CI
from tests.zgw_spec import SHARED_ZGW, check

SPEC = SHARED_ZGW / "notificaties-1.0.0.yaml"
SECRET = "notificaties-test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    if not SPEC.is_file():
        if IN_CI:
            pytest.fail("../shared/zgw/notificaties-1.0.0.yaml is missing, and CI=true")
        pytest.skip("../shared/zgw (the official ZGW OpenAPI files) is not available")
    running = ServerThread(create_app(ZgwTestServerConfig(secret=SECRET))).start()
    yield running
    running.stop()


def _api(origin: str) -> OpenAPI:
    spec = {**yaml.safe_load(SPEC.read_text("utf-8")), "servers": [{"url": f"{origin}/notificaties/api/v1"}]}
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(spec, config=config)


def _settings(server: ServerThread, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        zgw_secret=SECRET,  # type: ignore[arg-type]
        zgw_zaken_url=f"{server.url}/zaken/api/v1",
        zgw_documenten_url=f"{server.url}/documenten/api/v1",
        zgw_catalogi_url=f"{server.url}/catalogi/api/v1",
        zgw_notificaties_url=f"{server.url}/notificaties/api/v1",
        **extra,
    )


def test_abonneren_creates_then_updates_and_every_call_matches_the_official_spec(
    server: ServerThread, tmp_path: Path
) -> None:
    api = _api(server.url)
    calls: list[httpx2.Response] = []
    settings = _settings(
        server,
        tmp_path,
        zgw_callback_url="http://127.0.0.1:9/v1/zgw/notificaties",
        zgw_callback_auth="Bearer één",
    )
    with build_zgw_client(settings) as client:
        client._http.event_hooks["response"].append(lambda r: (r.read(), calls.append(r)))  # type: ignore[attr-defined]
        first = abonneren(settings, client, default_mapping())
        second = abonneren(settings, client, default_mapping())
        listed = client.request("GET", f"{settings.zgw_notificaties_url}/abonnement")
    assert (first.actie, second.actie) == ("aangemaakt", "bijgewerkt") and first.url == second.url
    [ons] = [a for a in listed if a["callbackUrl"] == settings.zgw_callback_url]
    assert ons["kanalen"] == [{"naam": "zaken", "filters": {"bronorganisatie": "002220647"}}]
    assert ons["auth"] == "Bearer één"
    assert len(calls) >= 6
    for response in calls:
        check(api, response)


def test_abonneren_without_callback_settings_is_a_clear_error(server: ServerThread, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path)
    with build_zgw_client(settings) as client, pytest.raises(PermanentError, match="DSOGW_ZGW_CALLBACK_URL"):
        abonneren(settings, client, default_mapping())


def test_bad_abonnement_is_refused(server: ServerThread, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path)
    with build_zgw_client(settings) as client:
        answer = client._http.post(  # type: ignore[attr-defined]
            f"{settings.zgw_notificaties_url}/abonnement",
            json={"callbackUrl": "niet-een-url", "auth": "x", "kanalen": [{"naam": "bestaat-niet"}]},
            headers={"Authorization": f"Bearer {client.token()}"},
        )
    assert answer.status_code == 400
    names = {p["name"] for p in answer.json()["invalidParams"]}
    assert names == {"callbackUrl", "kanalen.0.naam"}


def test_a_new_status_reaches_the_initiatiefnemer_once(tmp_path: Path) -> None:
    if not SPEC.is_file():
        pytest.skip("../shared/zgw (the official ZGW OpenAPI files) is not available")
    api = _api("http://127.0.0.1")
    with LocalStack(Settings(data_dir=tmp_path, retry_base_delay=0.2), data_dir=tmp_path) as stack:
        httpx2.post(
            f"{stack.sandbox.url}/_sandbox/examples/verbouwing-initieren", timeout=30
        ).raise_for_status()
        stack.wait_final([("2026031000101", 1)], 60)
        record = stack.container.store.get_verzoek("2026031000101")
        assert record is not None and record.zaak_url
        with build_zgw_client(stack.settings) as client:
            url = zet_status(client, record.zaak_url, "Afgehandeld", "Besluit verzonden")
        deadline = time.monotonic() + 20
        while stack.container.store.checkpoint_get("2026031000101", f"zaakstatus:{url}") is None:
            assert time.monotonic() < deadline, "the status was not handled"
            time.sleep(0.1)
        # The same notification again (Open Notificaties may deliver twice): nothing new is sent.
        [bericht] = [a.bericht for a in state_of(stack.zgw_app).afgeleverd if a.bericht["resourceUrl"] == url]
        again = httpx2.post(
            stack.settings.zgw_callback_url or "",
            json=bericht,
            headers={"Authorization": stack.settings.zgw_callback_auth.get_secret_value()},  # type: ignore[union-attr]
        )
        assert again.status_code == 204
        time.sleep(1.0)
        assert stack.smtp is not None
        subjects = [str(m.message["Subject"]) for m in stack.smtp.ontvangen]
        events = [e.kind for e in stack.container.store.events_for("2026031000101")]
    assert subjects.count("Besluit genomen over uw verzoek 2026031000101") == 1
    assert "zaakstatus" in events
    # Every notification the test server sent is a valid Notificaties API 1.0.0 message.
    for aflevering in state_of(stack.zgw_app).afgeleverd:
        assert aflevering.status == 204
        api.validate_request(
            MockRequest(
                "http://127.0.0.1",
                "post",
                "/notificaties/api/v1/notificaties",
                data=json.dumps(aflevering.bericht).encode(),
                content_type="application/json",
                headers={"Authorization": "Bearer x"},
            )
        )
