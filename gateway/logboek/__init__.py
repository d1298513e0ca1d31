"""The Logboek Dataverwerkingen: a record of every processing of personal data (Logius standard).

vastleggen.py records (and holds the one-line hooks), register.py the verwerkingsactiviteiten and
their purposes, sleutel.py the keyed hash of identifiers, sporen.py the trace ids, export.py the
export, the reads for the page, and the retention."""

from gateway.logboek.export import exporteer, periodic_jobs, purge, vastleggingen
from gateway.logboek.vastleggen import (
    Betrokkene,
    Logboek,
    archief_opgeschoond,
    bericht_verstuurd,
    bsn_gezocht,
    geregistreerd,
    ingezien,
    installeer,
    opgehaald,
    voor,
)

__all__ = [
    "Betrokkene",
    "Logboek",
    "archief_opgeschoond",
    "bericht_verstuurd",
    "bsn_gezocht",
    "exporteer",
    "geregistreerd",
    "ingezien",
    "installeer",
    "opgehaald",
    "periodic_jobs",
    "purge",
    "vastleggingen",
    "voor",
]
