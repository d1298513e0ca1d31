"""What the ZGW test server holds: the seeded catalogue, received zaken and documents, faults."""

from __future__ import annotations

import shutil
import tempfile
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from adapters.zgw.testserver.config import ZgwTestServerConfig

ZAKEN = "/zaken/api/v1"
DOCUMENTEN = "/documenten/api/v1"
CATALOGI = "/catalogi/api/v1"
_CATALOGI_RESOURCES = (
    "catalogussen",
    "zaaktypen",
    "statustypen",
    "roltypen",
    "informatieobjecttypen",
    "eigenschappen",
    "resultaattypen",
    "zaaktype-informatieobjecttypen",
)
# Catalogue UUIDs derive from names, not chance: a restarted test server serves the same URLs,
# so a worker holding URLs from before the restart still points at the same types (issue 14).
_CATALOGUE_NAMESPACE = uuid.uuid5(
    uuid.NAMESPACE_URL, "https://github.com/dso-gateway/zgw-testserver/catalogue"
)


def stable_uuid(*key: object) -> str:
    return str(uuid.uuid5(_CATALOGUE_NAMESPACE, "/".join(str(k) for k in key)))


@dataclass
class Fault:
    """Answer a matching call with `status` instead of handling it, `times` times."""

    status: int
    method: str | None = None
    path_contains: str | None = None
    nth: int | None = None  # match only the nth call (1-based) the server receives
    times: int = 1
    skip: int = 0  # let this many matching calls through first
    # Handle the call, then answer `status` anyway: the "response lost after commit" crash.
    after_handling: bool = False

    def matches(self, method: str, path: str, call_number: int) -> bool:
        if self.times <= 0:
            return False
        if self.nth is not None and self.nth != call_number:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_contains is None or self.path_contains in path


