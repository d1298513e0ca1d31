"""What the ZGW test server holds: the seeded catalogue, received zaken and documents, faults."""

from __future__ import annotations

import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

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
)


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
    documenten: dict[str, dict[str, Any]] = field(default_factory=dict)
    locks: dict[str, str] = field(default_factory=dict)  # document uuid -> lock
    bestandsdelen: dict[str, dict[str, Any]] = field(default_factory=dict)  # deel uuid -> {document, ...}
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.config.blob_dir is not None:
            self.blob_dir = self.config.blob_dir
            self.blob_dir.mkdir(parents=True, exist_ok=True)
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="zgw-testserver-")
            self.blob_dir = Path(self._tmp.name)

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

        def new(kind: str) -> tuple[str, str]:
            u = str(uuid.uuid4())
            return u, f"{base}/{kind}/{u}"

        c_uuid, c_url = new("catalogussen")
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
        for omschrijving in seed["informatieobjecttypen"]:
            i_uuid, i_url = new("informatieobjecttypen")
            cat["informatieobjecttypen"][i_uuid] = {
                "url": i_url,
                "catalogus": c_url,
                "omschrijving": omschrijving,
                "vertrouwelijkheidaanduiding": "zaakvertrouwelijk",
                "beginGeldigheid": "2020-01-01",
                "eindeGeldigheid": None,
                "concept": False,
                "besluittypen": [],
                "zaaktypen": [],
                "informatieobjectcategorie": "Inkomend document",
            }
            catalogus["informatieobjecttypen"].append(i_url)
        for z in seed["zaaktypen"]:
            z_uuid, z_url = new("zaaktypen")
            zaaktype = _zaaktype(z, z_url, c_url)
            cat["zaaktypen"][z_uuid] = zaaktype
            catalogus["zaaktypen"].append(z_url)
            common = {"zaaktype": z_url, "zaaktypeIdentificatie": z["identificatie"], "catalogus": c_url}
            hoogste = max(s["volgnummer"] for s in seed["statustypen"])
            for s in seed["statustypen"]:
                s_uuid, s_url = new("statustypen")
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
                r_uuid, r_url = new("roltypen")
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
                e_uuid, e_url = new("eigenschappen")
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

        if self.config.catalogi_version == "1.3.3":
            self._add_catalogi_133_fields()

    def _add_catalogi_133_fields(self) -> None:
        cat = self.catalogi
        iots = list(cat["informatieobjecttypen"].values())
        zaaktypen = list(cat["zaaktypen"].values())
        for catalogus in cat["catalogussen"].values():
            catalogus["besluittypeOmschrijving"] = []
            catalogus["informatieobjecttypeOmschrijving"] = [i["omschrijving"] for i in iots]
        for zaaktype in zaaktypen:
            zaaktype["informatieobjecttypen"] = [i["url"] for i in iots]
            zaaktype["informatieobjecttypeOmschrijving"] = [i["omschrijving"] for i in iots]
            zaaktype["besluittypeOmschrijving"] = []
            zaaktype["deelzaaktypeIdentificaties"] = []
            zaaktype["resultaattypeOmschrijving"] = []
        for iot in iots:
            iot["besluittypeOmschrijving"] = []
            iot["zaaktypen"] = [z["url"] for z in zaaktypen]
            iot["zaaktypeIdentificaties"] = sorted({z["identificatie"] for z in zaaktypen})

    def find(self, kind: str, url: str) -> dict[str, Any] | None:
        """A catalogue object by URL."""
        return self.catalogi.get(kind, {}).get(url.rstrip("/").rsplit("/", 1)[-1])


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
