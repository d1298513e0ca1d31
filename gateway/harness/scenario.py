"""Scenario files: YAML readable by a person, validated into pydantic models on load."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

SCENARIO_PACKAGE = "gateway.harness.scenarios"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Submit(_Strict):
    """One verzoek version submitted at DSO: a shipped example or a Jinja2 template in scenarios/templates.

    The example's own verzoeknummer is replaced everywhere (document ids include it) by the
    scenario's fresh one; `replace` then edits the XML text; `{nr}` in bijlage ids is the fresh number."""

    example: str | None = None
    template: str | None = None
    volgnummer: int = Field(1, ge=1)
    vars: dict[str, Any] = Field(default_factory=dict)
    replace: dict[str, str] = Field(default_factory=dict)
    bijlagen: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> Submit:
        if (self.example is None) == (self.template is None):
            raise ValueError("submit needs exactly one of example or template")
        return self


class Wait(_Strict):
    volgnummers: list[int]
    timeout: float = 60.0


class ZgwFault(_Strict):
    """A fault the embedded ZGW test server injects (adapters/zgw/testserver: inject_fault).

    `after_handling`: the server does the work and stores the object, but the answer is lost,
    which is how a delivery is shown to be safe against a lost answer."""

    status: int = Field(503, ge=400, le=599)
    method: str | None = None
    path_contains: str | None = None
    times: int = Field(1, ge=1)
    skip: int = Field(0, ge=0)
    after_handling: bool = False


class Doorsturen(_Strict):
    """Staff hand the verzoek to another bevoegd gezag or behandeldienst (gateway/doorsturen.py)."""

    naar: str = Field(pattern=r"^\d{20}$")
    reden: str = "Ander bevoegd gezag (harness)"


class Zaakstatus(_Strict):
    """Staff set a status on the verzoek's zaak in the case system (through the Zaken API)."""

    status: str  # statustype omschrijving
    toelichting: str = "Gezet door de behandelaar (harness)"
    # Wait until the gateway handled it (the ZGW notification came in); false when notifications
    # are held back and only the reconciliation can find it.
    wachten: bool = True


class Step(_Strict):
    """Exactly one action per step."""

    submit: Submit | None = None
    doorsturen: Doorsturen | None = None
    zaakstatus: Zaakstatus | None = None
    zgw_notificaties_pauze: bool | None = None  # the ZGW test server drops (true) or sends notifications
    zaakstatus_reconcile: bool = False  # the periodic comparison of open zaken's statuses, once
    faults: dict[str, Any] | None = None
    zgw_fault: ZgwFault | None = None
    reconcile: bool = False
    flush: bool = False
    wait: Wait | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_wait(cls, data: Any) -> Any:
        # `wait: [1, 2]` is the common case; the long form adds a timeout.
        if isinstance(data, dict) and isinstance(data.get("wait"), list):
            return {**data, "wait": {"volgnummers": data["wait"]}}
        return data

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [
            self.submit,
            self.faults,
            self.zgw_fault,
            self.reconcile or None,
            self.flush or None,
            self.wait,
            self.doorsturen,
            self.zaakstatus,
            self.zgw_notificaties_pauze,
            self.zaakstatus_reconcile or None,
        ]
        if sum(a is not None for a in actions) != 1:
            raise ValueError(
                "a step has exactly one of submit, faults, zgw_fault, reconcile, flush, wait, doorsturen,"
                " zaakstatus, zgw_notificaties_pauze, zaakstatus_reconcile"
            )
        return self


class ZgwExpectation(_Strict):
    zaken: int | None = None
    documenten: int | None = None
    rollen: int | None = None
    zaaktype: str | None = None  # identificatie, e.g. DSO-OMGEVINGSVERGUNNING
    largest_document: int | None = None  # bytes
    statussen: int | None = None
    eindstatus: bool | None = None  # True: the zaak is closed (has an einddatum)
    resultaat: bool | None = None  # True: the zaak has a resultaat
    berichten: int | None = None  # our own messages stored in the zaak (not counted in documenten)


class ApiExpectation(_Strict):
    status: str | None = None
    versies: dict[int, str] = Field(default_factory=dict)
    # Text that must never appear in the answer, e.g. the initiatiefnemer's BSN.
    never_shows: list[str] = Field(default_factory=list)
    documenten: int | None = None  # archived bijlagen (the STAM XML itself not counted)


class InitiatiefnemerExpectation(_Strict):
    """What the initiatiefnemer (or gemachtigde) was told by the gateway (gateway/berichten)."""

    ontvangstbevestigingen_email: int | None = None
    statusberichten_email: int | None = None
    per_post: int | None = None  # letters listed "per post te versturen"
    geweigerd: int | None = None  # refusals (SMTP 5xx) on the timeline
    aan: list[str] | None = None  # every address mailed
    never_in_messages: list[str] = Field(default_factory=list)  # e.g. the BSN


class Expect(_Strict):
    versions: dict[int, str] = Field(default_factory=dict)
    zgw: ZgwExpectation = Field(default_factory=ZgwExpectation)
    samenwerkingen: int | None = None
    rerouteringen: int | None = None
    opvolging: bool | None = None  # flagged for follow-up (doorsturen refused by DSO, recorded locally)
    api: ApiExpectation = Field(default_factory=ApiExpectation)
    initiatiefnemer: InitiatiefnemerExpectation = Field(default_factory=InitiatiefnemerExpectation)


class Scenario(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    # True: only our sandbox can stage it (e.g. DSO would never let us submit it), even though no
    # step touches the sandbox's control endpoints.
    sandbox_only: bool = False
    steps: list[Step]
    expect: Expect

    def needs_sandbox(self) -> str | None:
        """Why this scenario cannot run against a real DSO environment, or None if it can."""
        if self.sandbox_only:
            return "marked sandbox_only"
        if any(step.reconcile for step in self.steps):
            return "needs the sandbox to withhold a notification"
        if any(step.faults is not None or step.flush for step in self.steps):
            return "needs the sandbox's fault switches"
        if any(step.doorsturen is not None for step in self.steps):
            return "would hand a real verzoek to another authority"
        return self.needs_zgw_testserver()

    def needs_zgw_testserver(self) -> str | None:
        """Why this scenario cannot run against an external ZGW, or None if it can."""
        if any(step.zgw_fault is not None for step in self.steps):
            return "needs the ZGW test server's fault switches"
        if any(step.zaakstatus is not None or step.zgw_notificaties_pauze is not None for step in self.steps):
            return "needs the ZGW test server (sets statuses, holds back notifications)"
        return None


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    try:
        return Scenario.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValueError) as exc:
        raise ValueError(f"scenario {source}: {exc}") from exc


def load_scenarios(directory: Path | None = None) -> list[Scenario]:
    """All *.yaml scenarios, sorted by file name, from `directory` or the shipped package data."""
    if directory is not None:
        files = [(p.name, p.read_text(encoding="utf-8")) for p in directory.glob("*.yaml")]
    else:
        root = resources.files(SCENARIO_PACKAGE)
        files = [(p.name, p.read_text(encoding="utf-8")) for p in root.iterdir() if p.name.endswith(".yaml")]
    return [parse_scenario(text, name) for name, text in sorted(files)]


def template_text(name: str) -> str:
    return resources.files(SCENARIO_PACKAGE).joinpath("templates", name).read_text(encoding="utf-8")
