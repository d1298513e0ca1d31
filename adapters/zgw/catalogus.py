"""Resolve the symbolic catalogue names of a ZgwPlan to Catalogi API URLs, with caching.

Catalogue data changes only when a functional administrator publishes or adds something, so
lookups are cached per (catalogus, zaaktype identificatie, date), but never for good: an entry
expires after `ttl` seconds (setting DSOGW_ZGW_CATALOGUS_TTL), and the delivery drops the whole
cache and tries once more when a step fails on the catalogue (`CatalogusGap`, or a catalogue URL
the provider no longer knows). So once the administrator adds the missing statustype, the next
retry succeeds without restarting any worker.

Zaaktype choice: the published version valid on the indieningsdatum. When none was valid then
(a verzoek filed before the current version began, the old one ended), the current published
version is taken: Open Zaak itself does not compare geldigheid with any zaak date, and refusing
such a verzoek for good helps nobody. `Zaaktype.keuze` says which version and why, for the
verzoek's timeline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from adapters.zgw.client import CatalogusGap, ZgwClient

DEFAULT_TTL = 300.0  # seconds; DSOGW_ZGW_CATALOGUS_TTL

__all__ = ["DEFAULT_TTL", "EENMALIGE_ROLLEN", "CatalogusGap", "CatalogusResolver", "Zaaktype"]


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


# Open Zaak allows at most one rol per zaak with these omschrijvingGeneriek (max-occurences).
EENMALIGE_ROLLEN = frozenset({"initiator", "zaakcoordinator"})


@dataclass(frozen=True)
class Zaaktype:
    url: str
    identificatie: str
    catalogus_url: str
    statustypen: tuple[Statustype, ...]
    roltypen: tuple[Roltype, ...]
    informatieobjecttypen: dict[str, str] = field(default_factory=dict)  # omschrijving -> url
    eigenschappen: dict[str, str] = field(default_factory=dict)  # naam -> url
    resultaattypen: dict[str, str] = field(default_factory=dict)  # omschrijving -> url
    # omschrijving -> why closing with it fails in Open Zaak (archiefactiedatum-error), if it would
    resultaattype_bezwaren: dict[str, str] = field(default_factory=dict)
    # URLs of the informatieobjecttypen linked to this zaaktype (zaaktype-informatieobjecttypen,
    # ZaakType.informatieobjecttypen); None when the provider does not say.
    gekoppeld: frozenset[str] | None = None
    concept: bool = False
    begin_geldigheid: str = ""
    # Set when the version valid on the asked date was not found and another was taken.
    keuze: str | None = None

    def eindstatus(self) -> Statustype:
        """Open Zaak: the eindstatus is the statustype with the highest volgnummer."""
        ordered = sorted(self.statustypen, key=lambda s: s.volgnummer)
        if not ordered:
            raise CatalogusGap(f"zaaktype {self.identificatie} has no statustypen")
        return ordered[-1]

    def statustype(self, *, omschrijving: str | None = None, eind: bool = False) -> Statustype:
        """The one named `omschrijving`; else the eindstatus (`eind`) or the initial one."""
        ordered = sorted(self.statustypen, key=lambda s: s.volgnummer)
        if not ordered:
            raise CatalogusGap(f"zaaktype {self.identificatie} has no statustypen")
        if omschrijving is not None:
            for s in ordered:
                if s.omschrijving == omschrijving:
                    return s
            raise CatalogusGap(f"statustype {omschrijving!r} not found in zaaktype {self.identificatie}")
        return ordered[-1] if eind else ordered[0]

    def roltype(self, *, omschrijving_generiek: str | None, omschrijving: str | None) -> Roltype:
        """The roltype matching every criterion given (omschrijving narrows a generic role)."""
        for r in self.roltypen:
            if omschrijving_generiek is not None and r.omschrijving_generiek != omschrijving_generiek:
                continue
            if omschrijving is not None and r.omschrijving != omschrijving:
                continue
            return r
        wanted = " / ".join(x for x in (omschrijving, omschrijving_generiek) if x)
        raise CatalogusGap(f"roltype {wanted!r} not found in zaaktype {self.identificatie}")

    def informatieobjecttype(self, omschrijving: str) -> str:
        url = self.informatieobjecttypen.get(omschrijving)
        if url is None:
            raise CatalogusGap(
                f"informatieobjecttype {omschrijving!r} not found (published) "
                f"in catalogus {self.catalogus_url}"
            )
        if self.gekoppeld is not None and url not in self.gekoppeld:
            # Open Zaak: missing-zaaktype-informatieobjecttype-relation on the zaakinformatieobject.
            raise CatalogusGap(
                f"informatieobjecttype {omschrijving!r} is not linked to zaaktype {self.identificatie}"
            )
        return url

    def eigenschap(self, naam: str) -> str:
        try:
            return self.eigenschappen[naam]
        except KeyError:
            raise CatalogusGap(f"eigenschap {naam!r} not found in zaaktype {self.identificatie}") from None

    def resultaattype(self, omschrijving: str) -> str:
        try:
            return self.resultaattypen[omschrijving]
        except KeyError:
            raise CatalogusGap(
                f"resultaattype {omschrijving!r} not found in zaaktype {self.identificatie}"
            ) from None


def _geldig_op(item: dict[str, Any], op: date) -> bool:
    begin = item.get("beginGeldigheid")
    einde = item.get("eindeGeldigheid")
    if begin and date.fromisoformat(begin) > op:
        return False
    return not (einde and date.fromisoformat(einde) < op)


# brondatumArchiefprocedure.afleidingswijze values whose brondatum Open Zaak derives, when the
# zaak is closed, from what the gateway registers (the einddatum; nothing at all). Every other
# one needs a besluit, a related zaak, a hoofdzaak, a date-valued eigenschap or zaakobject
# attribute that a DSO zaak does not have: Open Zaak then refuses the eindstatus
# (archiefactiedatum-error).
_AFLEIDBAAR = frozenset({"afgehandeld", "ander_datumkenmerk"})


def _archiefbezwaar(resultaattype: dict[str, Any]) -> str | None:
    brondatum = resultaattype.get("brondatumArchiefprocedure")
    afleidingswijze = str((brondatum or {}).get("afleidingswijze") or "")
    if not afleidingswijze or afleidingswijze in _AFLEIDBAAR:
        return None
    if afleidingswijze == "termijn" and (brondatum or {}).get("procestermijn"):
        return None
    return (
        f"brondatumArchiefprocedure.afleidingswijze {afleidingswijze!r} needs data a DSO zaak does not "
        "have, so Open Zaak cannot derive the archiefactiedatum when closing (use 'afgehandeld')"
    )


class CatalogusResolver:
    def __init__(
        self,
        client: ZgwClient,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._today = today
        self._catalogussen: dict[tuple[str, str], tuple[float, str]] = {}
        self._zaaktypen: dict[tuple[str, str, date], tuple[float, Zaaktype]] = {}

    def refresh(self) -> None:
        """Forget everything: the next lookup asks the Catalogi API again."""
        self._catalogussen.clear()
        self._zaaktypen.clear()

    def _fresh(self, stored: float) -> bool:
        return self._clock() - stored < self._ttl

    def catalogus(self, domein: str, rsin: str) -> str:
        key = (domein, rsin)
        cached = self._catalogussen.get(key)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        found = list(
            self._client.list_all(self._client.catalogi("catalogussen"), {"domein": domein, "rsin": rsin})
        )
        if not found:
            raise CatalogusGap(f"catalogus with domein {domein!r} and rsin {rsin} not found")
        url = str(found[0]["url"])
        self._catalogussen[key] = (self._clock(), url)
        return url

    def zaaktype(self, domein: str, rsin: str, identificatie: str, op: date) -> Zaaktype:
        catalogus = self.catalogus(domein, rsin)
        key = (catalogus, identificatie, op)
        cached = self._zaaktypen.get(key)
        if cached is not None and self._fresh(cached[0]):
            return cached[1]
        zaaktype = self._resolve(catalogus, identificatie, op)
        self._zaaktypen[key] = (self._clock(), zaaktype)
        return zaaktype

    def _kies(self, catalogus: str, identificatie: str, op: date) -> tuple[dict[str, Any], str | None]:
        """The published version valid on `op`, else the current published one (and why)."""
        c = self._client

        def published(params: dict[str, str]) -> list[dict[str, Any]]:
            # A concept must never be used, even if one slips through the provider's filter.
            return [
                z
                for z in c.list_all(c.catalogi("zaaktypen"), {"catalogus": catalogus, **params})
                if not z.get("concept") and z.get("identificatie") == identificatie
            ]

        on_date = [
            z
            for z in published({"identificatie": identificatie, "datumGeldigheid": op.isoformat()})
            if _geldig_op(z, op)
        ]
        if on_date:
            return max(on_date, key=lambda z: str(z.get("beginGeldigheid", ""))), None
        alle = published({"identificatie": identificatie})
        today = self._today()
        current = [z for z in alle if _geldig_op(z, today)] or alle
        if not current:
            raise CatalogusGap(f"zaaktype {identificatie!r} (published) not found in catalogus")
        chosen = max(current, key=lambda z: str(z.get("beginGeldigheid", "")))
        keuze = (
            f"zaaktype {identificatie}: geen gepubliceerde versie geldig op {op.isoformat()}; "
            f"de huidige versie (geldig vanaf {chosen.get('beginGeldigheid') or 'onbekend'}) is gebruikt"
        )
        return chosen, keuze

    def _resolve(self, catalogus: str, identificatie: str, op: date) -> Zaaktype:
        c = self._client
        zaaktype, keuze = self._kies(catalogus, identificatie, op)
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
        informatieobjecttypen: dict[str, str] = {}
        # With the current zaaktype version taken (keuze), its current documenttypen too.
        iot_op = op if keuze is None else self._today()
        for i in c.list_all(c.catalogi("informatieobjecttypen"), {"catalogus": catalogus}):
            if i.get("concept") or not _geldig_op(i, iot_op):
                continue
            # Several published versions of one omschrijving: the latest that is valid.
            informatieobjecttypen[str(i["omschrijving"])] = str(i["url"])
        eigenschappen = {
            str(e["naam"]): str(e["url"]) for e in c.list_all(c.catalogi("eigenschappen"), {"zaaktype": url})
        }
        # ZaakType lists the URLs of its resultaattypen: an empty list asks no further call.
        resultaattypen: dict[str, str] = {}
        bezwaren: dict[str, str] = {}
        if zaaktype.get("resultaattypen"):
            for r in c.list_all(c.catalogi("resultaattypen"), {"zaaktype": url}):
                omschrijving = str(r.get("omschrijving", ""))
                resultaattypen[omschrijving] = str(r["url"])
                if (bezwaar := _archiefbezwaar(r)) is not None:
                    bezwaren[omschrijving] = bezwaar
        links = zaaktype.get("informatieobjecttypen")  # a list of URLs in Catalogi 1.3.3 only
        gekoppeld = frozenset(str(x) for x in links) if isinstance(links, list) else self._koppelingen(url)
        return Zaaktype(
            url=url,
            identificatie=identificatie,
            catalogus_url=catalogus,
            statustypen=statustypen,
            roltypen=roltypen,
            informatieobjecttypen=informatieobjecttypen,
            eigenschappen=eigenschappen,
            resultaattypen=resultaattypen,
            resultaattype_bezwaren=bezwaren,
            gekoppeld=gekoppeld,
            concept=bool(zaaktype.get("concept")),
            begin_geldigheid=str(zaaktype.get("beginGeldigheid") or ""),
            keuze=keuze,
        )

    def _koppelingen(self, zaaktype_url: str) -> frozenset[str] | None:
        """The informatieobjecttypen linked to the zaaktype (/zaaktype-informatieobjecttypen);
        None when the provider has no such list (then only the provider checks the link)."""
        c = self._client
        url = c.catalogi("zaaktype-informatieobjecttypen")
        page = c.request("GET", url, params={"zaaktype": zaaktype_url}, absent_ok=True)
        if not isinstance(page, (dict, list)):
            return None
        items: list[dict[str, Any]] = page if isinstance(page, list) else list(page.get("results") or [])
        if isinstance(page, dict) and page.get("next"):
            items = list(c.list_all(url, {"zaaktype": zaaktype_url}))
        return frozenset(str(z["informatieobjecttype"]) for z in items if z.get("informatieobjecttype"))
