"""`dso-gateway api` refuses to take unauthenticated notifications on a reachable address."""

from __future__ import annotations

import pytest

from gateway.cli import main
from gateway.cli.serve import exposure_problem
from gateway.settings import Settings


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_unauthenticated_notifications_are_fine_on_loopback(host: str) -> None:
    assert exposure_problem(Settings(api_host=host, notification_auth="none")) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "gateway.gemeente.nl"])
def test_unauthenticated_notifications_on_a_reachable_address_are_refused(host: str) -> None:
    problem = exposure_problem(Settings(api_host=host, notification_auth="none"))
    assert problem is not None and host in problem and "mtls" in problem


@pytest.mark.parametrize("auth", ["mtls", "proxy"])
def test_authenticated_notifications_may_listen_anywhere(auth: str) -> None:
    assert exposure_problem(Settings(api_host="0.0.0.0", notification_auth=auth)) is None  # type: ignore[arg-type]


def test_the_api_command_exits_2_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DSOGW_API_HOST", "0.0.0.0")
    monkeypatch.setenv("DSOGW_NOTIFICATION_AUTH", "none")
    assert main(["api"]) == 2
    err = capsys.readouterr().err
    assert "refusing to listen on 0.0.0.0" in err and "DSOGW_NOTIFICATION_AUTH" in err
