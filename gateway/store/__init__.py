"""The Store port and its SQL implementation (SQLite by default, PostgreSQL for production)."""

from gateway.store.records import (
    ArchiveRecord,
    CommitReceipt,
    EventRecord,
    OutboxMessage,
    OutboxRow,
    PogingRecord,
    VersieRecord,
    VerzoekRecord,
)
from gateway.store.sql_store import Notification, SqlStore, create_engine
from gateway.store.states import DELIVERED_STATES, FINAL_STATES, State

Store = SqlStore

__all__ = [
    "DELIVERED_STATES",
    "FINAL_STATES",
    "ArchiveRecord",
    "CommitReceipt",
    "EventRecord",
    "Notification",
    "OutboxMessage",
    "OutboxRow",
    "PogingRecord",
    "SqlStore",
    "State",
    "Store",
    "VersieRecord",
    "VerzoekRecord",
    "create_engine",
]
