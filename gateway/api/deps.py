"""FastAPI dependencies: the container built at start-up, never a global."""

from __future__ import annotations

from fastapi import Request

from gateway.bootstrap import Container


async def container(request: Request) -> Container:
    # async: FastAPI runs a plain `def` dependency in the thread pool, two thread hand-overs
    # per request for an attribute lookup.
    value: Container = request.app.state.container
    return value
