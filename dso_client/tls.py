"""Build the TLS context for mTLS with DSO: a PKIoverheid client certificate, PEM or PKCS#12.

httpx2 deprecates `cert=` and `verify=<path>`; an explicit ssl.SSLContext is the stable way."""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs12,
)

from dso_client.errors import DsoPermanentError

# (certfile,) or (certfile, keyfile) or (certfile, keyfile, password), as httpx used to accept.
CertTypes = (
    str | Path | tuple[str | Path, str | Path | None] | tuple[str | Path, str | Path | None, str | None]
)
VerifyTypes = bool | str | Path | ssl.SSLContext

PKCS12_SUFFIXES = (".p12", ".pfx")


def build_ssl_context(
    verify: VerifyTypes = True, cert: CertTypes | None = None, cert_password: str | None = None
) -> ssl.SSLContext | bool:
    if isinstance(verify, ssl.SSLContext):
        ctx = verify
    elif verify is False:
        if cert is None:
            return False
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif verify is True:
        ctx = ssl.create_default_context()
    else:
        path = Path(verify)
        ctx = (
            ssl.create_default_context(capath=str(path))
            if path.is_dir()
            else ssl.create_default_context(cafile=str(path))
        )
    if cert is not None:
        _load_client_cert(ctx, cert, cert_password)
    return ctx


def _load_client_cert(ctx: ssl.SSLContext, cert: CertTypes, password: str | None) -> None:
    if isinstance(cert, tuple):
        certfile, keyfile = cert[0], cert[1]
        if len(cert) == 3 and cert[2] is not None:
            password = cert[2]
    else:
        certfile, keyfile = cert, None
    try:
        if str(certfile).lower().endswith(PKCS12_SUFFIXES):
            _load_pkcs12(ctx, Path(certfile), password)
        else:
            ctx.load_cert_chain(str(certfile), str(keyfile) if keyfile else None, password)
    except (OSError, ValueError, ssl.SSLError) as exc:
        # The path is configuration, not personal data: name it so the operator can fix it.
        raise DsoPermanentError(f"client certificate {certfile} could not be loaded: {exc}") from exc


def _load_pkcs12(ctx: ssl.SSLContext, path: Path, password: str | None) -> None:
    pw = password.encode() if password else None
    key, certificate, extra = pkcs12.load_key_and_certificates(path.read_bytes(), pw)
    if key is None or certificate is None:
        raise ValueError("PKCS#12 file holds no key and certificate")
    # ssl can only load a chain from a file: write it encrypted with a one-off password to a
    # private temp file and remove it at once, so the key never rests unencrypted on disk.
    one_off = os.urandom(24).hex().encode()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(one_off))
    pem += certificate.public_bytes(Encoding.PEM)
    for ca in extra or ():
        pem += ca.public_bytes(Encoding.PEM)
    fd, name = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        ctx.load_cert_chain(name, password=one_off)
    finally:
        os.unlink(name)


__all__ = ["CertTypes", "VerifyTypes", "build_ssl_context"]
