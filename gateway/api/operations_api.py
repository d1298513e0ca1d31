"""The operations API (/v1, JSON): overview, dead letters and operator actions for other tools.

The status page uses the same functions, so the HTML and the JSON always agree. Actions call
gateway.operations.Operations, which records who did what and why on the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, Depends, Path
from pydantic import Field, PrivateAttr

from gateway.api.deps import container
from gateway.api.problems import PROBLEM_JSON, Problem, ProblemError
from gateway.api.query_params import refuse_unknown_query_params
from gateway.api.schemas import _Camel
from gateway.auth.principal import Principal
from gateway.auth.session import api_operator, api_principal
from gateway.bootstrap import Container
from gateway.events import FETCH, REPORT, STAGES, TRANSLATE
from gateway.heartbeat import workers_seen
from gateway.operations import OperationError, Operations
from gateway.store import State
from gateway.store.queries import throughput

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["Beheer"], dependencies=[Depends(refuse_unknown_query_params)])
_auth_errors: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Ongeldige invoer"},
    401: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Niet ingelogd"},
    403: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Geen toegang"},
}


class Actie(StrEnum):
    OPNIEUW = "opnieuw"  # retry a failed version from the stage that failed
    PARKEREN = "parkeren"
    HERVATTEN = "hervatten"  # unpark
    AFGEHANDELD = "afgehandeld"  # handled by hand, outside the gateway


ACTIE_LABELS = {
    Actie.OPNIEUW: "Opnieuw proberen",
    Actie.PARKEREN: "Parkeren",
    Actie.HERVATTEN: "Hervatten",
    Actie.AFGEHANDELD: "Handmatig afgehandeld",
}


class Wachtrij(_Camel):
    naam: str
    # What the broker reports; null where it cannot say (STOMP has no way to ask).
    diepte: int | None
    # Verzoeken whose state says they wait for this step, from our own store: always known.
    wachtend: int


class Doorvoer(_Camel):
    ontvangen: int
    geregistreerd: int
    teruggemeld: int
    mislukt: int


class Werker(_Camel):
    naam: str
    host: str
    gestartOp: datetime
    laatstGezien: datetime


class Overzicht(_Camel):
    aantallenPerStatus: dict[str, int]
    wachtrijen: list[Wachtrij]
    doodBerichten: int = Field(description="dode berichten waarvan de versie nog mislukt is")
    doorvoerLaatsteUur: Doorvoer
    werkers: list[Werker] = Field(description="worker-processen met een recente hartslag")


class DoodBericht(_Camel):
    wachtrij: str
    berichtId: str
    verzoeknummer: str | None
    volgnummer: int | None
    reden: str
    tijdstip: str
    # The version's state now. Anything but "failed" means the letter is stale: an operator
    # already retried or handled the version, so replaying it would do nothing.
    versieStatus: str | None

    # Set by dead_letters(): a newer letter for the same version also makes this one outdated.
    _outdated: bool = PrivateAttr(default=False)

    @property
    def achterhaald(self) -> bool:
        return self._outdated or self.versieStatus not in (None, State.FAILED)


class ActieVerzoek(_Camel):
    actie: Actie
    toelichting: str = Field(min_length=1, max_length=2000, description="Waarom; verplicht")


class ActieResultaat(_Camel):
    verzoeknummer: str
    volgnummer: int
    actie: Actie
    status: str
    door: str


class HerplaatsVerzoek(_Camel):
    wachtrij: str = Field(max_length=100)
    berichtId: str = Field(max_length=100)
    toelichting: str = Field(min_length=1, max_length=2000)


class HerplaatsResultaat(_Camel):
    herplaatst: int


# The state a verzoek is in while it waits for a stage's queue.
WAITING_FOR = {FETCH: State.RECEIVED, TRANSLATE: State.FETCHED, REPORT: State.DELIVERED}


def overview(c: Container) -> Overzicht:
    tp = throughput(c.store)
    counts = c.store.counts_by_state()
    # Three missed heartbeats and a worker no longer counts as running.
    alive = timedelta(seconds=3 * c.settings.worker_heartbeat_interval)
    return Overzicht(
        werkers=[
            Werker(naam=w.name, host=w.host, gestartOp=w.started_at, laatstGezien=w.last_seen)
            for w in workers_seen(c.store, alive)
        ],
        aantallenPerStatus=counts,
        wachtrijen=[
            Wachtrij(naam=q, diepte=c.queue.depth(q), wachtend=counts.get(WAITING_FOR[q], 0)) for q in STAGES
        ],
        doodBerichten=sum(not d.achterhaald for d in dead_letters(c)),
        doorvoerLaatsteUur=Doorvoer(
            ontvangen=tp.ontvangen,
            geregistreerd=tp.geregistreerd,
            teruggemeld=tp.teruggemeld,
            mislukt=tp.mislukt,
        ),
    )


def dead_letters(c: Container) -> list[DoodBericht]:
    result = []
    # Per stage queue: a STOMP connection only sees dead letters of queues it knows.
    letters = [letter for q in STAGES for letter in c.dead_letters.of(q)]
    for s in Operations(c.context).letters(letters):
        d = s.letter
        bericht = DoodBericht(
            wachtrij=d.queue,
            berichtId=d.message_id,
            verzoeknummer=s.job.verzoeknummer if s.job else None,
            volgnummer=s.job.volgnummer if s.job else None,
            reden=d.reason,
            tijdstip=d.dead_lettered_at.isoformat(),
            versieStatus=s.versie_state,
        )
        bericht._outdated = s.outdated
        result.append(bericht)
    return result


def apply_action(
    c: Container, verzoeknummer: str, volgnummer: int, actie: Actie, note: str, who: Principal
) -> str:
    """Perform `actie` for `who`; returns the version's new state. OperationError when it does
    not apply (wrong state, empty note)."""
    if not who.can_operate:
        raise PermissionError("operator role required")
    note = note.strip()
    if not note:
        raise OperationError("een toelichting is verplicht")
    ops = Operations(c.context)
    if actie is Actie.OPNIEUW:
        ops.retry(verzoeknummer, volgnummer, actor=who.actor, note=note)
    elif actie is Actie.PARKEREN:
        ops.park(verzoeknummer, volgnummer, actor=who.actor, note=note)
    elif actie is Actie.HERVATTEN:
        ops.unpark(verzoeknummer, volgnummer, actor=who.actor, note=note)
    else:
        ops.mark_handled(verzoeknummer, volgnummer, actor=who.actor, note=note)
    log.info(
        "operator-action",
        verzoeknummer=verzoeknummer,
        volgnummer=volgnummer,
        actie=actie.value,
        user=who.actor,
    )
    versie = c.store.get_versie(verzoeknummer, volgnummer)
    return versie.state if versie else "onbekend"


def replay(c: Container, queue: str, message_id: str, note: str, who: Principal) -> int:
    """Replay = retry of the letter's version (gateway.operations); an outdated letter is refused."""
    if not who.can_operate:
        raise PermissionError("operator role required")
    if not note.strip():
        raise OperationError("een toelichting is verplicht")
    ops = Operations(c.context)
    letters = ops.letters(letter for q in STAGES for letter in c.queue.dead_letters(q))
    found = next((s for s in letters if s.letter.queue == queue and s.letter.message_id == message_id), None)
    if found is None:
        raise OperationError("dit dode bericht bestaat niet (meer)")
    if found.job is None:  # not one of our messages: back on its queue as it was
        count = c.queue.replay(queue, message_id)
    else:
        ops.replay(found, actor=who.actor, note=note)
        count = 1
    c.dead_letters.forget(queue, message_id)
    log.info("dead-letter-replayed", queue=queue, message_id=message_id, user=who.actor)
    return count


