"""What a clerk can search a verzoek by, taken from the canonical model when it is parsed.

One normalised text per verzoek (lower case, no diacritics, postcodes without their space), so
that "Müller", "muller" and "MULLER" or "7315 AB" and "7315ab" all find the same verzoek with a
plain substring match that a trigram index (PostgreSQL) can answer. BSNs are never part of that
text: a viewer must not be able to find a verzoek by someone's BSN. They are kept apart, as
digests, for the privacy officer's search only."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator

from stam_mapping.model import Adres, Betrokkene, BinnenlandsAdres, Verzoek

_SPACES = re.compile(r"\s+")
# "7315 AB" -> "7315ab": a Dutch postcode written with its optional space.
_POSTCODE_SPACE = re.compile(r"\b([1-9]\d{3}) ([a-z]{2})\b")
_BSN = re.compile(r"\d{9}")
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
# A fixed prefix keeps these digests from matching a plain sha256 of the same nine digits
# used elsewhere; they are for finding, not for hiding (nine digits are few enough to try all).
_BSN_DIGEST_PREFIX = b"dso-gateway/zoek-bsn/"


def normalise(text: str) -> str:
    """Case, diacritics, runs of white space and the space in a postcode do not matter."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _POSTCODE_SPACE.sub(r"\1\2", _SPACES.sub(" ", plain).strip())


def words(query: str) -> list[str]:
    """The words of a search: each must occur in the verzoek's text (in any order)."""
    # "Vries, de" or "(Apeldoorn)": punctuation around a word is how it was typed, not what is sought.
    return [w for w in (part.strip(",;:()\"'") for part in normalise(query).split(" ")) if w]


def looks_like_bsn(query: str) -> bool:
    q = query.strip()
    if not (_BSN.fullmatch(q) and q.isascii()):
        return False
    return sum(int(c) * w for c, w in zip(q, _BSN_WEIGHTS, strict=True)) % 11 == 0


def bsn_digest(bsn: str) -> str:
    return hashlib.sha256(_BSN_DIGEST_PREFIX + bsn.strip().encode()).hexdigest()


def bsn_digests(verzoek: Verzoek) -> str:
    """The digests of every BSN in the verzoek, space separated (empty when there are none)."""
    return " ".join(sorted({bsn_digest(b) for b in verzoek.bsns()}))


def search_text(verzoek: Verzoek) -> str:
    """Everything a clerk may type to find this verzoek, normalised, one line per fact."""
    parts = [verzoek.verzoeknummer, verzoek.project_id, verzoek.naam]
    for betrokkene in (verzoek.initiatiefnemer, verzoek.gemachtigde):
        parts.extend(_betrokkene(betrokkene))
    for locatie in verzoek.projectlocaties:
        parts.extend(_adres(locatie.adres))
        for perceel in locatie.percelen:
            nummer = f"{perceel.sectie} {perceel.perceelnummer}"
            parts.append(f"{perceel.kadastrale_gemeente_code} {nummer}")
            if perceel.kadastrale_gemeente:
                parts.append(f"{perceel.kadastrale_gemeente} {nummer}")
    seen: dict[str, None] = {}
    for part in parts:
        if part and (text := normalise(part)):
            seen.setdefault(text, None)
    return "\n".join(seen)


def _betrokkene(betrokkene: Betrokkene | None) -> Iterator[str | None]:
    if betrokkene is None:
        return
    if (p := betrokkene.natuurlijk_persoon) is not None:
        yield " ".join(x for x in (p.voornamen, p.voorletters, p.voorvoegsel, p.achternaam) if x)
        # "de Vries" is also looked up as "Vries, de" and as "devries" by some: the surname alone
        # and with its voorvoegsel are both there.
        yield " ".join(x for x in (p.voorvoegsel, p.achternaam) if x)
        for adres in (p.verblijfsadres, p.correspondentieadres):
            yield from _adres(_binnenlands(adres))
    if (n := betrokkene.niet_natuurlijk_persoon) is not None:
        yield n.naam
        yield n.kvk_nummer
        yield n.vestigingsnummer
        if n.contactpersoon is not None:
            yield n.contactpersoon.achternaam
        for adres in (n.bezoekadres, n.postadres):
            yield from _adres(_binnenlands(adres))


def _binnenlands(adres: Adres | None) -> BinnenlandsAdres | None:
    return adres.binnenlands if adres is not None else None


def _adres(adres: BinnenlandsAdres | None) -> Iterable[str | None]:
    if adres is None:
        return ()
    nummer = "".join(
        str(x) for x in (adres.huisnummer, adres.huisletter, adres.huisnummertoevoeging) if x is not None
    )
    straat = " ".join(x for x in (adres.straatnaam, nummer) if x)
    return (straat, adres.postcode, adres.woonplaats)
