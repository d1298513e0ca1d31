"""Every STAM element name and namespace the parser knows, in one place.

`STRUCTURE` describes the profile (docs: ../shared/domain/stam-profile.md) once, by the element
names of the current version. `VERSIONS` lists each namespace version with what differs from
that: its namespace URI, the `doel` values it spells differently, and elements it names
differently. Supporting a new STAM version is one more `StamVersion(...)` line here.

The parser compiles these tables once per version into `{clark tag: rule}` dictionaries, so
parsing a message is one dictionary lookup per element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

GML_NAMESPACES = ("http://www.opengis.net/gml/3.2", "http://www.opengis.net/gml")


@dataclass(frozen=True)
class StamVersion:
    name: str  # what Verzoek.stam_versie says
    verzoek_namespace: str
    notificatie_namespace: str | None = None
    # doel as spelled in this version -> the canonical Doel value
    doel_aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # element name in STRUCTURE -> the local name this version uses instead
    renamed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


VERSIONS: tuple[StamVersion, ...] = (
    StamVersion(
        name="stam-v4",
        verzoek_namespace="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoek",
        notificatie_namespace="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie",
    ),
    StamVersion(
        name="stam-v2",
        verzoek_namespace="http://www.omgevingswet.nl/koppelvlak/stam-v2/verzoek",
        doel_aliases=MappingProxyType({"Vooroverleg": "Conceptverzoek"}),
    ),
)

# Root element names (before any per-version rename).
VERZOEK_ROOT = "verzoek"
NOTIFICATIE_ROOT = "verzoeknotificatie"

# How a leaf's text is converted before the model validates it.
Conversion = Literal["text", "bsn", "boolean", "datum", "doel", "volgnummer"]


@dataclass(frozen=True)
class Leaf:
    """A text element: its trimmed text goes to `field` (empty text means absent)."""

    field: str
    conversion: Conversion = "text"


@dataclass(frozen=True)
class Child:
    """One nested element, read with the rules of `content` into a dict."""

    field: str
    content: str


@dataclass(frozen=True)
class Repeated:
    """A directly repeated element; each one is appended to the list in `field`."""

    field: str
    content: str


@dataclass(frozen=True)
class Wrapped:
    """A wrapper element holding repeated `item` elements (e.g. projectlocaties/projectlocatie)."""

    field: str
    item: str
    content: str


@dataclass(frozen=True)
class Geometry:
    """A `geometrie` element holding one gml:Point or gml:Polygon."""

    field: str


Rule = Leaf | Child | Repeated | Wrapped | Geometry

_BINNENLANDS_ADRES: dict[str, Rule] = {
    "straatnaam": Leaf("straatnaam"),
    "huisnummer": Leaf("huisnummer"),
    "huisletter": Leaf("huisletter"),
    "huisnummertoevoeging": Leaf("huisnummertoevoeging"),
    "postcode": Leaf("postcode"),
    "woonplaats": Leaf("woonplaats"),
}

_DOCUMENT: dict[str, Rule] = {
    "documentId": Leaf("document_id"),
    "bestandsnaam": Leaf("bestandsnaam"),
    "documentsoortDSO": Leaf("documentsoort_dso"),
    "vertrouwelijk": Leaf("vertrouwelijk", "boolean"),
}

# content name -> {element name: rule}. The keys of the inner dicts are element names as in
# the current version; StamVersion.renamed maps them for other versions.
STRUCTURE: dict[str, dict[str, Rule]] = {
    "verzoek": {
        "verzoeknummer": Leaf("verzoeknummer"),
        "volgnummer": Leaf("volgnummer", "volgnummer"),
        "doel": Leaf("doel", "doel"),
        "type": Leaf("type"),
        "indienDatum": Leaf("indien_datum", "datum"),
        "projectId": Leaf("project_id"),
        "naam": Leaf("naam"),
        "omschrijving": Leaf("omschrijving"),
        "ambtshalve": Leaf("ambtshalve", "boolean"),
        "bevoegdGezag": Child("bevoegd_gezag", "organisatie"),
        "uitvoerendeInstantie": Child("uitvoerende_instantie", "organisatie"),
        "initiatiefnemer": Child("initiatiefnemer", "betrokkene"),
        "gemachtigde": Child("gemachtigde", "betrokkene"),
        "projectlocaties": Wrapped("projectlocaties", "projectlocatie", "projectlocatie"),
        "projectactiviteiten": Wrapped("projectactiviteiten", "projectactiviteit", "projectactiviteit"),
        "verzoekbijlages": Wrapped("verzoekbijlagen", "document", "document"),
    },
    "organisatie": {"oin": Leaf("oin"), "naam": Leaf("naam")},
    "betrokkene": {
        "natuurlijkPersoon": Child("natuurlijk_persoon", "natuurlijk_persoon"),
        "nietNatuurlijkPersoon": Child("niet_natuurlijk_persoon", "niet_natuurlijk_persoon"),
    },
    "natuurlijk_persoon": {
        "bsn": Leaf("bsn", "bsn"),
        "voorletters": Leaf("voorletters"),
        "voornamen": Leaf("voornamen"),
        "voorvoegsel": Leaf("voorvoegsel"),
        "achternaam": Leaf("achternaam"),
        "emailadres": Leaf("emailadres"),
        "telefoonnummer": Leaf("telefoonnummer"),
        "verblijfsadres": Child("verblijfsadres", "adres"),
        "correspondentieAdres": Child("correspondentieadres", "adres"),
    },
    "niet_natuurlijk_persoon": {
        "kvkNummer": Leaf("kvk_nummer"),
        "vestigingsnummer": Leaf("vestigingsnummer"),
        "naam": Leaf("naam"),
        "bezoekadres": Child("bezoekadres", "adres"),
        "postAdres": Child("postadres", "adres"),
        "contactpersoon": Child("contactpersoon", "contactpersoon"),
    },
    "contactpersoon": {
        "voorletters": Leaf("voorletters"),
        "achternaam": Leaf("achternaam"),
        "emailadres": Leaf("emailadres"),
        "telefoonnummer": Leaf("telefoonnummer"),
    },
    "adres": {
        "binnenlandsAdres": Child("binnenlands", "binnenlands_adres"),
        "buitenlandsAdres": Child("buitenlands", "buitenlands_adres"),
    },
    "binnenlands_adres": _BINNENLANDS_ADRES,
    # adresBuitenland1..3 become Adres.regels, in number order whatever the element order
    "buitenlands_adres": {
        "adresBuitenland1": Leaf("regel1"),
        "adresBuitenland2": Leaf("regel2"),
        "adresBuitenland3": Leaf("regel3"),
        "land": Leaf("land"),
    },
    "projectlocatie": {
        "adresAanduiding": Child("adres", "adres_aanduiding"),
        "kadastraleGegevens": Wrapped("percelen", "kadastraalPerceel", "kadastraal_perceel"),
        "geometrie": Geometry("geometrie"),
    },
    "adres_aanduiding": {"bagNummeraanduidingId": Leaf("bag_nummeraanduiding_id"), **_BINNENLANDS_ADRES},
    "kadastraal_perceel": {
        "kadastraleGemeente": Leaf("kadastrale_gemeente"),
        "kadastraleGemeenteCode": Leaf("kadastrale_gemeente_code"),
        "sectie": Leaf("sectie"),
        "perceelnummer": Leaf("perceelnummer"),
        "appartementsindex": Leaf("appartementsindex"),
    },
    "projectactiviteit": {
        "activiteitId": Leaf("activiteit_id"),
        "activiteitNaam": Leaf("activiteit_naam"),
        "specificaties": Wrapped("specificaties", "specificatie", "specificatie"),
    },
    "specificatie": {
        "vraagId": Leaf("vraag_id"),
        "vraagtekst": Leaf("vraagtekst"),
        "antwoord": Leaf("antwoord"),
        "groepering": Leaf("groepering"),
        "gevraagdeBijlage": Repeated("gevraagde_bijlagen", "gevraagde_bijlage"),
    },
    "gevraagde_bijlage": {
        "documentsoortDSO": Leaf("documentsoort_dso"),
        "documenten": Wrapped("documenten", "document", "document"),
    },
    "document": _DOCUMENT,
    "notificatie": {
        "verzoeknummer": Leaf("verzoeknummer"),
        "volgnummer": Leaf("volgnummer", "volgnummer"),
        "bevoegdGezag": Child("bevoegd_gezag", "organisatie"),
    },
}

# GML, the same for every STAM version.
GML_POINT = "Point"
GML_POLYGON = "Polygon"
GML_POS = "pos"
GML_POS_LIST = "posList"
GML_EXTERIOR = "exterior"
GML_INTERIOR = "interior"
GML_LINEAR_RING = "LinearRing"

# srsName EPSG codes we accept, and whether their axis order is (lat, lon) rather than (x, y).
SUPPORTED_EPSG: Mapping[int, bool] = MappingProxyType({28992: False, 4258: True, 4326: True})