@dataclass
class ZgwStore:
    config: ZgwTestServerConfig
    base_url: str = ""
    # resource name -> uuid -> object (as served, absolute URLs)
    catalogi: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    zaken: dict[str, dict[str, Any]] = field(default_factory=dict)
    rollen: dict[str, dict[str, Any]] = field(default_factory=dict)
    statussen: dict[str, dict[str, Any]] = field(default_factory=dict)
    zaakobjecten: dict[str, dict[str, Any]] = field(default_factory=dict)
    zaakeigenschappen: dict[str, dict[str, Any]] = field(default_factory=dict)
    zaakinformatieobjecten: dict[str, dict[str, Any]] = field(default_factory=dict)
    resultaten: dict[str, dict[str, Any]] = field(default_factory=dict)
    klantcontacten: dict[str, dict[str, Any]] = field(default_factory=dict)
    gebruiksrechten: dict[str, dict[str, Any]] = field(default_factory=dict)
    documenten: dict[str, dict[str, Any]] = field(default_factory=dict)
    locks: dict[str, str] = field(default_factory=dict)  # document uuid -> lock
    bestandsdelen: dict[str, dict[str, Any]] = field(default_factory=dict)  # deel uuid -> {document, ...}
    # Open Zaak answers its uniqueness rules from database indexes. Scanning every object here
    # instead made each request slower with every zaak the server held, and a benchmark against
    # this server measure its size. (bronorganisatie, identificatie) -> uuid; (zaak, informatieobject)
    # url pair -> zaakinformatieobject uuid.
    zaak_identificaties: dict[tuple[str, str], str] = field(default_factory=dict)
    document_identificaties: dict[tuple[str, str], str] = field(default_factory=dict)
    zio_paren: dict[tuple[str, str], str] = field(default_factory=dict)
    # ("rollen" or "statussen", zaak url) -> the uuids of that zaak's objects, in order of creation:
    # the per-zaak rules look at one zaak's objects, not at every object the server holds.
    per_zaak: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.config.blob_dir is not None:
            self.blob_dir = self.config.blob_dir
            self.blob_dir.mkdir(parents=True, exist_ok=True)
        else:
            # The store lives as long as its app, which has no shutdown of its own in tests:
            # remove the files when the store is collected (TemporaryDirectory would warn).
            self.blob_dir = Path(tempfile.mkdtemp(prefix="zgw-testserver-"))
            weakref.finalize(self, shutil.rmtree, self.blob_dir, True)

    def attach(self, kind: str, item: dict[str, Any]) -> None:
        """Index a new rol or status under its zaak (see per_zaak)."""
        self.per_zaak.setdefault((kind, str(item["zaak"])), []).append(item["uuid"])

    def of_zaak(self, kind: str, zaak_url: str) -> list[dict[str, Any]]:
        """The zaak's rollen or statussen that still exist, in order of creation."""
        items: dict[str, dict[str, Any]] = getattr(self, kind)
        return [items[u] for u in self.per_zaak.get((kind, zaak_url), ()) if u in items]

    # --- faults and inspection ------------------------------------------------------------------

    def inject_fault(
        self,
        status: int = 500,
        *,
        method: str | None = None,
        path_contains: str | None = None,
        nth: int | None = None,
        times: int = 1,
        skip: int = 0,
        after_handling: bool = False,
    ) -> None:
        """Fail matching calls with `status`: e.g. `inject_fault(500, method="PUT",
        path_contains="/bestandsdelen/", skip=2)` fails the third part upload once."""
        self.faults.append(Fault(status, method, path_contains, nth, times, skip, after_handling))

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            self.calls.append((method, path))
            for fault in self.faults:
                if fault.matches(method, path, len(self.calls)):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    def counts(self) -> dict[str, int]:
        return {
            "zaken": len(self.zaken),
            "rollen": len(self.rollen),
            "statussen": len(self.statussen),
            "zaakobjecten": len(self.zaakobjecten),
            "zaakeigenschappen": len(self.zaakeigenschappen),
            "zaakinformatieobjecten": len(self.zaakinformatieobjecten),
            "documenten": len(self.documenten),
        }

    def blob_path(self, name: str) -> Path:
        return self.blob_dir / name

    def content_of(self, document_url_or_uuid: str) -> bytes:
        """A document's stored content (for tests)."""
        doc_uuid = document_url_or_uuid.rstrip("/").rsplit("/", 1)[-1]
        return self.blob_path(doc_uuid).read_bytes()

    # --- catalogue --------------------------------------------------------------------------------

    def seed(self, base_url: str) -> None:
        """Build the catalogue with absolute URLs; on the first request (the base URL is known then)."""
        if self.base_url:
            return
        self.base_url = base_url.rstrip("/")
        if self.config.catalogue_file is not None:
            text = self.config.catalogue_file.read_text(encoding="utf-8")
        else:
            text = resources.files("adapters.zgw.testserver").joinpath("catalogue.yaml").read_text("utf-8")
        seed: dict[str, Any] = yaml.safe_load(text)
        cat: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in _CATALOGI_RESOURCES}
        self.catalogi = cat
        base = f"{self.base_url}{CATALOGI}"

        def new(kind: str, *key: object) -> tuple[str, str]:
            u = stable_uuid(kind, *key)
            return u, f"{base}/{kind}/{u}"

        c_uuid, c_url = new("catalogussen", seed["catalogus"]["domein"], seed["catalogus"]["rsin"])
        catalogus = {
            "url": c_url,
            "domein": seed["catalogus"]["domein"],
            "rsin": seed["catalogus"]["rsin"],
            "naam": seed["catalogus"].get("naam", ""),
            "contactpersoonBeheerNaam": seed["catalogus"]["contactpersoonBeheerNaam"],
            "zaaktypen": [],
            "besluittypen": [],
            "informatieobjecttypen": [],
        }
        cat["catalogussen"][c_uuid] = catalogus
        iot_urls: dict[str, str] = {}
        for entry in seed["informatieobjecttypen"]:
            i = entry if isinstance(entry, dict) else {"omschrijving": entry}
            i_uuid, i_url = new("informatieobjecttypen", i["omschrijving"])
            cat["informatieobjecttypen"][i_uuid] = {
                "url": i_url,
                "catalogus": c_url,
                "omschrijving": i["omschrijving"],
                "vertrouwelijkheidaanduiding": i.get("vertrouwelijkheidaanduiding", "zaakvertrouwelijk"),
                "beginGeldigheid": "2020-01-01",
                "eindeGeldigheid": None,
                "concept": bool(i.get("concept", False)),
                "besluittypen": [],
                "zaaktypen": [],
                "informatieobjectcategorie": i.get("informatieobjectcategorie", "Inkomend document"),
            }
            iot_urls[i["omschrijving"]] = i_url
            catalogus["informatieobjecttypen"].append(i_url)
        for z in seed["zaaktypen"]:
            zkey = (z["identificatie"], z["beginGeldigheid"], bool(z.get("concept", False)))
            z_uuid, z_url = new("zaaktypen", *zkey)
            zaaktype = _zaaktype(z, z_url, c_url)
            cat["zaaktypen"][z_uuid] = zaaktype
            catalogus["zaaktypen"].append(z_url)
            common = {"zaaktype": z_url, "zaaktypeIdentificatie": z["identificatie"], "catalogus": c_url}
            hoogste = max(s["volgnummer"] for s in seed["statustypen"])
            for s in seed["statustypen"]:
                s_uuid, s_url = new("statustypen", *zkey, s["volgnummer"])
                cat["statustypen"][s_uuid] = {
                    "url": s_url,
                    **common,
                    "omschrijving": s["omschrijving"],
                    "omschrijvingGeneriek": s["omschrijving"],
                    "volgnummer": s["volgnummer"],
                    "isEindstatus": s["volgnummer"] == hoogste,
                    "zaakobjecttype": "",
                }
                zaaktype["statustypen"].append(s_url)
            for r in seed["roltypen"]:
                r_uuid, r_url = new("roltypen", *zkey, r["omschrijving"])
                cat["roltypen"][r_uuid] = {
                    "url": r_url,
                    "zaaktype": z_url,
                    "zaaktypeIdentificatie": z["identificatie"],
                    "catalogus": c_url,
                    "omschrijving": r["omschrijving"],
                    "omschrijvingGeneriek": r["omschrijvingGeneriek"],
                }
                zaaktype["roltypen"].append(r_url)
            for e in seed["eigenschappen"]:
                e_uuid, e_url = new("eigenschappen", *zkey, e["naam"])
                cat["eigenschappen"][e_uuid] = {
                    "url": e_url,
                    **common,
                    "naam": e["naam"],
                    "definitie": e["definitie"],
                    "specificatie": {
                        "groep": "",
                        "formaat": e.get("formaat", "tekst"),
                        "lengte": str(e.get("lengte", "255")),
                        "kardinaliteit": "1",
                        "waardenverzameling": [],
                    },
                    "toelichting": "",
                    "statustype": None,
                }
                zaaktype["eigenschappen"].append(e_url)
            for r in seed.get("resultaattypen", []):
                r_uuid, r_url = new("resultaattypen", *zkey, r["omschrijving"])
                cat["resultaattypen"][r_uuid] = _resultaattype(r, r_url, common)
                zaaktype["resultaattypen"].append(r_url)
            for volgnummer, link in enumerate(seed.get("zaaktype_informatieobjecttypen", []), start=1):
                l_uuid, l_url = new("zaaktype-informatieobjecttypen", *zkey, link["informatieobjecttype"])
                cat["zaaktype-informatieobjecttypen"][l_uuid] = {
                    "url": l_url,
                    **common,
                    "informatieobjecttype": iot_urls[link["informatieobjecttype"]],
                    "volgnummer": volgnummer,
                    "richting": link.get("richting", "inkomend"),
                    "statustype": None,
                }

        if self.config.catalogi_version == "1.3.3":
            self._add_catalogi_133_fields()

    def _add_catalogi_133_fields(self) -> None:
        cat = self.catalogi
        iots = list(cat["informatieobjecttypen"].values())
        zaaktypen = list(cat["zaaktypen"].values())
        links = list(cat["zaaktype-informatieobjecttypen"].values())
        for catalogus in cat["catalogussen"].values():
            catalogus["besluittypeOmschrijving"] = []
            catalogus["informatieobjecttypeOmschrijving"] = [i["omschrijving"] for i in iots]
        for zaaktype in zaaktypen:
            linked = [i for i in iots if self.linked(zaaktype["url"], i["url"])]
            zaaktype["informatieobjecttypen"] = [i["url"] for i in linked]
            zaaktype["informatieobjecttypeOmschrijving"] = [i["omschrijving"] for i in linked]
            zaaktype["besluittypeOmschrijving"] = []
            zaaktype["deelzaaktypeIdentificaties"] = []
            zaaktype["resultaattypeOmschrijving"] = [
                r["omschrijving"] for r in cat["resultaattypen"].values() if r["zaaktype"] == zaaktype["url"]
            ]
        for iot in iots:
            iot["besluittypeOmschrijving"] = []
            linked_z = [
                z
                for z in zaaktypen
                if any(
                    link["zaaktype"] == z["url"] and link["informatieobjecttype"] == iot["url"]
                    for link in links
                )
            ]
            iot["zaaktypen"] = [z["url"] for z in linked_z]
            iot["zaaktypeIdentificaties"] = sorted({z["identificatie"] for z in linked_z})

    def find(self, kind: str, url: str) -> dict[str, Any] | None:
        """A catalogue object by URL."""
        found = self.catalogi.get(kind, {}).get(url.rstrip("/").rsplit("/", 1)[-1])
        # By path: the host is checked where a URL comes in (references.is_local).
        same = found is not None and urlsplit(found["url"]).path == urlsplit(url.rstrip("/")).path
        return found if same else None

    def linked(self, zaaktype_url: str, informatieobjecttype_url: str) -> bool:
        """Whether a ZaakTypeInformatieObjectType links the two exact versions."""
        return any(
            link["zaaktype"] == zaaktype_url and link["informatieobjecttype"] == informatieobjecttype_url
            for link in self.catalogi.get("zaaktype-informatieobjecttypen", {}).values()
        )

    def eindstatustype(self, zaaktype_url: str) -> dict[str, Any] | None:
        """The statustype with the highest volgnummer of the zaaktype (Open Zaak's is_eindstatus)."""
        statustypen = [s for s in self.catalogi["statustypen"].values() if s["zaaktype"] == zaaktype_url]
        return max(statustypen, key=lambda s: int(s["volgnummer"]), default=None)


