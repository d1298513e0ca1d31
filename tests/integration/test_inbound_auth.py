"""Only DSO-LV may post verzoeknotificaties: mTLS terminated by us, or a trusted proxy."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest

from dso_client.sandbox.certs import SandboxPki, make_certs
from gateway.api.app import create_app
from gateway.bootstrap import bootstrap
from gateway.cli.serve import api_tls_options
from gateway.servers import ServerThread
from gateway.settings import Settings

DSO_OIN = "00000001822477348000"  # the sender we accept in these tests
OTHER_OIN = "00000001001600820000"
NOTIFICATION = (
    '<vn:verzoeknotificatie xmlns:vn="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie">'
    "<vn:verzoeknummer>2026050100001</vn:verzoeknummer><vn:volgnummer>1</vn:volgnummer>"
    "</vn:verzoeknotificatie>"
)
PATH = "/v1/dso/verzoeknotificaties"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SandboxPki:
    return make_certs(tmp_path_factory.mktemp("pki"), oins=(DSO_OIN, OTHER_OIN))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> SandboxPki:
    return make_certs(tmp_path_factory.mktemp("stranger"), oins=(DSO_OIN,), ca_name="Some other CA")


def _serve(settings: Settings) -> Iterator[tuple[ServerThread, Settings]]:
    container = bootstrap(settings)
    server = ServerThread(create_app(container), **api_tls_options(settings))
    server.start()
    try:
        yield server, settings
    finally:
        server.stop()
        container.close()


def _stored(settings: Settings) -> int:
    from gateway.store import SqlStore
    from gateway.store.queries import VerzoekFilter, search_verzoeken

    store = SqlStore.from_url(settings.effective_store_url)
    try:
        return search_verzoeken(store, VerzoekFilter())[1]
    finally:
        store.close()


@pytest.fixture
def mtls_server(tmp_path: Path, pki: SandboxPki) -> Iterator[tuple[ServerThread, Settings]]:
    settings = Settings(
        data_dir=tmp_path,
        notification_auth="mtls",
        notification_sender_oins=[DSO_OIN],
        api_tls_cert=pki.server_cert,
        api_tls_key=pki.server_key,
        api_client_ca=pki.ca_cert,
    )
    yield from _serve(settings)


def _client(pki: SandboxPki, cert: tuple[str, str] | None) -> httpx2.Client:
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    if cert:
        context.load_cert_chain(*cert)
    return httpx2.Client(verify=context, timeout=10)


def test_mtls_accepts_dso_and_refuses_everyone_else(
    mtls_server: tuple[ServerThread, Settings], pki: SandboxPki, stranger: SandboxPki
) -> None:
    server, settings = mtls_server
    url = server.url + PATH
    dso = pki.clients[DSO_OIN]
    with _client(pki, (str(dso.cert), str(dso.key))) as client:
        assert client.post(url, content=NOTIFICATION).status_code == 202
    other = pki.clients[OTHER_OIN]
    with _client(pki, (str(other.cert), str(other.key))) as client:
        refused = client.post(url, content=NOTIFICATION.replace("00001<", "00002<"))
        assert refused.status_code == 403 and OTHER_OIN in refused.json()["detail"]
    with _client(pki, None) as client:
        assert client.post(url, content=NOTIFICATION.replace("00001<", "00003<")).status_code == 401
    # A certificate from another CA never gets through the TLS handshake.
    alien = stranger.clients[DSO_OIN]
    with _client(pki, (str(alien.cert), str(alien.key))) as client, pytest.raises(httpx2.HTTPError):
        client.post(url, content=NOTIFICATION.replace("00001<", "00004<"))
    assert _stored(settings) == 1


@pytest.fixture
def proxy_server(tmp_path: Path) -> Iterator[tuple[ServerThread, Settings]]:
    settings = Settings(
        data_dir=tmp_path,
        notification_auth="proxy",
        notification_sender_oins=[DSO_OIN],
        trusted_proxies=["127.0.0.1/32"],
    )
    yield from _serve(settings)


def test_proxy_forwarded_certificate(proxy_server: tuple[ServerThread, Settings], pki: SandboxPki) -> None:
    server, settings = proxy_server
    url = server.url + PATH
    header = settings.proxy_cert_header
    dso_pem = quote(pki.clients[DSO_OIN].cert.read_text())
    other_pem = quote(pki.clients[OTHER_OIN].cert.read_text())
    assert httpx2.post(url, content=NOTIFICATION, headers={header: dso_pem}).status_code == 202
    assert httpx2.post(url, content=NOTIFICATION, headers={header: other_pem}).status_code == 403
    assert httpx2.post(url, content=NOTIFICATION).status_code == 401
    assert httpx2.post(url, content=NOTIFICATION, headers={header: "garbage"}).status_code == 401
    assert _stored(settings) == 1


def test_proxy_header_from_an_untrusted_address_is_ignored(tmp_path: Path, pki: SandboxPki) -> None:
    settings = Settings(
        data_dir=tmp_path,
        notification_auth="proxy",
        notification_sender_oins=[DSO_OIN],
        trusted_proxies=["10.0.0.0/8"],
    )
    for server, _ in _serve(settings):
        answer = httpx2.post(
            server.url + PATH,
            content=NOTIFICATION,
            headers={settings.proxy_cert_header: quote(pki.clients[DSO_OIN].cert.read_text())},
        )
        assert answer.status_code == 403
    assert _stored(settings) == 0
