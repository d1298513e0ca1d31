"""Recording processings of personal data in the Logboek Dataverwerkingen.

Follows Logius's standard "Logboek Dataverwerkingen" (https://logius-standaarden.github.io/
logboek-dataverwerkingen/, text at github.com/logius-standaarden/logboek-dataverwerkingen, section
"Component: Logboek"): every record has trace_id, operation_id (= span_id), status_code, name,
start_time, end_time and the attributes dpl.core.processing_activity_id,
dpl.core.data_subject_id (encrypted/keyed, never in clear) and dpl.core.data_subject_id_type.
The standard has one data subject per record; a processing of one verzoek touches its
initiatiefnemer and gemachtigde at once, so a record here lists each of them (see export.py).

Each processing is one call with what the caller already has in hand; the hooks in the pipeline,
the status page and the berichten are one line each."""

from __future__ import annotations

import os
import socket
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog

from gateway.logboek import register as r
from gateway.logboek.sleutel import load_or_create_key, subject_hash
from gateway.logboek.sporen import trace_ids
from gateway.settings import Settings
from gateway.store import SqlStore
from gateway.store import schema as t
from stam_mapping.model import Verzoek

log = structlog.get_logger(__name__)

NATUURLIJK_PERSOON = "natuurlijk persoon"
NIET_NATUURLIJK_PERSOON = "niet-natuurlijk persoon"


@dataclass(frozen=True)
class Betrokkene:
    """A data subject as recorded: its kind, the kind of identifier, and the identifier's HMAC."""

    soort: str  # natuurlijk persoon | niet-natuurlijk persoon
    id_type: str | None  # dpl.core.data_subject_id_type: BSN, KvK-nummer; None when STAM had none
    id: str | None  # dpl.core.data_subject_id: HMAC-SHA256 hex

    def as_json(self) -> dict[str, str | None]:
        return {"soort": self.soort, "id_type": self.id_type, "id": self.id}


def worker_actor() -> str:
    return f"worker:{socket.gethostname()}:{os.getpid()}"


class Logboek:
    def __init__(self, store: SqlStore, key: bytes, register: r.Register) -> None:
        self.store = store
        self._key = key
        self.register = register

    def bsn(self, bsn: str) -> Betrokkene:
        return Betrokkene(NATUURLIJK_PERSOON, "BSN", subject_hash(self._key, "BSN", bsn))

    def betrokkenen(self, verzoek: Verzoek) -> list[Betrokkene]:
        """Initiatiefnemer and gemachtigde of a verzoek, hashed."""
        found: list[Betrokkene] = []
        for b in (verzoek.initiatiefnemer, verzoek.gemachtigde):
            if b is None:
                continue
            if b.natuurlijk_persoon is not None:
                bsn = b.natuurlijk_persoon.bsn
                found.append(self.bsn(bsn) if bsn else Betrokkene(NATUURLIJK_PERSOON, None, None))
            elif b.niet_natuurlijk_persoon is not None:
                # A KvK number can be a person's too (an eenmanszaak), so it is hashed alike.
                kvk = b.niet_natuurlijk_persoon.kvk_nummer
                hashed = subject_hash(self._key, "KvK-nummer", kvk) if kvk else None
                found.append(Betrokkene(NIET_NATUURLIJK_PERSOON, "KvK-nummer" if kvk else None, hashed))
        return list(dict.fromkeys(found))

    def eerdere_betrokkenen(self, verzoeknummer: str) -> list[Betrokkene]:
        """The subjects recorded when the verzoek was fetched: for later processings that do not
        hold its STAM (a purge, a message) and must not parse it again just to log."""
        lb = t.logboek
        query = sa.select(lb.c.betrokkenen).where(
            lb.c.verzoeknummer == verzoeknummer, lb.c.verwerkingsactiviteit == r.OPHALEN
        )
        found: dict[Betrokkene, None] = {}
        with self.store.reading() as conn:
            for (items,) in conn.execute(query):
                for item in items or []:
                    found[Betrokkene(str(item["soort"]), item.get("id_type"), item.get("id"))] = None
        return list(found)

    def record(
        self,
        activiteit: str,
        *,
        name: str,
        actor: str,
        betrokkenen: Iterable[Betrokkene],
        verzoeknummer: str | None = None,
        attributes: dict[str, Any] | None = None,
        status_code: str = "OK",
        start_time: datetime | None = None,
    ) -> dict[str, Any]:
        """One row, not yet written (see vastleggen / vastleggen_alle)."""
        entry = self.register[activiteit]  # KeyError: a bug in our code, the register is checked
        trace_id, span_id = trace_ids()
        end = datetime.now(UTC)
        return {
            "trace_id": trace_id,
            "span_id": span_id,
            "name": name,
            "status_code": status_code,
            "start_time": start_time or end,
            "end_time": end,
            "verwerkingsactiviteit": entry.sleutel,
            "processing_activity_id": entry.uri,
            "doel": entry.doel,
            "betrokkenen": [b.as_json() for b in betrokkenen],
            "actor": actor,
            "verzoeknummer": verzoeknummer,
            "attributes": attributes or {},
        }

    def vastleggen(self, activiteit: str, **values: Any) -> None:
        self.vastleggen_alle([self.record(activiteit, **values)])

    def vastleggen_alle(self, rows: Sequence[dict[str, Any]]) -> None:
        """Several processings of one step in one transaction: all recorded, or none and the
        step fails (and is retried) rather than go unrecorded."""
        with self.store.transaction() as conn:  # part of the stage's own, inside store.together()
            self.store.insert_rows(conn, t.logboek, rows)
        for row in rows:
            log.info(
                "logboek.vastgelegd",
                verwerkingsactiviteit=row["verwerkingsactiviteit"],
                verzoeknummer=row["verzoeknummer"],
            )


