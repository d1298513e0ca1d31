"""Errors of STAM parsing and mapping. All are permanent: the same bytes fail the same way.

Messages name the problem (and, for an unknown namespace, the namespace found) but never
echo personal data from the input."""

from __future__ import annotations

from typing import ClassVar


class StamError(Exception):
    retryable: ClassVar[bool] = False


class StamRejected(StamError):
    """Input that is not a STAM message we accept: malformed, unsafe, wrong root, unknown
    namespace, missing or invalid required field."""


class MappingGap(StamError):
    """The municipality's mapping file has no entry for something in the verzoek
    (e.g. an activiteitId); staff can extend the file and retry."""


class MappingFileError(StamError):
    """The mapping file itself is invalid (checked at start-up)."""
