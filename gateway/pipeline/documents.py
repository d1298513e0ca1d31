"""Before delivery: the STAM is about this very version, and every document it names is in the
archive.

The STAM message lists the bijlagen; DSO's verzoekreferenties say where to fetch them. When the
two disagree, the adapter would fail deep inside a ZGW or StUF call with a bare KeyError; this
check names the real cause instead."""

from __future__ import annotations

from gateway.archive import Archive, ArchivedDocuments
from gateway.errors import PermanentError
from stam_mapping.model import Verzoek


def require_archived_documents(archive: Archive, verzoek: Verzoek) -> ArchivedDocuments:
    """The archived documents of the verzoek, as the adapter reads them: one store read for the
    check and the delivery together."""
    archived = archive.documents(verzoek.verzoeknummer)
    missing = [doc.document_id for doc in verzoek.documenten() if doc.document_id not in archived]
    if missing:
        shown = ", ".join(repr(d[:80]) for d in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise PermanentError(
            f"het STAM-bericht noemt {len(missing)} document(en) die DSO's verzoekreferenties niet"
            f" noemen, dus niet opgehaald zijn: {shown}"
        )
    return ArchivedDocuments(archive, verzoek.verzoeknummer, archived)


def require_same_version(verzoek: Verzoek, verzoeknummer: str, volgnummer: int) -> None:
    """DSO's samenvatting must be the version we asked for: a STAM message about another
    verzoek would otherwise be delivered into this one's zaak."""
    if (verzoek.verzoeknummer, verzoek.volgnummer) != (verzoeknummer, volgnummer):
        raise PermanentError(
            f"het STAM-bericht gaat over verzoek {verzoek.verzoeknummer} versie {verzoek.volgnummer},"
            f" niet over verzoek {verzoeknummer} versie {volgnummer}: DSO gaf een ander bericht"
        )
