"""The image's HEALTHCHECK: GET /health/live on the api in this container; exit 0 when it answers 200.

Plain standard library, so the check works in the read-only image without anything extra. With
DSOGW_API_TLS_CERT set the api speaks TLS (notification_auth=mtls); the check then connects over
https to 127.0.0.1 without verifying the name, since it asks only whether the process answers.
A worker has no HTTP port: compose and Helm switch this check off for it.
"""

from __future__ import annotations

import http.client
import os
import ssl
import sys


def main() -> int:
    port = int(os.environ.get("DSOGW_API_PORT", "8000"))
    conn: http.client.HTTPConnection
    if os.environ.get("DSOGW_API_TLS_CERT"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=4, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        conn.request("GET", "/health/live")
        status = conn.getresponse().status
    except OSError as exc:
        print(f"healthcheck: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0 if status == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
