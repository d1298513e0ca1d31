"""Our abonnement at the ZGW Notificaties API (Open Notificaties): create it, or update it.

One abonnement per callback URL: kanaal "zaken", filtered to our bronorganisatie (the RSIN in
the mapping file), with the Authorization header the callback checks. Running it again updates
that abonnement in place (PUT), so it is safe to run on every deployment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.zgw.client import ZgwClient
from gateway.errors import PermanentError
from gateway.settings import Settings
from stam_mapping.mapping import MunicipalMapping


@dataclass(frozen=True)
class Abonnement:
    actie: str  # "aangemaakt" or "bijgewerkt"
    url: str


def abonneren(settings: Settings, client: ZgwClient, mapping: MunicipalMapping) -> Abonnement:
    if not settings.zgw_callback_url or settings.zgw_callback_auth is None:
        raise PermanentError("zet DSOGW_ZGW_CALLBACK_URL en DSOGW_ZGW_CALLBACK_AUTH voor een abonnement")
    base = settings.zgw_notificaties_url.rstrip("/")
    kanalen = client.request("GET", f"{base}/kanaal", params={"naam": "zaken"}) or []
    if not any(k.get("naam") == "zaken" for k in kanalen):
        raise PermanentError(
            "de Notificaties API kent het kanaal 'zaken' niet: is de Zaken API erop aangesloten?"
        )
    body: dict[str, Any] = {
        "callbackUrl": settings.zgw_callback_url,
        "auth": settings.zgw_callback_auth.get_secret_value(),
        "kanalen": [{"naam": "zaken", "filters": {"bronorganisatie": mapping.bronorganisatie}}],
    }
    bestaande = client.request("GET", f"{base}/abonnement") or []
    ons = next((a for a in bestaande if a.get("callbackUrl") == settings.zgw_callback_url), None)
    if ons is not None:
        client.request("PUT", str(ons["url"]), json=body)
        return Abonnement("bijgewerkt", str(ons["url"]))
    created = client.request("POST", f"{base}/abonnement", json=body)
    return Abonnement("aangemaakt", str(created["url"]))
