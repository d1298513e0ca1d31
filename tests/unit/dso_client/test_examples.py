"""The shipped example verzoeken: shapes the demo and the mapping rely on."""

from __future__ import annotations

from lxml import etree

from dso_client.sandbox.examples import get_example, list_examples
from dso_client.sandbox.stam import read_verzoek

ACTIVITEITEN = {
    "nl.imow-gm0200.activiteit.BouwactiviteitOmgevingsplan",
    "nl.imow-gm0200.activiteit.Bouwactiviteit",
    "nl.imow-gm0200.activiteit.OpslaanGevaarlijkeStoffenInOpslagtanks",
    "nl.imow-gm0200.activiteit.KappenVanHoutopstand",
    "nl.imow-gm0200.activiteit.Sloopactiviteit",
}
OUR_OIN = "00000001001600820000"


def local(root: etree._Element, name: str) -> list[str]:
    return [(e.text or "").strip() for e in root.iter() if etree.QName(e).localname == name]


def test_examples_are_listed_in_demo_order_and_match_their_xml() -> None:
    examples = list_examples()
    assert [e.name for e in examples] == [
        "verbouwing-initieren",
        "verbouwing-aanvullen",
        "sloop-initieren",
        "sloop-intrekken",
        "melding-opslag-gemachtigde",
        "kap-percelen",
    ]
    for example in examples:
        summary = read_verzoek(example.xml)
        assert (summary.verzoeknummer, summary.volgnummer) == (example.verzoeknummer, example.volgnummer)
        assert summary.bevoegd_gezag_oin == OUR_OIN
        assert set(example.bijlage_sizes) <= {d.document_id for d in summary.documenten}
        root = etree.fromstring(example.xml)
        assert set(local(root, "activiteitId")) <= ACTIVITEITEN
        assert set(local(root, "vraagId")) & {"284856", "368212", "391002"} or local(root, "doel") == [
            "Intrekken"
        ]


def test_the_aanvulling_replaces_one_document_and_changes_an_answer() -> None:
    a, b = get_example("verbouwing-initieren"), get_example("verbouwing-aanvullen")
    assert a is not None and b is not None
    docs_a = {d.document_id for d in read_verzoek(a.xml).documenten}
    docs_b = {d.document_id for d in read_verzoek(b.xml).documenten}
    assert len(docs_a) == 2 and len(docs_a - docs_b) == 1 and len(docs_b - docs_a) == 1
    assert local(etree.fromstring(a.xml), "antwoord")[0] != local(etree.fromstring(b.xml), "antwoord")[0]
    assert local(etree.fromstring(a.xml), "bsn") == ["999993653"]


def test_the_intrekking_is_of_another_verzoek_than_the_aanvulling() -> None:
    intrekking = get_example("sloop-intrekken")
    assert intrekking is not None
    root = etree.fromstring(intrekking.xml)
    assert local(root, "doel") == ["Intrekken"] and intrekking.volgnummer == 2
    assert intrekking.verzoeknummer != "2026031000101"
    assert any(e.verzoeknummer == intrekking.verzoeknummer and e.volgnummer == 1 for e in list_examples())


def test_melding_and_kap_have_their_distinguishing_features() -> None:
    melding, kap = get_example("melding-opslag-gemachtigde"), get_example("kap-percelen")
    assert melding is not None and kap is not None
    m = etree.fromstring(melding.xml)
    assert local(m, "type") == ["Melding"] and local(m, "gemachtigde") != []
    assert any(etree.QName(e).localname == "Polygon" for e in m.iter())
    assert local(m, "vertrouwelijk") == ["true"]
    k = etree.fromstring(kap.xml)
    assert len(local(k, "perceelnummer")) == 2
    assert local(k, "adresAanduiding") == [] and local(k, "geometrie") == []


def test_only_the_test_bsn_occurs_in_the_examples() -> None:
    for example in list_examples():
        assert set(local(etree.fromstring(example.xml), "bsn")) <= {"999993653"}


def test_unknown_example_is_none() -> None:
    assert get_example("nope") is None
