"""parse_stam: a consumer thread parses the same archived STAM once for translate and report."""

from __future__ import annotations

import threading

import pytest

from dso_client.sandbox.examples import list_examples
from gateway.parsed_stam import parse_stam
from stam_mapping.errors import StamError

MAX = 10 * 1024 * 1024


def _xml(name: str) -> bytes:
    return next(e for e in list_examples() if e.name == name).xml


def test_the_same_bytes_in_the_same_thread_are_parsed_once() -> None:
    raw = _xml("verbouwing-initieren")
    first = parse_stam(raw, max_bytes=MAX)
    assert parse_stam(bytes(raw), max_bytes=MAX) is first  # equal bytes, not the same object
    other = parse_stam(_xml("verbouwing-aanvullen"), max_bytes=MAX)
    assert other is not first and other.verzoeknummer
    assert parse_stam(raw, max_bytes=MAX) is not first  # one kept at a time


def test_another_thread_or_another_limit_parses_again() -> None:
    raw = _xml("verbouwing-initieren")
    mine = parse_stam(raw, max_bytes=MAX)
    theirs: list[object] = []
    thread = threading.Thread(target=lambda: theirs.append(parse_stam(raw, max_bytes=MAX)))
    thread.start()
    thread.join()
    assert theirs[0] is not mine and theirs[0] == mine
    with pytest.raises(StamError):
        parse_stam(raw, max_bytes=len(raw) - 1)  # the limit is part of the key: refused, not reused


def test_a_large_stam_is_not_kept() -> None:
    raw = _xml("verbouwing-initieren")
    parse_stam(_xml("sloop-initieren"), max_bytes=MAX)  # what an earlier test kept goes
    first = parse_stam(raw, max_bytes=MAX, keep_up_to=len(raw) - 1)
    assert parse_stam(raw, max_bytes=MAX, keep_up_to=len(raw) - 1) is not first