def _resultaattype(r: dict[str, Any], url: str, common: dict[str, str]) -> dict[str, Any]:
    brondatum = {
        "afleidingswijze": r.get("afleidingswijze", "afgehandeld"),
        "datumkenmerk": r.get("datumkenmerk", ""),
        "einddatumBekend": False,
        "objecttype": r.get("objecttype", ""),
        "registratie": r.get("registratie", ""),
        "procestermijn": r.get("procestermijn"),
    }
    selectielijst = "https://selectielijst.openzaak.nl/api/v1"
    # Stand-ins for Selectielijst URLs: shown, never fetched by clients.
    omschrijving_uuid = stable_uuid("resultaattypeomschrijving", r["omschrijving"])
    klasse_uuid = stable_uuid("selectielijstklasse", r["omschrijving"])
    return {
        "url": url,
        **common,
        "omschrijving": r["omschrijving"],
        "resultaattypeomschrijving": f"{selectielijst}/resultaattypeomschrijvingen/{omschrijving_uuid}",
        "omschrijvingGeneriek": r["omschrijving"],
        "selectielijstklasse": f"{selectielijst}/resultaten/{klasse_uuid}",
        "toelichting": r.get("toelichting", ""),
        "archiefnominatie": r.get("archiefnominatie", "vernietigen"),
        "archiefactietermijn": r.get("archiefactietermijn"),
        "brondatumArchiefprocedure": brondatum,
        "procesobjectaard": None,
        "beginGeldigheid": None,
        "eindeGeldigheid": None,
        "beginObject": None,
        "eindeObject": None,
        "indicatieSpecifiek": None,
        "procestermijn": r.get("procestermijn"),
        "besluittypen": [],
        "besluittypeOmschrijving": [],
        "informatieobjecttypen": [],
        "informatieobjecttypeOmschrijving": [],
        "zaakobjecttypen": [],
    }


