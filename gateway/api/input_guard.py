"""Refuse a NUL character anywhere in a request's input, before any handler sees it.

PostgreSQL cannot store NUL in text: a NUL in a search term answered 500, and because search
terms are kept in the session, every later page load answered 500 as well. No legitimate input
(a verzoeknummer, a name, an address, a note) contains one, so it is refused at the door with
400: problem+json for the API, a Dutch page for people. The XML notification body is not
looked at here: the XML parser refuses NUL itself."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.api.problems import page_error, problem_response

# Form and JSON bodies are small (the longest field is a 2000-character note).
MAX_CHECKED_BODY = 1024 * 1024
_NUL_ENCODED = re.compile(rb"%00|\\u0000|\x00", re.IGNORECASE)
_CHECKED_TYPES = ("application/x-www-form-urlencoded", "application/json", "application/problem+json")


def has_nul(data: bytes) -> bool:
    return _NUL_ENCODED.search(data) is not None


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if has_nul(scope.get("query_string", b"")) or has_nul(raw_path):
            await _refuse(scope)(scope, receive, send)
            return
        content_type = _header(scope, b"content-type").split(";")[0].strip().lower()
        if content_type not in _CHECKED_TYPES:
            await self.app(scope, receive, send)
            return
        body, messages = bytearray(), []
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if len(body) > MAX_CHECKED_BODY:
                response: Response = problem_response(413, "Te groot", "Het verzoek is te groot.")
                await response(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        if has_nul(bytes(body)):
            await _refuse(scope)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _refuse(scope: Scope) -> Any:
    path: str = scope.get("path", "")
    if path.startswith("/v1"):
        return problem_response(
            400,
            "Ongeldige invoer",
            "De invoer bevat een NUL-teken; dat is nergens toegestaan.",
            instance=path,
        )
    return page_error("De invoer bevat een teken dat niet is toegestaan (NUL).")
