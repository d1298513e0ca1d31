"""Resolve the symbolic catalogue names of a ZgwPlan to Catalogi API URLs, with caching.

Catalogue data changes only when a municipality publishes a new zaaktype version, so results
are cached per (catalogus, zaaktype identificatie, date) for the life of the resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from adapters.errors import DeliveryPermanentError
from adapters.zgw.client import ZgwClient


@dataclass(frozen=True)
class Statustype:
    url: str
    volgnummer: int
    omschrijving: str
    is_eindstatus: bool


@dataclass(frozen=True)
class Roltype:
    url: str
    omschrijving: str
    omschrijving_generiek: str


@dataclass(frozen=True)
class Zaaktype:
    url: str
    identificatie: str
    catalogus_url: str
    statustypen: tuple[Statustype, ...]
    roltypen: tuple[Roltype, ...]
    informatieobjecttypen: dict[str, str] = field(default_factory=dict)  # omschrijving -> url
    eigenschappen: dict[str, str] = field(default_factory=dict)  # naam -> url

    def statustype(self, *, omschrijving: str | None = None, eind: bool = False) -> Statustype:
        """The end status, the one named `omschrijving`, or else the initial one (lowest volgnummer)."""
        ordered = sorted(self.statustypen, key=lambda s: s.volgnummer)
        if not ordered:
            raise DeliveryPermanentError(f"zaaktype {self.identificatie} has no statustypen")
        if eind:
            return next((s for s in ordered if s.is_eindstatus), ordered[-1])
        if omschrijving is not None:
            for s in ordered:
                if s.omschrijving == omschrijving:
                    return s
            raise DeliveryPermanentError(
                f"statustype {omschrijving!r} not found in zaaktype {self.identificatie}"
            )
        return ordered[0]

    def roltype(self, *, omschrijving_generiek: str | None, omschrijving: str | None) -> Roltype:
        """The roltype matching every criterion given (omschrijving narrows a generic role)."""
        for r in self.roltypen:
            if omschrijving_generiek is not None and r.omschrijving_generiek != omschrijving_generiek:
                continue
            if omschrijving is not None and r.omschrijving != omschrijving:
                continue
            return r
        wanted = " / ".join(x for x in (omschrijving, omschrijving_generiek) if x)
        raise DeliveryPermanentError(f"roltype {wanted!r} not found in zaaktype {self.identificatie}")

    def informatieobjecttype(self, omschrijving: str) -> str:
        try:
            return self.informatieobjecttypen[omschrijving]
        except KeyError:
            raise DeliveryPermanentError(
                f"informatieobjecttype {omschrijving!r} not found in catalogus {self.catalogus_url}"
            ) from None

    def eigenschap(self, naam: str) -> str:
        try:
            return self.eigenschappen[naam]
        except KeyError:
            raise DeliveryPermanentError(
                f"eigenschap {naam!r} not found in zaaktype {self.identificatie}"
            ) from None


def _geldig_op(item: dict[str, Any], op: date) -> bool:
    begin = item.get("beginGeldigheid")
    einde = item.get("eindeGeldigheid")
    if begin and date.fromisoformat(begin) > op:
        return False
    return not (einde and date.fromisoformat(einde) < op)


class CatalogusResolver:
    def __init__(self, client: ZgwClient) -> None:
        self._client = client
        self._catalogussen: dict[tuple[str, str], str] = {}
        self._zaaktypen: dict[tuple[str, str, date], Zaaktype] = {}

    def catalogus(self, domein: str, rsin: str) -> str:
        key = (domein, rsin)
        if key not in self._catalogussen:
            found = list(
                self._client.list_all(self._client.catalogi("catalogussen"), {"domein": domein, "rsin": rsin})
            )
            if not found:
                raise DeliveryPermanentError(f"catalogus with domein {domein!r} and rsin {rsin} not found")
            self._catalogussen[key] = str(found[0]["url"])
        return self._catalogussen[key]

    def zaaktype(self, domein: str, rsin: str, identificatie: str, op: date) -> Zaaktype:
        catalogus = self.catalogus(domein, rsin)
        key = (catalogus, identificatie, op)
        if key not in self._zaaktypen:
            self._zaaktypen[key] = self._resolve(catalogus, identificatie, op)
        return self._zaaktypen[key]

    def _resolve(self, catalogus: str, identificatie: str, op: date) -> Zaaktype:
        c = self._client
        kandidaten = [
            z
            for z in c.list_all(
                c.catalogi("zaaktypen"),
                {"catalogus": catalogus, "identificatie": identificatie, "datumGeldigheid": op.isoformat()},
            )
            # The provider filters already; a concept must never be used even if one slips through.
            if not z.get("concept") and z.get("identificatie") == identificatie and _geldig_op(z, op)
        ]
        if not kandidaten:
            raise DeliveryPermanentError(
                f"zaaktype {identificatie!r} (published, valid on {op.isoformat()}) not found in catalogus"
            )
        zaaktype = max(kandidaten, key=lambda z: str(z.get("beginGeldigheid", "")))
        url = str(zaaktype["url"])
        statustypen = tuple(
            Statustype(
                url=str(s["url"]),
                volgnummer=int(s["volgnummer"]),
                omschrijving=str(s.get("omschrijving", "")),
                is_eindstatus=bool(s.get("isEindstatus")),
            )
            for s in c.list_all(c.catalogi("statustypen"), {"zaaktype": url})
        )
        roltypen = tuple(
            Roltype(
                url=str(r["url"]),
                omschrijving=str(r.get("omschrijving", "")),
                omschrijving_generiek=str(r.get("omschrijvingGeneriek", "")),
            )
            for r in c.list_all(c.catalogi("roltypen"), {"zaaktype": url})
        )
        informatieobjecttypen = {
            str(i["omschrijving"]): str(i["url"])
            for i in c.list_all(c.catalogi("informatieobjecttypen"), {"catalogus": catalogus})
            if not i.get("concept") and _geldig_op(i, op)
        }
        eigenschappen = {
            str(e["naam"]): str(e["url"]) for e in c.list_all(c.catalogi("eigenschappen"), {"zaaktype": url})
        }
        return Zaaktype(
            url=url,
            identificatie=identificatie,
            catalogus_url=catalogus,
            statustypen=statustypen,
            roltypen=roltypen,
            informatieobjecttypen=informatieobjecttypen,
            eigenschappen=eigenschappen,
        )
