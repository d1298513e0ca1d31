"""Does the municipality's catalogue have everything the mapping file names?

A mapping that names a zaaktype, roltype, statustype, resultaattype, eigenschap or
informatieobjecttype the Catalogi API does not have (or has only as a concept, or has not
linked to the zaaktype) makes every matching verzoek fail at delivery, one by one, in
production, often halfway (a zaak without its eigenschappen). This check finds that before the
first verzoek arrives: `dso-gateway check` runs it.

Errors are gaps that make a delivery fail (Open Zaak 1.21 refuses it). Warnings are things that
cannot fail a delivery but are worth knowing (a zaaktype version taken because none was valid
on the date; a provider without a zaaktype-informatieobjecttypen list to check links against)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from adapters.errors import DeliveryError
from adapters.zgw.catalogus import CatalogusResolver, Zaaktype
from adapters.zgw.client import ZgwClient
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import Doel


@dataclass
class CatalogueReport:
    checked: list[str] = field(default_factory=list)  # what was found, one line each
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def mapped_zaaktypen(mapping: MunicipalMapping) -> dict[str, set[Doel]]:
    """Every zaaktype identificatie the mapping can choose, with the doelen that can reach it."""
    per_doel: dict[str, set[Doel]] = {}
    gewoon = {Doel.INITIEREN, Doel.AANVULLEN, Doel.INTREKKEN}
    for doel, zaaktype in mapping.zaaktype_per_doel.items():
        per_doel.setdefault(zaaktype, set()).add(doel)
    others: list[str | None] = [
        *mapping.zaaktype_per_type.values(),
        *(a.zaaktype for a in mapping.activiteiten.values()),
    ]
    for naam in others:
        if naam:
            per_doel.setdefault(naam, set()).update(gewoon)
    return per_doel


def _concepten(client: ZgwClient, kind: str, catalogus: str, key: str) -> set[str]:
    """The `key` values (identificatie, omschrijving) of `kind` that exist only as a concept."""
    items = list(client.list_all(client.catalogi(kind), {"catalogus": catalogus, "status": "alles"}))
    published = {str(i.get(key)) for i in items if not i.get("concept")}
    return {str(i.get(key)) for i in items if i.get("concept")} - published


def check_catalogue(client: ZgwClient, mapping: MunicipalMapping, op: date) -> CatalogueReport:
    report = CatalogueReport()
    resolver = CatalogusResolver(client, today=lambda: op)
    domein, rsin = mapping.catalogus.domein, mapping.catalogus.rsin
    try:
        catalogus = resolver.catalogus(domein, rsin)
    except DeliveryError as exc:
        report.errors.append(str(exc))
        return report
    report.checked.append(f"catalogus {domein}/{rsin}")
    concept_zaaktypen: set[str] | None = None
    concept_iotypen: set[str] | None = None
    wanted_iotypen = sorted(
        {mapping.documenten.default_informatieobjecttype, *mapping.documenten.informatieobjecttypen.values()}
    )
    for identificatie, doelen in sorted(mapped_zaaktypen(mapping).items()):
        try:
            zaaktype = resolver.zaaktype(domein, rsin, identificatie, op)
        except DeliveryError as exc:
            if concept_zaaktypen is None:
                concept_zaaktypen = _concepten(client, "zaaktypen", catalogus, "identificatie")
            if identificatie in concept_zaaktypen:
                report.errors.append(f"zaaktype {identificatie!r} is not published (only a concept exists)")
            else:
                report.errors.append(str(exc))
            continue
        if zaaktype.keuze:
            report.warnings.append(zaaktype.keuze)
        problems = _zaaktype_problems(zaaktype, mapping, doelen)
        for omschrijving in wanted_iotypen:
            if omschrijving in zaaktype.informatieobjecttypen:
                try:
                    zaaktype.informatieobjecttype(omschrijving)
                except DeliveryError as exc:
                    problems.append(str(exc))
                continue
            if concept_iotypen is None:
                concept_iotypen = _concepten(client, "informatieobjecttypen", catalogus, "omschrijving")
            if omschrijving in concept_iotypen:
                problems.append(
                    f"informatieobjecttype {omschrijving!r} is not published (only a concept exists)"
                )
            else:
                problems.append(f"informatieobjecttype {omschrijving!r} not in catalogus {catalogus}")
        if zaaktype.gekoppeld is None:
            report.warnings.append(
                f"the provider lists no zaaktype-informatieobjecttypen for zaaktype {identificatie}: "
                "whether its documents may be linked to its zaken is left to the provider"
            )
        report.errors += [p for p in dict.fromkeys(problems) if p not in report.errors]
        if not problems:
            report.checked.append(f"zaaktype {identificatie} (valid on {op.isoformat()})")
    return report


def _eigenschappen(mapping: MunicipalMapping) -> set[str]:
    names = set(mapping.eigenschappen.values())
    if mapping.activiteiten_eigenschap:
        names.add(mapping.activiteiten_eigenschap)
    return names


def _zaaktype_problems(zaaktype: Zaaktype, mapping: MunicipalMapping, doelen: set[Doel]) -> list[str]:
    """What delivery would ask of this zaaktype and it cannot give."""
    problems = []
    for roltype in (mapping.roltypen.initiator, mapping.roltypen.gemachtigde):
        try:
            zaaktype.roltype(
                omschrijving_generiek=roltype.omschrijving_generiek, omschrijving=roltype.omschrijving
            )
        except DeliveryError as exc:
            problems.append(str(exc))
    # A missing eigenschap fails every verzoek that answers its vraag (or, for the activiteiten
    # eigenschap, every verzoek with activiteiten) halfway, after the zaak was created.
    problems += [
        f"eigenschap {naam!r} not in zaaktype {zaaktype.identificatie}"
        for naam in sorted(_eigenschappen(mapping))
        if naam not in zaaktype.eigenschappen
    ]
    if not zaaktype.statustypen:
        return [*problems, f"zaaktype {zaaktype.identificatie} has no statustypen"]
    eind = zaaktype.eindstatus()
    for doel in sorted(doelen):
        status = mapping.statussen.voor(doel)
        try:
            statustype = zaaktype.statustype(omschrijving=status.statustype, eind=doel is Doel.INTREKKEN)
        except DeliveryError as exc:
            problems.append(f"{exc} (needed for doel {doel.value})")
            continue
        if statustype.url != eind.url:
            continue
        # Setting the eindstatus closes the zaak, which Open Zaak allows only with a resultaat.
        resultaattype = getattr(status, "resultaattype", None)
        if resultaattype is None:
            problems.append(
                f"doel {doel.value} sets the eindstatus of zaaktype {zaaktype.identificatie}, which needs a "
                "resultaat: name its resultaattype in the mapping (statussen.intrekken.resultaattype)"
            )
            continue
        try:
            zaaktype.resultaattype(resultaattype)
        except DeliveryError as exc:
            problems.append(f"{exc} (needed for doel {doel.value})")
            continue
        if (bezwaar := zaaktype.resultaattype_bezwaren.get(resultaattype)) is not None:
            problems.append(
                f"resultaattype {resultaattype!r} of zaaktype {zaaktype.identificatie}: {bezwaar}"
            )
    return problems
