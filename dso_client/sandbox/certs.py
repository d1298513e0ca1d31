"""A test PKI for the sandbox: a CA, a server certificate for 127.0.0.1/localhost, and client
certificates whose subject serialNumber holds an OIN, as PKIoverheid does. Never for production."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_CLIENT_OINS = ("00000001001600820000", "00000001823288444000")
P12_PASSWORD = "sandbox"  # noqa: S105 (a test PKI; the password is printed on purpose)
VALID_DAYS = 365


@dataclass(frozen=True)
class ClientCert:
    oin: str
    cert: Path
    key: Path
    p12: Path


@dataclass(frozen=True)
class SandboxPki:
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    clients: dict[str, ClientCert]
    p12_password: str = P12_PASSWORD


def make_certs(
    directory: Path, oins: tuple[str, ...] = DEFAULT_CLIENT_OINS, *, ca_name: str = "DSO sandbox test CA"
) -> SandboxPki:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca_cert = (
        _builder(ca_subject, ca_subject, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_cert_path, ca_key_path = _write(directory, "ca", ca_cert, ca_key)

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        _builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]),
            ca_subject,
            server_key.public_key(),
        )
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_cert_path, server_key_path = _write(directory, "server", server_cert, server_key)

    clients = {}
    for oin in oins:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Sandbox organisatie {oin}"),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, oin),
                x509.NameAttribute(NameOID.COMMON_NAME, f"dso-gateway {oin}"),
            ]
        )
        cert = (
            _builder(subject, ca_subject, key.public_key())
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        cert_path, key_path = _write(directory, f"client-{oin}", cert, key)
        p12_path = directory / f"client-{oin}.p12"
        p12_path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                f"client-{oin}".encode(), key, cert, [ca_cert], BestAvailableEncryption(P12_PASSWORD.encode())
            )
        )
        clients[oin] = ClientCert(oin, cert_path, key_path, p12_path)
    return SandboxPki(ca_cert_path, ca_key_path, server_cert_path, server_key_path, clients)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
    )


def _write(
    directory: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}-key.pem"
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path
