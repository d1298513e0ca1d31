"""The who, where and what of a verzoek as the detail page shows them, from the canonical model.

Plain text for the template; BSNs are masked unless the viewer is a privacy officer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from gateway.bsn_mask import mask_bsns
from gateway.tijd import lokaal
from stam_mapping.model import Adres, Betrokkene, BinnenlandsAdres, Verzoek


@dataclass(frozen=True)
class Persoon:
    rol: str  # "Aanvrager" or "Gemachtigde"
    naam: str
    soort: str  # "natuurlijk persoon" or "organisatie"
    kenmerken: list[tuple[str, str]] = field(default_factory=list)  # (label, value), e.g. KvK


@dataclass(frozen=True)
class Locatie:
    adres: str | None
    percelen: list[str]


@dataclass(frozen=True)
class Weergave:
    personen: list[Persoon]
    locaties: list[Locatie]
    activiteiten: list[tuple[str, str]]  # (naam, activiteitId)
    indiening: str
    project_id: str | None
    omschrijving: str | None
    bevoegd_gezag_naam: str | None
    documentsoorten: dict[str, str]  # documentId -> DSO documentsoort


def adres_tekst(adres: BinnenlandsAdres | None) -> str | None:
    if adres is None:
        return None
    nummer = "".join(
        str(x) for x in (adres.huisnummer, adres.huisletter, adres.huisnummertoevoeging) if x is not None
    )
    straat = " ".join(x for x in (adres.straatnaam, nummer) if x)
    plaats = " ".join(x for x in (adres.postcode, adres.woonplaats) if x)
    return ", ".join(x for x in (straat, plaats) if x) or None


def _adres(adres: Adres | None) -> str | None:
    if adres is None:
        return None
    if adres.binnenlands is not None:
        return adres_tekst(adres.binnenlands)
    if adres.buitenlands is not None:
        return ", ".join([*adres.buitenlands.regels, adres.buitenlands.land or ""]).strip(", ") or None
    return None


def _persoon(rol: str, betrokkene: Betrokkene | None, *, sees_bsn: bool) -> Persoon | None:
    if betrokkene is None:
        return None
    if (p := betrokkene.natuurlijk_persoon) is not None:
        naam = " ".join(x for x in (p.voornamen or p.voorletters, p.voorvoegsel, p.achternaam) if x)
        kenmerken = []
        if p.bsn:
            kenmerken.append(("BSN", p.bsn if sees_bsn else mask_bsns(p.bsn)))
        if adres := _adres(p.verblijfsadres):
            kenmerken.append(("Adres", adres))
        if p.emailadres:
            kenmerken.append(("E-mail", p.emailadres))
        if p.telefoonnummer:
            kenmerken.append(("Telefoon", p.telefoonnummer))
        return Persoon(rol, naam or "(naam onbekend)", "natuurlijk persoon", kenmerken)
    if (n := betrokkene.niet_natuurlijk_persoon) is not None:
        kenmerken = []
        if n.kvk_nummer:
            kenmerken.append(("KvK-nummer", n.kvk_nummer))
        if n.vestigingsnummer:
            kenmerken.append(("Vestigingsnummer", n.vestigingsnummer))
        if adres := _adres(n.bezoekadres) or _adres(n.postadres):
            kenmerken.append(("Adres", adres))
        if (c := n.contactpersoon) is not None and (c.achternaam or c.voorletters):
            contact = " ".join(x for x in (c.voorletters, c.achternaam) if x)
            kenmerken.append(("Contactpersoon", contact))
        return Persoon(rol, n.naam or "(naam onbekend)", "organisatie", kenmerken)
    return None


def _indiening(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return lokaal(moment)
    return moment.strftime("%d-%m-%Y")


def weergave(verzoek: Verzoek, *, sees_bsn: bool, gezag_namen: dict[str, str]) -> Weergave:
    personen = [
        p
        for p in (
            _persoon("Aanvrager", verzoek.initiatiefnemer, sees_bsn=sees_bsn),
            _persoon("Gemachtigde", verzoek.gemachtigde, sees_bsn=sees_bsn),
        )
        if p is not None
    ]
    locaties = [
        Locatie(
            adres=adres_tekst(loc.adres),
            percelen=[
                " ".join(
                    x
                    for x in (
                        perceel.kadastrale_gemeente or perceel.kadastrale_gemeente_code,
                        perceel.sectie,
                        perceel.perceelnummer,
                        perceel.appartementsindex and f"A{perceel.appartementsindex}",
                    )
                    if x
                )
                for perceel in loc.percelen
            ],
        )
        for loc in verzoek.projectlocaties
    ]
    oin = verzoek.bevoegd_gezag.oin
    return Weergave(
        personen=personen,
        locaties=[loc for loc in locaties if loc.adres or loc.percelen],
        activiteiten=[
            (a.activiteit_naam or a.activiteit_id, a.activiteit_id) for a in verzoek.projectactiviteiten
        ],
        indiening=_indiening(verzoek.indien_datum),
        project_id=verzoek.project_id,
        omschrijving=verzoek.omschrijving,
        bevoegd_gezag_naam=gezag_namen.get(oin) or verzoek.bevoegd_gezag.naam,
        documentsoorten={
            d.document_id: d.documentsoort_dso for d in verzoek.documenten() if d.documentsoort_dso
        },
    )


def zaak_link(template: str | None, zaak_identificatie: str | None, zaak_url: str | None) -> str | None:
    """The zaak in the case system's own screens, from DSOGW_ZAAK_LINK_TEMPLATE; None when unset."""
    if not template or not (zaak_identificatie or zaak_url):
        return None
    uuid = (zaak_url or "").rstrip("/").rsplit("/", 1)[-1]
    return template.replace("{identificatie}", zaak_identificatie or "").replace("{uuid}", uuid)
