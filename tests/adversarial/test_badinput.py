"""`make badinput` in the suite: every hostile case gets its expected answer, nothing crashes,
nothing is lost (issue 14)."""

from __future__ import annotations

from tests.adversarial.badinput import run


def test_badinput_every_case_as_expected() -> None:
    tally = run()
    assert tally.cases >= 100
    assert tally.crashes == []
    assert tally.unexpected == []
    assert tally.lost == []
