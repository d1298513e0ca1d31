"""Open Zaak's rules on a zaak's own fields beyond required/length/RSIN (openzaak-rules.md B1):
hoofdzaak, relevanteAndereZaken, betaling, verlenging/opschorting, archiefstatus."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from adapters.zgw.testserver.problems import Invalid
from adapters.zgw.testserver.references import local_object
from adapters.zgw.testserver.store import ZgwStore

_AARD_RELATIE = ("vervolg", "onderwerp", "bijdrage", "overig")
_GEOMETRIEEN = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def check_zaak_fields(
    store: ZgwStore,
    body: dict[str, Any],
    invalid: Invalid,
    zaaktype: dict[str, Any] | None,
    own: dict[str, Any] | None = None,
) -> None:
    """`own`: the stored zaak on an update (None on create)."""
    _hoofdzaak(store, body, invalid, zaaktype, own)
    for index, relatie in enumerate(body.get("relevanteAndereZaken") or []):
        if not isinstance(relatie, dict):
            invalid.add(f"relevanteAndereZaken.{index}", "invalid", "Verwacht een object.")
            continue
        name = f"relevanteAndereZaken.{index}"
        if local_object(store, store.zaken, relatie, Invalid(), "url") is None:
            invalid.add(f"{name}.url", "bad-url", "De URL leidt niet tot een zaak.")
        if relatie.get("aardRelatie") not in _AARD_RELATIE:
            invalid.add(f"{name}.aardRelatie", "invalid_choice", "Ongeldige keuze.")
        elif relatie["aardRelatie"] == "overig" and not relatie.get("overigeRelatie"):
            invalid.add(
                f"{name}.overigeRelatie", "overigerelatie-required", "Vereist bij aardRelatie overig."
            )
    betaald = body.get("laatsteBetaaldatum")
    if betaald:
        moment = _datetime(betaald)
        if moment is None:
            invalid.add("laatsteBetaaldatum", "invalid", "Datetime heeft een verkeerd formaat.")
        elif moment > datetime.now(UTC):
            invalid.add(
                "laatsteBetaaldatum", "future_not_allowed", "Deze datum mag niet in de toekomst zijn."
            )
        elif body.get("betalingsindicatie", (own or {}).get("betalingsindicatie")) == "nvt":
            invalid.add(
                "laatsteBetaaldatum",
                "betaling-nvt",
                'Laatste betaaldatum kan niet gezet worden als de betalingsindicatie "nvt" is.',
            )
    geometrie = body.get("zaakgeometrie")
    if geometrie is not None and not (
        isinstance(geometrie, dict)
        and geometrie.get("type") in _GEOMETRIEEN
        and ("coordinates" in geometrie or "geometries" in geometrie)
    ):
        invalid.add("zaakgeometrie", "invalid", "Ongeldige GeoJSON-geometrie.")
    _group(body, invalid, "verlenging", ("reden", "duur"))
    _group(body, invalid, "opschorting", ("indicatie",))
    if own is not None:
        _archiefstatus(store, body, invalid, own)


def _hoofdzaak(
    store: ZgwStore,
    body: dict[str, Any],
    invalid: Invalid,
    zaaktype: dict[str, Any] | None,
    own: dict[str, Any] | None,
) -> None:
    if not body.get("hoofdzaak"):
        return
    hoofdzaak = local_object(store, store.zaken, body, invalid, "hoofdzaak", missing="does_not_exist")
    if hoofdzaak is None:
        return
    if own is not None and hoofdzaak["url"] == own["url"]:
        invalid.add("hoofdzaak", "self-forbidden", "Een zaak mag niet zijn eigen hoofdzaak zijn.")
    elif hoofdzaak.get("hoofdzaak"):
        invalid.add("hoofdzaak", "deelzaak-als-hoofdzaak", "Een deelzaak kan geen hoofdzaak zijn.")
    else:
        hoofd_type = store.find("zaaktypen", hoofdzaak["zaaktype"]) or {}
        if zaaktype is None or zaaktype["url"] not in hoofd_type.get("deelzaaktypen", []):
            invalid.add(
                "hoofdzaak",
                "invalid-deelzaaktype",
                "Het zaaktype is geen deelzaaktype van het zaaktype van de hoofdzaak.",
            )


def _group(body: dict[str, Any], invalid: Invalid, name: str, required: tuple[str, ...]) -> None:
    """A gegevensgroep, when not null, needs every sub-field (GegevensGroepSerializer)."""
    group = body.get(name)
    if group is None:
        return
    if not isinstance(group, dict):
        invalid.add(name, "invalid", "Verwacht een object.")
        return
    for field in required:
        if group.get(field) in (None, ""):
            invalid.add(f"{name}.{field}", "required", "Dit veld is vereist.")


def _archiefstatus(store: ZgwStore, body: dict[str, Any], invalid: Invalid, own: dict[str, Any]) -> None:
    """Leaving nog_te_archiveren (update only): every document gearchiveerd, and archiefnominatie
    and archiefactiedatum set (ZaakArchiveIOsArchivedValidator)."""
    status = body.get("archiefstatus", own.get("archiefstatus"))
    if status in (None, "nog_te_archiveren"):
        return
    for zio in store.zaakinformatieobjecten.values():
        doc = store.documenten.get(str(zio["informatieobject"]).rsplit("/", 1)[-1])
        if zio["zaak"] == own["url"] and doc is not None and doc.get("status") != "gearchiveerd":
            invalid.add(
                "archiefstatus",
                "documents-not-archived",
                "Er zijn gerelateerde informatieobjecten die nog niet de status `gearchiveerd` hebben.",
            )
            break
    for field in ("archiefnominatie", "archiefactiedatum"):
        if not body.get(field, own.get(field)):
            invalid.add(field, f"{field}-not-set", f"{field} moet gezet zijn om te kunnen archiveren.")


def _datetime(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(str(value)), datetime.min.time())
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
