"""`dso-gateway deliver FILE.xml`: one STAM file straight to the configured case system.

No DSO and no queue: municipalities use it to try their mapping file against their own test
environment. Bijlagen come from --bijlagen DIR (matched by documentId, then bestandsnaam); with
--placeholders a missing one is sent as a small placeholder PDF instead of being an error.

It keeps the same books as the pipeline: the version, its STAM and the adapter's checkpoints go
into the configured store (DSOGW_STORE_URL) and archive. So a second run of the same file changes
nothing, a run after a failure resumes at the first missing step, and an aanvulling or intrekking
delivered after its initial version builds on it and updates the same zaak. DSO never hears of
the zaak: the version stays `delivered` (not `reported`), and the timeline says why."""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from adapters.base import Delivery
from gateway.archive import Archive
from gateway.bsn_mask import mask_bsns
from gateway.errors import classify
from gateway.pipeline.checkpoints import StoreCheckpoints
from gateway.settings import Settings
from gateway.store import DELIVERED_STATES, FINAL_STATES, SqlStore, State
from stam_mapping.model import Doel, Verzoek

PLACEHOLDER = b"%PDF-1.4\n% bijlage niet meegeleverd bij deze test (dso-gateway deliver)\n%%EOF\n"
STAM_NAME = "deliver.xml"  # archive name of the STAM a run was given (the pipeline's is samenvatting.xml)
# States from which `deliver` (re)starts a version: new, never fetched, half done, or failed.
_STARTABLE = {State.RECEIVED, State.FETCHED, State.FAILED}


class DirectoryDocuments:
    """DocumentSource over a folder of files."""

    def __init__(self, folder: Path | None, names: dict[str, str], placeholders: bool) -> None:
        self._folder = folder
        self._names = names  # documentId -> bestandsnaam
        self._placeholders = placeholders

    def _path(self, document_id: str) -> Path | None:
        if self._folder is None:
            return None
        for name in (document_id, self._names.get(document_id, "")):
            if name and (self._folder / name).is_file():
                return self._folder / name
        return None

    def missing(self, known: frozenset[str] = frozenset()) -> list[str]:
        """Bijlagen not in the folder, except `known` ones (delivered with an earlier version)."""
        return [d for d in self._names if d not in known and self._path(d) is None]

    def open(self, document_id: str) -> BinaryIO:
        path = self._path(document_id)
        return open(path, "rb") if path else io.BytesIO(PLACEHOLDER)

    def size(self, document_id: str) -> int:
        path = self._path(document_id)
        return path.stat().st_size if path else len(PLACEHOLDER)

    def media_type(self, document_id: str) -> str:
        path = self._path(document_id)
        return (
            "application/pdf" if path is None or path.suffix.lower() == ".pdf" else "application/octet-stream"
        )


class DeliverRefused(Exception):
    """This version cannot be delivered now; the message says why (one line, exit status 2)."""


@dataclass(frozen=True)
class Plan:
    """What a run does with a version: deliver it on top of `previous`, or nothing (`done`)."""

    previous: Verzoek | None = None
    done: str | None = None  # why there is nothing left to do


def plan_version(store: SqlStore, archive: Archive, verzoek: Verzoek, max_bytes: int) -> Plan:
    """The pipeline's ordering rules (gateway/pipeline/translate.py), for a person at a terminal:
    a version waiting for an older one is refused instead of retried later."""
    from stam_mapping import parse_verzoek

    vnr, volgnummer = verzoek.verzoeknummer, verzoek.volgnummer
    versies = {v.volgnummer: v for v in store.versies_for(vnr)}
    own = versies.get(volgnummer)
    if own is not None and State(own.state) in DELIVERED_STATES:
        record = store.get_verzoek(vnr)
        if record is not None and record.zaak_identificatie:
            return Plan(done=f"{vnr} versie {volgnummer} is already zaak {record.zaak_identificatie}")
        return Plan(done=f"{vnr} versie {volgnummer} is {own.state} already")
    if own is not None and State(own.state) not in _STARTABLE:
        return Plan(done=f"{vnr} versie {volgnummer} is {own.state}")
    newer = [n for n, v in versies.items() if n > volgnummer and State(v.state) in DELIVERED_STATES]
    if newer:
        return Plan(done=f"{vnr} versie {max(newer)} is delivered already, versie {volgnummer} is superseded")
    older = {n: State(v.state) for n, v in versies.items() if n < volgnummer}
    waiting = sorted(n for n, s in older.items() if s not in FINAL_STATES | DELIVERED_STATES)
    if waiting:
        raise DeliverRefused(
            f"{vnr} versie(s) {', '.join(map(str, waiting))} not delivered yet: deliver them first"
        )
    delivered = [n for n, s in older.items() if s in DELIVERED_STATES]
    if delivered:
        return Plan(previous=parse_verzoek(archive.stam(vnr, max(delivered)), max_bytes=max_bytes))
    if verzoek.doel is Doel.INTREKKEN:
        raise DeliverRefused(
            f"intrekking of {vnr}, but no earlier versie is in the store: deliver that first "
            "(an intrekking makes no zaak)"
        )
    # As in the pipeline: an aanvulling for a verzoek we never saw is treated as a new verzoek.
    return Plan()


