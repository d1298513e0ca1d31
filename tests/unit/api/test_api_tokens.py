"""API tokens: read-only unless made with the operator role; printed once, stored as a digest."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.api_tokens import TokenError, TokenStore, api_tokens
from gateway.bootstrap import bootstrap
from gateway.cli import main
from gateway.settings import Settings
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, Seeded, make_settings

ACTION = f"/v1/verzoeken/{FAILED_NR}/versies/1/acties"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_cli_token_is_printed_once_and_stored_as_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DSOGW_DATA_DIR", str(tmp_path))
    assert main(["tokens", "add", "monitoring", "--role", "viewer"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("dsogw_") and len(token) > 40
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens)).one()
    assert stored.role == "viewer" and token not in str(tuple(stored))
    assert main(["tokens", "list"]) == 0
    assert "monitoring\tviewer" in capsys.readouterr().out
    assert main(["tokens", "remove", "monitoring"]) == 0
    assert main(["tokens", "remove", "monitoring"]) == 1


def test_token_needs_an_explicit_role(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tokens", "add", "monitoring"])
    assert exit_info.value.code == 2


def test_viewer_token_reads_but_cannot_act(seeded: Seeded, client: TestClient) -> None:
    store = TokenStore(seeded.container.store.engine)
    viewer, operator = store.add("monitoring", "viewer"), store.add("beheertool", "operator")
    body = {"actie": "afgehandeld", "toelichting": "test"}
    assert client.get("/v1/verzoeken", headers=_bearer(viewer)).status_code == 200
    assert client.post(ACTION, json=body, headers=_bearer(viewer)).status_code == 403
    assert client.post(ACTION, json=body, headers=_bearer(operator)).status_code == 200
    store.remove("monitoring")
    r = client.get("/v1/verzoeken", headers=_bearer(viewer))
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    with pytest.raises(TokenError):
        store.add("twee woorden", "viewer")
    with pytest.raises(TokenError):
        store.add("x", "privacy-officer")


def test_configured_token_digest_is_read_only_by_default(tmp_path: Path) -> None:
    assert Settings(_env_file=None).api_token_roles == ["viewer"]
    settings = make_settings(tmp_path, api_token_roles=["viewer"])
    c = bootstrap(settings)
    try:
        Seeded(c).notify(FAILED_NR)
        with TestClient(create_app(c)) as client:
            headers = _bearer(API_TOKEN)
            assert client.get("/v1/verzoeken", headers=headers).status_code == 200
            body = {"actie": "parkeren", "toelichting": "test"}
            assert client.post(ACTION, json=body, headers=headers).status_code == 403
    finally:
        c.close()
