"""Every ZgwPlan body of the corpus validates against the official ZGW OpenAPI schemas once the
adapter's URLs are filled in (Zaken 1.5.1: Zaak, Rol, ZaakObject; Documenten 1.4.3: EIO)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30WriteValidator

from stam_mapping import parse_verzoek
from stam_mapping.mapping import default_mapping
from stam_mapping.zgw import build_zgw_plan
from stam_mapping.zgw_plan import ZgwPlan
from tests.services import require_shared
from tests.unit.stam.corpus import PREVIOUS, REGISTRATIEDATUM, VALID

ZGW = Path(__file__).resolve().parents[3].parent / "shared" / "zgw"
URL = "http://zgw.test/api/v1/x/00000000-0000-0000-0000-000000000001"
Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _spec(name: str) -> dict[str, Any]:
    with (ZGW / name).open(encoding="utf-8") as f:
        spec: dict[str, Any] = yaml.load(f, Loader=Loader)
    return spec


def _errors(spec_file: str, component: str, body: dict[str, Any]) -> list[str]:
    spec = _spec(spec_file)
    schema = {"$ref": f"#/components/schemas/{component}", "components": spec["components"]}
    validator = OAS30WriteValidator(schema, format_checker=OAS30WriteValidator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


def _plan(xml: Path) -> ZgwPlan:
    previous = parse_verzoek(xml.with_name(PREVIOUS[xml.name]).read_bytes()) if xml.name in PREVIOUS else None
    return build_zgw_plan(
        parse_verzoek(xml.read_bytes()), default_mapping(), previous, registratiedatum=REGISTRATIEDATUM
    )


@pytest.fixture(scope="module", autouse=True)
def _need_specs() -> None:
    require_shared("zgw", "zaken-1.5.1.yaml")


@pytest.mark.parametrize("xml", VALID, ids=lambda p: p.stem)
def test_plan_bodies_validate_against_official_schemas(xml: Path) -> None:
    plan = _plan(xml)
    problems = _errors("zaken-1.5.1.yaml", "Zaak", {**plan.zaak, "zaaktype": URL})
    for rol in plan.rollen:
        body = {**rol.body, "zaak": URL, "roltype": URL}
        problems += _errors("zaken-1.5.1.yaml", f"{body['betrokkeneType']}_Rol", body)
    for obj in plan.zaakobjecten:
        body = {**obj.body, "zaak": URL}
        problems += _errors("zaken-1.5.1.yaml", f"{body['objectType']}_ZaakObject", body)
    for doc in plan.documenten:
        body = {**doc.body, "informatieobjecttype": URL, "bestandsomvang": 1}
        problems += _errors("documenten-1.4.3.yaml", "EnkelvoudigInformatieObject", body)
    assert problems == []


def test_the_validation_catches_a_broken_body() -> None:
    plan = _plan(VALID[0])
    assert _errors("zaken-1.5.1.yaml", "Zaak", {**plan.zaak, "zaaktype": URL, "omschrijving": "x" * 81})
    assert _errors("zaken-1.5.1.yaml", "Zaak", {k: v for k, v in plan.zaak.items() if k != "startdatum"})
