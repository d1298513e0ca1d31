"""gateway/http11.py against a real socket server on 127.0.0.1 that answers as scripted, so the
transport meets what real servers do: keep-alive and its end, chunked and close-delimited
bodies, truncation, garbage, slowness."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest

from gateway.http11 import LeanTransport

RESET = b"<reset>"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedServer:
    """Answers each request with `answer(seen)`: raw bytes to send, or None to close at once."""

    answer: Callable[[Seen], bytes | None]
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    close_after_answer: bool = False

    def __post_init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while True:
                line = reader.readline()
                if not line:
                    return
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (h := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                if headers.get("transfer-encoding") == "chunked":
                    body = b""
                    while (size := int(reader.readline().split(b";")[0], 16)) > 0:
                        body += reader.read(size)
                        reader.readline()
                    reader.readline()
                else:
                    body = reader.read(int(headers.get("content-length", "0")))
                seen = Seen(method, path, headers, body)
                self.seen.append(seen)
                reply = self.answer(seen)
                if reply is None:
                    return
                if reply == RESET:  # abort: the client reads "connection reset by peer"
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                # Decided before sending: a test may change the flag once it has the answer.
                close = self.close_after_answer or b"connection: close" in reply.lower()
                conn.sendall(reply)
                if close:
                    return
        except OSError:
            return
        finally:
            reader.close()
            conn.close()

    def drop_idle(self) -> None:
        """Close every connection from the server's side, as a server's idle timeout does."""
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._open.clear()

    def close(self) -> None:
        self.sock.close()
        self.drop_idle()


def ok(body: bytes, *extra: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%b\r\n%b" % (len(body), head.encode(), body)


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    with httpx2.Client(transport=LeanTransport(), timeout=5) as c:
        yield c


def serve(answer: Callable[[Seen], bytes | None]) -> ScriptedServer:
    return ScriptedServer(answer)


def test_keeps_the_connection_for_the_next_request(client: httpx2.Client) -> None:
    server = serve(lambda seen: ok(b'{"path": "%b"}' % seen.path.encode()))
    try:
        assert client.get(f"{server.url}/a?x=1").json() == {"path": "/a?x=1"}
        assert client.get(f"{server.url}/b").json() == {"path": "/b"}
        assert server.connections == 1
        assert server.seen[0].headers["host"] == f"127.0.0.1:{server.port}"
    finally:
        server.close()


def test_sends_bodies_as_given_or_chunked(client: httpx2.Client) -> None:
    server = serve(lambda seen: ok(b"%d" % len(seen.body)))
    try:
        assert client.post(server.url, content=b"x" * 100_000).text == "100000"

        def parts() -> Iterator[bytes]:
            yield b"abc"
            yield b""
            yield b"defg"

        # An iterator of unknown length goes chunked; the server sees the joined bytes.
        assert client.post(server.url, content=parts()).text == "7"
        assert server.seen[1].headers["transfer-encoding"] == "chunked"
        assert server.seen[1].body == b"abcdefg"
    finally:
        server.close()


def test_reads_chunked_and_close_delimited_bodies(client: httpx2.Client) -> None:
    def answer(seen: Seen) -> bytes:
        if seen.path == "/chunked":
            head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            return head + b"5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n"
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"

    server = serve(answer)
    try:
        assert client.get(f"{server.url}/chunked").text == "hello!"
        assert client.get(f"{server.url}/chunked").text == "hello!"
        assert server.connections == 1  # a chunked body read to its end keeps the connection
        assert client.get(f"{server.url}/plain").text == "until the end"
        assert client.get(f"{server.url}/chunked").text == "hello!"
        assert server.connections == 2  # Connection: close was honoured
    finally:
        server.close()


def test_a_connection_the_server_closed_is_not_reused(client: httpx2.Client) -> None:
    server = serve(lambda seen: ok(b"fine"))
    try:
        assert client.get(server.url).text == "fine"
        server.drop_idle()
        time.sleep(0.05)
        assert client.get(server.url).text == "fine"
        assert client.post(server.url, content=b"once").text == "fine"
        assert server.connections == 2
        assert [s.method for s in server.seen] == ["GET", "GET", "POST"]
    finally:
        server.close()


def test_a_post_whose_answer_was_lost_is_not_sent_again() -> None:
    # The server reads the POST and closes without answering: it may have acted on it, so the
    # transport must not send it again on its own (the caller decides, with its checkpoints).
    calls: list[str] = []

    def answer(seen: Seen) -> bytes | None:
        calls.append(seen.method)
        return ok(b"first") if len(calls) == 1 else None

    server = serve(answer)
    try:
        with httpx2.Client(transport=LeanTransport(), timeout=5) as c:
            assert c.get(server.url).text == "first"
            with pytest.raises(httpx2.TransportError):
                c.post(server.url, content=b"create something")
        assert calls == ["GET", "POST"]
    finally:
        server.close()


def test_a_get_whose_answer_was_lost_on_a_kept_connection_is_tried_once_more(client: httpx2.Client) -> None:
    calls: list[str] = []

    def answer(seen: Seen) -> bytes | None:
        calls.append(seen.path)
        return None if len(calls) == 2 else ok(b"ok")

    server = serve(answer)
    try:
        assert client.get(f"{server.url}/1").text == "ok"
        assert client.get(f"{server.url}/2").text == "ok"
        assert calls == ["/1", "/2", "/2"]
    finally:
        server.close()


def test_a_truncated_body_is_an_error_and_the_connection_is_dropped(client: httpx2.Client) -> None:
    server = serve(
        lambda seen: (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this" if seen.path == "/cut" else ok(b"ok")
        )
    )
    server.close_after_answer = True
    try:
        with pytest.raises(httpx2.RemoteProtocolError, match="91 bytes"):
            client.get(f"{server.url}/cut")
        assert client.get(f"{server.url}/next").text == "ok"
    finally:
        server.close()


@pytest.mark.parametrize(
    "reply",
    [b"garbage\r\n\r\n", b"HTTP/1.1 2x0 OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"],
)
def test_garbage_is_a_protocol_error(client: httpx2.Client, reply: bytes) -> None:
    server = serve(lambda seen: reply)
    try:
        with pytest.raises(httpx2.RemoteProtocolError):
            client.get(server.url)
    finally:
        server.close()


def test_head_and_204_have_no_body(client: httpx2.Client) -> None:
    server = serve(
        lambda seen: (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
            if seen.method == "HEAD"
            else b"HTTP/1.1 204 No Content\r\n\r\n"
        )
    )
    try:
        assert client.head(server.url).content == b""
        response = client.delete(server.url)
        assert response.status_code == 204 and response.content == b""
        assert client.head(server.url).status_code == 200
        assert server.connections == 1
    finally:
        server.close()


def test_an_unread_streamed_body_does_not_go_back_to_the_pool(client: httpx2.Client) -> None:
    server = serve(lambda seen: ok(b"y" * 200_000))
    try:
        with client.stream("GET", server.url) as response:
            first = next(response.iter_raw())
            assert first
        assert len(client.get(server.url).content) == 200_000
        assert server.connections == 2
    finally:
        server.close()


def test_refused_and_slow_servers_raise_httpx_errors() -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    with httpx2.Client(transport=LeanTransport(), timeout=5) as c, pytest.raises(httpx2.ConnectError):
        c.get(f"http://127.0.0.1:{port}/")

    def slow(seen: Seen) -> bytes:
        time.sleep(1.0)
        return ok(b"late")

    server = serve(slow)
    try:
        with httpx2.Client(transport=LeanTransport(), timeout=0.2) as c, pytest.raises(httpx2.ReadTimeout):
            c.get(server.url)
    finally:
        server.close()


def test_interim_answers_are_skipped(client: httpx2.Client) -> None:
    server = serve(lambda seen: b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok(b"final"))
    try:
        assert client.get(server.url).text == "final"
    finally:
        server.close()


def test_a_proxy_in_the_environment_is_still_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Our transport does not go through proxies, and httpx ignores the environment's for a
    client given a transport: with HTTP(S)_PROXY set, the gateway's clients take httpx's own."""
    from gateway.bootstrap import build_zgw_client
    from gateway.settings import Settings

    proxy = serve(lambda seen: ok(b'{"results": [], "next": null}'))
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        settings = Settings(
            _env_file=None,
            data_dir=tmp_path,
            zgw_zaken_url="http://zgw.invalid/zaken/api/v1",
            zgw_documenten_url="http://zgw.invalid/documenten/api/v1",
            zgw_catalogi_url="http://zgw.invalid/catalogi/api/v1",
        )
        assert settings.http_transport == "lean"
        with build_zgw_client(settings) as client:
            assert client.request("GET", "http://zgw.invalid/catalogi/api/v1/catalogussen") == {
                "results": [],
                "next": None,
            }
        # The proxy got the request in absolute form: it went through the proxy.
        assert [s.path for s in proxy.seen] == ["http://zgw.invalid/catalogi/api/v1/catalogussen"]
    finally:
        proxy.close()


def test_a_get_reset_on_a_kept_connection_is_tried_once_more(client: httpx2.Client) -> None:
    # A server that drops an idle connection as the next request arrives resets it (RST).
    calls: list[str] = []

    def answer(seen: Seen) -> bytes:
        calls.append(seen.path)
        return RESET if len(calls) == 2 else ok(b"ok")

    server = serve(answer)
    try:
        assert client.get(f"{server.url}/1").text == "ok"
        assert client.get(f"{server.url}/2").text == "ok"
        assert calls == ["/1", "/2", "/2"]
    finally:
        server.close()
