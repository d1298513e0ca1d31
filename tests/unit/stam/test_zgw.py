"""build_zgw_plan: what a verzoek becomes in ZGW terms (details the golden files do not explain)."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from stam_mapping import MappingGap, canonical_json, parse_verzoek
from stam_mapping.geo import to_geojson
from stam_mapping.mapping import Statussen, default_mapping
from stam_mapping.model import Betrokkene, Geometrie, NietNatuurlijkPersoon, Verzoek
from stam_mapping.zgw import build_zgw_plan
from stam_mapping.zgw_plan import ZgwPlan
from tests.unit.stam.corpus import FIXTURES, MAPPING_GAP, example

VALID = FIXTURES / "valid"


def _v(name: str) -> Verzoek:
    path = example(name) if name.startswith("verzoek-") else VALID / name
    return parse_verzoek(path.read_bytes())


def _plan(name: str, previous: str | None = None) -> ZgwPlan:
    return build_zgw_plan(_v(name), default_mapping(), _v(previous) if previous else None)


def test_initieren_zaak_rollen_objecten_documenten() -> None:
    plan = _plan("verzoek-dakkapel-initieren.xml")
    assert (plan.zaaktype_identificatie, plan.catalogus_domein, plan.catalogus_rsin) == (
        "DSO-OMGEVINGSVERGUNNING",
        "DSO",
        "002220647",
    )
    assert plan.zaak["kenmerken"] == [{"kenmerk": "2024031400042", "bron": "DSO"}]
    assert plan.zaak["startdatum"] == "2024-03-14"
    assert plan.zaak["registratiedatum"] == date.today().isoformat()
    assert plan.eindstatus is False and plan.statustype_omschrijving == "Ontvangen"
    (rol,) = plan.rollen
    assert rol.roltype_omschrijving_generiek == "initiator"
    assert rol.body["betrokkeneIdentificatie"]["inpBsn"] == "999993653"
    assert "indicatieMachtiging" not in rol.body
    assert [o.body["objectType"] for o in plan.zaakobjecten] == ["adres", "kadastrale_onroerende_zaak"]
    assert {e.naam: e.waarde for e in plan.eigenschappen} == {
        "Bouwkosten": "15000",
        "Activiteiten": "Bouwactiviteit (omgevingsplan)",
    }
    assert [(d.document_id, d.informatieobjecttype_omschrijving) for d in plan.documenten] == [
        ("DOC-2024031400042-0001", "Bouwtekening"),
        ("DOC-2024031400042-0002", "Situatietekening"),
    ]
    assert plan.vervallen_document_ids == ()


def test_gemachtigde_and_machtiginggever() -> None:
    plan = _plan("verzoek-melding-bedrijf-gemachtigde.xml")
    initiator, gemachtigde = plan.rollen
    assert initiator.body["indicatieMachtiging"] == "machtiginggever"
    assert initiator.body["betrokkeneType"] == "vestiging"
    assert gemachtigde.body["indicatieMachtiging"] == "gemachtigde"
    assert gemachtigde.body["betrokkeneType"] == "niet_natuurlijk_persoon"
    assert (gemachtigde.roltype_omschrijving, gemachtigde.roltype_omschrijving_generiek) == (
        "Gemachtigde",
        None,
    )
    assert plan.documenten[0].body["vertrouwelijkheidaanduiding"] == "vertrouwelijk"
    assert plan.zaaktype_identificatie == "DSO-MELDING"


def test_aanvullen_is_a_diff_against_previous() -> None:
    plan = _plan("verzoek-dakkapel-aanvullen.xml", previous="verzoek-dakkapel-initieren.xml")
    assert [d.document_id for d in plan.documenten] == ["DOC-2024031400042-0003"]
    assert plan.vervallen_document_ids == ("DOC-2024031400042-0001",)
    assert [(e.key, e.waarde) for e in plan.eigenschappen] == [("eigenschap:Bouwkosten", "17500")]
    assert plan.rollen == () and plan.zaakobjecten == ()  # same initiator, no new location
    assert plan.statustype_omschrijving == "Aangevuld" and plan.eindstatus is False


def test_aanvullen_without_previous_is_a_new_verzoek() -> None:
    plan = _plan("29-aanvulling-onbekend-verzoek.xml")
    assert [d.document_id for d in plan.documenten] == ["DOC-29-1"] and plan.rollen
    assert {e.key for e in plan.eigenschappen} == {"eigenschap:Bouwkosten", "eigenschap:Activiteiten"}


def test_new_gemachtigde_on_aanvulling() -> None:
    """Version 1 without gemachtigde, version 2 with one: the initiator becomes machtiginggever,
    which Zaken 1.5.1 can only express by a new initiator rol replacing the old one."""
    plan = _plan("32-aanvullen-na-27.xml", previous="27-veel-activiteiten-en-bijlagen.xml")
    initiator, gemachtigde = plan.rollen
    assert (initiator.key, initiator.vervangt) == ("rol:initiator", "rol:initiator")
    assert initiator.body["indicatieMachtiging"] == "machtiginggever"
    assert initiator.body["betrokkeneIdentificatie"]["inpBsn"] == "999990019"
    assert (gemachtigde.key, gemachtigde.vervangt) == ("rol:gemachtigde", None)
    assert gemachtigde.body["indicatieMachtiging"] == "gemachtigde"
    assert plan.vervallen_rollen == ()
    assert set(plan.vervallen_document_ids) == {"DOC-27-2", "DOC-27-3", "DOC-27-4", "DOC-27-6"}


def _aanvulling_op_32(**update: object) -> ZgwPlan:
    """Version 3 of verzoek 27/32 (which has a gemachtigde) with `update` applied, as a diff."""
    previous = _v("32-aanvullen-na-27.xml")
    verzoek = previous.model_copy(update={"volgnummer": 3, **update})
    return build_zgw_plan(verzoek, default_mapping(), previous)


def test_gemachtigde_gone_on_aanvulling() -> None:
    """The reverse: the initiator is no machtiginggever any more and the gemachtigde's rol goes."""
    plan = _aanvulling_op_32(gemachtigde=None)
    (initiator,) = plan.rollen
    assert (initiator.key, initiator.vervangt) == ("rol:initiator", "rol:initiator")
    assert "indicatieMachtiging" not in initiator.body
    assert plan.vervallen_rollen == ("rol:gemachtigde",)
    assert '"vervallen_rollen": [\n    "rol:gemachtigde"\n  ]' in canonical_json(plan)


