"""deploy/compose.yaml, the example: api, two workers, PostgreSQL, RabbitMQ with STOMP, and the
migration that must finish first; the gateway containers read-only and non-root."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _services() -> dict[str, Any]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert isinstance(services, dict)
    return services


def _gateway(services: dict[str, Any]) -> dict[str, Any]:
    return {n: s for n, s in services.items() if "dso-gateway" in s.get("image", "")}


def test_the_services_of_an_installation() -> None:
    services = _services()
    assert services["postgres"]["image"].startswith("docker.io/library/postgres:")
    assert services["rabbitmq"]["image"].startswith("docker.io/library/rabbitmq:")
    commands = sorted(tuple(s["command"]) for s in _gateway(services).values())
    assert commands == [("api",), ("db", "upgrade"), ("worker",), ("worker",)]


def test_rabbitmq_has_its_stomp_plugin() -> None:
    plugins = (DEPLOY / "rabbitmq" / "enabled_plugins").read_text("utf-8")
    assert re.fullmatch(r"\[[a-z_,]*rabbitmq_stomp[a-z_,]*\]\.\n", plugins)
    mounts = _services()["rabbitmq"]["volumes"]
    assert "./rabbitmq/enabled_plugins:/etc/rabbitmq/enabled_plugins:ro" in mounts


def test_api_and_workers_start_only_after_the_migration_succeeded() -> None:
    services = _services()
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, service in _gateway(services).items():
        if name == "migrate":
            continue
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_gateway_containers_are_read_only_and_non_root_with_two_writable_paths() -> None:
    for name, service in _gateway(_services()).items():
        assert service["read_only"] is True, name
        assert service["user"] == "10001:10001", name
        assert service["cap_drop"] == ["ALL"], name
        assert [v.split(":")[1] for v in service["volumes"]] == ["/var/lib/dso-gateway"], name
        assert [t.split(":")[0] for t in service["tmpfs"]] == ["/tmp"], name
        assert service["environment"]["DSOGW_DATA_DIR"] == "/var/lib/dso-gateway", name


def test_every_dsogw_variable_is_a_real_setting() -> None:
    names = {n.upper() for n in Settings.model_fields}
    text = (DEPLOY / "compose.yaml").read_text("utf-8") + (DEPLOY / "example.env").read_text("utf-8")
    used = set(re.findall(r"\bDSOGW_([A-Z0-9_]+)\b", text))
    assert used and not used - names, sorted(used - names)


def test_the_api_listens_beyond_loopback_only_with_authenticated_notifications() -> None:
    env = _services()["api"]["environment"]
    assert env["DSOGW_API_HOST"] == "0.0.0.0"
    assert env["DSOGW_NOTIFICATION_AUTH"] in ("proxy", "mtls")
    assert env["DSOGW_STORE_URL"].startswith("postgresql+psycopg://")
    assert env["DSOGW_QUEUE_URL"].startswith("stomp://")


def test_the_api_environment_loads_as_the_gateway_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("DSOGW_"):
            monkeypatch.delenv(key)
    for key, value in _services()["api"]["environment"].items():
        # ${VAR:?message} is compose's own interpolation; any password will do here.
        monkeypatch.setenv(key, re.sub(r"\$\{[A-Z_]+:\?[^}]*\}", "pw", str(value)))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.api_host == "0.0.0.0" and settings.notification_auth == "proxy"
    assert settings.effective_store_url == "postgresql+psycopg://dsogw:pw@postgres:5432/dsogw"
    assert settings.effective_queue_url == "stomp://dsogw:pw@rabbitmq:61613?flavour=rabbitmq"
