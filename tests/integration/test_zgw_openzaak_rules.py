"""The ZGW adapter against the strict test server (Open Zaak 1.21.0's rules, shared/zgw/openzaak-rules.md):
closing a zaak, statustypen per doel, datumStatusGezet, a catalogue fixed while the gateway
runs, the zaaktype version, and `dso-gateway check` on every catalogue gap."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from adapters.errors import DeliveryPermanentError, DeliveryRetryableError
from adapters.memory import MemoryCheckpoints
from adapters.zgw.client import CatalogusGap
from adapters.zgw.delivery import ZgwDelivery
from adapters.zgw.preflight import check_catalogue
from stam_mapping.mapping import Intrekking, MunicipalMapping, Status, default_mapping
from stam_mapping.model import Doel, Verzoek
from stam_mapping.zgw import build_zgw_plan
from stam_mapping.zgw_plan import ZgwPlan
from tests import zgw_spec
from tests.unit.adapters.support import MemoryDocuments, demo_verzoek, planner
from tests.zgw_spec import ZgwEnv

zgw_server = zgw_spec.zgw_server  # fixtures
zgw_env = zgw_spec.zgw_env

THRESHOLD = 100 * 1024
V1 = demo_verzoek()
V2 = demo_verzoek(volgnummer=2, doel=Doel.AANVULLEN, documenten=("DOC-1", "DOC-3"), bouwkosten="30000")
V3 = demo_verzoek(volgnummer=3, doel=Doel.INTREKKEN, documenten=("DOC-1", "DOC-3"))
PREVIOUS = {1: None, 2: V1, 3: V2}


def _documents() -> MemoryDocuments:
    return MemoryDocuments(
        **{"DOC-1": b"%PDF-1.4 klein\n" * 50, "DOC-2": bytes(range(256)) * 800, "DOC-3": b"%PDF aanvulling\n"}
    )


def _planner_for(mapping: MunicipalMapping) -> Any:
    def plan(verzoek: Verzoek, previous: Verzoek | None) -> ZgwPlan:
        return build_zgw_plan(verzoek, mapping, previous, registratiedatum=date(2024, 3, 14))

    return plan


def _statussen(**update: Any) -> MunicipalMapping:
    mapping = default_mapping()
    return mapping.model_copy(update={"statussen": mapping.statussen.model_copy(update=update)})


def _deliver(delivery: ZgwDelivery, verzoek: Verzoek, checkpoints: MemoryCheckpoints) -> Any:
    return delivery.deliver(verzoek, PREVIOUS[verzoek.volgnummer], _documents(), checkpoints)


def _statustype_of(env: ZgwEnv, status: dict[str, Any]) -> str:
    found = env.store.find("statustypen", status["statustype"])
    assert found is not None
    return str(found["omschrijving"])


def _zaak(env: ZgwEnv) -> dict[str, Any]:
    [zaak] = env.store.zaken.values()
    return zaak


# --- closing ---------------------------------------------------------------------------------


def test_an_intrekking_registers_the_mappings_resultaat_then_closes_the_zaak(zgw_env: ZgwEnv) -> None:
    """Open Zaak refuses the eindstatus without a resultaat (resultaat-does-not-exist)."""
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    for verzoek in (V1, V2, V3):
        _deliver(delivery, verzoek, checkpoints)

    zaak = _zaak(zgw_env)
    assert zaak["einddatum"] is not None
    [resultaat] = zgw_env.store.resultaten.values()
    resultaattype = zgw_env.store.find("resultaattypen", resultaat["resultaattype"])
    assert resultaattype is not None and resultaattype["omschrijving"] == "Ingetrokken"
    assert checkpoints.data["v3:resultaat"] == {"url": resultaat["url"]}
    laatste = zgw_env.store.statussen[zaak["status"].rsplit("/", 1)[-1]]
    assert _statustype_of(zgw_env, laatste) == "Afgehandeld"

    # Redelivered (the message came again): nothing is asked or sent, not even the documents'
    # check, so a behandelaar's lock after closing cannot fail it.
    document = next(iter(zgw_env.store.documenten.values()))
    zgw_env.store.locks[document["uuid"]] = "lock-van-een-behandelaar"
    calls = len(zgw_env.store.calls)
    _deliver(delivery, V3, checkpoints)
    assert len(zgw_env.store.calls) == calls


@pytest.mark.parametrize("after_handling", [True, False], ids=["answer-lost", "failed"])
def test_the_resultaat_step_is_safe_against_a_lost_answer(zgw_env: ZgwEnv, after_handling: bool) -> None:
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    _deliver(delivery, V2, checkpoints)
    zgw_env.store.inject_fault(500, method="POST", path_contains="/resultaten", after_handling=after_handling)

    with pytest.raises(DeliveryRetryableError):
        _deliver(delivery, V3, checkpoints)
    assert "v3:resultaat:pending" in checkpoints.data
    _deliver(delivery, V3, checkpoints)

    assert len(zgw_env.store.resultaten) == 1
    assert _zaak(zgw_env)["einddatum"] is not None


def test_a_locked_document_stops_the_closing_with_a_clear_retryable_error(zgw_env: ZgwEnv) -> None:
    """Open Zaak closes no zaak with a locked document (informatieobject-locked); a behandelaar's
    lock is temporary, so the verzoek is retried, and said plainly."""
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    _deliver(delivery, V2, checkpoints)
    document = next(iter(zgw_env.store.documenten.values()))
    zgw_env.store.locks[document["uuid"]] = "lock-van-een-behandelaar"

    with pytest.raises(DeliveryRetryableError, match="is locked"):
        _deliver(delivery, V3, checkpoints)
    assert _zaak(zgw_env)["einddatum"] is None
    del zgw_env.store.locks[document["uuid"]]
    _deliver(delivery, V3, checkpoints)

    assert _zaak(zgw_env)["einddatum"] is not None


def test_documents_are_created_with_indicatie_gebruiksrecht_false(zgw_env: ZgwEnv) -> None:
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    _deliver(delivery, V1, MemoryCheckpoints())
    assert {d["indicatieGebruiksrecht"] for d in zgw_env.store.documenten.values()} == {False}


def test_a_mapping_without_resultaattype_cannot_close_and_says_so(zgw_env: ZgwEnv) -> None:
    mapping = _statussen(intrekken=Intrekking(toelichting="Ingetrokken"))
    delivery = ZgwDelivery(zgw_env.client, _planner_for(mapping), bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    with pytest.raises(DeliveryPermanentError, match=r"statussen\.intrekken\.resultaattype"):
        _deliver(delivery, V3, checkpoints)


# --- statustypen and datumStatusGezet ---------------------------------------------------------


def test_the_statustype_per_doel_comes_from_the_mapping(zgw_env: ZgwEnv) -> None:
    """No hard-coded "Aangevuld": each doel sets the statustype the mapping names for it, and an
    aanvulling whose mapping names none sets the initial one."""
    mapping = _statussen(
        initieren=Status(statustype="Aangevuld", toelichting="Eerste"),
        aanvullen=Status(toelichting="Aanvulling"),
    )
    delivery = ZgwDelivery(zgw_env.client, _planner_for(mapping), bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    _deliver(delivery, V2, checkpoints)

    statussen = sorted(zgw_env.store.statussen.values(), key=lambda s: str(s["datumStatusGezet"]))
    assert [_statustype_of(zgw_env, s) for s in statussen] == ["Aangevuld", "Ontvangen"]


def test_datum_status_gezet_is_never_in_the_providers_future_and_unique(zgw_env: ZgwEnv) -> None:
    """Our clock an hour ahead of the provider's (date-in-future), and one frozen moment for
    two versions (unique per zaak): both delivered."""
    ahead = datetime.now(UTC) + timedelta(hours=1)
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD, now=lambda: ahead)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    frozen = datetime(2024, 3, 14, 9, 0, tzinfo=UTC)
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD, now=lambda: frozen)
    _deliver(delivery, V2, checkpoints)
    _deliver(delivery, V3, checkpoints)

    momenten = [datetime.fromisoformat(str(s["datumStatusGezet"])) for s in zgw_env.store.statussen.values()]
    assert len(momenten) == len(set(momenten)) == 3
    assert all(m <= datetime.now(UTC) for m in momenten)


# --- a catalogue fixed while the gateway runs -------------------------------------------------


def _add_statustype(env: ZgwEnv, zaaktype_url: str, omschrijving: str, volgnummer: int) -> None:
    statustypen = env.store.catalogi["statustypen"]
    model = next(s for s in statustypen.values() if s["zaaktype"] == zaaktype_url)
    new = str(uuid.uuid4())
    base = model["url"].rsplit("/", 1)[0]
    statustypen[new] = {
        **model,
        "url": f"{base}/{new}",
        "omschrijving": omschrijving,
        "omschrijvingGeneriek": omschrijving,
        "volgnummer": volgnummer,
        "isEindstatus": False,
    }


def test_a_statustype_added_to_the_running_catalogue_is_used_on_the_retry(zgw_env: ZgwEnv) -> None:
    mapping = _statussen(aanvullen=Status(statustype="In behandeling", toelichting="Aanvulling"))
    delivery = ZgwDelivery(zgw_env.client, _planner_for(mapping), bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    with pytest.raises(CatalogusGap, match="'In behandeling'"):
        _deliver(delivery, V2, checkpoints)

    # The functional administrator adds it; the same delivery (worker) retries, no restart.
    _add_statustype(zgw_env, _zaak(zgw_env)["zaaktype"], "In behandeling", 2)
    _deliver(delivery, V2, checkpoints)

    laatste = zgw_env.store.statussen[_zaak(zgw_env)["status"].rsplit("/", 1)[-1]]
    assert _statustype_of(zgw_env, laatste) == "In behandeling"


# --- the zaaktype version -----------------------------------------------------------------------


def test_a_verzoek_filed_before_the_zaaktype_began_gets_the_current_version_and_says_so(
    zgw_env: ZgwEnv,
) -> None:
    """The demo zaaktypen begin on 2020-01-01; Open Zaak does not check geldigheid."""
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    oud = V1.model_copy(update={"indien_datum": date(2019, 6, 1)})
    result = delivery.deliver(oud, None, _documents(), MemoryCheckpoints())

    assert _zaak(zgw_env)["url"] == result.zaak_url
    [notitie] = result.notities
    assert "2019-06-01" in notitie and "2020-01-01" in notitie and "DSO-OMGEVINGSVERGUNNING" in notitie


# --- dso-gateway check ---------------------------------------------------------------------------


def test_check_passes_the_demo_catalogue(zgw_env: ZgwEnv) -> None:
    report = check_catalogue(zgw_env.client, default_mapping(), date(2024, 3, 14))
    assert report.errors == [] and report.warnings == []
    assert any(c.startswith("zaaktype DSO-OMGEVINGSVERGUNNING") for c in report.checked)


def test_check_fails_on_every_catalogue_gap_that_fails_a_delivery(zgw_env: ZgwEnv) -> None:
    zgw_env.store.seed(zgw_env.server.origin)  # the catalogue exists from the first request on
    cat = zgw_env.store.catalogi
    melding = next(z for z in cat["zaaktypen"].values() if z["identificatie"] == "DSO-MELDING")
    informatie = next(z for z in cat["zaaktypen"].values() if z["identificatie"] == "DSO-INFORMATIE")
    vergunning = next(
        z
        for z in cat["zaaktypen"].values()
        if z["identificatie"] == "DSO-OMGEVINGSVERGUNNING" and not z["concept"]
    )
    melding["concept"] = True  # not published
    for kind, key, value in (
        ("eigenschappen", "naam", "Activiteiten"),  # the activiteiten_eigenschap
        ("resultaattypen", "omschrijving", "Ingetrokken"),
        ("statustypen", "omschrijving", "Aangevuld"),
    ):
        for found_uuid in [
            u for u, i in cat[kind].items() if i["zaaktype"] == informatie["url"] and i[key] == value
        ]:
            del cat[kind][found_uuid]
    bijlage = next(i for i in cat["informatieobjecttypen"].values() if i["omschrijving"] == "Bijlage")
    for link_uuid in [
        u
        for u, link in cat["zaaktype-informatieobjecttypen"].items()
        if link["zaaktype"] == vergunning["url"] and link["informatieobjecttype"] == bijlage["url"]
    ]:
        del cat["zaaktype-informatieobjecttypen"][link_uuid]
    rapport = next(i for i in cat["informatieobjecttypen"].values() if i["omschrijving"] == "Rapport")
    rapport["concept"] = True
    maatwerk = next(z for z in cat["zaaktypen"].values() if z["identificatie"] == "DSO-MAATWERK")
    ingetrokken = next(
        r
        for r in cat["resultaattypen"].values()
        if r["zaaktype"] == maatwerk["url"] and r["omschrijving"] == "Ingetrokken"
    )
    # A brondatum only a besluit gives: Open Zaak cannot close the zaak (archiefactiedatum-error).
    ingetrokken["brondatumArchiefprocedure"] = {
        **ingetrokken["brondatumArchiefprocedure"],
        "afleidingswijze": "ingangsdatum_besluit",
    }

    errors = check_catalogue(zgw_env.client, default_mapping(), date(2024, 3, 14)).errors

    def named(*words: str) -> bool:
        return any(all(w in e for w in words) for e in errors)

    assert named("DSO-MELDING", "not published")
    assert named("eigenschap 'Activiteiten'", "DSO-INFORMATIE")
    assert named("resultaattype 'Ingetrokken'", "DSO-INFORMATIE")
    assert named("statustype 'Aangevuld'", "DSO-INFORMATIE", "Aanvullen")
    assert named("'Bijlage'", "not linked", "DSO-OMGEVINGSVERGUNNING")
    assert named("'Rapport'", "not published")
    assert named("resultaattype 'Ingetrokken'", "DSO-MAATWERK", "ingangsdatum_besluit")


def test_a_catalogue_url_gone_since_it_was_cached_is_looked_up_again(zgw_env: ZgwEnv) -> None:
    """The administrator replaced the statustype (a new URL) after the worker cached it: the
    provider refuses the old URL, the delivery refreshes its catalogue and tries once more."""
    delivery = ZgwDelivery(zgw_env.client, planner, bestandsdelen_threshold=THRESHOLD)
    checkpoints = MemoryCheckpoints()
    _deliver(delivery, V1, checkpoints)
    statustypen = zgw_env.store.catalogi["statustypen"]
    zaaktype = _zaak(zgw_env)["zaaktype"]
    [(oud, aangevuld)] = [
        (u, s)
        for u, s in statustypen.items()
        if s["zaaktype"] == zaaktype and s["omschrijving"] == "Aangevuld"
    ]
    del statustypen[oud]
    _add_statustype(zgw_env, zaaktype, "Aangevuld", aangevuld["volgnummer"])

    _deliver(delivery, V2, checkpoints)

    laatste = zgw_env.store.statussen[_zaak(zgw_env)["status"].rsplit("/", 1)[-1]]
    assert laatste["statustype"] != aangevuld["url"]
    assert _statustype_of(zgw_env, laatste) == "Aangevuld"


def test_the_rules_a_message_stored_in_the_zaak_relies_on(zgw_env: ZgwEnv) -> None:
    """ZgwZaakDocumenten.voeg_toe makes no lookups before its two POSTs: what exists already,
    and a closed zaak, it learns from these refusals (rule 10, B7, rule 12, C1 DELETE)."""
    _deliver(ZgwDelivery(zgw_env.client, planner), V1, MemoryCheckpoints())
    c, zaak = zgw_env.client, _zaak(zgw_env)
    iot = next(
        i
        for i in zgw_env.store.catalogi["informatieobjecttypen"].values()
        if i["omschrijving"] == "Statusbericht"
    )
    mapping = default_mapping()

    def document(identificatie: str) -> dict[str, Any]:
        body = {
            "identificatie": identificatie,
            "bronorganisatie": mapping.bronorganisatie,
            "creatiedatum": "2024-03-14",
            "titel": "Bericht",
            "auteur": "Gemeente",
            "taal": "dut",
            "bestandsomvang": 4,
            "inhoud": "JVBERg==",
            "indicatieGebruiksrecht": False,
            "informatieobjecttype": iot["url"],
        }
        return dict(c.post(c.documenten("enkelvoudiginformatieobjecten"), body))

    def refusal(call: Any) -> DeliveryPermanentError:
        with pytest.raises(DeliveryPermanentError) as refused:
            call()
        return refused.value

    def link(doc: dict[str, Any]) -> Any:
        return c.post(
            c.zaken("zaakinformatieobjecten"), {"zaak": zaak["url"], "informatieobject": doc["url"]}
        )

    # Rule 10: the identificatie is unique per bronorganisatie, nothing else is said.
    eerste = document("BER-regels-1")
    again = refusal(lambda: document("BER-regels-1"))
    assert again.status == 400 and again.invalid_params == [
        {
            "name": "identificatie",
            "code": "identificatie-niet-uniek",
            "reason": again.invalid_params[0]["reason"],
        }
    ]
    # B7: the pair zaak + informatieobject is unique.
    link(eerste)
    twice = refusal(lambda: link(eerste))
    assert twice.status == 400 and [(p["name"], p["code"]) for p in twice.invalid_params] == [
        ("nonFieldErrors", "unique")
    ]
    # Rule 12: a closed zaak takes no new link (without zaken.geforceerd-bijwerken).
    zgw_env.store.zaken[zaak["url"].rsplit("/", 1)[-1]]["einddatum"] = "2024-03-20"
    tweede = document("BER-regels-2")
    assert refusal(lambda: link(tweede)).status == 403
    # C1: an unlinked, unlocked document can be deleted (a linked one cannot: pending-relations,
    # a 400 the Documenten spec does not list for DELETE; tests/unit/adapters/test_zgw_testserver.py).
    assert c.delete(tweede["url"]) is True