def deliver_version(
    store: SqlStore,
    archive: Archive,
    delivery: Delivery,
    verzoek: Verzoek,
    raw: bytes,
    documents: DirectoryDocuments,
    previous: Verzoek | None,
) -> str:
    """Record, deliver and settle one version; returns the zaak URL. Failures are recorded on the
    version (permanent: failed; retryable: an attempt) and raised."""
    vnr, volgnummer = verzoek.verzoeknummer, verzoek.volgnummer
    store.ensure_versie(vnr, volgnummer, verzoek.bevoegd_gezag.oin, State.FETCHED)
    archive.put_bytes(vnr, volgnummer, "stam", raw, STAM_NAME)
    store.transition(
        vnr,
        volgnummer,
        to=State.FETCHED,
        event="deliver-started",
        detail="aangeleverd met dso-gateway deliver (geen DSO, geen wachtrij)",
        expect=_STARTABLE,
    )
    store.update_summary(
        vnr,
        doel=verzoek.doel.value,
        type=verzoek.type.value,
        naam=verzoek.naam,
        activiteiten="\n".join(a.activiteit_id for a in verzoek.projectactiviteiten),
    )
    try:
        result = delivery.deliver(verzoek, previous, documents, StoreCheckpoints(store, vnr))
    except Exception as exc:
        error = classify(exc)
        reason = mask_bsns(str(error))
        if error.retryable:
            versie = store.get_versie(vnr, volgnummer)
            attempts = (versie.attempts if versie else 0) + 1
            store.record_attempt(vnr, volgnummer, stage="translate", reason=reason, attempt=attempts)
        else:
            store.record_failure(vnr, volgnummer, stage="translate", reason=reason)
        raise
    store.transition(
        vnr,
        volgnummer,
        to=State.DELIVERED,
        event="delivered",
        # Not `reported`: DSO never hears of a zaak made this way. The adapter's notes (e.g. which
        # zaaktype version was taken) go on the timeline, as in the pipeline.
        detail="; ".join(
            (
                f"geregistreerd als zaak {result.zaak_identificatie} ({delivery.name}) met "
                "dso-gateway deliver; niet teruggemeld aan DSO",
                *result.notities,
            )
        ),
        expect={State.FETCHED},
        summary={"zaak_url": result.zaak_url, "zaak_identificatie": result.zaak_identificatie},
        versie_values={"doel": verzoek.doel.value},
    )
    return result.zaak_url


def _cmd_deliver(settings: Settings, args: argparse.Namespace) -> int:
    from gateway.bootstrap import build_delivery, load_municipal_mapping
    from stam_mapping import parse_verzoek

    if args.mapping:
        settings = settings.model_copy(update={"mapping_file": args.mapping})
    store: SqlStore | None = None
    try:
        mapping = load_municipal_mapping(settings)
        raw = args.file.read_bytes()
        verzoek = parse_verzoek(raw, max_bytes=settings.max_stam_bytes)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = SqlStore.from_url(settings.effective_store_url)
        archive = Archive(settings.effective_archive_dir, store)
        plan = plan_version(store, archive, verzoek, settings.max_stam_bytes)
        if plan.done is not None:
            print(f"deliver: nothing left to do: {plan.done}")
            return 0
        documents = DirectoryDocuments(
            args.bijlagen, {d.document_id: d.bestandsnaam for d in verzoek.documenten()}, args.placeholders
        )
        # Bijlagen of an earlier version are at the zaak already: only new ones must be here.
        known = frozenset(d.document_id for d in plan.previous.documenten()) if plan.previous else frozenset()
        missing = documents.missing(known)
        if missing and not args.placeholders:
            print(
                "deliver: bijlagen not found in --bijlagen: "
                + ", ".join(missing)
                + " (use --placeholders to send placeholders)",
                file=sys.stderr,
            )
            return 2
        delivery = build_delivery(settings, mapping)
        try:
            zaak_url = deliver_version(store, archive, delivery, verzoek, raw, documents, plan.previous)
        finally:
            delivery.close()
    except DeliverRefused as exc:
        print(f"deliver: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"deliver: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one readable line, no traceback, for any failure
        error = classify(exc)
        kind = "retryable" if error.retryable else "permanent"
        print(f"deliver: {kind} error: {mask_bsns(str(error))}", file=sys.stderr)
        return 1 if error.retryable else 2
    finally:
        if store is not None:
            store.close()
    print(zaak_url)
    return 0


def add_deliver_command(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "deliver",
        help="deliver one STAM file straight to the case system (idempotent; later versions update the zaak)",
    )
    parser.add_argument("file", type=Path, help="a STAM verzoek XML file")
    parser.add_argument("--mapping", type=Path, default=None, help="municipal mapping YAML")
    parser.add_argument("--bijlagen", type=Path, default=None, help="folder with the bijlagen")
    parser.add_argument("--placeholders", action="store_true", help="send a placeholder for missing bijlagen")
    parser.set_defaults(func=_cmd_deliver)
