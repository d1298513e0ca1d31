"""`make badinput`: hostile input at every entry point, each case with its expected answer.

Entry points: the notification endpoint; DSO's answers (a hostile DSO stub on 127.0.0.1: XML
attacks, redirects, other hosts, size lies, type lies, NULs, huge numbers); ZGW's answers (the
ZGW test server on 127.0.0.1 behind a transport that replaces chosen answers); the status page's
forms and query strings; the /v1 parameters. A case passes when it gets its expected answer, no
500, no exception escapes, nothing is lost (an accepted notification has its version and job; a
hostile DSO or ZGW answer leaves the version in a definite state with a classified reason), and
the flow continues (a clean verzoek still goes all the way through, and a ZGW case delivers
exactly one zaak once the hostility stops).

Run: python -m tests.adversarial.badinput. Last line:
`badinput: N cases, 0 unexpected, 0 crashes, 0 lost`; exit 1 otherwise."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import re
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import httpx2
import structlog
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from adapters.zgw.testserver.app import create_app as create_zgw_app
from adapters.zgw.testserver.app import store_of
from adapters.zgw.testserver.config import ZgwTestServerConfig
from gateway.api.app import create_app
from gateway.auth.users import UserStore
from gateway.bootstrap import Container, bootstrap
from gateway.events import FETCH, StageJob
from gateway.operations import Operations
from gateway.servers import ServerThread
from gateway.settings import Settings
from gateway.store import State
from gateway.store.queries import VerzoekFilter, search_verzoeken
from stam_mapping import parse_verzoek

MiB = 1024 * 1024
API_TOKEN = "badinput-token-0123456789"
PASSWORD = "badinput-wachtwoord"
EXAMPLE_NR = "2026031000101"
EXAMPLE = resources.files("dso_client.sandbox.examples").joinpath("verbouwing-initieren.xml").read_bytes()
NS = "http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie"
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)


@dataclass
class Outcome:
    ok: bool
    detail: str = ""
    lost: bool = False


@dataclass
class Case:
    entry: str
    name: str
    run: Callable[[], Outcome]


@dataclass
class Tally:
    cases: int = 0
    unexpected: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


# -- the hostile DSO stub --------------------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


class DsoStub:
    """A DSO API on 127.0.0.1 whose answers are set per path, per case."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[], Answer] | Answer] = {}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                route = stub.routes.get(path)
                if route is None and path.endswith("/samenwerkingen"):
                    route = (201, {"Content-Type": "application/json"}, b"{}")
                if route is None and path.endswith("/_rerouteer"):
                    route = (200, {"Content-Type": "application/json"}, b"{}")
                status, headers, body = route() if callable(route) else (route or (404, {}, b""))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The client may cut a too-large body off: that is what some cases test.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/afhandelen/v2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()  # shutdown() only stops the loop; this closes the socket


def _json(data: Any, status: int = 200) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


def stam_for(nr: str) -> bytes:
    return EXAMPLE.replace(EXAMPLE_NR.encode(), nr.encode())


def documents_for(nr: str) -> list[tuple[str, bytes]]:
    return [
        (d.document_id, f"%PDF-1.4 {d.document_id}\n".encode() * 50)
        for d in parse_verzoek(stam_for(nr)).documenten()
    ]


def honest(stub: DsoStub, nr: str) -> dict[str, Any]:
    """Routes of a truthful DSO for `nr`; returns the referenties so a case can spoil them."""
    base = f"/afhandelen/v2/verzoeken/{nr}"
    docs = []
    for doc_id, content in documents_for(nr):
        stub.routes[f"{base}/documenten/{doc_id}"] = (200, {"Content-Type": "application/pdf"}, content)
        docs.append(
            {
                "documentId": doc_id,
                "bestandsnaam": f"{doc_id}.pdf",
                "mediaType": "application/pdf",
                "grootte": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "href": f"documenten/{doc_id}",
            }
        )
    refs = {
        "verzoeknummer": nr,
        "volgnummer": 1,
        "samenvatting": {"href": "samenvatting?volgnummer=1"},
        "pdf": {"href": "pdf?volgnummer=1"},
        "documenten": docs,
    }
    stub.routes.pop(f"{base}/verzoekreferenties", None)  # set by the case, after spoiling `refs`
    stub.routes[f"{base}/samenvatting"] = (200, {"Content-Type": "application/xml"}, stam_for(nr))
    stub.routes[f"{base}/pdf"] = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 samenvatting\n")
    return refs


# -- ZGW: the test server behind a transport that spoils chosen answers ----------------------


@dataclass
class Spoil:
    method: str
    path: re.Pattern[str]
    answer: Callable[[httpx2.Request], httpx2.Response]
    after_handling: bool = False  # forward first (the server acts), then lose its answer
    hits: int = 0


