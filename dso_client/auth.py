"""The OIN of a PKIoverheid certificate, for authenticating inbound calls (e.g. DSO-LV's
notifications over mTLS). PKIoverheid puts the OIN in the subject's serialNumber attribute."""

from __future__ import annotations

import re

from cryptography import x509
from cryptography.x509.oid import NameOID

OIN = re.compile(r"^[0-9]{20}\Z")


def oin_from_certificate(cert: x509.Certificate | bytes | str) -> str | None:
    """The 20-digit OIN in the subject serialNumber, or None when there is none.

    Accepts a parsed certificate, PEM (str or bytes) or DER bytes; an unreadable certificate
    gives None (the caller refuses the request either way)."""
    if not isinstance(cert, x509.Certificate):
        data = cert.encode() if isinstance(cert, str) else cert
        try:
            cert = (
                x509.load_pem_x509_certificate(data)
                if data.lstrip().startswith(b"-----BEGIN")
                else x509.load_der_x509_certificate(data)
            )
        except ValueError:
            return None
    for attribute in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = attribute.value if isinstance(attribute.value, str) else attribute.value.decode()
        if OIN.match(value.strip()):
            return value.strip()
    return None
