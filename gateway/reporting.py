"""The StatusReporter port: telling DSO what became of a verzoek.

DsoStatusReporter speaks to DSO through dso_client; RecordingStatusReporter is the fake. One
contract suite (tests/contract/test_status_reporter_contract.py) runs against both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dso_client import DsoClient
from dso_client.errors import DsoPermanentError


class StatusReporter(Protocol):
    def link_case(self, verzoeknummer: str, *, oin: str, zaak_identificatie: str) -> None:
        """Link our case number to the verzoek (DSO Samenwerkfunctionaliteit)."""

    def reroute(self, verzoeknummer: str, *, oin: str, reden: str, naar_oin: str | None = None) -> None:
        """Doorsturen (Verzoek afhandelen API): hand a verzoek to another bevoegd gezag or
        behandeldienst (`naar_oin`), or back to DSO when its bevoegd gezag is not one of ours."""


class DsoStatusReporter:
    def __init__(self, client: DsoClient, *, kenmerk_systeem: str) -> None:
        self._client = client
        self._kenmerk_systeem = kenmerk_systeem

    def link_case(self, verzoeknummer: str, *, oin: str, zaak_identificatie: str) -> None:
        self._client.koppel_zaak(
            verzoeknummer,
            oin=oin,
            kenmerk_systeem=self._kenmerk_systeem,
            nummer_binnen_systeem=zaak_identificatie,
        )

    def reroute(self, verzoeknummer: str, *, oin: str, reden: str, naar_oin: str | None = None) -> None:
        self._client.rerouteer(verzoeknummer, oin=oin, reden=reden, naar_oin=naar_oin)


@dataclass
class RecordingStatusReporter:
    links: list[tuple[str, str, str]] = field(default_factory=list)
    reroutes: list[tuple[str, str, str]] = field(default_factory=list)
    doorgestuurd: list[tuple[str, str, str]] = field(default_factory=list)  # (verzoeknummer, naar, reden)
    weiger_naar: set[str] = field(default_factory=set)  # OINs DSO refuses to hand a verzoek to

    def link_case(self, verzoeknummer: str, *, oin: str, zaak_identificatie: str) -> None:
        self.links.append((verzoeknummer, oin, zaak_identificatie))

    def reroute(self, verzoeknummer: str, *, oin: str, reden: str, naar_oin: str | None = None) -> None:
        if naar_oin is None:
            self.reroutes.append((verzoeknummer, oin, reden))
            return
        if naar_oin in self.weiger_naar:
            raise DsoPermanentError("POST _rerouteer: 422 Het verzoek is al van dit bevoegd gezag")
        self.doorgestuurd.append((verzoeknummer, naar_oin, reden))
