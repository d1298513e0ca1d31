"""The adapters' Checkpoints, kept in the store per verzoeknummer and read once per delivery.

A ZGW delivery asks for a checkpoint before every step and writes one after it (adapters/zgw/
steps.py): read per step, that was a store transaction per read, about half of a worker's
store bookkeeping. Here all checkpoints of the verzoek are loaded in one query when the
delivery starts and reads are served from memory. Writes stay what they were: one small INSERT
transaction each, durable before `put` returns, so a "pending" marker is on disk before the
POST it protects and a created object's URL before the next step relies on it. A crash at any
moment therefore leaves the store holding exactly what this object holds, and the next delivery
loads that.

Checkpoints are write-once (the first value under a key stands): a key already loaded or written
needs no write at all, and a key another delivery of the same verzoek wrote since our load (the
INSERT conflicts) takes the value in the store, as a per-step read would have.

Write-behind (`written_behind(key, value)`, a predicate the delivery adapter supplies): a
checkpoint the adapter can do without after a crash (with a ZGW delivery: a step's result or
plain marker, found again through the durable run marker of the attempt, or a step that is safe
to repeat) is kept in memory and written in the same transaction as the next checkpoint that
must be durable, or by `flush()` when the delivery ends (the translate stage writes them with
its DELIVERED transition). A crash loses at most those, and the next delivery recovers them the
way it recovers a lost answer. A ZGW delivery so needs about three store transactions instead of
one per step; without a predicate every put is written at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.store import SqlStore


class StoreCheckpoints:
    def __init__(
        self,
        store: SqlStore,
        verzoeknummer: str,
        written_behind: Callable[[str, dict[str, Any]], bool] | None = None,
    ) -> None:
        self._store = store
        self._verzoeknummer = verzoeknummer
        self._known: dict[str, dict[str, Any]] | None = None
        self._written_behind = written_behind
        self._unwritten: dict[str, dict[str, Any]] = {}

    def _loaded(self) -> dict[str, dict[str, Any]]:
        # Loaded on first use: a stage that decides not to deliver reads nothing.
        if self._known is None:
            self._known = self._store.checkpoints_for(self._verzoeknummer)
        return self._known

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._loaded().get(key)
        # A copy: a caller changing what it got must not change what the next step reads.
        return None if value is None else dict(value)

    def put(self, key: str, value: dict[str, Any]) -> None:
        known = self._loaded()
        if key in known:
            return
        known[key] = dict(value)
        self._unwritten[key] = dict(value)
        if self._written_behind is None or not self._written_behind(key, value):
            self.flush()  # durable before put returns, with whatever waited for it

    def unwritten(self) -> dict[str, dict[str, Any]]:
        """Checkpoints written behind and not in the store yet: for a caller that writes them in
        a transaction of its own (SqlStore.transition's `checkpoints`), after which this object
        is not used again."""
        return dict(self._unwritten)

    def flush(self) -> None:
        """Write what was written behind, in one transaction; durable when this returns."""
        if self._unwritten:
            self._loaded().update(self._store.checkpoints_put(self._verzoeknummer, self._unwritten))
            self._unwritten.clear()
