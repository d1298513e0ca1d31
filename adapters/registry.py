"""Delivery adapters by name, for configuration: `create_delivery("zgw", client=..., planner=...)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.base import Delivery


def _memory(**kwargs: Any) -> Delivery:
    from adapters.memory import RecordingDelivery

    return RecordingDelivery(**kwargs)


def _zgw(**kwargs: Any) -> Delivery:
    """kwargs: planner, and either client (a ZgwClient) or the ZgwClient keyword arguments
    (zaken_url, documenten_url, catalogi_url, client_id, secret, ...); other ZgwDelivery options
    (bestandsdelen_threshold, identificatie_prefix, catalogus_ttl) pass through."""
    from adapters.zgw.client import ZgwClient
    from adapters.zgw.delivery import ZgwDelivery

    delivery_options = {
        k: kwargs.pop(k)
        for k in ("bestandsdelen_threshold", "identificatie_prefix", "catalogus_ttl")
        if k in kwargs
    }
    planner = kwargs.pop("planner")
    client = kwargs.pop("client", None) or ZgwClient(**kwargs)
    return ZgwDelivery(client, planner, **delivery_options)


def _stuf_zkn(**kwargs: Any) -> Delivery:
    """kwargs: mapping, and either client (a StufClient) or vrije_berichten_url and
    ontvang_asynchroon_url (+ timeout); other StufDelivery options pass through."""
    from adapters.stuf_zkn.client import StufClient
    from adapters.stuf_zkn.delivery import StufDelivery

    client_options = {
        k: kwargs.pop(k) for k in ("vrije_berichten_url", "ontvang_asynchroon_url", "timeout") if k in kwargs
    }
    client = kwargs.pop("client", None) or StufClient(**client_options)
    mapping = kwargs.pop("mapping")
    return StufDelivery(client, mapping, **kwargs)


_FACTORIES: dict[str, Callable[..., Delivery]] = {
    "memory": _memory,
    "recording": _memory,
    "zgw": _zgw,
    "stuf-zkn": _stuf_zkn,
}


def available() -> tuple[str, ...]:
    return tuple(sorted(_FACTORIES))


def create_delivery(name: str, **kwargs: Any) -> Delivery:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown delivery adapter {name!r}; known: {', '.join(available())}") from None
    return factory(**kwargs)
