"""The beslistermijn: on the zaak (uiterlijkeEinddatumAfdoening), in the ontvangstbevestiging, and
on the status page with open zaken close to it flagged."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from gateway import beslistermijn
from stam_mapping.berichten import Berichten, Beslistermijn
from stam_mapping.mapping import default_mapping
from stam_mapping.zgw import build_zgw_plan
from tests.unit.gateway.test_translate_stage import example


def test_legal_terms_per_procedure() -> None:
    assert Beslistermijn(procedure="regulier").uiterlijk(date(2026, 3, 10)) == date(2026, 5, 5)
    assert Beslistermijn(procedure="uitgebreid").uiterlijk(datetime(2026, 3, 10, 23, 59)) == date(2026, 9, 8)
    assert Beslistermijn(procedure="regulier", weken=12).termijn_weken == 12
    assert Berichten().beslistermijn("DSO-OMGEVINGSVERGUNNING") is None


def test_zaak_gets_uiterlijke_einddatum_afdoening_named_per_zaaktype() -> None:
    from stam_mapping import parse_verzoek

    mapping = default_mapping()
    vergunning = build_zgw_plan(parse_verzoek(example("verbouwing-initieren")), mapping)
    assert vergunning.zaak["uiterlijkeEinddatumAfdoening"] == "2026-05-05"  # 10 March + 8 weeks
    melding = build_zgw_plan(parse_verzoek(example("melding-opslag-gemachtigde")), mapping)
    assert "uiterlijkeEinddatumAfdoening" not in melding.zaak  # no term for a melding's zaaktype
    uitgebreid = mapping.model_copy(
        update={
            "berichten": mapping.berichten.model_copy(
                update={"beslistermijnen": {"DSO-OMGEVINGSVERGUNNING": Beslistermijn(procedure="uitgebreid")}}
            )
        }
    )
    plan = build_zgw_plan(parse_verzoek(example("verbouwing-initieren")), uitgebreid)
    assert plan.zaak["uiterlijkeEinddatumAfdoening"] == "2026-09-08"  # + 26 weeks


def test_only_open_zaken_close_to_the_term_are_flagged(tmp_path: Path) -> None:
    from gateway.store import SqlStore

    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'gw.db'}")
    today = date(2026, 4, 28)
    beslistermijn.record(store, "2026031000101", uiterlijk=date(2026, 5, 5), procedure="regulier", weken=8)
    beslistermijn.record(store, "2026031000102", uiterlijk=date(2026, 4, 20), procedure="regulier", weken=8)
    beslistermijn.record(store, "2026031000103", uiterlijk=date(2026, 9, 8), procedure="uitgebreid", weken=26)
    beslistermijn.record(store, "2026031000104", uiterlijk=date(2026, 5, 1), procedure="regulier", weken=8)
    store.checkpoint_put("2026031000104", beslistermijn.AFGESLOTEN, {"status": "Afgehandeld"})
    flagged = beslistermijn.naderend(store, today, 14)
    assert [t.verzoeknummer for t in flagged] == ["2026031000102", "2026031000101"]  # overdue first
    assert flagged[0].dagen_over(today) == -8
