"""Timeline events in the Dutch a clerk reads: a stage's failure or retry names the stage, and a
staff action with a similar name is not taken for one."""

from __future__ import annotations

from gateway.api.status_page import event_label


def test_stage_failures_and_retries_name_the_stage() -> None:
    assert event_label("failed-fetch") == "Mislukt bij ophalen bij het Omgevingsloket"
    assert (
        event_label("retry-translate")
        == "Mislukt bij registreren in het zaaksysteem, wordt opnieuw geprobeerd"
    )


def test_a_retry_asked_by_staff_is_not_a_failure() -> None:
    # Was "Mislukt bij requested, wordt opnieuw geprobeerd": English, and the opposite of what happened.
    assert event_label("retry-requested") == "Opnieuw geprobeerd"
    assert event_label("reroute-requested") == "Doorsturen aangevraagd"


def test_an_unknown_kind_is_shown_as_it_is() -> None:
    assert event_label("iets-nieuws") == "iets-nieuws"
