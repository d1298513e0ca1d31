"""States of a verzoek version, in processing order, and which ones are final."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    RECEIVED = "received"  # notification stored, fetch job queued
    FETCHED = "fetched"  # STAM XML and bijlagen archived, translate job queued
    # Fetched, but an older version of the verzoek is still in flight. Waiting is not an
    # attempt: no job is queued, gateway/pipeline/waiting.py queues it when the older one settles.
    WAITING = "waiting"
    DELIVERED = "delivered"  # registered in the case system, report job queued
    # Everything owed has been told: DSO where it applies (the samenwerking only on opt-in), and the
    # initiatiefnemer (ontvangstbevestiging e-mailed, or made as a letter listed for the post).
    REPORTED = "reported"
    FAILED = "failed"  # dead-lettered; staff can retry
    PARKED = "parked"  # held by staff or by rule (intrekking of an unknown verzoek)
    REROUTED = "rerouted"  # not ours: sent back to DSO for another bevoegd gezag
    SKIPPED = "skipped"  # kopiebericht, recorded only
    SUPERSEDED = "superseded"  # an older volgnummer that arrived after a newer one was handled
    HANDLED = "handled"  # marked as handled by hand by staff


FINAL_STATES = frozenset(
    {
        State.REPORTED,
        State.FAILED,
        State.PARKED,
        State.REROUTED,
        State.SKIPPED,
        State.SUPERSEDED,
        State.HANDLED,
    }
)
# States from which a later version may build on this one (its zaak exists).
DELIVERED_STATES = frozenset({State.DELIVERED, State.REPORTED})