class HostileZgw(httpx2.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.spoil: Spoil | None = None

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        rule = self.spoil
        if rule is None or request.method != rule.method or not rule.path.search(request.url.path):
            return self.inner.handle_request(request)
        rule.hits += 1
        self.spoil = None  # once: the retry must find a working ZGW
        if rule.after_handling:
            real = self.inner.handle_request(request)
            real.read()
            real.close()
        return rule.answer(request)

    def close(self) -> None:
        self.inner.close()  # the client closes its transport; ours holds the real one


# -- the environment ---------------------------------------------------------------------------


class Env:
    def __init__(self, tmp: Path) -> None:
        self.dso = DsoStub()
        self.zgw_app = create_zgw_app(ZgwTestServerConfig(secret=Settings().zgw_secret.get_secret_value()))
        self.zgw = ServerThread(self.zgw_app).start()
        self.hostile = HostileZgw()
        zgw = self.zgw.url
        settings = Settings(
            _env_file=None,
            data_dir=tmp,
            queue_url="memory://",
            dso_base_url=self.dso.base,
            dso_samenwerking_url=self.dso.base,
            dso_timeout=5,
            zgw_zaken_url=f"{zgw}/zaken/api/v1",
            zgw_documenten_url=f"{zgw}/documenten/api/v1",
            zgw_catalogi_url=f"{zgw}/catalogi/api/v1",
            zgw_timeout=5,
            max_attempts=1,
            max_stam_bytes=2 * MiB,
            max_pdf_bytes=1 * MiB,
            max_bijlage_bytes=1 * MiB,
            session_secure_cookie=False,
            api_token_sha256=[hashlib.sha256(API_TOKEN.encode()).hexdigest()],
            api_token_roles=["viewer", "operator"],  # the cases include operator actions
        )
        self.c: Container = bootstrap(settings, zgw_transport=self.hostile)
        users = UserStore(self.c.store.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        users.add("olga", PASSWORD, ["operator"])
        users.add("vera", PASSWORD, ["viewer"])
        self.worker = self.c.worker()
        self.client = TestClient(create_app(self.c), raise_server_exceptions=False)
        self.client.__enter__()
        self.api = {"Authorization": f"Bearer {API_TOKEN}"}
        self.counter = 0

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.c.close()
        self.zgw.stop()
        self.dso.close()

    def new_nr(self) -> str:
        self.counter += 1
        return f"2027{self.counter:09d}"

    def notify(self, nr: str, volgnummer: int = 1) -> None:
        c = self.c
        job = c.context.job(FETCH, StageJob(nr, volgnummer, c.settings.default_oin))
        c.store.record_notification(nr, volgnummer, c.settings.default_oin, job)

    def pump(self) -> None:
        """Run every queued job (and the jobs they cause) to the end, in this thread."""
        for _ in range(200):
            self.worker.relay_once()
            moved = False
            for stage in self.worker.stages:
                message = self.c.queue.receive(stage.queue, 0.01)
                if message is not None:
                    self.worker.process(stage, message)
                    moved = True
            if not moved and self.c.store.pending_outbox() == 0:
                return

    def state(self, nr: str, volgnummer: int = 1) -> tuple[str | None, str]:
        versie = self.c.store.get_versie(nr, volgnummer)
        return (versie.state, versie.last_error or "") if versie else (None, "")

    def login(self, name: str = "olga") -> str:
        page = self.client.get("/login").text
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        self.client.post("/login", data={"gebruikersnaam": name, "wachtwoord": PASSWORD, "csrf": csrf})
        return self.csrf()

    def csrf(self) -> str:
        return self.client.get("/status").text.split('name="csrf" value="')[1].split('"')[0]


# -- case builders ------------------------------------------------------------------------------


def dso_case(
    env: Env, name: str, spoil: Callable[[DsoStub, str, dict[str, Any]], None], want: str, why: str = ""
) -> Case:
    """A verzoek whose DSO answers are spoiled by `spoil`; `want` is the end state, `why` a part
    of the failure reason or of the fetched event."""

    def run() -> Outcome:
        nr = env.new_nr()
        refs = honest(env.dso, nr)
        spoil(env.dso, nr, refs)
        env.dso.routes.setdefault(f"/afhandelen/v2/verzoeken/{nr}/verzoekreferenties", _json(refs))
        env.notify(nr)
        env.pump()
        state, reason = env.state(nr)
        text = reason + " ".join(e.detail or "" for e in env.c.store.events_for(nr))
        if state is None or state in (State.RECEIVED, State.FETCHED, State.DELIVERED):
            return Outcome(False, f"stuck in {state}", lost=True)
        if reason.startswith("internal error"):
            return Outcome(False, f"unclassified: {reason}")
        ok = state == want and why.lower() in text.lower()
        return Outcome(ok, f"{state}: {reason[:160]}")

    return Case("dso", name, run)


def refs_set(**changes: Any) -> Callable[[DsoStub, str, dict[str, Any]], None]:
    def spoil(stub: DsoStub, nr: str, refs: dict[str, Any]) -> None:
        refs.update(changes)

    return spoil


def doc_set(**changes: Any) -> Callable[[DsoStub, str, dict[str, Any]], None]:
    def spoil(stub: DsoStub, nr: str, refs: dict[str, Any]) -> None:
        refs["documenten"][0].update(changes)

    return spoil


def raw(path: str, answer: Answer | Callable[[], Answer]) -> Callable[[DsoStub, str, dict[str, Any]], None]:
    def spoil(stub: DsoStub, nr: str, refs: dict[str, Any]) -> None:
        stub.routes[f"/afhandelen/v2/verzoeken/{nr}/{path}"] = answer

    return spoil


def first_doc_body(
    body: bytes, announced: int | None = None
) -> Callable[[DsoStub, str, dict[str, Any]], None]:
    def spoil(stub: DsoStub, nr: str, refs: dict[str, Any]) -> None:
        doc = refs["documenten"][0]
        stub.routes[f"/afhandelen/v2/verzoeken/{nr}/documenten/{doc['documentId']}"] = (200, {}, body)
        doc["sha256"] = None
        if announced is None:
            doc.pop("grootte")
        else:
            doc["grootte"] = announced

    return spoil


def stam(body: Callable[[str], bytes]) -> Callable[[DsoStub, str, dict[str, Any]], None]:
    def spoil(stub: DsoStub, nr: str, refs: dict[str, Any]) -> None:
        stub.routes[f"/afhandelen/v2/verzoeken/{nr}/samenvatting"] = (
            200,
            {"Content-Type": "application/xml"},
            body(nr),
        )

    return spoil


def dso_cases(env: Env) -> Iterator[Case]:
    ok = State.REPORTED
    failed = State.FAILED
    yield dso_case(env, "control: an honest DSO", lambda s, n, r: None, ok)
    yield dso_case(
        env,
        "referenties for another verzoek",
        refs_set(verzoeknummer="2027999999999"),
        failed,
        "answered for verzoek",
    )
    yield dso_case(
        env, "referenties for another volgnummer", refs_set(volgnummer=2), failed, "answered for volgnummer"
    )
    yield dso_case(env, "volgnummer 2^63", refs_set(volgnummer=2**63), failed, "volgnummer")
    yield dso_case(env, "volgnummer 2^31", refs_set(volgnummer=2**31), failed, "volgnummer")
    yield dso_case(env, "volgnummer Arabic-Indic", refs_set(volgnummer="١"), failed, "volgnummer")
    yield dso_case(env, "volgnummer fullwidth", refs_set(volgnummer="１"), failed, "volgnummer")
    yield dso_case(env, "volgnummer true", refs_set(volgnummer=True), failed, "volgnummer")
    yield dso_case(env, "volgnummer 1.5", refs_set(volgnummer=1.5), failed, "volgnummer")
    yield dso_case(env, "no samenvatting link", refs_set(samenvatting=None), failed, "unexpected response")
    yield dso_case(
        env,
        "referenties as HTML",
        raw("verzoekreferenties", (200, {"Content-Type": "text/html"}, b"<html>login</html>")),
        failed,
        "verzoekreferenties",
    )
    yield dso_case(
        env,
        "referenties a JSON array",
        raw("verzoekreferenties", _json([1, 2])),
        failed,
        "verzoekreferenties",
    )
    yield dso_case(
        env,
        "referenties with a NUL",
        raw("verzoekreferenties", (200, {"Content-Type": "application/json"}, b'{"verzoeknummer": "\x00"}')),
        failed,
        "verzoekreferenties",
    )
    yield dso_case(
        env,
        "referenties nested 100000 deep",
        raw(
            "verzoekreferenties", (200, {"Content-Type": "application/json"}, b"[" * 100_000 + b"]" * 100_000)
        ),
        failed,
        "verzoekreferenties",
    )
    yield dso_case(env, "referenties 500", raw("verzoekreferenties", (500, {}, b"boom")), failed, "HTTP 500")
    yield dso_case(
        env,
        "referenties 503 Retry-After huge",
        raw("verzoekreferenties", (503, {"Retry-After": "99999999999999999999"}, b"")),
        failed,
        "HTTP 503",
    )
    yield dso_case(
        env,
        "referenties 429",
        raw("verzoekreferenties", (429, {"Retry-After": "1"}, b"")),
        failed,
        "HTTP 429",
    )
    yield dso_case(env, "referenties 404", raw("verzoekreferenties", (404, {}, b"")), failed, "HTTP 404")
    yield dso_case(
        env,
        "referenties redirect to another host",
        raw("verzoekreferenties", (302, {"Location": "http://evil.test/x"}, b"")),
        failed,
        "HTTP 302",
    )
    yield dso_case(env, "referenties 401", raw("verzoekreferenties", (401, {}, b"")), failed, "HTTP 401")
    yield dso_case(
        env, "bijlage on another host", doc_set(href="http://evil.test/steal"), failed, "evil.test"
    )
    yield dso_case(
        env,
        "bijlage on another port",
        doc_set(href="http://127.0.0.1:1/afhandelen/v2/x"),
        failed,
        "outside the configured DSO API",
    )
    yield dso_case(
        env,
        "bijlage outside the base path",
        doc_set(href="/other/api/x"),
        failed,
        "outside the configured DSO API",
    )
    yield dso_case(
        env,
        "bijlage with ../ traversal",
        doc_set(href="../../../../admin"),
        failed,
        "outside the configured DSO API",
    )
    yield dso_case(
        env,
        "bijlage with %2e%2e",
        doc_set(href="documenten/%2e%2e/%2e%2e/x"),
        failed,
        "outside the configured DSO API",
    )
    yield dso_case(
        env,
        "bijlage with user@host",
        doc_set(href="http://user@evil.test/afhandelen/v2/x"),
        failed,
        "evil.test",
    )
    yield dso_case(
        env,
        "bijlage on file://",
        doc_set(href="file:///etc/passwd"),
        failed,
        "outside the configured DSO API",
    )
    yield dso_case(env, "bijlage href a number", doc_set(href=12), failed, "verzoekreferenties")
    yield dso_case(
        env,
        "bijlage bigger than announced",
        first_doc_body(b"x" * (3 * MiB), announced=100),
        failed,
        "more than the 100 bytes",
    )
    yield dso_case(
        env,
        "bijlage without grootte past the limit",
        first_doc_body(b"x" * (3 * MiB)),
        failed,
        "DSOGW_MAX_BIJLAGE_BYTES",
    )
    yield dso_case(
        env, "bijlage announced past the limit", doc_set(grootte=5 * MiB), failed, "DSOGW_MAX_BIJLAGE_BYTES"
    )
    yield dso_case(
        env,
        "bijlage smaller than announced",
        first_doc_body(b"x" * 10, announced=100),
        failed,
        "DSO announced 100",
    )
    yield dso_case(env, "bijlage sha256 lie", doc_set(sha256="00" * 32), failed, "sha256")
    yield dso_case(env, "bijlage grootte negative", doc_set(grootte=-1), failed, "grootte")
    yield dso_case(env, "bijlage grootte fullwidth", doc_set(grootte="１２"), failed, "grootte")
    yield dso_case(env, "bijlage grootte 2^70", doc_set(grootte=2**70), failed, "grootte")
    yield dso_case(
        env,
        "bijlage 500",
        lambda s, n, r: s.routes.__setitem__(
            f"/afhandelen/v2/verzoeken/{n}/documenten/{r['documenten'][0]['documentId']}", (500, {}, b"")
        ),
        failed,
        "HTTP 500",
    )
    yield dso_case(
        env,
        "bijlage DSO did not list",
        lambda s, n, r: r["documenten"].pop(0),
        failed,
        "verzoekreferenties niet",
    )
    yield dso_case(
        env,
        "PDF is an HTML page",
        raw("pdf", (200, {"Content-Type": "application/pdf"}, b"<!DOCTYPE html><html>Storing</html>")),
        ok,
        "iets anders dan een PDF",
    )
    yield dso_case(
        env,
        "PDF empty",
        raw("pdf", (200, {"Content-Type": "application/pdf"}, b"")),
        ok,
        "iets anders dan een PDF",
    )
    yield dso_case(
        env,
        "PDF on another host",
        refs_set(pdf={"href": "http://evil.test/verzoek.pdf"}),
        ok,
        "buiten de DSO-API",
    )
    yield dso_case(
        env,
        "PDF past the limit",
        raw("pdf", (200, {}, b"%PDF-1.4" + b"x" * (2 * MiB))),
        ok,
        "DSOGW_MAX_PDF_BYTES",
    )
    yield dso_case(env, "PDF 404", raw("pdf", (404, {}, b"")), ok, "PDF niet beschikbaar")
    yield dso_case(
        env,
        "PDF redirect",
        raw("pdf", (302, {"Location": "http://evil.test/"}, b"")),
        ok,
        "PDF niet beschikbaar",
    )
    yield dso_case(env, "STAM with XXE", stam(lambda nr: XXE + b"<x>&e;</x>"), failed, "")
    yield dso_case(env, "STAM billion laughs", stam(lambda nr: LAUGHS + b"<x>&d;</x>"), failed, "")
    yield dso_case(
        env,
        "STAM past the limit",
        stam(lambda nr: b"<x>" + b" " * (3 * MiB) + b"</x>"),
        failed,
        "DSOGW_MAX_STAM_BYTES",
    )
    yield dso_case(
        env, "STAM with a NUL", stam(lambda nr: stam_for(nr).replace(b"<", b"\x00<", 1)), failed, ""
    )
    yield dso_case(env, "STAM is HTML", stam(lambda nr: b"<!DOCTYPE html><html></html>"), failed, "")
    yield dso_case(env, "STAM empty", stam(lambda nr: b""), failed, "")
    yield dso_case(
        env,
        "STAM for another verzoek",
        stam(lambda nr: stam_for("2027999999998")),
        failed,
        "gaat over verzoek 2027999999998",
    )
    yield dso_case(
        env,
        "STAM volgnummer Arabic-Indic",
        stam(
            lambda nr: re.sub(
                rb"<(\w+:)?volgnummer>1<", lambda m: m.group(0).replace(b">1<", ">١<".encode()), stam_for(nr)
            )
        ),
        failed,
        "volgnummer",
    )
    yield dso_case(env, "STAM 503", raw("samenvatting", (503, {}, b"")), failed, "HTTP 503")


# -- notification endpoint -----------------------------------------------------------------------


def notificatie(nr: str, volgnummer: str = "1", extra: str = "") -> bytes:
    return (
        f'<n:verzoeknotificatie xmlns:n="{NS}"><n:verzoeknummer>{nr}</n:verzoeknummer>'
        f"<n:volgnummer>{volgnummer}</n:volgnummer>{extra}</n:verzoeknotificatie>"
    ).encode()


def notification_case(
    env: Env, name: str, body: Callable[[str], bytes], want: int, content_type: str = "application/xml"
) -> Case:
    def run() -> Outcome:
        nr = env.new_nr()
        before = search_verzoeken(env.c.store, VerzoekFilter())[1]
        r = env.client.post(
            "/v1/dso/verzoeknotificaties", content=body(nr), headers={"Content-Type": content_type}
        )
        after = search_verzoeken(env.c.store, VerzoekFilter())[1]
        if r.status_code >= 500:
            return Outcome(False, f"HTTP {r.status_code}")
        if r.status_code == 202:
            known = env.c.store.get_verzoek(nr) is not None
            if not known or after != before + 1 or env.c.store.pending_outbox() == 0:
                return Outcome(False, "accepted but not stored with its job", lost=True)
            env.c.store.relay_outbox(lambda row: None)  # these fetch jobs are not run
        elif after != before:
            return Outcome(False, f"refused ({r.status_code}) but something was stored")
        problem = r.status_code == 202 or r.headers.get("content-type", "").startswith(
            "application/problem+json"
        )
        return Outcome(r.status_code == want and problem, f"HTTP {r.status_code}")

    return Case("notification", name, run)


def notification_cases(env: Env) -> Iterator[Case]:
    yield notification_case(env, "control", notificatie, 202)
    yield notification_case(
        env,
        "without volgnummer",
        lambda nr: notificatie(nr).replace(b"<n:volgnummer>1</n:volgnummer>", b""),
        202,
    )
    yield notification_case(env, "XXE", lambda nr: XXE + notificatie(nr).replace(nr.encode(), b"&e;"), 400)
    yield notification_case(
        env, "billion laughs", lambda nr: LAUGHS + notificatie(nr).replace(nr.encode(), b"&d;"), 400
    )
    yield notification_case(
        env, "external DTD", lambda nr: b'<!DOCTYPE x SYSTEM "http://evil.test/x.dtd">' + notificatie(nr), 400
    )
    yield notification_case(
        env,
        "XInclude",
        lambda nr: notificatie(
            nr, extra='<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
        ),
        202,
    )
    yield notification_case(env, "volgnummer 2^63", lambda nr: notificatie(nr, str(2**63)), 400)
    yield notification_case(env, "volgnummer 2^31", lambda nr: notificatie(nr, str(2**31)), 400)
    yield notification_case(env, "volgnummer 0", lambda nr: notificatie(nr, "0"), 400)
    yield notification_case(env, "volgnummer -1", lambda nr: notificatie(nr, "-1"), 400)
    yield notification_case(env, "volgnummer 1e3", lambda nr: notificatie(nr, "1e3"), 400)
    yield notification_case(env, "volgnummer 1_0", lambda nr: notificatie(nr, "1_0"), 400)
    yield notification_case(env, "volgnummer Arabic-Indic", lambda nr: notificatie(nr, "١"), 400)
    yield notification_case(
        env,
        "verzoeknummer Arabic-Indic",
        lambda nr: notificatie("".join(chr(0x660 + int(d)) for d in nr)),
        400,
    )
    yield notification_case(
        env, "verzoeknummer fullwidth", lambda nr: notificatie("".join(chr(0xFF10 + int(d)) for d in nr)), 400
    )
    yield notification_case(env, "verzoeknummer 12 digits", lambda nr: notificatie(nr[:12]), 400)
    yield notification_case(env, "verzoeknummer 14 digits", lambda nr: notificatie(nr + "1"), 400)
    yield notification_case(
        env, "verzoeknummer with a space inside", lambda nr: notificatie(nr[:6] + " " + nr[6:12]), 400
    )
    yield notification_case(env, "verzoeknummer path traversal", lambda nr: notificatie("../../../etc"), 400)
    yield notification_case(
        env,
        "a NUL",
        lambda nr: notificatie(nr).replace(b"</n:verzoeknummer>", b"\x00</n:verzoeknummer>"),
        400,
    )
    yield notification_case(env, "empty body", lambda nr: b"", 400)
    yield notification_case(env, "not XML", lambda nr: b"hallo", 400)
    yield notification_case(
        env, "JSON", lambda nr: json.dumps({"verzoeknummer": nr}).encode(), 400, "application/json"
    )
    yield notification_case(env, "a 1 MiB body", lambda nr: b"<" * MiB, 413)
    yield notification_case(
        env, "another namespace", lambda nr: notificatie(nr).replace(NS.encode(), b"urn:evil"), 400
    )
    yield notification_case(
        env, "no verzoeknummer", lambda nr: f'<n:verzoeknotificatie xmlns:n="{NS}"/>'.encode(), 400
    )
    yield notification_case(
        env,
        "two verzoeknummers",
        lambda nr: notificatie(nr, extra=f"<n:verzoeknummer>{nr}</n:verzoeknummer>"),
        400,
    )
    yield notification_case(env, "CDATA verzoeknummer", lambda nr: notificatie(f"<![CDATA[{nr}]]>"), 202)
    yield notification_case(
        env,
        "UTF-16",
        lambda nr: ('<?xml version="1.0" encoding="UTF-16"?>' + notificatie(nr).decode()).encode("utf-16"),
        202,
    )
    yield notification_case(
        env,
        "bad OIN",
        lambda nr: notificatie(nr, extra="<n:bevoegdGezag><n:oin>١٢</n:oin></n:bevoegdGezag>"),
        400,
    )


# -- status page forms and query strings; /v1 parameters ------------------------------------------


def http_case(
    env: Env,
    entry: str,
    name: str,
    call: Callable[[TestClient], httpx2.Response],
    want: set[int],
    must_not_contain: str = "<script>alert",
) -> Case:
    def run() -> Outcome:
        r = call(env.client)
        if r.status_code >= 500:
            return Outcome(False, f"HTTP {r.status_code}")
        body = r.text
        ok = r.status_code in want and must_not_contain not in body
        return Outcome(ok, f"HTTP {r.status_code}")

    return Case(entry, name, run)


def page_cases(env: Env) -> Iterator[Case]:
    env.login("olga")
    csrf = env.csrf()
    xss = "<script>alert(1)</script>"

    def search(**form: str) -> Callable[[TestClient], httpx2.Response]:
        return lambda cl: cl.post("/status/zoeken", data={"csrf": csrf, **form})

    for pagina in ["0", "-1", str(2**62), str(2**63), "abc", "1.5", "١", "100001", "1e3", ""]:
        yield http_case(
            env,
            "page",
            f"pagina={pagina!r}",
            lambda cl, p=pagina: cl.get("/status", params={"pagina": p}),
            {400},
        )
    yield http_case(
        env, "page", "status=<script>", lambda cl: cl.get("/status", params={"status": xss[:20]}), {200}
    )
    yield http_case(
        env, "page", "status too long", lambda cl: cl.get("/status", params={"status": "x" * 500}), {400}
    )
    yield http_case(env, "page", "status with NUL", lambda cl: cl.get("/status?status=a%00b"), {400})
    yield http_case(env, "page", "search XSS", search(zoek=xss), {200})
    yield http_case(env, "page", "search NUL", search(zoek="Dorps\x00straat"), {400})
    yield http_case(env, "page", "page after NUL search still works", lambda cl: cl.get("/status"), {200})
    yield http_case(env, "page", "search 101 characters", search(zoek="x" * 101), {400})
    yield http_case(env, "page", "search LIKE wildcards", search(zoek="%_\\"), {200})
    yield http_case(env, "page", "search RTL override and emoji", search(zoek="\u202e🏠 straat"), {200})
    yield http_case(env, "page", "search bad dates", search(van="2024-13-45", tot="gisteren"), {200})
    yield http_case(env, "page", "search SQL", search(zoek="' OR 1=1 --"), {200})
    yield http_case(
        env, "page", "search without CSRF", lambda cl: cl.post("/status/zoeken", data={"zoek": "x"}), {200}
    )
    yield http_case(env, "page", "clear filters", lambda cl: cl.get("/status", params={"status": ""}), {200})
    yield http_case(
        env,
        "page",
        "detail Arabic-Indic number",
        lambda cl: cl.get("/status/verzoeken/٢٠٢٤٠٣١٤٠٠٠٤٢"),
        {400, 404},
    )
    yield http_case(
        env, "page", "detail SQL", lambda cl: cl.get("/status/verzoeken/1' OR '1'='1"), {400, 404}
    )
    yield http_case(
        env, "page", "detail unknown", lambda cl: cl.get("/status/verzoeken/2027999999997"), {404}
    )
    yield http_case(
        env,
        "page",
        "action unknown actie",
        lambda cl: cl.post(
            "/status/verzoeken/2027000000001/versies/1/acties",
            data={"csrf": csrf, "actie": "weg", "toelichting": "x"},
        ),
        {400},
    )
    yield http_case(
        env,
        "page",
        "action volgnummer 2^63",
        lambda cl: cl.post(
            f"/status/verzoeken/2027000000001/versies/{2**63}/acties",
            data={"csrf": csrf, "actie": "opnieuw", "toelichting": "x"},
        ),
        {400},
    )
    yield http_case(
        env,
        "page",
        "action without CSRF",
        lambda cl: cl.post(
            "/status/verzoeken/2027000000001/versies/1/acties", data={"actie": "opnieuw", "toelichting": "x"}
        ),
        {400},
    )
    yield http_case(
        env,
        "page",
        "action NUL note",
        lambda cl: cl.post(
            "/status/verzoeken/2027000000001/versies/1/acties",
            data={"csrf": csrf, "actie": "opnieuw", "toelichting": "a\x00b"},
        ),
        {400},
    )
    yield http_case(
        env,
        "page",
        "action note 5000 characters",
        lambda cl: cl.post(
            "/status/verzoeken/2027000000001/versies/1/acties",
            data={"csrf": csrf, "actie": "parkeren", "toelichting": "x" * 5000},
        ),
        {400},
    )
    yield http_case(
        env,
        "page",
        "replay unknown letter",
        lambda cl: cl.post(
            "/status/dode-berichten/herplaatsingen",
            data={"csrf": csrf, "wachtrij": "dso.fetch", "berichtId": "bestaat-niet", "toelichting": "x"},
        ),
        {200},
    )
    yield http_case(
        env,
        "page",
        "replay XSS queue name",
        lambda cl: cl.post(
            "/status/dode-berichten/herplaatsingen",
            data={"csrf": csrf, "wachtrij": xss, "berichtId": xss, "toelichting": xss},
        ),
        {200},
    )
    yield http_case(
        env,
        "page",
        "login NUL name",
        lambda cl: cl.post("/login", data={"gebruikersnaam": "olga\x00", "wachtwoord": "x", "csrf": csrf}),
        {400},
    )
    yield http_case(
        env,
        "page",
        "login 10k password",
        lambda cl: cl.post(
            "/login", data={"gebruikersnaam": "olga", "wachtwoord": "x" * 10_000, "csrf": csrf}
        ),
        {400},
    )
    yield http_case(
        env,
        "page",
        "garbage session cookie",
        lambda cl: httpx2.Response(
            TestClient(cl.app, raise_server_exceptions=False, cookies={"dsogw_sessie": "x" * 5000})
            .get("/status", follow_redirects=False)
            .status_code
        ),
        {303},
    )
    yield http_case(env, "page", "overview fragment", lambda cl: cl.get("/status/overzicht"), {200})


def api_cases(env: Env) -> Iterator[Case]:
    h = env.api

    def get(path: str, **params: str) -> Callable[[TestClient], httpx2.Response]:
        return lambda cl: cl.get(path, params=params, headers=h)

    def post(
        path: str, body: bytes | Any, content_type: str = "application/json"
    ) -> Callable[[TestClient], httpx2.Response]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return lambda cl: cl.post(path, content=data, headers={**h, "Content-Type": content_type})

    for pagina in ["0", "-1", str(2**62), str(2**63), "x", "١", "100001"]:
        yield http_case(env, "api", f"pagina={pagina!r}", get("/v1/verzoeken", pagina=pagina), {400})
    for size in ["0", "201", str(2**63), "-5"]:
        yield http_case(env, "api", f"paginaGrootte={size}", get("/v1/verzoeken", paginaGrootte=size), {400})
    yield http_case(env, "api", "zoek with NUL", get("/v1/verzoeken", zoek="a\x00b"), {400})
    yield http_case(env, "api", "zoek 101 characters", get("/v1/verzoeken", zoek="x" * 101), {400})
    yield http_case(env, "api", "zoek SQL", get("/v1/verzoeken", zoek="'; DROP TABLE verzoeken; --"), {200})
    yield http_case(env, "api", "zoek wildcards", get("/v1/verzoeken", zoek="%%__"), {200})
    yield http_case(
        env, "api", "ontvangenVanaf nonsense", get("/v1/verzoeken", ontvangenVanaf="gisteren"), {400}
    )
    yield http_case(
        env, "api", "ontvangenVanaf year 0", get("/v1/verzoeken", ontvangenVanaf="0000-01-01"), {400}
    )
    yield http_case(
        env, "api", "ontvangenTot year 9999", get("/v1/verzoeken", ontvangenTot="9999-12-31"), {200}
    )
    yield http_case(env, "api", "status 500 characters", get("/v1/verzoeken", status="x" * 500), {400})
    yield http_case(env, "api", "verzoek Arabic-Indic", get("/v1/verzoeken/٢٠٢٤٠٣١٤٠٠٠٤٢"), {400})
    yield http_case(env, "api", "verzoek fullwidth", get("/v1/verzoeken/２０２４０３１４０００４２"), {400})
    yield http_case(
        env, "api", "verzoek %00", lambda cl: cl.get("/v1/verzoeken/2024031400042%00", headers=h), {400}
    )
    yield http_case(env, "api", "verzoek 14 digits", get("/v1/verzoeken/20240314000421"), {400})
    yield http_case(env, "api", "verzoek unknown", get("/v1/verzoeken/2027999999996"), {404})
    acties = "/v1/verzoeken/2027000000001/versies/1/acties"
    yield http_case(env, "api", "actie invalid JSON", post(acties, b"{"), {400})
    yield http_case(env, "api", "actie JSON array", post(acties, [1]), {400})
    yield http_case(env, "api", "actie unknown", post(acties, {"actie": "weg", "toelichting": "x"}), {400})
    yield http_case(
        env,
        "api",
        "actie note 2001 characters",
        post(acties, {"actie": "parkeren", "toelichting": "x" * 2001}),
        {400},
    )
    yield http_case(
        env, "api", "actie note NUL", post(acties, {"actie": "parkeren", "toelichting": "a\u0000b"}), {400}
    )
    yield http_case(
        env,
        "api",
        "actie volgnummer 2^63",
        post(
            f"/v1/verzoeken/2027000000001/versies/{2**63}/acties", {"actie": "parkeren", "toelichting": "x"}
        ),
        {400},
    )
    yield http_case(
        env,
        "api",
        "actie on an unknown version",
        post("/v1/verzoeken/2027999999995/versies/1/acties", {"actie": "parkeren", "toelichting": "x"}),
        {404},
    )
    yield http_case(env, "api", "actie deep JSON", post(acties, b"[" * 50_000 + b"]" * 50_000), {400})
    yield http_case(env, "api", "replay missing fields", post("/v1/dode-berichten/herplaatsingen", {}), {400})
    yield http_case(
        env,
        "api",
        "replay unknown",
        post(
            "/v1/dode-berichten/herplaatsingen",
            {"wachtrij": "dso.fetch", "berichtId": "x", "toelichting": "y"},
        ),
        {409},
    )
    yield http_case(
        env,
        "api",
        "replay 2 MiB body",
        post("/v1/dode-berichten/herplaatsingen", b"{" + b" " * (2 * MiB) + b"}"),
        {400, 413},
    )
    yield http_case(
        env,
        "api",
        "garbage token",
        lambda cl: cl.get("/v1/verzoeken", headers={"Authorization": "Bearer " + "x" * 5000}),
        {401},
    )
    yield http_case(
        env,
        "api",
        "no token",
        lambda cl: TestClient(cl.app, raise_server_exceptions=False).get("/v1/overzicht"),
        {401},
    )


# -- ZGW answers ----------------------------------------------------------------------------------


def zgw_case(
    env: Env,
    name: str,
    method: str,
    path: str,
    answer: Callable[[httpx2.Request], httpx2.Response],
    *,
    after: bool = False,
    retryable: bool,
) -> Case:
    """Deliver a verzoek while one ZGW answer is spoiled: the version must fail with a classified
    reason of the expected kind; after the operator's retry it is delivered with one zaak."""

    def run() -> Outcome:
        nr = env.new_nr()
        env.dso.routes[f"/afhandelen/v2/verzoeken/{nr}/verzoekreferenties"] = _json(honest(env.dso, nr))
        rule = Spoil(method, re.compile(path), answer, after_handling=after)
        env.hostile.spoil = rule
        env.notify(nr)
        env.pump()
        env.hostile.spoil = None
        state, reason = env.state(nr)
        if rule.hits == 0:
            return Outcome(False, "the spoiled call was never made")
        if state != State.FAILED:
            return Outcome(
                False,
                f"{state} after a spoiled answer",
                lost=state in (State.RECEIVED, State.FETCHED, State.DELIVERED),
            )
        if reason.startswith("internal error"):
            return Outcome(False, f"unclassified: {reason}")
        gave_up = "opgegeven na" in reason
        if gave_up != retryable:
            return Outcome(False, f"classified {'retryable' if gave_up else 'permanent'}: {reason[:160]}")
        Operations(env.c.context).retry(nr, 1, actor="badinput", note="ZGW weer in orde")
        env.pump()
        state, reason = env.state(nr)
        zaken = [z for z in store_of(env.zgw_app).zaken.values() if z.get("identificatie") == f"DSO-{nr}"]
        if state != State.REPORTED or len(zaken) != 1:
            return Outcome(
                False, f"after retry: {state}, {len(zaken)} zaken: {reason[:120]}", lost=len(zaken) == 0
            )
        return Outcome(True, f"failed as expected, then delivered once ({reason[:60]})")

    return Case("zgw", name, run)


def zgw_cases(env: Env) -> Iterator[Case]:
    def status(
        code: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Callable[[httpx2.Request], httpx2.Response]:
        return lambda req: httpx2.Response(code, content=body, headers=headers or {}, request=req)

    html = b"<!DOCTYPE html><html><body>Onderhoud</body></html>"
    problem = json.dumps(
        {"type": "x", "title": "fout", "status": 400, "invalidParams": [{"name": "x", "reason": "\x00"}]}
    ).encode()
    zaken = r"/zaken/api/v1/zaken$"
    yield zgw_case(env, "POST zaak 500", "POST", zaken, status(500), retryable=True)
    yield zgw_case(
        env,
        "POST zaak 503 with a huge Retry-After",
        "POST",
        zaken,
        status(503, headers={"Retry-After": "9" * 40}),
        retryable=True,
    )
    yield zgw_case(
        env,
        "POST zaak answer lost (500 after handling)",
        "POST",
        zaken,
        status(500),
        after=True,
        retryable=True,
    )
    yield zgw_case(
        env,
        "POST zaak answer lost (connection cut)",
        "POST",
        zaken,
        lambda req: (_ for _ in ()).throw(httpx2.RemoteProtocolError("cut", request=req)),
        after=True,
        retryable=True,
    )
    yield zgw_case(
        env, "POST zaak 429", "POST", zaken, status(429, headers={"Retry-After": "1"}), retryable=True
    )
    yield zgw_case(
        env,
        "POST zaak 400 problem with a NUL",
        "POST",
        zaken,
        status(400, problem, {"Content-Type": "application/problem+json"}),
        retryable=False,
    )
    yield zgw_case(
        env,
        "POST zaak 201 HTML",
        "POST",
        zaken,
        status(201, html, {"Content-Type": "text/html"}),
        retryable=False,
    )
    yield zgw_case(
        env,
        "POST zaak 201 JSON without url",
        "POST",
        zaken,
        status(201, b'{"identificatie": "x"}', {"Content-Type": "application/json"}),
        retryable=False,
    )
    yield zgw_case(
        env,
        "POST zaak 201 invalid JSON",
        "POST",
        zaken,
        status(201, b'{"url": ', {"Content-Type": "application/json"}),
        retryable=False,
    )
    yield zgw_case(
        env,
        "POST zaak 302 to another host",
        "POST",
        zaken,
        status(302, headers={"Location": "http://evil.test/"}),
        retryable=False,
    )
    yield zgw_case(env, "POST zaak 401", "POST", zaken, status(401), retryable=False)
    yield zgw_case(env, "POST rol 502", "POST", r"/zaken/api/v1/rollen$", status(502), retryable=True)
    yield zgw_case(
        env,
        "POST document answer lost",
        "POST",
        r"/documenten/api/v1/enkelvoudiginformatieobjecten$",
        status(504),
        after=True,
        retryable=True,
    )
    yield zgw_case(
        env,
        "POST zaakinformatieobject 201 a JSON array",
        "POST",
        r"/zaakinformatieobjecten$",
        status(201, b"[]", {"Content-Type": "application/json"}),
        retryable=False,
    )
    yield zgw_case(env, "POST status 500", "POST", r"/zaken/api/v1/statussen$", status(500), retryable=True)


# -- the run ---------------------------------------------------------------------------------------


def run(verbose: bool = False) -> Tally:
    # Quiet while it runs (hundreds of expected failures), and as it was afterwards: under
    # pytest, later tests capture the log lines.
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    try:
        return _run(verbose)
    finally:
        structlog.configure(**saved)


def _run(verbose: bool) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="badinput-") as tmp:
        env = Env(Path(tmp))
        try:
            for group in (notification_cases, page_cases, api_cases, dso_cases, zgw_cases):
                for case in group(env):
                    tally.cases += 1
                    label = f"{case.entry}: {case.name}"
                    try:
                        outcome = case.run()
                    except Exception:  # noqa: BLE001 - a crash is counted and shown, not raised
                        tally.crashes.append(f"{label}\n{traceback.format_exc(limit=6)}")
                        print(f"CRASH {label}", flush=True)
                        continue
                    if outcome.lost:
                        tally.lost.append(f"{label}: {outcome.detail}")
                    if not outcome.ok:
                        tally.unexpected.append(f"{label}: {outcome.detail}")
                    if verbose or not outcome.ok:
                        print(f"{'ok  ' if outcome.ok else 'FAIL'} {label}: {outcome.detail}", flush=True)
            # The flow continues: after everything above, a clean verzoek still goes through.
            tally.cases += 1
            nr = env.new_nr()
            env.dso.routes[f"/afhandelen/v2/verzoeken/{nr}/verzoekreferenties"] = _json(honest(env.dso, nr))
            env.notify(nr)
            env.pump()
            state, reason = env.state(nr)
            if state != State.REPORTED:
                tally.unexpected.append(f"flow: a clean verzoek after all cases ended {state}: {reason}")
                tally.lost.append("flow: the clean verzoek")
        finally:
            env.close()
    for line in tally.crashes:
        print(line, file=sys.stderr)
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every case")
    args = parser.parse_args(argv)
    tally = run(args.verbose)
    print(
        f"badinput: {tally.cases} cases, {len(tally.unexpected)} unexpected, "
        f"{len(tally.crashes)} crashes, {len(tally.lost)} lost"
    )
    return 0 if not (tally.unexpected or tally.crashes or tally.lost) else 1


if __name__ == "__main__":
    sys.exit(main())
