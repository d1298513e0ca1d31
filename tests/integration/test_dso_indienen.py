"""IndienenClient against the sandbox's Verzoek indienen API over mTLS, with an x-api-key."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator

import httpx2
import pytest

from dso_client import DsoClient
from dso_client.errors import DsoError, DsoPermanentError
from dso_client.indienen import IndienenClient
from dso_client.sandbox.certs import SandboxPki, make_certs
from dso_client.sandbox.config import SandboxConfig
from dso_client.sandbox.examples import get_example
from dso_client.sandbox.server import SandboxServer

OIN = "00000001001600820000"  # Apeldoorn: the examples' bevoegd gezag
API_KEY = "sandbox-test-key-123"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SandboxPki:
    return make_certs(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server(pki: SandboxPki) -> Iterator[SandboxServer]:
    config = SandboxConfig(indienen_api_key=API_KEY)
    tls = {"tls_cert": pki.server_cert, "tls_key": pki.server_key, "client_ca": pki.ca_cert}
    with SandboxServer(config, **tls) as srv:
        yield srv


def _client(server: SandboxServer, pki: SandboxPki, *, api_key: str | None = API_KEY) -> IndienenClient:
    client = pki.clients[OIN]
    return IndienenClient(
        server.url + server.config.indienen_path,
        oin=OIN,
        api_key=api_key,
        cert=(str(client.cert), str(client.key)),
        verify=str(pki.ca_cert),
    )


def _stam(name: str, verzoeknummer: str) -> tuple[bytes, list[str]]:
    example = get_example(name)
    assert example is not None
    xml = example.xml.decode().replace(example.verzoeknummer, verzoeknummer).encode()
    return xml, [k.replace(example.verzoeknummer, verzoeknummer) for k in example.bijlage_sizes]


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


def test_a_verzoek_submitted_with_its_bijlagen_is_served_by_the_afhandelen_api(
    server: SandboxServer, pki: SandboxPki
) -> None:
    with _client(server, pki) as indienen:
        werkmap = indienen.open_werkmap()
        assert len(werkmap.verzoeknummer) == 13 and werkmap.verzoeknummer.isdigit()
        xml, doc_ids = _stam("verbouwing-initieren", werkmap.verzoeknummer)
        contents = {doc_id: f"bijlage {doc_id} ".encode() * (500 + i) for i, doc_id in enumerate(doc_ids)}
        for doc_id, data in contents.items():
            indienen.upload_bijlage(
                werkmap, doc_id, f"{doc_id}.pdf", len(data), functools.partial(_chunks, data)
            )
        ingediend = indienen.indienen(werkmap, xml)
    assert (ingediend.verzoeknummer, ingediend.volgnummer) == (werkmap.verzoeknummer, 1)

    # What the bevoegd gezag then fetches is exactly what was uploaded.
    client = pki.clients[OIN]
    with DsoClient(server.base_url, cert=(str(client.cert), str(client.key)), verify=str(pki.ca_cert)) as dso:
        refs = dso.verzoekreferenties(werkmap.verzoeknummer, 1, oin=OIN)
        by_id = {d.document_id: d for d in refs.documenten}
        assert set(by_id) == set(contents)
        for doc_id, data in contents.items():
            assert by_id[doc_id].sha256 == hashlib.sha256(data).hexdigest()
            assert by_id[doc_id].size == len(data)


def test_an_aanvulling_goes_to_the_same_verzoeknummer_with_the_next_volgnummer(
    server: SandboxServer, pki: SandboxPki
) -> None:
    with _client(server, pki) as indienen:
        first = indienen.open_werkmap()
        xml, doc_ids = _stam("verbouwing-initieren", first.verzoeknummer)
        for doc_id in doc_ids:
            indienen.upload_bijlage(first, doc_id, "a.pdf", 3, lambda: iter([b"abc"]))
        indienen.indienen(first, xml)

        second = indienen.open_werkmap(first.verzoeknummer)
        assert second.verzoeknummer == first.verzoeknummer
        xml2, new_ids = _stam("verbouwing-aanvullen", first.verzoeknummer)
        for doc_id in set(new_ids) - set(doc_ids):
            indienen.upload_bijlage(second, doc_id, "b.pdf", 3, lambda: iter([b"xyz"]))
        assert indienen.indienen(second, xml2).volgnummer == 2

        # Submitting the same version twice is refused (the werkmap is closed).
        with pytest.raises(DsoPermanentError, match="409"):
            indienen.indienen(second, xml2)


def test_a_verzoekbericht_whose_bijlage_was_not_uploaded_is_refused(
    server: SandboxServer, pki: SandboxPki
) -> None:
    with _client(server, pki) as indienen:
        werkmap = indienen.open_werkmap()
        xml, doc_ids = _stam("verbouwing-initieren", werkmap.verzoeknummer)
        with pytest.raises(DsoPermanentError, match="niet geüpload") as info:
            indienen.indienen(werkmap, xml)
    assert info.value.status == 400 and doc_ids[0] in str(info.value)


def test_a_verzoekbericht_for_another_verzoeknummer_is_refused(
    server: SandboxServer, pki: SandboxPki
) -> None:
    with _client(server, pki) as indienen:
        werkmap = indienen.open_werkmap()
        xml, _ = _stam("kap-percelen", "2020010100001")
        with pytest.raises(DsoPermanentError, match="hoort niet bij deze werkmap"):
            indienen.indienen(werkmap, xml)


def test_a_bijlage_source_shorter_or_longer_than_announced_stops_the_upload(
    server: SandboxServer, pki: SandboxPki
) -> None:
    with _client(server, pki) as indienen:
        werkmap = indienen.open_werkmap()
        with pytest.raises(DsoPermanentError, match="5 bytes instead of the announced 10"):
            indienen.upload_bijlage(werkmap, "DOC-1", "a.pdf", 10, lambda: iter([b"short"]))
        with pytest.raises(DsoPermanentError, match="more than the announced 2"):
            indienen.upload_bijlage(werkmap, "DOC-1", "a.pdf", 2, lambda: iter([b"long"]))


def test_an_aanvulling_of_an_unknown_verzoek_is_refused(server: SandboxServer, pki: SandboxPki) -> None:
    with _client(server, pki) as indienen, pytest.raises(DsoError, match="404"):
        indienen.open_werkmap("2020010199999")


def test_a_missing_or_wrong_api_key_is_refused(server: SandboxServer, pki: SandboxPki) -> None:
    for key in (None, "wrong"):
        with _client(server, pki, api_key=key) as indienen, pytest.raises(DsoPermanentError) as info:
            indienen.open_werkmap()
        assert info.value.status == 401


def test_without_a_client_certificate_the_handshake_is_refused(
    server: SandboxServer, pki: SandboxPki
) -> None:
    with (
        IndienenClient(
            server.url + server.config.indienen_path, oin=OIN, api_key=API_KEY, verify=str(pki.ca_cert)
        ) as indienen,
        pytest.raises(DsoError),
    ):
        indienen.open_werkmap()


def test_a_retryable_upload_failure_is_retried_and_the_bytes_sent_again() -> None:
    bodies: list[bytes] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(request.read())
        if len(bodies) == 1:
            return httpx2.Response(503, headers={"Retry-After": "0"})
        return httpx2.Response(201, json={})

    with IndienenClient(
        "https://dso.test/indienen/v4", oin=OIN, transport=httpx2.MockTransport(handler)
    ) as c:
        from dso_client.indienen import Werkmap

        werkmap = Werkmap(
            "w1", "2026010100001", "https://dso.test/w1/bijlagen", "https://dso.test/w1/_indienen"
        )
        c.upload_bijlage(werkmap, "DOC 1", "tekening.pdf", 6, lambda: iter([b"abc", b"def"]))
    assert bodies == [b"abcdef", b"abcdef"]


def test_the_oin_and_api_key_headers_are_sent_on_every_call() -> None:
    seen: list[httpx2.Headers] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers)
        return httpx2.Response(
            201,
            json={
                "werkmapId": "w1",
                "verzoeknummer": "2026010100001",
                "_links": {"bijlagen": {"href": "w1/bijlagen"}, "indienen": {"href": "w1/_indienen"}},
            },
        )

    with IndienenClient(
        "https://dso.test/indienen/v4",
        oin=OIN,
        oin_header="X-Our-OIN",
        api_key="k",
        transport=httpx2.MockTransport(handler),
    ) as client:
        werkmap = client.open_werkmap()
    # Relative HAL links are resolved against the URL they came from.
    assert werkmap.bijlagen_href == "https://dso.test/indienen/v4/w1/bijlagen"
    assert seen[0]["X-Our-OIN"] == OIN and seen[0]["x-api-key"] == "k"
