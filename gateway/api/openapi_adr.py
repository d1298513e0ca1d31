"""Make FastAPI's generated OpenAPI document follow the NL API Design Rules.

FastAPI documents 422 with application/json; the ADR wants a documented 400 with
application/problem+json, an API-Version header on every 2xx/3xx, servers with /v1, and contact.
gateway/api/openapi_doc.py writes the resulting document to openapi/openapi.json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _fix(doc: dict[str, Any]) -> dict[str, Any]:
    doc["servers"] = [{"url": "/v1", "description": "deze gateway"}]
    doc["info"]["contact"] = {
        "name": "DSO-gateway beheer",
        "url": "https://github.com/dso-gateway/dso-gateway",
        "email": "beheer@dso-gateway.example",
    }
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = {
        "type": "object",
        "required": ["status", "title"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "invalidParams": {"type": "array", "items": {"type": "object"}},
        },
    }
    version_header = {
        "API-Version": {"description": "De volledige versie van de API", "schema": {"type": "string"}}
    }
    problem = {"application/problem+json": {"schema": PROBLEM_REF}}
    # Everything but the DSO intake (its own mTLS or proxy check) needs a Bearer API token or a
    # staff session; tokens are read-only unless made with --role operator.
    doc["components"]["securitySchemes"] = {
        "apiToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "API-token, te maken met `dso-gateway tokens add NAAM --role viewer|operator`. "
            "Een token met de rol viewer mag alleen lezen; acties vragen de rol operator.",
        }
    }
    # Paths are documented relative to the server URL (/v1), as the ADR linter expects.
    paths = {}
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            has_input = bool(operation.get("parameters")) or "requestBody" in operation
            if has_input:
                responses.setdefault("400", {"description": "Ongeldige invoer"})
            if "DSO" not in operation.get("tags", []):
                operation["security"] = [{"apiToken": []}]
                responses.setdefault("401", {"description": "Geen of een ongeldig API-token"})
                responses.setdefault("403", {"description": "Het token of account heeft niet de nodige rol"})
            for code, response in responses.items():
                if code.startswith(("2", "3")):
                    response.setdefault("headers", {}).update(version_header)
                elif code.startswith(("4", "5")):
                    response["content"] = problem
        paths[path.removeprefix("/v1") or "/"] = item
    doc["paths"] = paths
    return doc


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = _fix(doc)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
