"""`sandbox dso` as registered into the gateway's argparse tree."""

from __future__ import annotations

import argparse
from pathlib import Path

from cryptography import x509

from dso_client.auth import oin_from_certificate
from dso_client.sandbox.cli import add_sandbox_commands


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="dso-gateway")
    sub = root.add_subparsers(dest="command")
    sandbox = sub.add_parser("sandbox").add_subparsers(dest="sandbox_command")
    add_sandbox_commands(sandbox)
    return root


def test_run_options_are_parsed() -> None:
    args = parser().parse_args(
        ["sandbox", "dso", "--port", "8123", "--notify-url", "http://127.0.0.1:8000/x"]
    )
    assert (args.host, args.port, args.notify_url, args.make_certs) == (
        "127.0.0.1",
        8123,
        "http://127.0.0.1:8000/x",
        None,
    )


def test_make_certs_writes_a_test_pki(tmp_path: Path) -> None:
    args = parser().parse_args(["sandbox", "dso", "--make-certs", str(tmp_path)])
    assert args.func(None, args) == 0
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    server = x509.load_pem_x509_certificate((tmp_path / "server.pem").read_bytes())
    assert server.issuer == ca.subject
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    client = (tmp_path / "client-00000001001600820000.pem").read_bytes()
    assert oin_from_certificate(client) == "00000001001600820000"
    assert (tmp_path / "client-00000001001600820000.p12").stat().st_size > 0
    assert (tmp_path / "client-00000001001600820000-key.pem").stat().st_mode & 0o077 == 0