def test_unchanged_rollen_are_not_registered_again() -> None:
    previous = _v("32-aanvullen-na-27.xml")
    assert previous.initiatiefnemer is not None and previous.initiatiefnemer.natuurlijk_persoon
    fewer_details = previous.initiatiefnemer.natuurlijk_persoon.model_copy(update={"emailadres": None})
    plan = _aanvulling_op_32(initiatiefnemer=Betrokkene(natuurlijk_persoon=fewer_details))
    assert plan.rollen == () and plan.vervallen_rollen == ()
    assert "vervallen_rollen" not in canonical_json(plan)  # left out when empty


def test_another_gemachtigde_replaces_the_first() -> None:
    """The initiator stays machtiginggever (unchanged: not in the plan); the new gemachtigde's
    rol replaces the old one's, which is no betrokkene any more."""
    ander = Betrokkene(niet_natuurlijk_persoon=NietNatuurlijkPersoon(kvk_nummer="87654321", naam="Bureau"))
    plan = _aanvulling_op_32(gemachtigde=ander)
    (gemachtigde,) = plan.rollen
    assert (gemachtigde.key, gemachtigde.vervangt) == ("rol:gemachtigde", "rol:gemachtigde")
    assert gemachtigde.body["betrokkeneIdentificatie"]["kvkNummer"] == "87654321"
    assert plan.vervallen_rollen == ()


def test_aanvulling_without_initiatiefnemer_keeps_the_initiator_rol() -> None:
    """STAM leaves the initiatiefnemer out only on Intrekken: a gap, not a zaak without aanvrager."""
    plan = _aanvulling_op_32(initiatiefnemer=None)
    assert [r.key for r in plan.rollen] == [] and plan.vervallen_rollen == ()


def test_aanvulling_without_initiatiefnemer_or_gemachtigde() -> None:
    """The earlier initiatiefnemer still stands, no longer machtiginggever; the gemachtigde goes."""
    plan = _aanvulling_op_32(initiatiefnemer=None, gemachtigde=None)
    (initiator,) = plan.rollen
    assert (initiator.key, initiator.vervangt) == ("rol:initiator", "rol:initiator")
    assert "indicatieMachtiging" not in initiator.body
    assert plan.vervallen_rollen == ("rol:gemachtigde",)


def test_intrekken_closes_without_documents() -> None:
    plan = _plan("verzoek-dakkapel-intrekken.xml", previous="verzoek-dakkapel-aanvullen.xml")
    assert plan.eindstatus is True and plan.statustype_omschrijving == "Afgehandeld"
    assert plan.documenten == () and plan.eigenschappen == () and plan.rollen == ()
    assert plan.status_toelichting == "Verzoek ingetrokken door de initiatiefnemer"
    # Open Zaak closes a zaak only with a resultaat: the mapping names its resultaattype.
    assert plan.resultaattype_omschrijving == "Ingetrokken"
    assert plan.resultaat_toelichting


def test_intrekken_without_statustype_means_the_eindstatus_and_names_no_resultaat_by_default() -> None:
    mapping = default_mapping().model_copy(update={"statussen": Statussen()})
    plan = build_zgw_plan(
        _v("verzoek-dakkapel-intrekken.xml"), mapping, None, registratiedatum=date(2024, 3, 14)
    )
    assert plan.eindstatus is True and plan.statustype_omschrijving is None
    assert plan.resultaattype_omschrijving is None and plan.resultaat_toelichting is None


