"""The store as release 0.1 made it with create_all: the baseline every later revision builds on.

A database created by release 0.1 (tables, no alembic_version) is stamped at this revision by
`dso-gateway db upgrade` and then brought to head.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("verzoeknummer", sa.String(length=13), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=200), nullable=True),
        sa.Column("bestandsnaam", sa.Text(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_archive_verzoek", "archive", ["verzoeknummer", "volgnummer"], unique=False)
    op.create_table(
        "checkpoints",
        sa.Column("verzoeknummer", sa.String(length=13), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("verzoeknummer", "key"),
    )
    op.create_table(
        "events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("verzoeknummer", sa.String(length=13), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_events_at", "events", ["at"], unique=False)
    op.create_index("ix_events_verzoek", "events", ["verzoeknummer", "id"], unique=False)
    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "id"], unique=False)
    op.create_table(
        "staff_users",
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "versies",
        sa.Column("verzoeknummer", sa.String(length=13), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("doel", sa.String(length=20), nullable=True),
        sa.Column("oin", sa.String(length=20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failed_stage", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("verzoeknummer", "volgnummer"),
    )
    op.create_table(
        "verzoeken",
        sa.Column("verzoeknummer", sa.String(length=13), nullable=False),
        sa.Column("volgnummer", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("doel", sa.String(length=20), nullable=True),
        sa.Column("type", sa.String(length=60), nullable=True),
        sa.Column("naam", sa.Text(), nullable=True),
        sa.Column("bevoegd_gezag_oin", sa.String(length=20), nullable=True),
        sa.Column("zaak_url", sa.Text(), nullable=True),
        sa.Column("zaak_identificatie", sa.String(length=40), nullable=True),
        sa.Column("activiteiten", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("verzoeknummer"),
    )
    op.create_index("ix_verzoeken_state", "verzoeken", ["state"], unique=False)
    op.create_index("ix_verzoeken_updated", "verzoeken", ["updated_at"], unique=False)
    op.create_index("ix_verzoeken_zaak", "verzoeken", ["zaak_identificatie"], unique=False)
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_workers_last_seen", "workers", ["last_seen"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_workers_last_seen", table_name="workers")
    op.drop_table("workers")
    op.drop_index("ix_verzoeken_zaak", table_name="verzoeken")
    op.drop_index("ix_verzoeken_updated", table_name="verzoeken")
    op.drop_index("ix_verzoeken_state", table_name="verzoeken")
    op.drop_table("verzoeken")
    op.drop_table("versies")
    op.drop_table("staff_users")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_events_verzoek", table_name="events")
    op.drop_index("ix_events_at", table_name="events")
    op.drop_table("events")
    op.drop_table("checkpoints")
    op.drop_index("ix_archive_verzoek", table_name="archive")
    op.drop_table("archive")
