"""Operator actions on a verzoek version: retry, park, unpark, mark as handled by hand, and
replay a dead letter.

Every action is recorded on the timeline with who did it and why. A retry queues the job for
the stage that failed (through the outbox, like any other job); the stages are idempotent, so a
retry of something that meanwhile succeeded does nothing.

Replaying a dead letter is a retry. Putting the letter itself back on its queue did nothing:
the stage found the version FAILED, skipped it and acked, and the verzoek stayed failed. So
replay re-opens the version with a fresh job in the same transaction (exactly one job, even
when two operators press the button at once), and the letter is from then on outdated. A
letter is outdated when its version is no longer failed at that letter's stage, or a newer
letter exists for the same version: the version was retried since. Outdated letters are
refused, so one version never gets two jobs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gateway.events import FETCH, REPORT, TRANSLATE, BadMessage, StageJob, parse_job, stage_of_queue
from gateway.pipeline.context import StageContext
from gateway.store import FINAL_STATES, State
from message_queue.base import DeadLetter


class OperationError(ValueError):
    """The action does not apply to the version in its current state."""


# Which state a version returns to, and which queue gets the job, when a stage is retried.
_RETRY = {
    "fetch": (State.RECEIVED, FETCH),
    "translate": (State.FETCHED, TRANSLATE),
    "report": (State.DELIVERED, REPORT),
}


@dataclass(frozen=True)
class LetterState:
    letter: DeadLetter
    job: StageJob | None  # None: the body is not one of our CloudEvents
    versie_state: str | None  # None: no version known for it
    outdated: bool


@dataclass(frozen=True)
class Operations:
    ctx: StageContext

    def _versie(self, verzoeknummer: str, volgnummer: int) -> tuple[State, str | None, str | None]:
        versie = self.ctx.store.get_versie(verzoeknummer, volgnummer)
        if versie is None:
            raise OperationError(f"versie {volgnummer} van verzoek {verzoeknummer} is niet bekend")
        return State(versie.state), versie.failed_stage, versie.oin

    def retry(
        self,
        verzoeknummer: str,
        volgnummer: int,
        *,
        actor: str,
        note: str | None = None,
        event: str = "retry-requested",
    ) -> str:
        state, failed_stage, oin = self._versie(verzoeknummer, volgnummer)
        if state is not State.FAILED:
            raise OperationError(f"alleen een mislukte versie kan opnieuw; deze is {state.value}")
        back_to, queue = _RETRY.get(failed_stage or "fetch", _RETRY["fetch"])
        if back_to is State.DELIVERED and self.ctx.store.get_verzoek(verzoeknummer) is None:
            back_to, queue = _RETRY["fetch"]
        done = self.ctx.store.transition(
            verzoeknummer,
            volgnummer,
            to=back_to,
            event=event,
            detail=f"opnieuw vanaf stap {failed_stage or 'fetch'}" + (f": {note}" if note else ""),
            expect={State.FAILED},
            actor=actor,
            versie_values={"attempts": 0},
            job=self.ctx.job(queue, StageJob(verzoeknummer, volgnummer, oin)),
        )
        if not done:  # someone else retried it in the meantime: one job is enough
            raise OperationError("deze versie is zojuist al opnieuw gestart")
        return failed_stage or "fetch"

    def letters(self, letters: Iterable[DeadLetter]) -> list[LetterState]:
        """Each dead letter with its job, its version's state and whether it is outdated."""
        read: list[tuple[DeadLetter, StageJob | None]] = []
        for letter in letters:
            try:
                read.append((letter, parse_job(letter.body)[1]))
            except BadMessage:
                read.append((letter, None))
        newest: dict[tuple[str, int], DeadLetter] = {}
        for letter, job in read:
            if job is not None and job.volgnummer is not None:
                key = (job.verzoeknummer, job.volgnummer)
                if key not in newest or letter.dead_lettered_at > newest[key].dead_lettered_at:
                    newest[key] = letter
        result = []
        for letter, job in read:
            versie = (
                self.ctx.store.get_versie(job.verzoeknummer, job.volgnummer)
                if job is not None and job.volgnummer is not None
                else None
            )
            outdated = versie is not None and (
                versie.state != State.FAILED
                or (versie.failed_stage or "fetch") != stage_of_queue(letter.queue)
                or newest.get((versie.verzoeknummer, versie.volgnummer)) is not letter
            )
            result.append(LetterState(letter, job, versie.state if versie else None, outdated))
        return result

    def replay(self, letter: LetterState, *, actor: str, note: str) -> None:
        """Re-open the letter's failed version (see the module docstring); OperationError for an
        outdated letter or one that names no version."""
        self._require_note(note)
        job = letter.job
        if letter.outdated:
            raise OperationError(
                "dit dode bericht is achterhaald: de versie is sindsdien opnieuw geprobeerd of"
                f" afgehandeld (nu {letter.versie_state}); herplaatsen zou niets doen"
            )
        if job is None or job.volgnummer is None or letter.versie_state is None:
            raise OperationError("dit dode bericht noemt geen bekende versie van een verzoek")
        self.retry(
            job.verzoeknummer,
            job.volgnummer,
            actor=actor,
            note=f"dood bericht {letter.letter.message_id} op {letter.letter.queue}: {note.strip()}",
            event="dead-letter-replayed",
        )

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
