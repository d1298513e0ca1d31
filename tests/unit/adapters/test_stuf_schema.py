"""Every StUF message the adapter sends, for every fixture and every doel, is valid against the
official StUF-ZKN 3.10 schemas (../shared/stuf; skipped outside CI when absent)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from adapters.stuf_zkn.messages import berichten
from adapters.stuf_zkn.schemas import MUTATIE, ZS_DMS, StufSchemas, entry_point_for
from dso_client.sandbox import examples as sandbox_examples
from stam_mapping import parse_verzoek
from stam_mapping.mapping import default_mapping
from stam_mapping.model import Adres, Betrokkene, BinnenlandsAdres, BuitenlandsAdres, Doel, NatuurlijkPersoon
from stam_mapping.stuf import Stuurgegevens, Systeem, build_creeer_zaak_lk01
from tests.stuf_schemas import require_stuf_schemas
from tests.unit.adapters.support import demo_verzoek
from tests.unit.stam.corpus import EXAMPLES, VALID

SANDBOX = sorted(Path(sandbox_examples.__file__).parent.glob("*.xml"))
SHARED = sorted(EXAMPLES.glob("verzoek-*.xml")) if EXAMPLES.is_dir() else []
DOELEN = (Doel.INITIEREN, Doel.AANVULLEN, Doel.INTREKKEN)
STUURGEGEVENS = Stuurgegevens(
    zender=Systeem(organisatie="0200", applicatie="DSOGW"),
    ontvanger=Systeem(organisatie="0200", applicatie="ZAKEN", gebruiker="dso"),
    referentienummer="ref-1",
    tijdstip=datetime(2024, 3, 15, 8, 30, 0, 123000),
)


NS = {
    "ZKN": "http://www.egem.nl/StUF/sector/zkn/0310",
    "BG": "http://www.egem.nl/StUF/sector/bg/0310",
    "StUF": "http://www.egem.nl/StUF/StUF0301",
}


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


@pytest.fixture(scope="module")
def schemas() -> StufSchemas:
    return require_stuf_schemas()


@pytest.mark.parametrize("doel", DOELEN, ids=lambda d: d.name.lower())
@pytest.mark.parametrize("xml", VALID + SANDBOX + SHARED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_message_is_valid(xml: Path, doel: Doel, schemas: StufSchemas) -> None:
    verzoek = parse_verzoek(xml.read_bytes()).model_copy(update={"doel": doel})
    sent = berichten(
        verzoek, default_mapping(), zaak_identificatie="0200-00000042", stuurgegevens=lambda: STUURGEGEVENS
    )
    operations = [b.operation for b in sent]
    assert operations[:2] == ["genereerZaakIdentificatie_Di02", "creeerZaak_Lk01"]
    assert operations.count("voegZaakdocumentToe_Lk01") == len(verzoek.documenten())
    assert ("updateZaak_Lk01" in operations) == (doel is not Doel.INITIEREN)
    for bericht in sent:
        assert bericht.body.startswith(b"<?xml")
        root = etree.fromstring(bericht.body)
        assert schemas.errors(root) == [], bericht.operation


def test_each_root_is_checked_against_the_schema_that_declares_it() -> None:
    assert entry_point_for("zakLk01") == entry_point_for("edcLk01") == MUTATIE
    assert entry_point_for("genereerZaakIdentificatie_Di02") == ZS_DMS


def test_the_schemas_refuse_what_the_issue_found(schemas: StufSchemas) -> None:
    """The four defects of issue 17, put back by hand, each fail: the check can fail."""
    verzoek = parse_verzoek((VALID[0].parent / "04-melding-bedrijf-gemachtigde.xml").read_bytes())
    good = etree.fromstring(
        build_creeer_zaak_lk01(
            verzoek, default_mapping(), zaak_identificatie="Z-0042", stuurgegevens=STUURGEGEVENS
        )
    )
    assert schemas.errors(good) == []

    long_code = etree.fromstring(etree.tostring(good))
    _one(long_code, ".//ZKN:isVan/ZKN:gerelateerde/ZKN:code").text = "DSO-OMGEVINGSVERGUNNING"
    assert "maxLength" in schemas.errors(long_code)[0]

    kvk = etree.fromstring(etree.tostring(good))
    nnp = _one(kvk, ".//ZKN:nietNatuurlijkPersoon")
    nnp.insert(0, etree.Element(f"{{{NS['BG']}}}inn.nnpId"))
    nnp[0].text = "90000102"  # a KvK number where an RSIN belongs
    nnp.insert(1, etree.Element(f"{{{NS['BG']}}}authentiek"))
    nnp[1].text = "J"
    nnp[1].set("{http://www.egem.nl/StUF/StUF0301}metagegeven", "true")
    assert "inn.nnpId" in schemas.errors(kvk)[0] and "[0-9]{9}" in schemas.errors(kvk)[0]

    punt = etree.fromstring(etree.tostring(good))
    lokatie = _one(punt, ".//ZKN:lokatie")
    gml = "http://www.opengis.net/gml"
    lokatie[0] = etree.Element(f"{{{gml}}}Point", srsName="urn:ogc:def:crs:EPSG::4326")
    etree.SubElement(lokatie[0], f"{{{gml}}}pos").text = "52.1 5.1"
    assert "Point" in schemas.errors(punt)[0]

    adres = etree.fromstring(etree.tostring(good))
    verblijf = _one(adres, ".//BG:verblijfsadres")
    verblijf.append(verblijf[0])  # woonplaatsNaam last: out of order
    assert "not expected" in schemas.errors(adres)[0]


def test_errors_never_quote_the_value(schemas: StufSchemas) -> None:
    """A refused value may be a BSN: schema errors go into Fo02 answers, errors and logs."""
    verzoek = parse_verzoek((VALID[0].parent / "01-dakkapel-initieren.xml").read_bytes())
    mapping = default_mapping()
    root = etree.fromstring(
        build_creeer_zaak_lk01(verzoek, mapping, zaak_identificatie="Z-0042", stuurgegevens=STUURGEGEVENS)
    )
    _one(root, ".//BG:inp.bsn").text = "12345678"  # too short for the pattern
    _one(root, ".//ZKN:zaakniveau").text = "x9876543x"  # not an integer
    problems = schemas.errors(root)
    assert len(problems) == 2
    assert "zaakniveau" in problems[0] and "inp.bsn" in problems[1] and "pattern" in problems[1]
    assert not any("12345678" in p or "9876543" in p for p in problems), problems


def test_a_foreign_address_and_odd_house_numbers_still_validate(schemas: StufSchemas) -> None:
    """No fixture has a person living abroad only, or a toevoeging BG refuses (`-2`, 5 chars)."""
    regels = ("Rue de la Loi 16", "1000 Bruxelles")
    buitenland = Adres(buitenlands=BuitenlandsAdres(regels=regels, land="België"))
    vreemd = Adres(
        binnenlands=BinnenlandsAdres(
            straatnaam="Een heel lange straatnaam die niet past",
            huisnummer=12,
            huisletter="ab",
            huisnummertoevoeging="bis-2a",
            postcode="7311AB",
            woonplaats="Apeldoorn",
        )
    )
    persoon = NatuurlijkPersoon(achternaam="Dupont", verblijfsadres=buitenland)
    gemachtigde = NatuurlijkPersoon(achternaam="Jansen", verblijfsadres=vreemd)
    verzoek = demo_verzoek().model_copy(
        update={
            "initiatiefnemer": Betrokkene(natuurlijk_persoon=persoon),
            "gemachtigde": Betrokkene(natuurlijk_persoon=gemachtigde),
        }
    )
    body = build_creeer_zaak_lk01(
        verzoek, default_mapping(), zaak_identificatie="Z-0042", stuurgegevens=STUURGEGEVENS
    )
    root = etree.fromstring(body)
    assert schemas.errors(root) == []
    assert _one(root, ".//ZKN:heeftAlsInitiator//BG:sub.verblijfBuitenland/BG:lnd.landnaam").text == "België"
    adres = _one(root, ".//ZKN:heeftAlsGemachtigde//BG:verblijfsadres")
    assert _one(adres, "BG:aoa.huisnummertoevoeging").text == "bis2"
    assert adres.find("BG:aoa.huisletter", NS) is None  # "ab" is no huisletter: left out, not refused


def test_kvk_as_extra_element_when_the_counterpart_agreed_it(schemas: StufSchemas) -> None:
    verzoek = parse_verzoek((VALID[0].parent / "04-melding-bedrijf-gemachtigde.xml").read_bytes())
    base = default_mapping()
    mapping = base.model_copy(
        update={"stuf_zkn": base.stuf_zkn.model_copy(update={"kvk_als_extra_element": True})}
    )
    body = build_creeer_zaak_lk01(verzoek, mapping, zaak_identificatie="Z-0042", stuurgegevens=STUURGEGEVENS)
    root = etree.fromstring(body)
    assert schemas.errors(root) == []
    extra = _one(root, ".//ZKN:heeftAlsGemachtigde/StUF:extraElementen/StUF:extraElement")
    assert extra.get("naam") == "kvkNummer" and extra.text == "90000102"
    assert _one(root, ".//ZKN:heeftAlsGemachtigde/ZKN:toelichting").text == "KvK-nummer 90000102"