@router.get(
    "/overzicht",
    response_model=Overzicht,
    summary="Aantallen, wachtrijen en doorvoer",
    responses=_auth_errors,
)
def get_overzicht(
    c: Annotated[Container, Depends(container)], _: Annotated[Principal, Depends(api_principal)]
) -> Overzicht:
    return overview(c)


@router.get(
    "/dode-berichten",
    response_model=list[DoodBericht],
    summary="Berichten in de dead-letter-wachtrijen",
    responses=_auth_errors,
)
def get_dode_berichten(
    c: Annotated[Container, Depends(container)], _: Annotated[Principal, Depends(api_principal)]
) -> list[DoodBericht]:
    return dead_letters(c)


@router.post(
    "/dode-berichten/herplaatsingen",
    response_model=HerplaatsResultaat,
    summary="Zet een dood bericht terug op zijn wachtrij",
    responses={
        **_auth_errors,
        409: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Kan niet"},
    },
)
def post_herplaatsing(
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(api_operator)],
    body: Annotated[HerplaatsVerzoek, Body()],
) -> HerplaatsResultaat:
    try:
        return HerplaatsResultaat(herplaatst=replay(c, body.wachtrij, body.berichtId, body.toelichting, who))
    except OperationError as exc:
        raise ProblemError(409, "Actie niet mogelijk", str(exc)) from exc


