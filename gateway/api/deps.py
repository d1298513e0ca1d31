"""FastAPI dependencies: the container built at start-up, never a global."""

from __future__ import annotations

from fastapi import Request

from gateway.bootstrap import Container


def container(request: Request) -> Container:
    value: Container = request.app.state.container
    return value
