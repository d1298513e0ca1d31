"""The provider's "it exists already": a 400 whose every invalid parameter has such a code."""

from __future__ import annotations

from adapters.errors import DeliveryPermanentError


def _refused(status: int, *codes: str) -> DeliveryPermanentError:
    params = [{"name": f"veld{i}", "code": code, "reason": "x"} for i, code in enumerate(codes)]
    return DeliveryPermanentError("refused", invalid_params=params, status=status)


def test_only_a_400_with_nothing_but_those_codes_counts() -> None:
    assert _refused(400, "unique").refused_only_for("unique", "max-occurences")
    assert _refused(400, "unique", "max-occurences").refused_only_for("unique", "max-occurences")
    # Another fault beside it, another status, or no parameters at all: not "exists already".
    assert not _refused(400, "unique", "required").refused_only_for("unique")
    assert not _refused(403, "unique").refused_only_for("unique")
    assert not _refused(400).refused_only_for("unique")
