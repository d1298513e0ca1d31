"""Operator actions on a verzoek version: retry, park, unpark, mark as handled by hand.

Every action is recorded on the timeline with who did it and why. A retry queues the job for
the stage that failed (through the outbox, like any other job); the stages are idempotent, so a
retry of something that meanwhile succeeded does nothing."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.events import FETCH, REPORT, TRANSLATE, StageJob
from gateway.pipeline.context import StageContext
from gateway.store import FINAL_STATES, State


class OperationError(ValueError):
    """The action does not apply to the version in its current state."""


# Which state a version returns to, and which queue gets the job, when a stage is retried.
_RETRY = {
    "fetch": (State.RECEIVED, FETCH),
    "translate": (State.FETCHED, TRANSLATE),
    "report": (State.DELIVERED, REPORT),
}


@dataclass(frozen=True)
class Operations:
    ctx: StageContext

    def _versie(self, verzoeknummer: str, volgnummer: int) -> tuple[State, str | None, str | None]:
        versie = self.ctx.store.get_versie(verzoeknummer, volgnummer)
        if versie is None:
            raise OperationError(f"versie {volgnummer} van verzoek {verzoeknummer} is niet bekend")
        return State(versie.state), versie.failed_stage, versie.oin

    def retry(self, verzoeknummer: str, volgnummer: int, *, actor: str, note: str | None = None) -> str:
        state, failed_stage, oin = self._versie(verzoeknummer, volgnummer)
        if state is not State.FAILED:
            raise OperationError(f"alleen een mislukte versie kan opnieuw; deze is {state.value}")
        back_to, queue = _RETRY.get(failed_stage or "fetch", _RETRY["fetch"])
        if back_to is State.DELIVERED and self.ctx.store.get_verzoek(verzoeknummer) is None:
            back_to, queue = _RETRY["fetch"]
        self.ctx.store.transition(
            verzoeknummer,
            volgnummer,
            to=back_to,
            event="retry-requested",
            detail=f"opnieuw vanaf stap {failed_stage or 'fetch'}" + (f": {note}" if note else ""),
            expect={State.FAILED},
            actor=actor,
            versie_values={"attempts": 0},
            job=self.ctx.job(queue, StageJob(verzoeknummer, volgnummer, oin)),
        )
        return failed_stage or "fetch"

    def park(self, verzoeknummer: str, volgnummer: int, *, actor: str, note: str) -> None:
        state, _, _ = self._versie(verzoeknummer, volgnummer)
        if state in FINAL_STATES - {State.FAILED}:
            raise OperationError(f"een versie die {state.value} is kan niet geparkeerd worden")
        self._require_note(note)
        self.ctx.store.transition(
            verzoeknummer, volgnummer, to=State.PARKED, event="parked", detail=note, actor=actor
        )

    def unpark(self, verzoeknummer: str, volgnummer: int, *, actor: str, note: str | None = None) -> None:
        state, _, oin = self._versie(verzoeknummer, volgnummer)
        if state is not State.PARKED:
            raise OperationError("alleen een geparkeerde versie kan weer verder")
        # Parked versions restart from the fetch: cheap, and the later stages are idempotent.
        self.ctx.store.transition(
            verzoeknummer,
            volgnummer,
            to=State.RECEIVED,
            event="unparked",
            detail=note,
            actor=actor,
            expect={State.PARKED},
            job=self.ctx.job(FETCH, StageJob(verzoeknummer, volgnummer, oin)),
        )

    def mark_handled(self, verzoeknummer: str, volgnummer: int, *, actor: str, note: str) -> None:
        state, _, _ = self._versie(verzoeknummer, volgnummer)
        self._require_note(note)
        if state in (State.REPORTED, State.HANDLED):
            raise OperationError(f"deze versie is al {state.value}")
        self.ctx.store.transition(
            verzoeknummer, volgnummer, to=State.HANDLED, event="handled-by-hand", detail=note, actor=actor
        )

    @staticmethod
    def _require_note(note: str | None) -> None:
        if not note or not note.strip():
            raise OperationError("een toelichting is verplicht")