def _zaaktype(z: dict[str, Any], url: str, catalogus: str) -> dict[str, Any]:
    return {
        "url": url,
        "identificatie": z["identificatie"],
        "omschrijving": z["omschrijving"],
        "omschrijvingGeneriek": "",
        "vertrouwelijkheidaanduiding": "zaakvertrouwelijk",
        "doel": f"Registratie van DSO-verzoeken: {z['omschrijving']}",
        "aanleiding": "Een verzoek ingediend via het Omgevingsloket",
        "toelichting": "",
        "indicatieInternOfExtern": "extern",
        "handelingInitiator": "indienen",
        "onderwerp": z["omschrijving"][:80],
        "handelingBehandelaar": "behandelen",
        "doorlooptijd": "P56D",
        "servicenorm": None,
        "opschortingEnAanhoudingMogelijk": True,
        "verlengingMogelijk": True,
        "verlengingstermijn": "P42D",
        "trefwoorden": [],
        "publicatieIndicatie": False,
        "publicatietekst": "",
        "verantwoordingsrelatie": [],
        "productenOfDiensten": [],
        "selectielijstProcestype": "",
        "referentieproces": {"naam": "Omgevingswet", "link": ""},
        "verantwoordelijke": "Gemeente",
        "catalogus": catalogus,
        "statustypen": [],
        "resultaattypen": [],
        "eigenschappen": [],
        "informatieobjecttypen": "",
        "roltypen": [],
        "besluittypen": [],
        "deelzaaktypen": [],
        "gerelateerdeZaaktypen": [],
        "beginGeldigheid": str(z["beginGeldigheid"]),
        "eindeGeldigheid": None,
        "versiedatum": str(z["beginGeldigheid"]),
        "concept": bool(z.get("concept", False)),
        "zaakobjecttypen": [],
    }
