"""A retryable failure behind an API call (the store's write lock busy past its timeout, the
database out of reach) is a 503 with Retry-After, so DSO sends the notification again; anything
else stays a 500."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from gateway.api.problems import RETRY_AFTER_SECONDS, install_problem_handlers
from gateway.store.write_lock import WriteLockTimeout


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/busy")
    def busy() -> None:
        raise WriteLockTimeout("no write lock on /data/gateway.db.writelock within 30 s")

    @app.post("/database")
    def database() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    @app.post("/bug")
    def bug() -> None:
        raise ZeroDivisionError

    return app


def test_a_busy_store_is_a_503_with_retry_after_and_a_bug_a_500() -> None:
    with TestClient(_app(), raise_server_exceptions=False) as client:
        busy = client.post("/busy")
        bug = client.post("/bug")
        database = client.post("/database")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert busy.headers["Content-Type"] == "application/problem+json"
    assert busy.json()["title"] == "Niet beschikbaar" and "opnieuw" in busy.json()["detail"]
    assert "writelock" not in busy.text  # the store's path is not the caller's business
    assert bug.status_code == 500 and "Retry-After" not in bug.headers
    assert database.status_code == 503 and "server closed" not in database.text
