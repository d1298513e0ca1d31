"""Canonical Verzoek + municipal mapping -> ZgwPlan (what to register in the ZGW APIs).

Pure: no I/O, no URLs. Bodies use ZGW field names and respect the ZGW length limits, so that
they validate against the official schemas (Zaken 1.5.1, Documenten 1.4.3) once the adapter
adds the URLs. An Aanvullen is a diff against the previous version; Intrekken only closes.
How a changed or dropped rol is expressed: zgw_plan.py.
"""

from __future__ import annotations

import mimetypes
from datetime import date, datetime
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from stam_mapping.dates import dutch_date
from stam_mapping.gcpause import gc_paused
from stam_mapping.geo import combine, to_geojson
from stam_mapping.mapping import MunicipalMapping
from stam_mapping.model import (
    Adres,
    Betrokkene,
    Contactpersoon,
    Document,
    Doel,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Projectlocatie,
    Verzoek,
)
from stam_mapping.zgw_plan import ZgwDocument, ZgwEigenschap, ZgwPlan, ZgwRol, ZgwZaakobject

_OMSCHRIJVING_MAX = 80
_TOELICHTING_MAX = 1000


def _cut(text: str | None, limit: int) -> str | None:
    """`text` within `limit` characters; a cut is marked with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    """Drop absent values: ZGW treats a missing field and "" differently from null."""
    return {k: v for k, v in values.items() if v is not None and v not in ("", {})}


def _datum(value: datetime | date) -> str:
    return dutch_date(value).isoformat()


def _naam(voorletters: str | None, voorvoegsel: str | None, achternaam: str | None) -> str | None:
    return " ".join(p for p in (voorletters, voorvoegsel, achternaam) if p) or None


# --- zaak -----------------------------------------------------------------------------------


def _zaak(verzoek: Verzoek, mapping: MunicipalMapping, registratiedatum: date) -> dict[str, Any]:
    titel = verzoek.naam or verzoek.omschrijving or f"{verzoek.type.value} {verzoek.verzoeknummer}"
    toelichting = "\n\n".join(
        p
        for p in (
            verzoek.naam,
            verzoek.omschrijving,
            f"DSO-verzoek {verzoek.verzoeknummer} ({verzoek.type.value}, {verzoek.doel.value}).",
        )
        if p
    )
    geometrieen = [to_geojson(loc.geometrie) for loc in verzoek.projectlocaties if loc.geometrie]
    return _compact(
        {
            "bronorganisatie": mapping.bronorganisatie,
            "verantwoordelijkeOrganisatie": mapping.verantwoordelijke_organisatie or mapping.bronorganisatie,
            "omschrijving": _cut(titel, _OMSCHRIJVING_MAX),
            "toelichting": _cut(toelichting, _TOELICHTING_MAX),
            "startdatum": _datum(verzoek.indien_datum),
            "registratiedatum": registratiedatum.isoformat(),
            "kenmerken": [{"kenmerk": verzoek.verzoeknummer, "bron": mapping.kenmerk_bron}],
            "zaakgeometrie": combine(geometrieen),
            "vertrouwelijkheidaanduiding": mapping.vertrouwelijkheid.zaak,
        }
    )


# --- rollen ---------------------------------------------------------------------------------


def _verblijfsadres(adres: Adres | None, mapping: MunicipalMapping) -> dict[str, Any]:
    """ZGW VerblijfsAdres or SubVerblijfBuitenland fields, keyed by their ZGW name."""
    if adres is None:
        return {}
    if adres.binnenlands is not None:
        a = adres.binnenlands
        if not (a.straatnaam and a.huisnummer is not None and a.woonplaats):
            return {}  # ZGW requires these; an incomplete address is left out
        return {
            "verblijfsadres": _compact(
                {
                    "aoaIdentificatie": mapping.adres_zonder_bag_id,
                    "wplWoonplaatsNaam": _cut(a.woonplaats, 80),
                    "gorOpenbareRuimteNaam": _cut(a.straatnaam, 80),
                    "aoaPostcode": a.postcode,
                    "aoaHuisnummer": a.huisnummer if 0 <= a.huisnummer <= 99999 else None,
                    "aoaHuisletter": _cut(a.huisletter, 1),
                    "aoaHuisnummertoevoeging": _cut(a.huisnummertoevoeging, 4),
                }
            )
        }
    if adres.buitenlands is not None:
        b = adres.buitenlands
        regels = {f"subAdresBuitenland_{i}": _cut(r, 35) for i, r in enumerate(b.regels[:3], start=1)}
        # The BRP land code is not in STAM; 0000 is the BRP code for "onbekend".
        return {
            "subVerblijfBuitenland": {
                "lndLandcode": "0000",
                "lndLandnaam": _cut(b.land, 40) or "Onbekend",
                **regels,
            }
        }
    return {}


def _adres_regel(adres: Adres | None) -> str | None:
    if adres is None:
        return None
    if adres.binnenlands is not None:
        a = adres.binnenlands
        huis = "".join(str(p) for p in (a.huisnummer, a.huisletter) if p is not None)
        if a.huisnummertoevoeging:
            huis += f"-{a.huisnummertoevoeging}"
        straat = " ".join(p for p in (a.straatnaam, huis) if p)
        plaats = " ".join(p for p in (a.postcode, a.woonplaats) if p)
        return ", ".join(p for p in (straat, plaats) if p) or None
    if adres.buitenlands is not None:
        b = adres.buitenlands
        return ", ".join(p for p in (*b.regels, b.land) if p) or None
    return None


def _contact(naam: str | None, email: str | None, telefoon: str | None) -> dict[str, Any] | None:
    if not naam:  # ZGW requires naam in contactpersoonRol
        return None
    return _compact(
        {"naam": _cut(naam, 200), "emailadres": _cut(email, 254), "telefoonnummer": _cut(telefoon, 20)}
    )


def _natuurlijk_persoon(p: NatuurlijkPersoon, mapping: MunicipalMapping) -> dict[str, Any]:
    identificatie = _compact(
        {
            "inpBsn": p.bsn,
            "geslachtsnaam": _cut(p.achternaam, 200),
            "voorvoegselGeslachtsnaam": _cut(p.voorvoegsel, 80),
            "voorletters": _cut(p.voorletters, 20),
            "voornamen": _cut(p.voornamen, 200),
            **_verblijfsadres(p.verblijfsadres or p.correspondentieadres, mapping),
        }
    )
    return _compact(
        {
            "betrokkeneType": "natuurlijk_persoon",
            "betrokkeneIdentificatie": identificatie,
            "contactpersoonRol": _contact(
                _naam(p.voorletters, p.voorvoegsel, p.achternaam), p.emailadres, p.telefoonnummer
            ),
        }
    )


def _niet_natuurlijk_persoon(o: NietNatuurlijkPersoon, mapping: MunicipalMapping) -> dict[str, Any]:
    contact: Contactpersoon | None = o.contactpersoon
    contactpersoon_rol = (
        _contact(
            _naam(contact.voorletters, None, contact.achternaam), contact.emailadres, contact.telefoonnummer
        )
        if contact
        else None
    )
    adres = o.bezoekadres or o.postadres
    if o.vestigingsnummer:
        identificatie = _compact(
            {
                "vestigingsNummer": o.vestigingsnummer,
                "kvkNummer": o.kvk_nummer,
                "handelsnaam": [_cut(o.naam, 625)] if o.naam else None,
                **_verblijfsadres(adres, mapping),
            }
        )
        betrokkene_type = "vestiging"
    else:
        buitenland = _verblijfsadres(adres, mapping).get("subVerblijfBuitenland")
        identificatie = _compact(
            {
                # Zaken 1.5.1: innNnpId is an RSIN (9 digits, 11-proef; Open Zaak refuses an
                # 8-digit KvK number there with invalid-length). STAM carries no RSIN, so an
                # organisation without vestiging is identified by its KvK number in kvkNummer
                # (what Open Zaak 1.21 stores for a niet-natuurlijk persoon).
                "kvkNummer": o.kvk_nummer,
                "statutaireNaam": _cut(o.naam, 500),
                "bezoekadres": _cut(_adres_regel(adres), 1000),
                "subVerblijfBuitenland": buitenland,
            }
        )
        betrokkene_type = "niet_natuurlijk_persoon"
    return _compact(
        {
            "betrokkeneType": betrokkene_type,
            "betrokkeneIdentificatie": identificatie,
            "contactpersoonRol": contactpersoon_rol,
        }
    )


def _rol_body(
    betrokkene: Betrokkene, mapping: MunicipalMapping, toelichting: str, machtiging: str | None
) -> dict[str, Any]:
    if betrokkene.natuurlijk_persoon is not None:
        body = _natuurlijk_persoon(betrokkene.natuurlijk_persoon, mapping)
    else:
        assert betrokkene.niet_natuurlijk_persoon is not None
        body = _niet_natuurlijk_persoon(betrokkene.niet_natuurlijk_persoon, mapping)
    body["roltoelichting"] = toelichting
    if machtiging:
        body["indicatieMachtiging"] = machtiging
    return body


_INITIATOR = "rol:initiator"
_IDENTITEIT = ("inpBsn", "innNnpId", "kvkNummer", "vestigingsNummer", "geslachtsnaam", "statutaireNaam")


def _identiteit(body: dict[str, Any]) -> tuple[Any, ...]:
    """Who a rol body is about, ignoring contact details and addresses."""
    identificatie = body.get("betrokkeneIdentificatie", {})
    return (body.get("betrokkeneType"), *(identificatie.get(k) for k in _IDENTITEIT))


def _registratie(body: dict[str, Any]) -> tuple[Any, ...]:
    """What a registered rol says: who, and whether they act for or by a machtiging."""
    return (*_identiteit(body), body.get("indicatieMachtiging"))


def _rollen_diff(oud: list[ZgwRol], nieuw: list[ZgwRol]) -> tuple[list[ZgwRol], tuple[str, ...]]:
    """Aanvullen: the rollen to register and the keys of earlier rollen to destroy.

    Only another person or organisation, or another indicatieMachtiging, is a change (an
    aanvulling often repeats the betrokkene with fewer details). A changed rol replaces the
    earlier one under its key, as Zaken 1.5.1 cannot change a rol. The initiator rol never goes:
    STAM leaves the initiatiefnemer out only on Intrekken, so an aanvulling without one is a gap
    in the message, not a zaak without aanvrager."""
    eerder = {rol.key: rol for rol in oud}
    rollen = []
    for rol in nieuw:
        vorige = eerder.get(rol.key)
        if vorige is None:
            rollen.append(rol)
        elif _registratie(vorige.body) != _registratie(rol.body):
            rollen.append(rol.model_copy(update={"vervangt": vorige.key}))
    huidige = {rol.key for rol in nieuw}
    vervallen = tuple(key for key in eerder if key not in huidige and key != _INITIATOR)
    return rollen, vervallen


def _rollen(verzoek: Verzoek, mapping: MunicipalMapping) -> list[ZgwRol]:
    rollen = []
    gemachtigd = verzoek.gemachtigde is not None
    if verzoek.initiatiefnemer is not None:
        roltype = mapping.roltypen.initiator
        rollen.append(
            ZgwRol(
                key=_INITIATOR,
                roltype_omschrijving_generiek=roltype.omschrijving_generiek,
                roltype_omschrijving=roltype.omschrijving,
                body=_rol_body(
                    verzoek.initiatiefnemer,
                    mapping,
                    "Initiatiefnemer van het verzoek in het Omgevingsloket",
                    "machtiginggever" if gemachtigd else None,
                ),
            )
        )
    if verzoek.gemachtigde is not None:
        roltype = mapping.roltypen.gemachtigde
        rollen.append(
            ZgwRol(
                key="rol:gemachtigde",
                roltype_omschrijving_generiek=roltype.omschrijving_generiek,
                roltype_omschrijving=roltype.omschrijving,
                body=_rol_body(
                    verzoek.gemachtigde,
                    mapping,
                    "Gemachtigde die het verzoek namens de initiatiefnemer indiende",
                    "gemachtigde",
                ),
            )
        )
    return rollen


# --- zaakobjecten ---------------------------------------------------------------------------


def _zaakobjecten(locaties: tuple[Projectlocatie, ...]) -> list[ZgwZaakobject]:
    objecten: dict[str, ZgwZaakobject] = {}
    for index, locatie in enumerate(locaties):
        a = locatie.adres
        if a is not None:
            compleet = (
                a.bag_nummeraanduiding_id and a.straatnaam and a.woonplaats and a.huisnummer is not None
            )
            if compleet:
                key = f"zaakobject:adres:{a.bag_nummeraanduiding_id}"
                body = {
                    "objectType": "adres",
                    "relatieomschrijving": "Projectlocatie",
                    "objectIdentificatie": _compact(
                        {
                            "identificatie": a.bag_nummeraanduiding_id,
                            "wplWoonplaatsNaam": _cut(a.woonplaats, 80),
                            "gorOpenbareRuimteNaam": _cut(a.straatnaam, 80),
                            "huisnummer": a.huisnummer,
                            "huisletter": _cut(a.huisletter, 1),
                            "huisnummertoevoeging": _cut(a.huisnummertoevoeging, 4),
                            "postcode": a.postcode,
                        }
                    ),
                }
            else:  # ZGW's adres needs a BAG id, street, number and place: keep what we have
                key = f"zaakobject:adres:locatie-{index + 1}"
                body = {
                    "objectType": "overige",
                    "objectTypeOverige": "adres",
                    "relatieomschrijving": "Projectlocatie",
                    "objectIdentificatie": {
                        "overigeData": a.model_dump(mode="json", exclude_none=True, by_alias=False)
                    },
                }
            objecten.setdefault(key, ZgwZaakobject(key=key, body=body))
        for perceel in locatie.percelen:
            aanduiding = " ".join(
                p
                for p in (
                    perceel.kadastrale_gemeente_code,
                    perceel.sectie,
                    perceel.perceelnummer,
                    f"A{perceel.appartementsindex}" if perceel.appartementsindex else None,
                )
                if p
            )
            identificatie = aanduiding.replace(" ", "-")
            key = f"zaakobject:perceel:{identificatie}"
            body = {
                "objectType": "kadastrale_onroerende_zaak",
                "relatieomschrijving": "Projectlocatie",
                "objectIdentificatie": {
                    "kadastraleIdentificatie": _cut(identificatie, 100),
                    "kadastraleAanduiding": _cut(
                        f"{perceel.kadastrale_gemeente} {aanduiding}"
                        if perceel.kadastrale_gemeente
                        else aanduiding,
                        1000,
                    ),
                },
            }
            objecten.setdefault(key, ZgwZaakobject(key=key, body=body))
    return list(objecten.values())


# --- eigenschappen --------------------------------------------------------------------------


def _eigenschappen(verzoek: Verzoek, mapping: MunicipalMapping) -> dict[str, str]:
    """eigenschap naam -> waarde, in message order."""
    waarden: dict[str, list[str]] = {}
    for activiteit in verzoek.projectactiviteiten:
        for spec in activiteit.specificaties:
            naam = mapping.eigenschappen.get(spec.vraag_id)
            if naam is None or spec.antwoord is None:
                continue
            waarde = f"{spec.antwoord} ({spec.groepering})" if spec.groepering else spec.antwoord
            lijst = waarden.setdefault(naam, [])
            if waarde not in lijst:
                lijst.append(waarde)
    result = {naam: "; ".join(lijst) for naam, lijst in waarden.items()}
    if mapping.activiteiten_eigenschap and verzoek.projectactiviteiten:
        namen = [a.activiteit_naam or a.activiteit_id for a in verzoek.projectactiviteiten]
        result[mapping.activiteiten_eigenschap] = ", ".join(dict.fromkeys(namen))
    return result


# --- documenten -----------------------------------------------------------------------------


_ZGW_DOCUMENTEN: TypeAdapter[tuple[ZgwDocument, ...]] = TypeAdapter(tuple[ZgwDocument, ...])


@cache
def _formaat(extensie: str) -> str | None:
    return mimetypes.guess_type(f"x.{extensie}", strict=False)[0] if extensie else None


def _documenten(
    documenten: tuple[Document, ...], verzoek: Verzoek, mapping: MunicipalMapping
) -> tuple[ZgwDocument, ...]:
    """One ZgwDocument per document. A verzoek can carry tens of thousands of documents, so what
    depends only on the verzoek or the documentsoort is worked out once, each body is one dict
    display (no merging of a shared dict), and all of them are validated in one call."""
    vertrouwelijkheid = mapping.vertrouwelijkheid
    openbaar, vertrouwelijk = vertrouwelijkheid.document, vertrouwelijkheid.vertrouwelijk_document
    bronorganisatie = mapping.bronorganisatie
    auteur, taal, status = mapping.documenten.auteur, mapping.documenten.taal, mapping.documenten.status
    ontvangen = _datum(verzoek.indien_datum)
    per_soort: dict[str | None, tuple[str, str]] = {}  # soort -> (beschrijving, informatieobjecttype)
    items = []
    for document in documenten:
        soort = document.documentsoort_dso
        per = per_soort.get(soort)
        if per is None:
            per = per_soort[soort] = (
                _cut(f"{soort or 'Bijlage'} bij DSO-verzoek {verzoek.verzoeknummer}", 1000) or "",
                mapping.informatieobjecttype_voor(soort),
            )
        beschrijving, iotype = per
        naam = document.bestandsnaam
        body = {
            "bronorganisatie": bronorganisatie,
            "creatiedatum": ontvangen,
            "auteur": auteur,
            "taal": taal,
            "status": status,
            "ontvangstdatum": ontvangen,
            "indicatieGebruiksrecht": False,
            "titel": naam if len(naam) <= 200 else _cut(naam, 200),
            "bestandsnaam": naam if len(naam) <= 255 else _cut(naam, 255),
            "beschrijving": beschrijving,
            "vertrouwelijkheidaanduiding": vertrouwelijk if document.vertrouwelijk else openbaar,
        }
        formaat = _formaat(naam.rpartition(".")[2].lower() if "." in naam else "")
        if formaat:
            body["formaat"] = formaat
        document_id = document.document_id
        items.append(
            {
                "key": "document:" + document_id,
                "document_id": document_id,
                "informatieobjecttype_omschrijving": iotype,
                "body": body,
            }
        )
    return _ZGW_DOCUMENTEN.validate_python(items)


# --- the plan -------------------------------------------------------------------------------


def build_zgw_plan(
    verzoek: Verzoek,
    mapping: MunicipalMapping,
    previous: Verzoek | None = None,
    *,
    registratiedatum: date | None = None,
) -> ZgwPlan:
    """The ZGW registration of `verzoek`. With `previous` (the last delivered version of the same
    verzoek) an Aanvullen carries only what changed: new documents, changed eigenschappen,
    zaakobjecten not registered before and new or changed rollen, plus the documents and
    rollen that are now vervallen.
    `registratiedatum` defaults to today (pass it for reproducible plans)."""
    with gc_paused():
        return _build_zgw_plan(verzoek, mapping, previous, registratiedatum)


def _build_zgw_plan(
    verzoek: Verzoek, mapping: MunicipalMapping, previous: Verzoek | None, registratiedatum: date | None
) -> ZgwPlan:
    zaaktype = mapping.zaaktype_voor(verzoek)
    status = mapping.statussen.voor(verzoek.doel)
    intrekken = verzoek.doel is Doel.INTREKKEN
    zaak = _zaak(verzoek, mapping, registratiedatum or date.today())
    # The legal decision term of the zaaktype's procedure (mapping `berichten.beslistermijnen`),
    # counted from the indieningsdatum: Open Zaak neither computes nor checks it.
    termijn = mapping.berichten.beslistermijn(zaaktype)
    if termijn is not None:
        zaak["uiterlijkeEinddatumAfdoening"] = termijn.uiterlijk(verzoek.indien_datum).isoformat()
    common: dict[str, Any] = {
        "verzoeknummer": verzoek.verzoeknummer,
        "volgnummer": verzoek.volgnummer,
        "doel": verzoek.doel,
        "catalogus_domein": mapping.catalogus.domein,
        "catalogus_rsin": mapping.catalogus.rsin,
        "zaaktype_identificatie": zaaktype,
        "zaak": zaak,
        "status_toelichting": status.toelichting,
        "eindstatus": intrekken,
        "statustype_omschrijving": status.statustype,
    }
    if intrekken:
        intrekking = mapping.statussen.intrekken
        return ZgwPlan(
            **common,
            resultaattype_omschrijving=intrekking.resultaattype,
            resultaat_toelichting=intrekking.resultaat_toelichting if intrekking.resultaattype else None,
        )

    rollen = _rollen(verzoek, mapping)
    zaakobjecten = _zaakobjecten(verzoek.projectlocaties)
    eigenschappen = _eigenschappen(verzoek, mapping)
    documenten = verzoek.documenten()
    vervallen: tuple[str, ...] = ()
    vervallen_rollen: tuple[str, ...] = ()
    if previous is not None:
        # Keys need no version: the adapter prefixes its checkpoint keys with the volgnummer.
        if verzoek.initiatiefnemer is None and previous.initiatiefnemer is not None:
            # STAM leaves the initiatiefnemer out only on Intrekken: here it is a gap in the
            # message, so the earlier one still stands (its machtiging follows this version).
            basis = verzoek.model_copy(update={"initiatiefnemer": previous.initiatiefnemer})
            rollen = _rollen(basis, mapping)
        rollen, vervallen_rollen = _rollen_diff(_rollen(previous, mapping), rollen)
        oude_objecten = {obj.key for obj in _zaakobjecten(previous.projectlocaties)}
        zaakobjecten = [obj for obj in zaakobjecten if obj.key not in oude_objecten]
        oude_eigenschappen = _eigenschappen(previous, mapping)
        eigenschappen = {n: w for n, w in eigenschappen.items() if oude_eigenschappen.get(n) != w}
        huidige = {d.document_id for d in documenten}
        oude = [d.document_id for d in previous.documenten()]
        bekend = set(oude)
        documenten = tuple(d for d in documenten if d.document_id not in bekend)
        vervallen = tuple(doc_id for doc_id in oude if doc_id not in huidige)

    return ZgwPlan(
        **common,
        rollen=tuple(rollen),
        zaakobjecten=tuple(zaakobjecten),
        eigenschappen=tuple(
            ZgwEigenschap(key=f"eigenschap:{naam}", naam=naam, waarde=waarde)
            for naam, waarde in eigenschappen.items()
        ),
        documenten=_documenten(documenten, verzoek, mapping),
        vervallen_document_ids=vervallen,
        vervallen_rollen=vervallen_rollen,
    )
