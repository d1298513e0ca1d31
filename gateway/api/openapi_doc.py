"""The app's OpenAPI document as a file: `python -m gateway.api.openapi_doc > openapi/openapi.json`.

Apart from gateway/api/openapi_adr.py (which the app installs): this module builds the app."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from gateway.api.app import create_app
from gateway.bootstrap import bootstrap
from gateway.settings import Settings


def document() -> dict[str, Any]:
    """The app's OpenAPI document, built without a server, network or the caller's data."""
    with tempfile.TemporaryDirectory(prefix="dsogw-openapi-") as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), queue_url="memory://")
        c = bootstrap(settings)
        try:
            return create_app(c).openapi()
        finally:
            c.close()


def main() -> None:
    """Regenerates the committed file (see the module docstring)."""
    sys.stdout.write(json.dumps(document(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
