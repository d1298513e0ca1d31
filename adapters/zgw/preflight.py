"""Does the municipality's catalogue have everything the mapping file names?

A mapping that names a zaaktype, roltype, statustype or informatieobjecttype the Catalogi API
does not have makes every matching verzoek fail at delivery, one by one, in production. This
check finds that before the first verzoek arrives: `dso-gateway check` runs it.

Errors make delivery fail for sure. Warnings are things that fail only for some verzoeken (an
eigenschap a zaaktype lacks fails only verzoeken that answer its vraag)."""

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


def check_catalogue(client: ZgwClient, mapping: MunicipalMapping, op: date) -> CatalogueReport:
    report = CatalogueReport()
    resolver = CatalogusResolver(client)
    domein, rsin = mapping.catalogus.domein, mapping.catalogus.rsin
    try:
        catalogus = resolver.catalogus(domein, rsin)
    except DeliveryError as exc:
        report.errors.append(str(exc))
        return report
    report.checked.append(f"catalogus {domein}/{rsin}")
    iotypen: dict[str, str] | None = None
    for identificatie, doelen in sorted(mapped_zaaktypen(mapping).items()):
        try:
            zaaktype = resolver.zaaktype(domein, rsin, identificatie, op)
        except DeliveryError as exc:
            report.errors.append(str(exc))
            continue
        iotypen = zaaktype.informatieobjecttypen
        problems = _zaaktype_problems(zaaktype, mapping, doelen)
        report.errors += problems
        report.warnings += [
            f"eigenschap {naam!r} not in zaaktype {identificatie} (fails verzoeken that answer its vraag)"
            for naam in _eigenschappen(mapping)
            if naam not in zaaktype.eigenschappen
        ]
        if not problems:
            report.checked.append(f"zaaktype {identificatie} (valid on {op.isoformat()})")
    if iotypen is not None:
        wanted = {
            mapping.documenten.default_informatieobjecttype,
            *mapping.documenten.informatieobjecttypen.values(),
        }
        missing = sorted(w for w in wanted if w not in iotypen)
        report.errors += [f"informatieobjecttype {m!r} not in catalogus {catalogus}" for m in missing]
        if not missing:
            report.checked.append(f"{len(wanted)} informatieobjecttype(n)")
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
    if not zaaktype.statustypen:
        return [*problems, f"zaaktype {zaaktype.identificatie} has no statustypen"]
    for doel in sorted(doelen - {Doel.INTREKKEN}):
        omschrijving = mapping.statussen.voor(doel).statustype
        if omschrijving is None:
            continue  # the initial statustype, which exists
        try:
            zaaktype.statustype(omschrijving=omschrijving)
        except DeliveryError as exc:
            problems.append(f"{exc} (needed for doel {doel.value})")
    return problems
