"""Times a person reads are Dutch (Europe/Amsterdam), in one format; the API keeps RFC 3339."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from gateway.store import schema as t
from gateway.tijd import iso_lokaal, klok, lokaal
from tests.unit.api.conftest import API_TOKEN, FAILED_NR, Seeded, login


def test_winter_and_summer_time() -> None:
    assert lokaal(datetime(2026, 12, 1, 21, 32, tzinfo=UTC)) == "01-12-2026 22:32"
    assert lokaal(datetime(2026, 7, 1, 21, 32, tzinfo=UTC)) == "01-07-2026 23:32"
    assert lokaal(datetime(2026, 12, 1, 21, 32)) == "01-12-2026 22:32"  # naive is UTC, as stored
    assert lokaal("2026-12-01T21:32:00+00:00") == "01-12-2026 22:32"
    assert klok(datetime(2026, 12, 1, 21, 45, tzinfo=UTC)) == "22:45"
    assert iso_lokaal(datetime(2026, 12, 1, 21, 32, tzinfo=UTC)) == "2026-12-01T22:32:00+01:00"
    assert lokaal(None) == ""


def _at(seeded: Seeded, moment: datetime) -> None:
    with seeded.container.store.engine.begin() as conn:
        conn.execute(
            t.verzoeken.update()
            .where(t.verzoeken.c.verzoeknummer == FAILED_NR)
            .values(created_at=moment, updated_at=moment)
        )
        conn.execute(t.events.update().where(t.events.c.verzoeknummer == FAILED_NR).values(at=moment))


def test_list_detail_and_timeline_show_dutch_time(seeded: Seeded, client: TestClient) -> None:
    _at(seeded, datetime(2026, 12, 1, 21, 32, tzinfo=UTC))
    login(client, "vera")
    overview = client.get("/status").text
    assert "01-12-2026 22:32" in overview and "21:32" not in overview and "UTC" not in overview
    detail = client.get(f"/status/verzoeken/{FAILED_NR}").text
    assert detail.count("01-12-2026 22:32") >= 2  # ontvangen and the timeline
    assert 'datetime="2026-12-01T22:32:00+01:00"' in detail
    assert "21:32" not in detail and "UTC" not in detail


def test_api_keeps_rfc3339_with_an_offset(seeded: Seeded, client: TestClient) -> None:
    _at(seeded, datetime(2026, 12, 1, 21, 32, tzinfo=UTC))
    r = client.get(f"/v1/verzoeken/{FAILED_NR}", headers={"Authorization": f"Bearer {API_TOKEN}"})
    ontvangen = r.json()["ontvangenOp"]
    assert datetime.fromisoformat(ontvangen) == datetime(2026, 12, 1, 21, 32, tzinfo=UTC)
    assert ontvangen.endswith(("Z", "+00:00"))