def test_an_organisation_known_only_by_its_kvk_number_gets_no_innnnpid() -> None:
    """innNnpId is an RSIN (9 digits, 11-proef): an 8-digit KvK number goes into kvkNummer."""
    zonder = Betrokkene(
        niet_natuurlijk_persoon=NietNatuurlijkPersoon(kvk_nummer="12345678", naam="Stichting")
    )
    met = Betrokkene(
        niet_natuurlijk_persoon=NietNatuurlijkPersoon(
            kvk_nummer="12345678", vestigingsnummer="000012345678", naam="Bedrijf"
        )
    )
    (nnp,) = _aanvulling_op_32(gemachtigde=zonder).rollen
    assert nnp.body["betrokkeneType"] == "niet_natuurlijk_persoon"
    assert nnp.body["betrokkeneIdentificatie"]["kvkNummer"] == "12345678"
    assert "innNnpId" not in nnp.body["betrokkeneIdentificatie"]
    (vestiging,) = _aanvulling_op_32(gemachtigde=met).rollen
    assert vestiging.body["betrokkeneType"] == "vestiging"
    identificatie = vestiging.body["betrokkeneIdentificatie"]
    assert (identificatie["vestigingsNummer"], identificatie["kvkNummer"]) == ("000012345678", "12345678")
    assert "innNnpId" not in identificatie


def test_conceptverzoek_gets_its_own_zaaktype() -> None:
    assert _plan("05-v2-vooroverleg.xml").zaaktype_identificatie == "DSO-CONCEPTVERZOEK"
    assert _plan("12-v4-conceptverzoek.xml").zaaktype_identificatie == "DSO-CONCEPTVERZOEK"


def test_long_naam_is_cut_and_kept_in_toelichting() -> None:
    verzoek = _v("28-lange-teksten-cdata.xml")
    plan = build_zgw_plan(verzoek, default_mapping())
    assert len(plan.zaak["omschrijving"]) == 80 and plan.zaak["omschrijving"].endswith("…")
    assert verzoek.naam and plan.zaak["toelichting"].startswith(verzoek.naam)
    assert len(plan.zaak["toelichting"]) == 1000


def test_mapping_gap_propagates() -> None:
    with pytest.raises(MappingGap, match=r"nl\.imow-gm0999\.activiteit\.Onbekend"):
        build_zgw_plan(parse_verzoek(MAPPING_GAP[0].read_bytes()), default_mapping())


def test_rd_new_to_wgs84_is_real_geodesy() -> None:
    # The RD origin (Amersfoort, OLV-toren) is 52.15517440 N, 5.38720621 E (Kadaster, RDNAPTRANS).
    # Without the NSGI correction grid PROJ uses the Helmert fit "Amersfoort to ETRS89 (8)":
    # about 0.25 m off here, well within what a zaakgeometrie needs; a hand-made formula that
    # forgets the datum shift is ~100 m off and fails this.
    amersfoort = Geometrie(type="Point", epsg=28992, rings=(((155000.0, 463000.0),),))
    lon, lat = to_geojson(amersfoort)["coordinates"]
    assert lat == pytest.approx(52.15517440, abs=1e-5) and lon == pytest.approx(5.38720621, abs=1e-5)


def test_etrs89_lat_lon_order_becomes_geojson_lon_lat() -> None:
    etrs = to_geojson(_v("17-etrs89-punt.xml").projectlocaties[0].geometrie)  # type: ignore[arg-type]
    lon, lat = etrs["coordinates"]
    assert 3 < lon < 8 and 50 < lat < 54
    rd = to_geojson(_v("01-dakkapel-initieren.xml").projectlocaties[0].geometrie)  # type: ignore[arg-type]
    assert etrs["coordinates"] == pytest.approx(rd["coordinates"], abs=1e-5)  # the same spot


def test_polygon_with_hole_keeps_its_rings() -> None:
    zaak = build_zgw_plan(_v("15-polygon-met-gat.xml"), default_mapping()).zaak
    assert zaak["zaakgeometrie"]["type"] == "Polygon" and len(zaak["zaakgeometrie"]["coordinates"]) == 2


def test_dates_are_dutch_calendar_dates() -> None:
    from datetime import datetime, timedelta, timezone

    from stam_mapping.dates import dutch_date

    assert dutch_date(datetime(2024, 3, 14, 23, 30, tzinfo=UTC)) == date(2024, 3, 15)  # 00:30 in NL
    assert dutch_date(datetime(2024, 3, 14, 23, 30, tzinfo=timezone(timedelta(hours=1)))) == date(2024, 3, 14)
    assert dutch_date(datetime(2024, 3, 14, 23, 30)) == date(2024, 3, 14)  # naive: as it stands
    assert dutch_date(date(2024, 3, 14)) == date(2024, 3, 14)
