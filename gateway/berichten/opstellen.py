"""Composing a message from a verzoek, its zaak and the municipality's templates (Jinja2, Dutch).

Templates are plain text; the first line is `Onderwerp: ...`, the rest the body. A folder beside
the mapping file (mapping `berichten.templates`) overrides the shipped defaults file by file.
Only what a template needs goes into its context: names, addresses, numbers and dates, never a
BSN (and Bericht refuses one anyway)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2

from gateway.berichten.bericht import Bericht, BerichtOngeldig, Soort, geldig_email
from stam_mapping.berichten import Berichten
from stam_mapping.model import Adres, Betrokkene, Doel, Verzoek

_MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def datum(value: date | datetime) -> str:
    dag = value.date() if isinstance(value, datetime) else value
    return f"{dag.day} {_MAANDEN[dag.month - 1]} {dag.year}"


@dataclass(frozen=True)
class Ontvanger:
    naam: str
    aanhef: str
    email: str | None
    adres: tuple[str, ...]


def _adresregels(adres: Adres | None) -> tuple[str, ...]:
    if adres is None:
        return ()
    if adres.binnenlands is not None:
        a = adres.binnenlands
        nummer = "".join(str(p) for p in (a.huisnummer or "", a.huisletter or ""))
        if a.huisnummertoevoeging:
            nummer += f"-{a.huisnummertoevoeging}"
        straat = " ".join(p for p in (a.straatnaam, nummer) if p)
        postcode = f"{a.postcode[:4]} {a.postcode[4:]}" if a.postcode else ""
        plaats = " ".join(p for p in (postcode, (a.woonplaats or "").upper()) if p)
        return tuple(r for r in (straat, plaats) if r)
    if adres.buitenlands is not None:
        return tuple(r for r in (*adres.buitenlands.regels, adres.buitenlands.land or "") if r)
    return ()


def ontvanger(betrokkene: Betrokkene) -> Ontvanger:
    if betrokkene.natuurlijk_persoon is not None:
        p = betrokkene.natuurlijk_persoon
        naam = " ".join(x for x in (p.voorletters, p.voorvoegsel, p.achternaam) if x) or "aanvrager"
        adres = _adresregels(p.correspondentieadres) or _adresregels(p.verblijfsadres)
        return Ontvanger(
            naam, f"heer/mevrouw {naam}" if p.achternaam else "heer/mevrouw", p.emailadres, adres
        )
    o = betrokkene.niet_natuurlijk_persoon
    assert o is not None
    contact = o.contactpersoon
    cnaam = " ".join(x for x in (contact.voorletters, contact.achternaam) if x) if contact else ""
    naam = (o.naam or "aanvrager") + (f", t.a.v. {cnaam}" if cnaam else "")
    adres = _adresregels(o.postadres) or _adresregels(o.bezoekadres)
    aanhef = f"heer/mevrouw {cnaam}" if cnaam else "heer/mevrouw"
    return Ontvanger(naam, aanhef, contact.emailadres if contact else None, adres)


def _namens(verzoek: Verzoek) -> str | None:
    """The initiatiefnemer's name when a gemachtigde filed for them."""
    if verzoek.gemachtigde is None or verzoek.initiatiefnemer is None:
        return None
    return ontvanger(verzoek.initiatiefnemer).naam.split(", t.a.v.")[0]


class Sjablonen:
    """The templates of one municipality: its own folder first, then the shipped defaults."""

    def __init__(self, directory: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if directory is not None and directory.is_dir():
            loaders.append(jinja2.FileSystemLoader(directory))
        loaders.append(jinja2.PackageLoader("gateway.berichten", "templates"))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # noqa: S701 - plain text mail and letters, never HTML
            keep_trailing_newline=True,
        )

    def render(self, naam: str, context: dict[str, Any]) -> tuple[str, str]:
        try:
            text = self.env.get_template(f"{naam}.txt.j2").render(context)
        except jinja2.TemplateNotFound as exc:
            raise BerichtOngeldig(f"sjabloon {naam}.txt.j2 niet gevonden") from exc
        except jinja2.TemplateError as exc:
            raise BerichtOngeldig(f"sjabloon {naam}.txt.j2: {exc}") from exc
        first, _, rest = text.lstrip().partition("\n")
        if not first.startswith("Onderwerp:"):
            raise BerichtOngeldig(f"sjabloon {naam}.txt.j2 begint niet met 'Onderwerp:'")
        return first.removeprefix("Onderwerp:").strip(), rest.strip() + "\n"


def templates_dir(mapping_file: Path | None, berichten: Berichten) -> Path | None:
    if mapping_file is None:
        return None
    return mapping_file.parent / berichten.templates


_PROCEDURE = {"regulier": "reguliere", "uitgebreid": "uitgebreide"}


