"""An httpx transport that speaks HTTP/1.1 over plain sockets, with a small keep-alive pool.

Why not httpx's own transport: a profile of a worker found httpcore and h11 to be the largest
part of its Python CPU (about a quarter, for some 17 calls per verzoek), for a protocol the
gateway uses in its simplest form: one request at a time per connection, bodies with a
Content-Length or chunked. This transport reads the status line and headers with the buffered
reader's C readline and writes a request with one sendall. Everything above it (URLs, auth
headers, timeouts per request, env proxies through httpx's mounts, redirects off) is still
httpx's Client, so callers and their error translation do not change.

What it does not do, because the gateway never asks for it: HTTP/2, 100-continue, upgrades,
response trailers. A response it cannot read is a RemoteProtocolError; a connection that broke
is never reused."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import IO, Any

import httpx2

_MAX_LINE = 64 * 1024  # a status or header line longer than this is not HTTP we want to read
_MAX_HEADERS = 200
_READ_SIZE = 64 * 1024
# Below uvicorn's 5 s (and most servers' idle timeouts): a connection the server is about to
# close is not taken; one it closed anyway is caught by the stale check or the one retry.
_KEEPALIVE_EXPIRY = 4.0
_MAX_IDLE_PER_HOST = 20
_NO_BODY_STATUS = frozenset({204, 304})
# A request that did not reach the server can be sent again on a fresh connection; for these
# methods even a request that did (but got no answer) may be, as RFC 9110 9.2.2 allows.
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class _Connection:
    __slots__ = ("idle_since", "key", "reader", "sock")

    def __init__(self, sock: socket.socket, key: tuple[str, str, int]) -> None:
        self.sock = sock
        self.reader: IO[bytes] = sock.makefile("rb", buffering=_READ_SIZE)  # type: ignore[assignment]
        self.key = key
        self.idle_since = 0.0

    def stale(self, now: float) -> bool:
        """Expired, or the server closed it (a readable idle socket is EOF or bytes no one asked for)."""
        if now - self.idle_since > _KEEPALIVE_EXPIRY:
            return True
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        try:
            # poll, not select: select refuses a descriptor above 1023 in a busy process.
            poller = select.poll()
            poller.register(self.sock, select.POLLIN)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.reader.close()
        with contextlib.suppress(OSError):
            self.sock.close()


class LeanTransport(httpx2.BaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    # -- the pool --------------------------------------------------------------------------------

    def _checkout(self, key: tuple[str, str, int]) -> _Connection | None:
        now = time.monotonic()
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None:
                return None
            if not conn.stale(now):
                return conn
            conn.close()

    def _checkin(self, conn: _Connection) -> None:
        conn.idle_since = time.monotonic()
        with self._lock:
            idle = self._idle.setdefault(conn.key, [])
            if not self._closed and len(idle) < _MAX_IDLE_PER_HOST:
                idle.append(conn)
                return
        conn.close()

    def _connect(self, key: tuple[str, str, int], timeouts: dict[str, Any]) -> _Connection:
        scheme, host, port = key
        connect_timeout = timeouts.get("connect")
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except TimeoutError as exc:
            raise httpx2.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        except OSError as exc:
            raise httpx2.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            context = self._ssl_context or ssl.create_default_context()
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except TimeoutError as exc:
                sock.close()
                raise httpx2.ConnectTimeout(f"TLS handshake with {host}:{port} timed out") from exc
            except (ssl.SSLError, OSError) as exc:
                sock.close()
                raise httpx2.ConnectError(f"TLS handshake with {host}:{port} failed: {exc}") from exc
        return _Connection(sock, key)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [c for conns in self._idle.values() for c in conns]
            self._idle.clear()
        for conn in idle:
            conn.close()

    # -- one exchange ------------------------------------------------------------------------------

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx2.UnsupportedProtocol(f"no support for {scheme!r} URLs")
        port = url.port or (443 if scheme == "https" else 80)
        key = (scheme, url.host, port)
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        body = request.stream
        # Bytes httpx already holds can be sent again; a stream (an upload from disk) cannot.
        replayable = isinstance(body, httpx2.ByteStream)
        conn = self._checkout(key)
        reused = conn is not None
        while True:
            if conn is None:
                conn = self._connect(key, timeouts)
            try:
                self._send(conn, request, timeouts)
                status, reason, headers = self._read_head(conn, timeouts)
                break
            except _Retry as retry:
                conn.close()
                conn = None
                if not (reused and replayable and (not retry.sent or request.method in _IDEMPOTENT)):
                    raise retry.error from retry.__cause__
                reused = False  # once, on a fresh connection
            except BaseException:
                conn.close()
                raise
        return httpx2.Response(
            status,
            headers=headers,
            stream=_Body(self, conn, request.method, status, headers, timeouts),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    def _send(self, conn: _Connection, request: httpx2.Request, timeouts: dict[str, Any]) -> None:
        url = request.url
        target = url.raw_path  # path and query, as httpx encoded them
        lines = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
        chunked = False
        for name, value in request.headers.raw:
            if name.lower() == b"transfer-encoding" and value.lower() == b"chunked":
                chunked = True
            lines += [name, b": ", value, b"\r\n"]
        lines.append(b"\r\n")
        head = b"".join(lines)
        conn.sock.settimeout(timeouts.get("write"))
        sent = False
        try:
            stream = request.stream
            if isinstance(stream, httpx2.ByteStream):
                conn.sock.sendall(head + b"".join(stream))
                sent = True
            else:
                conn.sock.sendall(head)
                sent = True
                for chunk in _chunks(stream):
                    if chunked:
                        if chunk:
                            conn.sock.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                    else:
                        conn.sock.sendall(chunk)
                if chunked:
                    conn.sock.sendall(b"0\r\n\r\n")
        except TimeoutError as exc:
            raise httpx2.WriteTimeout(f"sending to {url.host} timed out") from exc
        except OSError as exc:
            retry = _Retry(httpx2.WriteError(f"sending to {url.host} failed: {exc}"), sent)
            raise retry from exc

    def _read_head(
        self, conn: _Connection, timeouts: dict[str, Any]
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        conn.sock.settimeout(timeouts.get("read"))
        try:
            while True:
                line = conn.reader.readline(_MAX_LINE + 1)
                if not line:
                    raise _Retry(httpx2.RemoteProtocolError("server disconnected without an answer"), True)
                status, reason = _status_line(line)
                headers = _header_lines(conn.reader)
                if status >= 200 or status == 101:
                    return status, reason, headers
                # 1xx interim answers (103 Early Hints) are skipped; 100-continue is never asked for.
        except TimeoutError as exc:
            raise httpx2.ReadTimeout("no answer in time") from exc
        except ConnectionError as exc:
            raise _Retry(httpx2.ReadError(f"connection lost: {exc}"), True) from exc
        except OSError as exc:
            raise httpx2.ReadError(f"reading the answer failed: {exc}") from exc


class _Retry(Exception):
    """The connection broke before an answer began: maybe worth one more try on a fresh one."""

    def __init__(self, error: httpx2.TransportError, sent: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.sent = sent


def _chunks(stream: Iterable[bytes] | Any) -> Iterator[bytes]:
    yield from stream


def _status_line(line: bytes) -> tuple[int, bytes]:
    if len(line) > _MAX_LINE or not line.startswith(b"HTTP/1."):
        raise httpx2.RemoteProtocolError(f"not an HTTP/1.x status line: {line[:60]!r}")
    parts = line.rstrip(b"\r\n").split(b" ", 2)
    if len(parts) < 2 or len(parts[1]) != 3 or not parts[1].isdigit():
        raise httpx2.RemoteProtocolError(f"malformed status line: {line[:60]!r}")
    return int(parts[1]), parts[2] if len(parts) > 2 else b""


def _header_lines(reader: IO[bytes]) -> list[tuple[bytes, bytes]]:
    headers: list[tuple[bytes, bytes]] = []
    while True:
        line = reader.readline(_MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise httpx2.RemoteProtocolError("connection closed in the middle of the headers")
        if len(line) > _MAX_LINE or len(headers) >= _MAX_HEADERS:
            raise httpx2.RemoteProtocolError("answer headers too large")
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or line[0] in b" \t":
            raise httpx2.RemoteProtocolError(f"malformed header line: {line[:60]!r}")
        headers.append((name, value.strip()))


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    found = None
    for key, value in headers:
        if key.lower() == name:
            if found is not None and found != value:
                raise httpx2.RemoteProtocolError(f"conflicting {name.decode()} headers")
            found = value
    return found


class _Body(httpx2.SyncByteStream):
    """The answer's body, read as the caller iterates; the connection goes back to the pool
    only when the body was read to its end and both sides keep it open."""

    def __init__(
        self,
        transport: LeanTransport,
        conn: _Connection,
        method: str,
        status: int,
        headers: list[tuple[bytes, bytes]],
        timeouts: dict[str, Any],
    ) -> None:
        self._transport = transport
        self._conn: _Connection | None = conn
        self._timeouts = timeouts
        self._done = False
        connection = (_header(headers, b"connection") or b"").lower()
        self._keep = b"close" not in connection
        encoding = (_header(headers, b"transfer-encoding") or b"").lower()
        length = _header(headers, b"content-length")
        self._chunked = False
        self._remaining: int | None = None
        if method == "HEAD" or status in _NO_BODY_STATUS:
            self._remaining = 0
        elif encoding:
            if encoding != b"chunked":
                raise httpx2.RemoteProtocolError(f"unsupported Transfer-Encoding {encoding.decode()!r}")
            self._chunked = True
        elif length is not None:
            if not length.isdigit():
                raise httpx2.RemoteProtocolError(f"malformed Content-Length {length[:20]!r}")
            self._remaining = int(length)
        else:
            self._keep = False  # the body runs until the server closes the connection

    def __iter__(self) -> Iterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        conn.sock.settimeout(self._timeouts.get("read"))
        try:
            if self._chunked:
                yield from self._read_chunked(conn.reader)
            else:
                yield from self._read_plain(conn.reader)
        except TimeoutError as exc:
            raise httpx2.ReadTimeout("the answer's body did not come in time") from exc
        except OSError as exc:
            raise httpx2.ReadError(f"reading the answer's body failed: {exc}") from exc
        self._done = True

    def _read_plain(self, reader: IO[bytes]) -> Iterator[bytes]:
        remaining = self._remaining
        while remaining is None or remaining > 0:
            chunk = reader.read1(_READ_SIZE if remaining is None else min(remaining, _READ_SIZE))  # type: ignore[attr-defined]
            if not chunk:
                if remaining is None:
                    return
                raise httpx2.RemoteProtocolError(
                    f"server closed the connection with {remaining} bytes of the body unsent"
                )
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk

    def _read_chunked(self, reader: IO[bytes]) -> Iterator[bytes]:
        while True:
            line = reader.readline(_MAX_LINE + 1)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise httpx2.RemoteProtocolError(f"malformed chunk size {line[:30]!r}") from None
            if size == 0:
                _header_lines(reader)  # trailers, read and dropped
                return
            while size > 0:
                chunk = reader.read1(min(size, _READ_SIZE))  # type: ignore[attr-defined]
                if not chunk:
                    raise httpx2.RemoteProtocolError("server closed the connection inside a chunk")
                size -= len(chunk)
                yield chunk
            if reader.readline(3) not in (b"\r\n", b"\n"):
                raise httpx2.RemoteProtocolError("chunk not followed by CRLF")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._done and self._keep:
            self._transport._checkin(conn)
        else:
            conn.close()
