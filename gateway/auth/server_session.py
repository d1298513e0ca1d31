"""Staff sessions kept on the server, in the store: the cookie is only an opaque random id.

Starlette's SessionMiddleware put the whole session in a signed cookie: readable base64 (the
search terms a clerk typed: names, addresses, BSNs) that stayed valid after logout, since
nothing on the server could revoke it. Here the session is a row in `staff_sessions` keyed by
the SHA-256 of the id; logout deletes the row, and the old cookie then opens nothing. Login
rotates the id (the session is cleared first), so an id planted before login is worthless."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.schema import staff_sessions

COOKIE = "dsogw_sessie"


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Session(dict[str, Any]):
    """The request's session. `clear()` (login, logout) also asks for a fresh id."""

    rotate = False

    def clear(self) -> None:
        self.rotate = True
        super().clear()


class SessionStore:
    def __init__(self, engine: Engine, max_age: int) -> None:
        self.engine = engine
        self.max_age = max_age
        staff_sessions.create(engine, checkfirst=True)

    def load(self, session_id: str) -> dict[str, Any] | None:
        now = datetime.now(UTC)
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(staff_sessions.c.data, staff_sessions.c.expires_at).where(
                    staff_sessions.c.id_sha256 == _digest(session_id)
                )
            ).first()
        if row is None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        return dict(row.data) if expires > now and isinstance(row.data, dict) else None

    def save(self, session_id: str | None, data: dict[str, Any]) -> str:
        """Store `data` under `session_id` (a new id when None); returns the id."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            if session_id is not None:
                updated = conn.execute(
                    staff_sessions.update()
                    .where(staff_sessions.c.id_sha256 == _digest(session_id))
                    .values(data=data)
                ).rowcount
                if updated:
                    return session_id
            session_id = secrets.token_urlsafe(32)
            # New sessions are rare (a login, a first visit): a good moment to drop expired ones.
            conn.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
            conn.execute(
                staff_sessions.insert().values(
                    id_sha256=_digest(session_id),
                    data=data,
                    created_at=now,
                    expires_at=now + timedelta(seconds=self.max_age),
                )
            )
            return session_id

    def delete(self, session_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(staff_sessions.delete().where(staff_sessions.c.id_sha256 == _digest(session_id)))


class ServerSessionMiddleware:
    def __init__(self, app: ASGIApp, *, store: SessionStore, https_only: bool) -> None:
        self.app = app
        self.store = store
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        session_id = _cookie(scope)
        loaded = await anyio.to_thread.run_sync(self.store.load, session_id) if session_id else None
        if loaded is None:
            session_id = None
        session = Session(loaded or {})
        before = dict(session)
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await self._settle(session_id, session, before)
                if cookie is not None:
                    MutableHeaders(scope=message).append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _settle(self, session_id: str | None, session: Session, before: dict[str, Any]) -> str | None:
        """Write what changed; the Set-Cookie header to send, if any."""
        if session.rotate and session_id is not None:
            await anyio.to_thread.run_sync(self.store.delete, session_id)
            session_id = None
            if not session:  # logout: the row is gone, and the browser forgets the id
                return self._cookie("", max_age=0)
        if not session:
            return None
        if session_id is not None and dict(session) == before:
            return None
        new_id = await anyio.to_thread.run_sync(self.store.save, session_id, dict(session))
        return self._cookie(new_id, max_age=self.store.max_age) if new_id != session_id else None

    def _cookie(self, value: str, *, max_age: int) -> str:
        parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=lax"]
        if self.https_only:
            parts.append("Secure")
        return "; ".join(parts)


def _cookie(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed Cookie header means "no session"
                return None
            morsel = jar.get(COOKIE)
            if morsel is not None and 20 <= len(morsel.value) <= 100:
                return morsel.value
    return None
