"""Notificaties API 1.0.0 in the ZGW test server: kanalen, abonnementen, publishing, callbacks.

Like Open Notificaties: an abonnement names a callbackUrl, the `auth` header value to send it
and kanalen with filters on the notification's kenmerken; a published notification is POSTed,
in the background, to every abonnement whose filters match. The Zaken API of this server
publishes on kanaal "zaken" when a status is created (the hook in zaken.py), so the demo and
the harness exercise the gateway's callback for real. Deliveries are kept for inspection, and a
test can hold them back (`pauze`) to stage a missed notification."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2
import jwt
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from adapters.zgw.testserver.common import new_uuid
from adapters.zgw.testserver.problems import Invalid, Problem

NOTIFICATIES = "/notificaties/api/v1"
VERSION = "1.0.0"
router = APIRouter(prefix=NOTIFICATIES)


@dataclass
class Aflevering:
    callback_url: str
    bericht: dict[str, Any]
    status: int | None  # None: the callback could not be reached


@dataclass
class NotificatiesState:
    secret: str
    base: str = ""
    kanalen: dict[str, dict[str, Any]] = field(default_factory=dict)
    abonnementen: dict[str, dict[str, Any]] = field(default_factory=dict)
    afgeleverd: list[Aflevering] = field(default_factory=list)
    pauze: bool = False  # True: notifications are dropped (a missed notification, for tests)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seed(self, base: str) -> None:
        """The Zaken API registers its kanaal, as Open Zaak does at start-up."""
        with self.lock:
            if self.base:
                return
            self.base = base.rstrip("/")
            self._kanaal(
                {
                    "naam": "zaken",
                    "documentatieLink": "",
                    "filters": ["bronorganisatie", "zaaktype", "vertrouwelijkheidaanduiding"],
                }
            )

    def _kanaal(self, body: dict[str, Any]) -> dict[str, Any]:
        uuid = new_uuid()
        kanaal = {**body, "url": f"{self.base}{NOTIFICATIES}/kanaal/{uuid}"}
        self.kanalen[uuid] = kanaal
        return kanaal

    def publiceer(self, bericht: dict[str, Any]) -> int:
        """Deliver `bericht` to every matching abonnement, in the background. Returns how many."""
        kenmerken = bericht.get("kenmerken") or {}
        with self.lock:
            if self.pauze:
                return 0
            doelen = [
                a
                for a in self.abonnementen.values()
                for k in a["kanalen"]
                if k["naam"] == bericht["kanaal"]
                and all(kenmerken.get(key) == value for key, value in (k.get("filters") or {}).items())
            ]
        for abonnement in doelen:
            threading.Thread(target=self._lever_af, args=(abonnement, bericht), daemon=True).start()
        return len(doelen)

    def _lever_af(self, abonnement: dict[str, Any], bericht: dict[str, Any]) -> None:
        status: int | None = None
        for poging in range(3):  # Open Notificaties retries too; three quick tries is enough here
            try:
                answer = httpx2.post(
                    abonnement["callbackUrl"],
                    json=bericht,
                    headers={"Authorization": abonnement["auth"]},
                    timeout=10,
                )
                status = answer.status_code
                if answer.is_success:
                    break
            except httpx2.HTTPError:
                status = None
            time.sleep(0.2 * (poging + 1))
        with self.lock:
            self.afgeleverd.append(Aflevering(abonnement["callbackUrl"], bericht, status))


def state_of(app: FastAPI) -> NotificatiesState:
    result: NotificatiesState = app.state.notificaties
    return result


def install(app: FastAPI, secret: str) -> None:
    app.state.notificaties = NotificatiesState(secret)
    app.include_router(router)


def status_gezet(app: FastAPI, status: dict[str, Any], zaak: dict[str, Any]) -> None:
    """The hook in the Zaken API: a status was created on `zaak`."""
    state: NotificatiesState | None = getattr(app.state, "notificaties", None)
    if state is None:
        return
    state.publiceer(
        {
            "kanaal": "zaken",
            "hoofdObject": zaak["url"],
            "resource": "status",
            "resourceUrl": status["url"],
            "actie": "create",
            "aanmaakdatum": datetime.now(UTC).isoformat(),
            "kenmerken": {
                "bronorganisatie": zaak["bronorganisatie"],
                "zaaktype": zaak["zaaktype"],
                "vertrouwelijkheidaanduiding": zaak.get("vertrouwelijkheidaanduiding") or "openbaar",
            },
        }
    )


# --- HTTP -------------------------------------------------------------------------------------


def _json(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"API-version": VERSION})


def _state(request: Request) -> NotificatiesState:
    state = state_of(request.app)
    state.seed(str(request.base_url))
    header = request.headers.get("Authorization", "")
    try:
        jwt.decode(
            header.removeprefix("Bearer "), state.secret, algorithms=["HS256"], options={"verify_iat": False}
        )
    except jwt.PyJWTError as exc:
        raise Problem(403, "not_authenticated", "Authenticatiegegevens zijn niet geldig.") from exc
    return state


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise Problem(400, "parse_error", "Ongeldige JSON.") from exc
    if not isinstance(body, dict):
        raise Problem(400, "parse_error", "Een object werd verwacht.")
    return body


def _check_abonnement(state: NotificatiesState, body: dict[str, Any]) -> dict[str, Any]:
    invalid = Invalid()
    for name in ("callbackUrl", "auth", "kanalen"):
        if body.get(name) in (None, "", []):
            invalid.add(name, "required", "Dit veld is vereist.")
    url = body.get("callbackUrl")
    if isinstance(url, str) and (len(url) > 200 or not url.startswith(("http://", "https://"))):
        invalid.add("callbackUrl", "invalid", "Voer een geldige URL in.")
    if isinstance(body.get("auth"), str) and len(body["auth"]) > 1000:
        invalid.add("auth", "max_length", "Zorg ervoor dat dit veld niet meer dan 1000 karakters bevat.")
    namen = {k["naam"]: k for k in state.kanalen.values()}
    for i, kanaal in enumerate(body.get("kanalen") or []):
        if not isinstance(kanaal, dict) or kanaal.get("naam") not in namen:
            invalid.add(f"kanalen.{i}.naam", "kanaal-naam", "Kanaal bestaat niet.")
            continue
        filters = kanaal.get("filters") or {}
        if not isinstance(filters, dict) or any(not isinstance(v, str) or not v for v in filters.values()):
            invalid.add(f"kanalen.{i}.filters", "invalid", "Filters zijn sleutel/waarde-paren van tekst.")
        elif set(filters) - set(namen[kanaal["naam"]].get("filters") or []):
            invalid.add(f"kanalen.{i}.filters", "kenmerken-inconsistent", "Onbekende filter kenmerken.")
    invalid.raise_if_any()
    return {
        "callbackUrl": url,
        "auth": body["auth"],
        "kanalen": [{"naam": k["naam"], "filters": k.get("filters") or {}} for k in body["kanalen"]],
    }


@router.get("/kanaal")
async def kanaal_list(request: Request) -> JSONResponse:
    state = _state(request)
    naam = request.query_params.get("naam")
    return _json([k for k in state.kanalen.values() if naam is None or k["naam"] == naam])


@router.post("/kanaal")
async def kanaal_create(request: Request) -> JSONResponse:
    state = _state(request)
    body = await _body(request)
    invalid = Invalid()
    naam = body.get("naam")
    if not isinstance(naam, str) or not naam or len(naam) > 50:
        invalid.add("naam", "invalid", "Een naam van 1 tot 50 tekens is vereist.")
    elif any(k["naam"] == naam for k in state.kanalen.values()):
        invalid.add("naam", "unique", "Kanaal met deze naam bestaat al.")
    invalid.raise_if_any()
    with state.lock:
        kanaal = state._kanaal(
            {
                "naam": naam,
                "documentatieLink": body.get("documentatieLink") or "",
                "filters": list(body.get("filters") or []),
            }
        )
    return _json(kanaal, 201)


@router.get("/abonnement")
async def abonnement_list(request: Request) -> JSONResponse:
    return _json(list(_state(request).abonnementen.values()))


@router.post("/abonnement")
async def abonnement_create(request: Request) -> JSONResponse:
    state = _state(request)
    values = _check_abonnement(state, await _body(request))
    uuid = new_uuid()
    abonnement = {"url": f"{state.base}{NOTIFICATIES}/abonnement/{uuid}", **values}
    with state.lock:
        state.abonnementen[uuid] = abonnement
    return _json(abonnement, 201)


def _abonnement(state: NotificatiesState, uuid: str) -> dict[str, Any]:
    found = state.abonnementen.get(uuid)
    if found is None:
        raise Problem(404, "not_found", "Niet gevonden.")
    return found


@router.get("/abonnement/{uuid}")
async def abonnement_read(request: Request, uuid: str) -> JSONResponse:
    return _json(_abonnement(_state(request), uuid))


@router.put("/abonnement/{uuid}")
async def abonnement_update(request: Request, uuid: str) -> JSONResponse:
    state = _state(request)
    bestaand = _abonnement(state, uuid)
    values = _check_abonnement(state, await _body(request))
    with state.lock:
        bestaand.update(values)
    return _json(bestaand)


@router.patch("/abonnement/{uuid}")
async def abonnement_partial_update(request: Request, uuid: str) -> JSONResponse:
    state = _state(request)
    bestaand = _abonnement(state, uuid)
    values = _check_abonnement(state, {**bestaand, **(await _body(request))})
    with state.lock:
        bestaand.update(values)
    return _json(bestaand)


@router.delete("/abonnement/{uuid}")
async def abonnement_delete(request: Request, uuid: str) -> Response:
    state = _state(request)
    _abonnement(state, uuid)
    with state.lock:
        del state.abonnementen[uuid]
    return Response(status_code=204, headers={"API-version": VERSION})


@router.post("/notificaties")
async def notificaties_create(request: Request) -> JSONResponse:
    state = _state(request)
    body = await _body(request)
    invalid = Invalid()
    for name in ("kanaal", "hoofdObject", "resource", "resourceUrl", "actie", "aanmaakdatum"):
        if not isinstance(body.get(name), str) or not body[name]:
            invalid.add(name, "required", "Dit veld is vereist.")
    if isinstance(body.get("kanaal"), str) and not any(
        k["naam"] == body["kanaal"] for k in state.kanalen.values()
    ):
        invalid.add("kanaal", "kanaal_naam", "Kanaal bestaat niet.")
    invalid.raise_if_any()
    state.publiceer(body)
    return _json(body)
