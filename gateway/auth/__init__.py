"""Staff login and roles: local accounts (argon2) by default, OpenID Connect in production,
API tokens for other tools."""

from gateway.auth.principal import OPERATOR, PRIVACY_OFFICER, ROLES, VIEWER, Principal

__all__ = ["OPERATOR", "PRIVACY_OFFICER", "ROLES", "VIEWER", "Principal"]