def _aan(verzoek: Verzoek) -> Ontvanger | None:
    betrokkene = verzoek.gemachtigde or verzoek.initiatiefnemer
    return ontvanger(betrokkene) if betrokkene is not None else None


def context(
    verzoek: Verzoek,
    *,
    zaaknummer: str,
    zaaktype: str | None,
    berichten: Berichten,
    eerste: Verzoek | None = None,
) -> dict[str, Any]:
    """`eerste` is the first version of the verzoek, when this one is a later one: an aanvulling
    often carries no contact details (then the first version's are used), and the beslistermijn
    runs from the first receipt."""
    aan = _aan(verzoek)
    if (aan is None or not (aan.email or aan.adres)) and eerste is not None:
        aan = _aan(eerste) or aan
    if aan is None:
        raise BerichtOngeldig("het verzoek noemt geen initiatiefnemer of gemachtigde")
    termijn = berichten.beslistermijn(zaaktype) if zaaktype else None
    vanaf = (eerste or verzoek).indien_datum
    return {
        "aan": aan,
        "aanhef": aan.aanhef,
        "namens": _namens(verzoek),
        "verzoeknummer": verzoek.verzoeknummer,
        "volgnummer": verzoek.volgnummer,
        "verzoektype": verzoek.type.value,
        "doel": verzoek.doel.value,
        "ontvangen": datum(verzoek.indien_datum),
        "zaaknummer": zaaknummer,
        "projectnaam": verzoek.naam or "(zonder naam)",
        "beslistermijn": (
            {
                "procedure": _PROCEDURE[termijn.procedure],
                "weken": termijn.termijn_weken,
                "uiterlijk": datum(termijn.uiterlijk(vanaf)),
            }
            if termijn
            else None
        ),
        "afzender": berichten.afzender,
    }


def ontvangstbevestiging(
    verzoek: Verzoek,
    *,
    zaaknummer: str,
    zaaktype: str | None,
    berichten: Berichten,
    sjablonen: Sjablonen,
    eerste: Verzoek | None = None,
) -> Bericht:
    ctx = context(verzoek, zaaknummer=zaaknummer, zaaktype=zaaktype, berichten=berichten, eerste=eerste)
    naam = "ontvangstbevestiging-aanvulling" if verzoek.doel is Doel.AANVULLEN else "ontvangstbevestiging"
    sleutel = f"{verzoek.verzoeknummer}-{verzoek.volgnummer}-ontvangst"
    return _bericht("ontvangstbevestiging", naam, ctx, verzoek, sleutel, sjablonen)


def statusbericht(
    verzoek: Verzoek,
    *,
    sjabloon: str,
    status_url: str,
    statusdatum: date | datetime,
    zaaknummer: str,
    zaaktype: str | None,
    berichten: Berichten,
    sjablonen: Sjablonen,
    eerste: Verzoek | None = None,
) -> Bericht:
    ctx = context(verzoek, zaaknummer=zaaknummer, zaaktype=zaaktype, berichten=berichten, eerste=eerste)
    ctx["statusdatum"] = datum(statusdatum)
    status_id = status_url.rstrip("/").rsplit("/", 1)[-1]
    sleutel = f"{verzoek.verzoeknummer}-status-{status_id}"
    return _bericht("statusbericht", sjabloon, ctx, verzoek, sleutel, sjablonen)


def doorgestuurd(
    verzoek: Verzoek,
    *,
    naar_naam: str | None,
    reden: str,
    zaaknummer: str,
    berichten: Berichten,
    sjablonen: Sjablonen,
    eerste: Verzoek | None = None,
) -> Bericht:
    """A change of bevoegd gezag: the initiatiefnemer must hear of it (IPLO)."""
    ctx = context(verzoek, zaaknummer=zaaknummer, zaaktype=None, berichten=berichten, eerste=eerste)
    ctx.update(naar_naam=naar_naam, reden=reden, vandaag=datum(date.today()))
    return _bericht(
        "statusbericht",
        "bericht-doorgestuurd",
        ctx,
        verzoek,
        f"{verzoek.verzoeknummer}-doorgestuurd",
        sjablonen,
    )


def _bericht(
    soort: Soort, naam: str, ctx: dict[str, Any], verzoek: Verzoek, sleutel: str, sjablonen: Sjablonen
) -> Bericht:
    onderwerp, tekst = sjablonen.render(naam, ctx)
    aan: Ontvanger = ctx["aan"]
    return Bericht(
        soort=soort,
        sleutel=sleutel,
        verzoeknummer=verzoek.verzoeknummer,
        onderwerp=onderwerp,
        tekst=tekst,
        aan_naam=aan.naam,
        # An address in the STAM that is no e-mail address: a letter, not a failed verzoek.
        aan_email=aan.email if geldig_email(aan.email) else None,
        aan_adres=aan.adres,
        afzender_naam=ctx["afzender"].naam,
        verboden=verzoek.bsns(),
    )
