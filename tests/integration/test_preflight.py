"""`dso-gateway check` against a whole LocalStack: every check passes on a correct installation,
and a mapping naming what the catalogue lacks is reported before any verzoek fails on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from gateway.cli import main
from gateway.preflight import run_checks
from gateway.settings import Settings
from gateway.stack import LocalStack
from stam_mapping.mapping import Roltype, Roltypen, default_mapping
from stam_mapping.model import VerzoekType


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    data_dir = tmp_path_factory.mktemp("preflight")
    with LocalStack(Settings(data_dir=data_dir, session_secure_cookie=False), data_dir=data_dir) as running:
        yield running


def test_a_correct_installation_passes_every_check(stack: LocalStack) -> None:
    checks = list(run_checks(stack.container))
    assert [(c.name, c.detail) for c in checks if c.outcome != "ok"] == []
    names = [c.name for c in checks]
    assert names[:3] == ["store", "queue", "archive"]
    assert sum(n.startswith("DSO afhandelen API as OIN") for n in names) == len(stack.settings.our_oins)
    assert any(n.startswith("ZGW zaaktype ") for n in names)


def test_what_the_catalogue_lacks_is_named(stack: LocalStack) -> None:
    mapping = default_mapping()
    broken = mapping.model_copy(
        update={
            "zaaktype_per_type": {**mapping.zaaktype_per_type, VerzoekType.INFORMATIE: "BESTAAT-NIET"},
            "roltypen": Roltypen(gemachtigde=Roltype(omschrijving="Zaakwaarnemer")),
            "documenten": mapping.documenten.model_copy(
                update={"informatieobjecttypen": {"Bouwtekening": "Onbekend documenttype"}}
            ),
        }
    )
    container = dataclasses.replace(stack.container, mapping=broken)
    failed = [
        c.detail for c in run_checks(container, today=datetime.now(UTC).date()) if c.outcome == "failed"
    ]
    assert any("'BESTAAT-NIET'" in d for d in failed)
    assert any("roltype 'Zaakwaarnemer' not found" in d for d in failed)
    assert any("informatieobjecttype 'Onbekend documenttype'" in d for d in failed)


def test_the_command_exits_1_when_a_check_fails(
    stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = stack.settings
    for name in ("dso_base_url", "zgw_zaken_url", "zgw_documenten_url", "zgw_catalogi_url"):
        monkeypatch.setenv(f"DSOGW_{name.upper()}", str(getattr(s, name)))
    monkeypatch.setenv("DSOGW_DATA_DIR", str(tmp_path))
    assert main(["check"]) == 0
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("check:")]
    assert out[-1].startswith("check: ") and " 0 failed" in out[-1]

    # The ZGW credentials are wrong: the catalogue cannot be read, and the command says so.
    monkeypatch.setenv("DSOGW_ZGW_SECRET", "a-wrong-secret-that-is-long-enough-1234")
    assert main(["check"]) == 1
    out = [line for line in capsys.readouterr().out.splitlines() if line.startswith("check:")]
    assert any(line.startswith("check: ZGW catalogue ... FAILED") for line in out)


def test_berichten_checks_name_the_mail_server_and_a_missing_informatieobjecttype(stack: LocalStack) -> None:
    checks = {c.name: c for c in run_checks(stack.container)}
    assert checks["mail server (SMTP)"].outcome == "ok" and "starttls" in checks["mail server (SMTP)"].detail
    assert checks["ZGW informatieobjecttypen for berichten"].outcome == "ok"
    mapping = default_mapping()
    typen = mapping.berichten.informatieobjecttypen.model_copy(update={"statusbericht": "Brief aan burger"})
    broken = mapping.model_copy(
        update={"berichten": mapping.berichten.model_copy(update={"informatieobjecttypen": typen})}
    )
    wrong_password = stack.settings.model_copy(update={"smtp_password": SecretStr("fout")})
    container = dataclasses.replace(stack.container, mapping=broken, settings=wrong_password)
    failed = {c.name: c.detail for c in run_checks(container) if c.outcome == "failed"}
    assert "Brief aan burger" in failed["ZGW informatieobjecttypen for berichten"]
    assert "SMTPAuthenticationError" in failed["mail server (SMTP)"]
