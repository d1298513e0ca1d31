"""Login throttling, per user name and per client address, kept in the store.

Thirty wrong passwords in a row used to be answered thirty times at full speed. Now, after
`FREE_FAILURES` failures in a row for a name or an address, each further attempt must wait a
lockout window that doubles with every failure (up to `MAX_LOCK`); during it the login answers
429 with a Dutch message and Retry-After, without checking the password (no argon2 work, and
no way to tell a right password from a wrong one). A successful login clears the name's and
the address's counters. Both keys are stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import ipaddress
import math
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gateway.auth.schema import login_failures

FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=30)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class LoginThrottle:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        login_failures.create(engine, checkfirst=True)

    @staticmethod
    def keys(username: str, address: str | None) -> list[str]:
        return [_key("user", username), _key("addr", address or "unknown")]

    def wait_seconds(self, username: str, address: str | None) -> int:
        """0 when a login may be tried now; else how many seconds until it may."""
        now = datetime.now(UTC)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(login_failures.c.locked_until).where(
                    login_failures.c.key_sha256.in_(self.keys(username, address))
                )
            ).all()
        waits = [(_aware(r.locked_until) - now).total_seconds() for r in rows if r.locked_until is not None]
        return max(0, math.ceil(max(waits, default=0)))

    def failed(self, username: str, address: str | None) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for key in self.keys(username, address):
                row = conn.execute(
                    sa.select(login_failures.c.failures).where(login_failures.c.key_sha256 == key)
                ).first()
                failures = (row.failures if row else 0) + 1
                locked = None
                if failures >= FREE_FAILURES:
                    window = FIRST_LOCK * 2 ** min(failures - FREE_FAILURES, 16)
                    locked = now + min(window, MAX_LOCK)
                values = {"failures": failures, "last_failure_at": now, "locked_until": locked}
                if row is None:
                    conn.execute(login_failures.insert().values(key_sha256=key, **values))
                else:
                    conn.execute(
                        login_failures.update().where(login_failures.c.key_sha256 == key).values(**values)
                    )

    def succeeded(self, username: str, address: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                login_failures.delete().where(login_failures.c.key_sha256.in_(self.keys(username, address)))
            )


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: list[str]) -> str | None:
    """The address to throttle: the peer, or behind one of our trusted proxies the nearest
    address in X-Forwarded-For that is not one of them. Without this, every login through the
    proxy would count against the proxy's one address, and five typos would lock everyone out."""

    def trusted(host: str) -> bool:
        try:
            address = ipaddress.ip_address(host.strip())
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in trusted_proxies)

    if peer is None or not forwarded_for or not trusted(peer):
        return peer
    for hop in (h.strip() for h in reversed(forwarded_for.split(","))):
        if hop and not trusted(hop):
            return hop[:64]
    return peer
