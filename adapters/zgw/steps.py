"""Checkpointed delivery steps, and the guard against lost answers.

A POST the provider handled but whose answer never reached us (a timeout, a 5xx after the
commit, a worker that died before writing the checkpoint) must not create a second object when
the message is redelivered. Asking the provider before every POST would cost a call per step
(hundreds for a verzoek with 100 bijlagen), so `create_once` leaves a marker "<key>:pending"
before the POST instead. Only a run that finds the marker without the step's result asks the
provider (recovery.py) and adopts what it finds; the happy path never looks up.

Which markers must be on disk before their POST: a store transaction per marker was most of a
delivery's bookkeeping. The delivery writes one durable marker per attempt instead, "v<n>:run"
(RUN), before its first request (delivery.py), and the step markers may wait in memory
(ZgwDelivery.checkpoint_written_behind). A run that finds its version's run marker at the start
(`resumed`) may follow any earlier attempt, so for a step without a result it looks up first
whether or not its marker made it to disk; a first attempt POSTs straight away. A marker that
carries a memo (what a retry must send unchanged, e.g. a status's datumStatusGezet) is written
before its POST all the same: the lookup needs that value, and it exists nowhere else.

The Checkpoints store keeps the first value written under a key (tests/contract), so every key
is written once, with its final value; markers and intermediate states get keys of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.base import Checkpoints
from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.zgw.client import ZgwClient

PENDING = ":pending"  # suffix: a POST was (about to be) sent, its result not yet recorded
UPLOAD = ":upload"  # suffix: URL and lock of a bestandsdelen upload in progress
RUN = ":run"  # suffix of "v<n>:run": an attempt to deliver version n began
# The provider's words for "that exists already" (openzaak-rules.md rules 5 and 10, the unique
# zaak + informatieobject pair).
EXISTS_ALREADY = frozenset({"max-occurences", "unique", "identificatie-niet-uniek"})

Result = dict[str, Any]
Post = Callable[[Result], Result]
Find = Callable[[Result], Result | None]


class Steps:
    def __init__(self, client: ZgwClient, checkpoints: Checkpoints, log: Any) -> None:
        self.c = client
        self.cp = checkpoints
        self.log = log
        # An earlier attempt at this version began (its run marker was there at the start):
        # any step without a result may have been POSTed by it, marker or not.
        self.resumed = False

    def step(self, key: str, action: Callable[[], Result]) -> Result:
        """A step that is safe to repeat as it is (a lookup-first create, a PATCH)."""
        done = self.cp.get(key)
        if done is not None:
            return done
        result = action()
        self.cp.put(key, result)
        self.log.info("zgw.step", step=key)
        return result

    def create_once(self, key: str, post: Post, find: Find, memo: Result | None = None) -> Result:
        """A step that creates one object at the provider, safe against a lost answer.

        The marker holds `memo`: what a retry must send unchanged for the object to be
        recognisable (a status's datumStatusGezet). Only a run that finds the marker without a
        result calls `find`, and POSTs when it finds nothing. `post` and `find` get the memo as
        it was first written."""
        done = self.cp.get(key)
        if done is not None:
            return done
        marker = self.cp.get(key + PENDING)
        first = marker is None and not self.resumed  # nothing before us can have sent it
        if marker is None:
            marker = dict(memo or {})
            self.cp.put(key + PENDING, marker)
        if not first and (adopted := find(marker)) is not None:
            self.log.info("zgw.step.adopted", step=key)
            result = adopted
        else:
            try:
                result = post(marker)
            except DeliveryPermanentError as exc:
                result = self._made_meanwhile(key, exc, find, marker)
        self.cp.put(key, result)
        self.log.info("zgw.step", step=key)
        return result

    def _made_meanwhile(self, key: str, exc: DeliveryPermanentError, find: Find, marker: Result) -> Result:
        """The provider refuses the create because the object is there already (Open Zaak:
        `max-occurences` for an initiator rol, `unique`, `identificatie-niet-uniek`): another
        delivery of this version made it, the one a broker handed the message to when our
        connection dropped. Adopt it; if it cannot be found, the job comes back later, when that
        other delivery has recorded it or is gone, instead of failing the verzoek for good."""
        if not exc.refused_only_for(*EXISTS_ALREADY):
            raise exc
        if (adopted := find(marker)) is not None:
            self.log.warning("zgw.step.made_meanwhile", step=key)
            return adopted
        raise DeliveryRetryableError(
            f"{exc} (een gelijktijdige aflevering van deze versie maakte het al; wordt opnieuw geprobeerd)"
        ) from exc

    def create_in(
        self,
        key: str,
        resource: str,
        body: Result,
        find: Callable[[ZgwClient, Result], Result | None],
        memo: Result | None = None,
    ) -> Result:
        """POST `body` (with the memo's fields) to a Zaken collection, once."""
        url = self.c.zaken(resource)
        return self.create_once(
            key,
            lambda m: self.post_url(url, {**body, **m}),
            lambda m: find(self.c, {**body, **m}),
            memo,
        )

    def post_url(self, url: str, body: Result) -> Result:
        return {"url": str(self.c.post(url, body)["url"])}
