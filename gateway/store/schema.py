"""Tables of the gateway's store. SQLAlchemy Core, portable between SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# One row per verzoek (verzoeknummer): a summary of its newest known version, for fast lists.
verzoeken = Table(
    "verzoeken",
    metadata,
    Column("verzoeknummer", String(13), primary_key=True),
    Column("volgnummer", Integer, nullable=True),  # the newest version we know of
    Column("state", String(20), nullable=False),
    Column("doel", String(20)),
    Column("type", String(60)),
    Column("naam", Text),
    Column("bevoegd_gezag_oin", String(20)),
    Column("zaak_url", Text),
    Column("zaak_identificatie", String(40)),
    Column("activiteiten", Text),  # activiteitIds, newline separated, for filtering
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_verzoeken_updated", verzoeken.c.updated_at)
Index("ix_verzoeken_state", verzoeken.c.state)
Index("ix_verzoeken_zaak", verzoeken.c.zaak_identificatie)

# What staff can search a verzoek by (gateway.zoektermen), written when its STAM is parsed. A
# table of its own, so that an existing store gains it by create_all without a migration.
zoekindex = Table(
    "zoekindex",
    metadata,
    Column("verzoeknummer", String(13), primary_key=True),
    Column("tekst", Text, nullable=False),  # normalised: names, KvK, adressen, percelen, projectId
    Column("bsn_digests", Text, nullable=False, default=""),  # for the privacy officer only
)

# One row per version (verzoeknummer, volgnummer): the unit of processing and idempotency.
versies = Table(
    "versies",
    metadata,
    Column("verzoeknummer", String(13), primary_key=True),
    Column("volgnummer", Integer, primary_key=True),
    Column("state", String(20), nullable=False),
    Column("doel", String(20)),
    Column("oin", String(20)),  # the OIN we fetch and report with
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("failed_stage", String(20)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# A version that failed with a retryable error and will be tried again: which attempt, of how
# many, and when the next one is due. Gone once the version moves on (or fails for good).
# A table of its own, so that an existing store gains it by create_all without a migration.
pogingen = Table(
    "pogingen",
    metadata,
    Column("verzoeknummer", String(13), primary_key=True),
    Column("volgnummer", Integer, primary_key=True),
    Column("stap", String(20), nullable=False),
    Column("poging", Integer, nullable=False),
    Column("max_pogingen", Integer, nullable=False),
    Column("volgende_om", DateTime(timezone=True), nullable=False),
)

# The timeline shown to staff. Details are written by us and never contain a BSN.
events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("verzoeknummer", String(13), nullable=False),
    Column("volgnummer", Integer),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("detail", Text),
    Column("actor", String(120)),
)
Index("ix_events_verzoek", events.c.verzoeknummer, events.c.id)
# The status page counts the last hour's events.
Index("ix_events_at", events.c.at)

# Results of finished delivery steps (adapters' Checkpoints), per verzoeknummer.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("verzoeknummer", String(13), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Transactional outbox: a job for the next stage, committed with the state change that causes it.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("queue", String(100), nullable=False),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("body", LargeBinary, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    # Held for the worker whose stage queued it and runs it in the same thread (hand-off,
    # gateway/pipeline/handoff.py): the relay leaves it alone until then, so a worker that dies
    # mid-stage leaves a job the relay publishes once the hold runs out.
    Column("held_until", DateTime(timezone=True)),
)
Index("ix_outbox_pending", outbox.c.published_at, outbox.c.id)

# Index of archived blobs (raw STAM XML, PDF, bijlagen); the bytes live in the archive directory.
archive = Table(
    "archive",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("verzoeknummer", String(13), nullable=False),
    Column("volgnummer", Integer, nullable=False),
    Column("kind", String(20), nullable=False),  # stam | pdf | document
    Column("document_id", String(200)),
    Column("bestandsnaam", Text),
    Column("path", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(120)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_archive_verzoek", archive.c.verzoeknummer, archive.c.volgnummer)

# One row per running worker process, refreshed while it runs: whether anything is processing
# at all shows on the status page and in /metrics, for every queue backend alike.
workers = Table(
    "workers",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
Index("ix_workers_last_seen", workers.c.last_seen)

# The Logboek Dataverwerkingen (gateway/logboek): one row per processing of personal data, kept
# apart from the technical log and from the staff timeline. Append-only: rows are only ever
# inserted, and deleted by the retention (DSOGW_LOGBOEK_RETENTION_DAYS). Column names follow
# Logius's standard where it has them (trace_id, span_id = operation_id, status_code, name,
# start_time, end_time, processing_activity_id, data subject id/type); data subjects are a JSON
# list of {"type", "id"} with id an HMAC of the identifier, never a BSN itself.
logboek = Table(
    "logboek_dataverwerkingen",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("trace_id", String(32), nullable=False),
    Column("span_id", String(16), nullable=False),
    Column("name", String(60), nullable=False),  # the operation, e.g. "fetch"
    Column("status_code", String(10), nullable=False),  # OK | ERROR
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True), nullable=False),
    Column("verwerkingsactiviteit", String(60), nullable=False),  # key in the register
    Column("processing_activity_id", String(300), nullable=False),  # the register's URI
    Column("doel", Text, nullable=False),  # doelbinding, as the register said at the time
    Column("betrokkenen", JSON, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("verzoeknummer", String(13)),
    Column("attributes", JSON, nullable=False),
)
Index("ix_logboek_start", logboek.c.start_time)
Index("ix_logboek_verzoek", logboek.c.verzoeknummer)