_installed: weakref.WeakKeyDictionary[SqlStore, Logboek] = weakref.WeakKeyDictionary()


def key_dir(settings: Settings, store: SqlStore) -> Path:
    """Where the generated key lives: the data dir; for a SQLite store, beside its file (which is
    the data dir unless DSOGW_STORE_URL moved it), so a store and its key stay together."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return settings.data_dir


def installeer(settings: Settings, store: SqlStore) -> Logboek:
    """Bind a logboek to the store (bootstrap does this once per process)."""
    if settings.logboek_sleutel is not None:
        key = settings.logboek_sleutel.get_secret_value().encode()
    else:
        key = load_or_create_key(key_dir(settings, store))
    boek = Logboek(store, key, r.load_register(settings.logboek_register or r.DEFAULT_REGISTER))
    _installed[store] = boek
    return boek


def voor(store: SqlStore) -> Logboek:
    """The logboek of this store. A store opened outside bootstrap (`archive purge`, a tool)
    gets one from the environment's settings, as the CLI built them: same key, same register."""
    boek = _installed.get(store)
    return boek if boek is not None else installeer(Settings(), store)


# --- The hooks: one line at each place personal data is processed. ---------------------------


def opgehaald(
    store: SqlStore, verzoeknummer: str, volgnummer: int, stam: Path, documenten: int, *, max_stam_bytes: int
) -> None:
    """Fetch stage: the STAM (with its persons) came from DSO and went into our archive.
    `max_stam_bytes` as translate parses it (Settings.max_stam_bytes), which then reuses the model."""
    from gateway.parsed_stam import parse_stam
    from stam_mapping.errors import StamError

    boek = voor(store)
    attributes: dict[str, Any] = {"volgnummer": volgnummer}
    try:
        subjects: Sequence[Betrokkene] = boek.betrokkenen(
            parse_stam(stam.read_bytes(), max_bytes=max_stam_bytes)
        )
    except (StamError, OSError) as exc:
        # Still recorded: the data was fetched, whoever it is about. Translate rejects the STAM.
        subjects = []
        attributes["betrokkenen_onbekend"] = f"STAM niet te lezen: {type(exc).__name__}"
    actor = worker_actor()
    boek.vastleggen_alle([
        boek.record(r.OPHALEN, name="fetch", actor=actor, betrokkenen=subjects,
                    verzoeknummer=verzoeknummer, attributes=attributes),
        boek.record(r.ARCHIVEREN, name="archive", actor=actor, betrokkenen=subjects,
                    verzoeknummer=verzoeknummer, attributes={**attributes, "bijlagen": documenten}),
    ])  # fmt: skip


def geregistreerd(store: SqlStore, verzoek: Verzoek, volgnummer: int, doelsysteem: str) -> None:
    """Translate stage: the verzoek went to the case system."""
    boek = voor(store)
    boek.vastleggen(
        r.REGISTREREN_ZAAK, name="deliver", actor=worker_actor(), betrokkenen=boek.betrokkenen(verzoek),
        verzoeknummer=verzoek.verzoeknummer, attributes={"volgnummer": volgnummer, "ontvanger": doelsysteem},
    )  # fmt: skip


def ingezien(store: SqlStore, actor: str, verzoeknummer: str, verzoek: Verzoek | None) -> None:
    """A privacy officer opened a verzoek's detail page with its BSNs unmasked."""
    boek = voor(store)
    subjects = boek.betrokkenen(verzoek) if verzoek else boek.eerdere_betrokkenen(verzoeknummer)
    boek.vastleggen(
        r.INZAGE_ONVERSLEUTELD, name="view-unmasked", actor=actor, betrokkenen=subjects,
        verzoeknummer=verzoeknummer,
    )  # fmt: skip


def bsn_gezocht(store: SqlStore, bsn: str, actor: str | None) -> None:
    """A search by BSN: the searched person is the data subject, whatever was found."""
    boek = voor(store)
    boek.vastleggen(r.ZOEKEN_BSN, name="search-bsn", actor=actor or "onbekend", betrokkenen=[boek.bsn(bsn)])


def bericht_verstuurd(store: SqlStore, verzoeknummer: str, bsns: Iterable[str], kanaal: object) -> None:
    """A message to the initiatiefnemer (e-mail or letter) was made and sent."""
    from gateway.zoektermen import looks_like_bsn

    boek = voor(store)
    subjects = [boek.bsn(b) for b in bsns if looks_like_bsn(b)] or boek.eerdere_betrokkenen(verzoeknummer)
    boek.vastleggen(
        r.BERICHT_INITIATIEFNEMER, name="send-message", actor=worker_actor(), betrokkenen=subjects,
        verzoeknummer=verzoeknummer, attributes={"kanaal": str(kanaal)},
    )  # fmt: skip


def archief_opgeschoond(store: SqlStore, verzoeknummer: str, bestanden: int) -> None:
    """Retention removed a verzoek's bijlagen and PDFs: erasure is processing too."""
    boek = voor(store)
    boek.vastleggen(
        r.ARCHIEF_OPSCHONEN, name="purge-archive", actor=worker_actor(),
        betrokkenen=boek.eerdere_betrokkenen(verzoeknummer), verzoeknummer=verzoeknummer,
        attributes={"bestanden": bestanden},
    )  # fmt: skip
