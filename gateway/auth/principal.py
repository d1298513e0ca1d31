"""Who is asking, and what their roles let them do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

VIEWER = "viewer"
OPERATOR = "operator"
PRIVACY_OFFICER = "privacy-officer"  # may see unmasked BSNs
ROLES = (VIEWER, OPERATOR, PRIVACY_OFFICER)


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]
    via: str  # "local", "oidc" or "token": recorded with actions for the audit trail

    @classmethod
    def of(cls, name: str, roles: Iterable[str], via: str) -> Principal:
        return cls(name=name, roles=frozenset(r for r in roles if r in ROLES), via=via)

    @property
    def can_view(self) -> bool:
        # Every role may read; an account without a known role sees nothing.
        return bool(self.roles)

    @property
    def can_operate(self) -> bool:
        return OPERATOR in self.roles

    @property
    def sees_bsn(self) -> bool:
        return PRIVACY_OFFICER in self.roles

    @property
    def actor(self) -> str:
        return f"{self.name} ({self.via})"
