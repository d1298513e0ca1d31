"""Finding an object whose POST answer was lost, with the official ZGW query parameters.

Only called when a step's "pending" marker exists but its result does not (see
`Steps.create_once` in steps.py): the provider may or may not have stored the object. Each
finder narrows the list with the filters Zaken 1.5.1 / Documenten 1.4.3 define, then matches
what we sent on the client side, so that an object of the same type made by an earlier version
(or by a behandelaar) is never taken for ours. No BSN ever goes into a query string: rollen are
filtered on zaak and roltype only and the betrokkene is matched here.

Each returns the checkpoint value of the adopted object, or None (then the caller POSTs).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.zgw.client import ZgwClient

# The identifying fields of a betrokkeneIdentificatie (natuurlijk persoon, niet-natuurlijk
# persoon, vestiging, medewerker, organisatorische eenheid); names, addresses and contact
# details may be normalised by the provider, these are not.
_BETROKKENE_ID = (
    "inpBsn",
    "anpIdentificatie",
    "inpA_nummer",
    "innNnpId",
    "annIdentificatie",
    "kvkNummer",
    "vestigingsNummer",
    "identificatie",
)
# The identifying fields of an objectIdentificatie (adres: BAG id; kadastrale onroerende zaak).
_OBJECT_ID = ("identificatie", "kadastraleIdentificatie")
# Open Zaak keeps microseconds, other providers may round: the same moment within a second.
_SAME_MOMENT = timedelta(seconds=1)


def _uuid_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _agrees(sent: dict[str, Any], found: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """`found` has what we sent in the identifying `keys` we filled in; with none of them filled
    in, in every field we sent."""
    chosen = [k for k in keys if sent.get(k) not in (None, "")] or list(sent)
    return all(found.get(k) == sent[k] for k in chosen)


def find_rol(client: ZgwClient, body: dict[str, Any], *, behalve: str | None = None) -> dict[str, Any] | None:
    """The rol of `body` (zaak, roltype, betrokkeneType, indicatieMachtiging and the betrokkene's
    identification). `behalve`: the URL of the rol this one replaces (an aanvulling that changed
    the machtiging or the name of the same person), which must never be taken for it."""
    params = {"zaak": str(body["zaak"]), "roltype": str(body["roltype"])}
    ours = body.get("betrokkeneIdentificatie") or {}
    for rol in client.list_all(client.zaken("rollen"), params):
        if rol.get("betrokkeneType") != body.get("betrokkeneType") or rol.get("url") == behalve:
            continue
        # Providers answer "" for a rol sent without one.
        if (rol.get("indicatieMachtiging") or "") != (body.get("indicatieMachtiging") or ""):
            continue
        if body.get("betrokkene") and rol.get("betrokkene") != body["betrokkene"]:
            continue
        if _agrees(ours, rol.get("betrokkeneIdentificatie") or {}, _BETROKKENE_ID):
            return {"url": str(rol["url"])}
    return None


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def find_status(client: ZgwClient, body: dict[str, Any]) -> dict[str, Any] | None:
    """The status of `body`: same zaak and statustype and the datumStatusGezet we sent (the
    pending marker keeps it, so a retry sends the same one); statustoelichting decides between
    several set at the same moment. Matching on the moment is what keeps an earlier version's
    status of the same type (e.g. two aanvullingen, both "Aangevuld") from being taken for ours."""
    params = {"zaak": str(body["zaak"]), "statustype": str(body["statustype"])}
    sent = _moment(body["datumStatusGezet"])
    if sent is None:
        return None
    same = [
        s
        for s in client.list_all(client.zaken("statussen"), params)
        if (gezet := _moment(s.get("datumStatusGezet"))) is not None and abs(gezet - sent) < _SAME_MOMENT
    ]
    if len(same) > 1:
        same = [s for s in same if s.get("statustoelichting") == body.get("statustoelichting")] or same
    return {"url": str(same[0]["url"])} if same else None


def find_resultaat(client: ZgwClient, body: dict[str, Any]) -> dict[str, Any] | None:
    """The resultaat of `body`: a zaak has at most one, so one of our resultaattype is ours."""
    params = {"zaak": str(body["zaak"]), "resultaattype": str(body["resultaattype"])}
    for found in client.list_all(client.zaken("resultaten"), params):
        return {"url": str(found["url"])}
    return None


def find_zaakobject(client: ZgwClient, body: dict[str, Any]) -> dict[str, Any] | None:
    """The zaakobject of `body`: same zaak and objectType, and the object (URL) or the
    objectIdentificatie the plan sent."""
    params = {"zaak": str(body["zaak"]), "objectType": str(body["objectType"])}
    for obj in client.list_all(client.zaken("zaakobjecten"), params):
        if body.get("object") and obj.get("object") != body["object"]:
            continue
        if body.get("objectTypeOverige") and obj.get("objectTypeOverige") != body["objectTypeOverige"]:
            continue
        ours = body.get("objectIdentificatie") or {}
        if _agrees(ours, obj.get("objectIdentificatie") or {}, _OBJECT_ID):
            return {"url": str(obj["url"])}
    return None


def find_zaakeigenschap(client: ZgwClient, zaak_url: str, eigenschap: str) -> dict[str, Any] | None:
    """The zaak's value for `eigenschap` (a nested list without filters in Zaken 1.5.1)."""
    url = client.zaken(f"zaken/{_uuid_of(zaak_url)}/zaakeigenschappen")
    for found in client.list_all(url):
        if found.get("eigenschap") == eigenschap:
            return found
    return None


def find_documenten(client: ZgwClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents with our bronorganisatie + identificatie (none without an identificatie)."""
    if not body.get("identificatie"):
        return []
    params = {"bronorganisatie": str(body["bronorganisatie"]), "identificatie": str(body["identificatie"])}
    return list(client.list_all(client.documenten("enkelvoudiginformatieobjecten"), params))


def find_zaakinformatieobject(client: ZgwClient, zaak_url: str, document_url: str) -> dict[str, Any] | None:
    """The pair is unique in the ZRC, so a match is ours."""
    params = {"zaak": zaak_url, "informatieobject": document_url}
    for found in client.list_all(client.zaken("zaakinformatieobjecten"), params):
        return {"url": str(found["url"])}
    return None
