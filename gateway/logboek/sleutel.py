"""The key for the data subjects' hashes: HMAC-SHA256, never the identifier itself.

A plain hash of a BSN is no protection: there are only a billion BSNs, so a table of all their
hashes takes minutes. Keyed, the logboek can be handed over (an export, a backup) without the
BSNs in it; whoever holds the key can still find every record of one person, as a privacy
officer answering an AVG inzageverzoek must.

The key is DSOGW_LOGBOEK_SLEUTEL. Unset, one is generated once per installation and kept in
<data_dir>/logboek.sleutel (mode 0600); every process of the installation must see that file
(or the same setting), or their hashes of one BSN differ."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "logboek.sleutel"


def load_or_create_key(directory: Path) -> bytes:
    path = directory / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        # O_EXCL: two processes starting at once keep whichever key was written first.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return bytes.fromhex(key)


def subject_hash(key: bytes, id_type: str, identifier: str) -> str:
    """dpl.core.data_subject_id: HMAC-SHA256 over type and identifier, hex."""
    message = f"{id_type}:{identifier.strip()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
