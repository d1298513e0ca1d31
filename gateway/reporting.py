"""The StatusReporter port: telling DSO what became of a verzoek.

DsoStatusReporter speaks to DSO through dso_client; RecordingStatusReporter is the fake. One
contract suite (tests/contract/test_status_reporter_contract.py) runs against both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dso_client import DsoClient


class StatusReporter(Protocol):
    def link_case(self, verzoeknummer: str, *, oin: str, zaak_identificatie: str) -> None:
        """Link our case number to the verzoek (DSO Samenwerkfunctionaliteit)."""

    def reroute(self, verzoeknummer: str, *, oin: str, reden: str) -> None:
        """Hand back a verzoek whose bevoegd gezag is not one of ours."""


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

    def reroute(self, verzoeknummer: str, *, oin: str, reden: str) -> None:
        self._client.rerouteer(verzoeknummer, oin=oin, reden=reden)


@dataclass
class RecordingStatusReporter:
    links: list[tuple[str, str, str]] = field(default_factory=list)
    reroutes: list[tuple[str, str, str]] = field(default_factory=list)

    def link_case(self, verzoeknummer: str, *, oin: str, zaak_identificatie: str) -> None:
        self.links.append((verzoeknummer, oin, zaak_identificatie))

    def reroute(self, verzoeknummer: str, *, oin: str, reden: str) -> None:
        self.reroutes.append((verzoeknummer, oin, reden))
