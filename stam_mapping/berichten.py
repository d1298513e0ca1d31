"""The mapping file's `berichten` section: what the gateway tells the initiatiefnemer, and the
beslistermijn per zaaktype.

Kept apart from the ZGW parts of the mapping (stam_mapping/mapping.py only holds one field that
points here) so that the initiatiefnemer side can change without touching the delivery rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Procedure = Literal["regulier", "uitgebreid"]

# Omgevingswet art. 16.64 (regulier: 8 weeks) and Awb afdeling 3.4 via art. 16.65 (uitgebreid:
# 26 weeks), both counted from receipt. A mapping may name another term per zaaktype.
WETTELIJKE_TERMIJN_WEKEN: dict[Procedure, int] = {"regulier": 8, "uitgebreid": 26}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Beslistermijn(_Frozen):
    procedure: Procedure
    weken: int | None = Field(default=None, ge=1, le=104)  # None: the legal term of the procedure

    @property
    def termijn_weken(self) -> int:
        return self.weken or WETTELIJKE_TERMIJN_WEKEN[self.procedure]

    def uiterlijk(self, ontvangen: date | datetime) -> date:
        dag = ontvangen.date() if isinstance(ontvangen, datetime) else ontvangen
        return dag + timedelta(weeks=self.termijn_weken)


class Afzender(_Frozen):
    """Whom the initiatiefnemer can contact: printed in every message."""

    naam: str = Field(default="Gemeente", min_length=1)
    afdeling: str | None = None
    emailadres: str | None = None
    telefoonnummer: str | None = None
    postadres: tuple[str, ...] = ()


class BerichtInformatieobjecttypen(_Frozen):
    """informatieobjecttype omschrijving under which each message is stored in the zaak."""

    ontvangstbevestiging: str = Field(default="Ontvangstbevestiging", min_length=1)
    statusbericht: str = Field(default="Statusbericht", min_length=1)


class Berichten(_Frozen):
    afzender: Afzender = Afzender()
    informatieobjecttypen: BerichtInformatieobjecttypen = BerichtInformatieobjecttypen()
    # zaaktype identificatie -> its procedure (and term); zaaktypen not listed have none.
    beslistermijnen: dict[str, Beslistermijn] = {}
    # statustype omschrijving -> template name (without .txt.j2) of the statusbericht to send.
    statusberichten: dict[str, str] = {}
    # Templates: a folder beside the mapping file; files there override the shipped defaults.
    templates: str = Field(default="berichten", min_length=1)

    def beslistermijn(self, zaaktype: str) -> Beslistermijn | None:
        return self.beslistermijnen.get(zaaktype)
