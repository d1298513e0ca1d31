"""Verzoeknummer and volgnummer take ASCII digits 0-9 only (issue 14, item 8): Python's int(),
str.isdecimal() and the regex \\d also accept Arabic-Indic and fullwidth digits."""

from __future__ import annotations

import pytest

from stam_mapping import StamRejected, parse_notificatie

NS = "http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoeknotificatie"


def notificatie(verzoeknummer: str, volgnummer: str | None = "1") -> bytes:
    volg = f"<n:volgnummer>{volgnummer}</n:volgnummer>" if volgnummer is not None else ""
    return (
        f'<n:verzoeknotificatie xmlns:n="{NS}"><n:verzoeknummer>{verzoeknummer}</n:verzoeknummer>'
        f"{volg}</n:verzoeknotificatie>"
    ).encode()


def test_ascii_digits_are_accepted() -> None:
    n = parse_notificatie(notificatie("2024031400042", "99999"))
    assert (n.verzoeknummer, n.volgnummer) == ("2024031400042", 99999)


@pytest.mark.parametrize(
    "verzoeknummer",
    [
        "٢٠٢٤٠٣١٤٠٠٠٤٢",  # Arabic-Indic
        "２０２４０３１４０００４２",  # fullwidth
        "202403140004٢",  # one Arabic-Indic digit at the end
        "۲۰۲۴۰۳۱۴۰۰۰۴۲",  # extended Arabic-Indic (Persian)
    ],
)
def test_a_verzoeknummer_in_other_digits_is_refused(verzoeknummer: str) -> None:
    with pytest.raises(StamRejected, match="verzoeknummer"):
        parse_notificatie(notificatie(verzoeknummer))


@pytest.mark.parametrize("volgnummer", ["١", "２", "1_0", "+1", "0", "100000", "9223372036854775808"])
def test_a_volgnummer_outside_ascii_digits_or_bounds_is_refused(volgnummer: str) -> None:
    with pytest.raises(StamRejected, match="volgnummer"):
        parse_notificatie(notificatie("2024031400042", volgnummer))