class DoorstuurVerzoek(_Camel):
    naar_oin: str = Field(
        pattern=r"^\d{20}$", description="OIN van het andere bevoegd gezag of de behandeldienst"
    )
    reden: str = Field(min_length=1, max_length=1000)
    # The organisation's name as the initiatiefnemer knows it, for the message they get.
    naar_naam: str | None = Field(None, max_length=200)


class DoorstuurResultaat(_Camel):
    verzoeknummer: str
    # False: DSO weigerde; de wijziging is lokaal vastgelegd en het verzoek staat op opvolging.
    geaccepteerd: bool
    melding: str
    door: str


@router.post(
    "/verzoeken/{verzoeknummer}/doorsturen",
    response_model=DoorstuurResultaat,
    summary="Stuur een verzoek via DSO door naar een ander bevoegd gezag of een behandeldienst",
    responses={
        **_auth_errors,
        404: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Niet gevonden"},
        409: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Kan niet (nu)"},
    },
)
def post_doorsturen(
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(api_operator)],
    verzoeknummer: Annotated[str, Path(pattern=r"^\d{13}$")],
    body: Annotated[DoorstuurVerzoek, Body()],
) -> DoorstuurResultaat:
    from gateway.doorsturen import doorsturen

    if c.store.get_verzoek(verzoeknummer) is None:
        raise ProblemError(404, "Niet gevonden", f"Verzoek {verzoeknummer} is niet bekend.")
    try:
        uitkomst = doorsturen(
            c.context,
            c.reporter,
            verzoeknummer,
            naar_oin=body.naar_oin,
            reden=body.reden,
            actor=who.actor,
            naar_naam=body.naar_naam,
        )
    except OperationError as exc:
        raise ProblemError(409, "Doorsturen niet mogelijk", str(exc)) from exc
    return DoorstuurResultaat(
        verzoeknummer=verzoeknummer,
        geaccepteerd=uitkomst.geaccepteerd,
        melding=uitkomst.melding,
        door=who.actor,
    )


@router.post(
    "/verzoeken/{verzoeknummer}/versies/{volgnummer}/acties",
    response_model=ActieResultaat,
    summary="Voer een beheeractie uit op een versie van een verzoek",
    responses={
        **_auth_errors,
        404: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": "Niet gevonden"},
        409: {
            "model": Problem,
            "content": {PROBLEM_JSON: {}},
            "description": "Actie past niet bij de status",
        },
    },
)
def post_actie(
    c: Annotated[Container, Depends(container)],
    who: Annotated[Principal, Depends(api_operator)],
    verzoeknummer: Annotated[str, Path(pattern=r"^[0-9]{13}$")],
    volgnummer: Annotated[int, Path(ge=1, le=10000)],
    body: Annotated[ActieVerzoek, Body()],
) -> ActieResultaat:
    if c.store.get_versie(verzoeknummer, volgnummer) is None:
        raise ProblemError(
            404, "Niet gevonden", f"Versie {volgnummer} van verzoek {verzoeknummer} is niet bekend."
        )
    try:
        state = apply_action(c, verzoeknummer, volgnummer, body.actie, body.toelichting, who)
    except OperationError as exc:
        raise ProblemError(409, "Actie niet mogelijk", str(exc)) from exc
    return ActieResultaat(
        verzoeknummer=verzoeknummer, volgnummer=volgnummer, actie=body.actie, status=state, door=who.actor
    )
