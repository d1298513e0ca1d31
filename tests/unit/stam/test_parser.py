"""parse_verzoek / parse_notificatie: the profile's shapes, tolerance and safety."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from stam_mapping import StamError, StamRejected, parse_notificatie, parse_verzoek
from stam_mapping.model import Doel, VerzoekType
from tests.unit.stam.corpus import FIXTURES, REJECTED, REJECTED_EXPECTED, example

VALID = FIXTURES / "valid"


def _load(name: str) -> bytes:
    return (VALID / name).read_bytes()


def test_initieren_example_in_detail() -> None:
    v = parse_verzoek(example("verzoek-dakkapel-initieren.xml").read_bytes())
    assert (v.stam_versie, v.verzoeknummer, v.volgnummer, v.doel) == (
        "stam-v4",
        "2024031400042",
        1,
        Doel.INITIEREN,
    )
    assert v.type is VerzoekType.AANVRAAG_VERGUNNING
    assert isinstance(v.indien_datum, datetime) and v.indien_datum.utcoffset() is not None
    assert v.ambtshalve is False and v.project_id == "P-7731"
    persoon = v.initiatiefnemer.natuurlijk_persoon  # type: ignore[union-attr]
    assert persoon is not None and persoon.bsn == "999993653" and persoon.voorvoegsel == "van der"
    assert persoon.verblijfsadres and persoon.verblijfsadres.binnenlands
    assert persoon.verblijfsadres.binnenlands.huisnummer == 12
    locatie = v.projectlocaties[0]
    assert locatie.adres and locatie.adres.bag_nummeraanduiding_id == "0200200000123456"
    assert locatie.percelen[0].kadastrale_gemeente_code == "APD01"
    assert locatie.geometrie and locatie.geometrie.epsg == 28992
    assert locatie.geometrie.rings == (((194195.2, 469832.7),),)
    gevraagd = v.projectactiviteiten[0].specificaties[1].gevraagde_bijlagen[0].documenten[0]
    # documents in a gevraagdeBijlage inherit its documentsoortDSO and the vraagId they answer
    assert (gevraagd.documentsoort_dso, gevraagd.vraag_id) == ("Bouwtekening", 284901)
    assert [d.document_id for d in v.documenten()] == ["DOC-2024031400042-0001", "DOC-2024031400042-0002"]
    assert v.onbekende_elementen == 0


def test_default_namespace_company_and_gemachtigde() -> None:
    v = parse_verzoek(example("verzoek-melding-bedrijf-gemachtigde.xml").read_bytes())
    bedrijf = v.initiatiefnemer.niet_natuurlijk_persoon  # type: ignore[union-attr]
    assert bedrijf and bedrijf.vestigingsnummer == "000038509490" and bedrijf.contactpersoon
    assert bedrijf.contactpersoon.achternaam == "Öztürk"
    gemachtigde = v.gemachtigde.niet_natuurlijk_persoon  # type: ignore[union-attr]
    assert gemachtigde and gemachtigde.postadres and gemachtigde.postadres.buitenlands
    assert gemachtigde.postadres.buitenlands.regels == ("Rue de la Loi 42", "1000 Bruxelles")
    assert gemachtigde.naam == "Adviesbureau Veilig & Groen"
    assert v.uitvoerende_instantie and v.uitvoerende_instantie.oin == "00000001823288444000"
    assert v.projectactiviteiten[0].specificaties[0].groepering == "Opslagtank 1"
    assert v.verzoekbijlagen[0].vertrouwelijk is True
    geometrie = v.projectlocaties[0].geometrie
    assert geometrie and geometrie.type == "Polygon" and len(geometrie.rings[0]) == 5


def test_stam_v2_vooroverleg_is_conceptverzoek() -> None:
    v = parse_verzoek(_load("05-v2-vooroverleg.xml"))
    assert (v.stam_versie, v.doel) == ("stam-v2", Doel.CONCEPTVERZOEK)


def test_bsn_000000000_means_absent() -> None:
    v = parse_verzoek(_load("13-bsn-onbekend.xml"))
    assert v.initiatiefnemer and v.initiatiefnemer.natuurlijk_persoon
    assert v.initiatiefnemer.natuurlijk_persoon.bsn is None and v.bsns() == ()


def test_plain_date_and_naive_datetime() -> None:
    assert parse_verzoek(_load("14-indiendatum-date.xml")).indien_datum == date(2024, 6, 1)
    naive = parse_verzoek(_load("31-srs-varianten-3d.xml")).indien_datum
    assert isinstance(naive, datetime) and naive.tzinfo is None


def test_geometry_variants() -> None:
    gat = parse_verzoek(_load("15-polygon-met-gat.xml")).projectlocaties[0].geometrie
    assert gat and len(gat.rings) == 2  # exterior + interior
    oud = parse_verzoek(_load("16-gml-oude-namespace.xml")).projectlocaties[0].geometrie
    assert oud and oud.type == "Point"
    etrs = parse_verzoek(_load("17-etrs89-punt.xml")).projectlocaties[0].geometrie
    assert etrs and etrs.epsg == 4258 and etrs.rings[0][0] == (52.2151901, 5.9607224)
    drie_d, pos_ring = (
        loc.geometrie for loc in parse_verzoek(_load("31-srs-varianten-3d.xml")).projectlocaties
    )
    assert drie_d and drie_d.epsg == 28992 and drie_d.rings[0][1] == (196100.0, 470000.0)
    assert pos_ring and len(pos_ring.rings[0]) == 4


def test_addresses_and_percelen() -> None:
    p = parse_verzoek(_load("19-adressen-binnen-en-buitenland.xml")).initiatiefnemer.natuurlijk_persoon  # type: ignore[union-attr]
    assert p and p.verblijfsadres and p.verblijfsadres.binnenlands
    binnen = p.verblijfsadres.binnenlands
    assert (binnen.postcode, binnen.huisletter, binnen.huisnummertoevoeging) == ("7311MK", "b", "2hg")
    assert p.correspondentieadres and p.correspondentieadres.buitenlands
    # adresBuitenland1..3 in number order, whatever the element order
    assert p.correspondentieadres.buitenlands.regels == ("Invalidenstraße 1", "10115 Berlin")
    locaties = parse_verzoek(_load("18-meerdere-locaties.xml")).projectlocaties
    assert [pc.appartementsindex for pc in locaties[0].percelen] == ["0003", None]
    assert locaties[1].adres and locaties[1].adres.bag_nummeraanduiding_id is None


def test_tolerance_unknown_elements_whitespace_order_prefix() -> None:
    v = parse_verzoek(_load("22-onbekende-elementen.xml"))
    assert v.onbekende_elementen == 5
    assert v.naam == "Spaties rondom"
    assert v.projectactiviteiten[0].specificaties[0].antwoord == "30000"
    assert v.projectactiviteiten[0].specificaties[0].vraag_id == 284856
    shuffled = parse_verzoek(_load("23-volgorde-en-prefix.xml"))
    assert shuffled.verzoeknummer == "2024060100023" and shuffled.projectactiviteiten


def test_declared_encodings() -> None:
    assert parse_verzoek(_load("24-latin1.xml")).naam == "Café terras uitbreiding"
    assert parse_verzoek(_load("25-utf16.xml")).naam == "Verbouwing ‘t Hofje"


def test_cdata_and_booleans() -> None:
    v = parse_verzoek(_load("28-lange-teksten-cdata.xml"))
    assert v.omschrijving and v.omschrijving.startswith("Omschrijving met <tekens> &")
    k = parse_verzoek(_load("26-kopiebericht-ambtshalve.xml"))
    assert k.ambtshalve is True
    docs = {
        d.document_id: d for d in parse_verzoek(_load("27-veel-activiteiten-en-bijlagen.xml")).documenten()
    }
    assert docs["DOC-27-6"].vertrouwelijk is False and docs["DOC-27-3"].vertrouwelijk is True
    assert docs["DOC-27-2"].documentsoort_dso == "Constructietekening"  # its own soort wins
    assert docs["DOC-27-4"].documentsoort_dso is None and docs["DOC-27-4"].vraag_id == 500101


def test_minimal_verzoek() -> None:
    v = parse_verzoek(_load("30-minimaal.xml"))
    assert v.naam is None and v.initiatiefnemer is None and v.projectactiviteiten == ()


@pytest.mark.parametrize("xml", REJECTED, ids=lambda p: p.stem)
def test_rejected_corpus(xml: Path) -> None:
    with pytest.raises(StamRejected) as info:
        parse_verzoek(xml.read_bytes())
    message = str(info.value)
    assert REJECTED_EXPECTED[xml.name] in message
    assert "\n" not in message
    # never echo personal data from the input
    for secret in ("999990019", "123456788", "99999365", "Jansen", "a.jansen@example.org", "ABCD12"):
        assert secret not in message


def test_every_rejection_has_an_expectation() -> None:
    assert {p.name for p in REJECTED} == set(REJECTED_EXPECTED)
    assert len(REJECTED) >= 25


def test_oversize_input_is_rejected_before_parsing() -> None:
    data = _load("01-dakkapel-initieren.xml")
    with pytest.raises(StamRejected, match="exceeds the limit of 100 bytes"):
        parse_verzoek(data, max_bytes=100)


def test_non_bytes_input() -> None:
    with pytest.raises(StamRejected, match="must be bytes"):
        parse_verzoek("<verzoek/>")  # type: ignore[arg-type]


def test_doctype_after_a_long_prolog_is_still_rejected() -> None:
    padding = b"<!--" + b"x" * 70_000 + b"-->"
    data = (
        b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE a [<!ENTITY e "x">]>' + _load("30-minimaal.xml")[39:]
    )
    with pytest.raises(StamRejected, match="DOCTYPE"):
        parse_verzoek(data)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'<!ENTITY x "leaked">')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/stam.dtd"
    server.shutdown()
    server.server_close()


def test_no_network_access_for_external_dtd_or_entity(dtd_server: str) -> None:
    _Recorder.hits.clear()
    body = _load("30-minimaal.xml").decode().split("\n", 1)[1]
    padding = "<!--" + "x" * 70_000 + "-->"  # past the quick prolog scan: lxml itself must not fetch
    for prolog in (
        f'<!DOCTYPE vx:verzoek SYSTEM "{dtd_server}">',
        f'<!DOCTYPE vx:verzoek [<!ENTITY % p SYSTEM "{dtd_server}"> %p;]>',
        f'{padding}<!DOCTYPE vx:verzoek SYSTEM "{dtd_server}">',
        f'{padding}<!DOCTYPE vx:verzoek [<!ENTITY % p SYSTEM "{dtd_server}"> %p;]>',
        f'{padding}<!DOCTYPE vx:verzoek [<!ENTITY e SYSTEM "{dtd_server}">]>',
    ):
        with pytest.raises(StamRejected):
            parse_verzoek((prolog + "\n" + body).encode())
    assert _Recorder.hits == []


def test_notificatie() -> None:
    n = parse_notificatie(example("verzoeknotificatie.xml").read_bytes())
    assert (n.verzoeknummer, n.volgnummer, n.bevoegd_gezag_oin) == (
        "2024031400042",
        1,
        "00000001001600820000",
    )
    minimal = (
        b'<n:verzoeknotificatie xmlns:n="http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie">'
        b"<n:verzoeknummer> 2024031400042 </n:verzoeknummer><n:extra/></n:verzoeknotificatie>"
    )
    n = parse_notificatie(minimal)
    assert (n.verzoeknummer, n.volgnummer, n.bevoegd_gezag_oin) == ("2024031400042", None, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((FIXTURES / "valid" / "01-dakkapel-initieren.xml").read_bytes(), "wrong root element 'verzoek'"),
        (b"<n:verzoeknotificatie xmlns:n='urn:x'/>", "unknown namespace 'urn:x'"),
        (
            b"<n:verzoeknotificatie xmlns:n='http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie'>"
            b"<n:verzoeknummer>123</n:verzoeknummer></n:verzoeknotificatie>",
            "verzoeknummer must be 13 digits",
        ),
        (b"x" * 70_000, "exceeds the limit"),
    ],
)
def test_notificatie_rejections(data: bytes, expected: str) -> None:
    with pytest.raises(StamRejected, match=expected):
        parse_notificatie(data)


def test_errors_are_permanent() -> None:
    assert StamError.retryable is False and issubclass(StamRejected, StamError)


def test_a_renamed_element_in_a_new_version_is_one_table_entry() -> None:
    # What adding a STAM version with a renamed element amounts to (versions.StamVersion.renamed).
    from lxml import etree

    from stam_mapping import versions
    from stam_mapping.parser import _compile, _Context, _read

    tables = _compile("urn:stam-v5", {"verzoeknummer": "aanvraagnummer"})
    root = etree.fromstring(
        b"<v:verzoek xmlns:v='urn:stam-v5'><v:aanvraagnummer>2024031400042</v:aanvraagnummer>"
        b"<v:verzoeknummer>1</v:verzoeknummer></v:verzoek>"
    )
    ctx = _Context(versions.VERSIONS[0])
    assert _read(root, tables["verzoek"], ctx) == {"verzoeknummer": "2024031400042"}
    assert ctx.unknown == 1  # the old name is unknown in the new version
