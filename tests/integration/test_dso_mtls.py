"""mTLS between DsoClient and the sandbox, with certificates from the sandbox's test PKI."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dso_client import DsoClient, DsoError, DsoPermanentError
from dso_client.auth import oin_from_certificate
from dso_client.sandbox.certs import SandboxPki, make_certs
from dso_client.sandbox.config import SandboxConfig
from dso_client.sandbox.examples import list_examples
from dso_client.sandbox.server import SandboxServer

OIN = "00000001001600820000"
VNR = "2026031000101"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SandboxPki:
    return make_certs(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def server(pki: SandboxPki) -> Iterator[SandboxServer]:
    with SandboxServer(tls_cert=pki.server_cert, tls_key=pki.server_key, client_ca=pki.ca_cert) as srv:
        srv.sandbox.submit(list_examples()[0].xml)
        yield srv


def test_pem_client_certificate_is_accepted(server: SandboxServer, pki: SandboxPki) -> None:
    client = pki.clients[OIN]
    with DsoClient(server.base_url, cert=(str(client.cert), str(client.key)), verify=str(pki.ca_cert)) as dso:
        assert dso.verzoekreferenties(VNR, 1, oin=OIN).volgnummer == 1


def test_pkcs12_client_certificate_with_password_is_accepted(server: SandboxServer, pki: SandboxPki) -> None:
    client = pki.clients[OIN]
    with DsoClient(
        server.base_url, cert=client.p12, cert_password=pki.p12_password, verify=pki.ca_cert
    ) as dso:
        assert dso.samenvatting(VNR, 1, oin=OIN).startswith(b"<?xml")


def test_a_missing_client_certificate_is_refused(server: SandboxServer, pki: SandboxPki) -> None:
    with DsoClient(server.base_url, verify=str(pki.ca_cert)) as dso, pytest.raises(DsoError):
        dso.samenvatting(VNR, 1, oin=OIN)


def test_a_client_certificate_from_another_ca_is_refused(
    server: SandboxServer, pki: SandboxPki, tmp_path: Path
) -> None:
    stranger = make_certs(tmp_path, (OIN,), ca_name="Some other CA").clients[OIN]
    with (
        DsoClient(
            server.base_url, cert=(str(stranger.cert), str(stranger.key)), verify=str(pki.ca_cert)
        ) as dso,
        pytest.raises(DsoError),
    ):
        dso.samenvatting(VNR, 1, oin=OIN)


def test_the_client_refuses_a_server_it_does_not_trust(server: SandboxServer, pki: SandboxPki) -> None:
    client = pki.clients[OIN]
    with (
        DsoClient(server.base_url, cert=(str(client.cert), str(client.key))) as dso,
        pytest.raises(DsoPermanentError) as info,
    ):
        dso.samenvatting(VNR, 1, oin=OIN)
    assert "TLS" in str(info.value)


def test_a_wrong_pkcs12_password_is_a_permanent_configuration_error(pki: SandboxPki) -> None:
    with pytest.raises(DsoPermanentError):
        DsoClient("https://127.0.0.1:1", cert=pki.clients[OIN].p12, cert_password="wrong")


def test_oin_from_the_client_certificate(pki: SandboxPki) -> None:
    for oin, client in pki.clients.items():
        assert oin_from_certificate(client.cert.read_bytes()) == oin
        assert oin_from_certificate(client.cert.read_text()) == oin
    assert oin_from_certificate(pki.server_cert.read_bytes()) is None
    assert oin_from_certificate(b"not a certificate") is None


OMGEVINGSDIENST = "00000001823288444000"


def test_an_oin_that_is_not_on_the_certificates_whitelist_is_refused(
    server: SandboxServer, pki: SandboxPki
) -> None:
    apeldoorn = pki.clients[OIN]
    with DsoClient(
        server.base_url, cert=(str(apeldoorn.cert), str(apeldoorn.key)), verify=str(pki.ca_cert)
    ) as dso:
        with pytest.raises(DsoPermanentError) as info:
            list(dso.zoek(oin=OMGEVINGSDIENST, vanaf=datetime(2020, 1, 1, tzinfo=UTC)))
        assert info.value.status == 403 and "whitelist" in str(info.value)
        # Its own OIN is always on it.
        assert isinstance(list(dso.zoek(oin=OIN, vanaf=datetime(2020, 1, 1, tzinfo=UTC))), list)


def test_a_certificate_may_act_for_the_oins_dso_whitelisted_for_it(pki: SandboxPki) -> None:
    config = SandboxConfig(certificate_oins={OIN: [OMGEVINGSDIENST]})
    tls = {"tls_cert": pki.server_cert, "tls_key": pki.server_key, "client_ca": pki.ca_cert}
    apeldoorn = pki.clients[OIN]
    with (
        SandboxServer(config, **tls) as srv,
        DsoClient(
            srv.base_url, cert=(str(apeldoorn.cert), str(apeldoorn.key)), verify=str(pki.ca_cert)
        ) as dso,
    ):
        assert list(dso.zoek(oin=OMGEVINGSDIENST, vanaf=datetime(2020, 1, 1, tzinfo=UTC))) == []
