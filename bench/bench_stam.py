"""STAM parse + ZGW map throughput, compared with a bare lxml parse of the same bytes.

Run: .venv/bin/python bench/bench_stam.py   (targets: small >= 1,000 verzoeken/s on one core;
parse+map <= 4x the bare parse)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from lxml import etree

from stam_mapping import parse_verzoek
from stam_mapping.mapping import default_mapping
from stam_mapping.zgw import build_zgw_plan

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "fixtures" / "stam" / "valid" / "01-dakkapel-initieren.xml"
NS = "http://www.omgevingswet.nl/koppelvlak/stam-v4/verzoek"
MAPPING = default_mapping()
TODAY = date(2024, 7, 1)


def large_message(target_bytes: int = 8 * 1024 * 1024) -> bytes:
    """A verzoek with many activiteiten, answers and documents (what a big project looks like)."""
    head = SMALL.read_bytes().split(b"<vx:projectactiviteiten>")[0]
    activiteiten = [
        "nl.imow-gm0200.activiteit.BouwactiviteitOmgevingsplan",
        "nl.imow-gm0200.activiteit.Bouwactiviteit",
        "nl.imow-gm0200.activiteit.KappenVanHoutopstand",
        "nl.imow-gm0200.activiteit.Sloopactiviteit",
    ]
    parts = [head, b"<vx:projectactiviteiten>"]
    size, n = len(head), 0
    while size < target_bytes - 2000:
        specs = []
        for s in range(20):
            docs = "".join(
                f"<vx:document><vx:documentId>DOC-{n}-{s}-{d}</vx:documentId>"
                f"<vx:bestandsnaam>tekening-{n}-{s}-{d}.pdf</vx:bestandsnaam></vx:document>"
                for d in range(3)
            )
            specs.append(
                f"<vx:specificatie><vx:vraagId>{284856 if s == 0 else 600000 + s}</vx:vraagId>"
                f"<vx:vraagtekst>Vraag {s} over activiteit {n}: wat is de situatie?</vx:vraagtekst>"
                f"<vx:antwoord>Antwoord {s} met wat toelichtende tekst</vx:antwoord>"
                f"<vx:gevraagdeBijlage><vx:documentsoortDSO>Bouwtekening</vx:documentsoortDSO>"
                f"<vx:documenten>{docs}</vx:documenten></vx:gevraagdeBijlage></vx:specificatie>"
            )
        chunk = (
            f"<vx:projectactiviteit><vx:activiteitId>{activiteiten[n % 4]}</vx:activiteitId>"
            f"<vx:activiteitNaam>Activiteit {n}</vx:activiteitNaam>"
            f"<vx:specificaties>{''.join(specs)}</vx:specificaties></vx:projectactiviteit>"
        ).encode()
        parts.append(chunk)
        size += len(chunk)
        n += 1
    parts.append(b"</vx:projectactiviteiten></vx:verzoek>")
    return b"".join(parts)


def rate(fn: Callable[[], object], min_seconds: float) -> float:
    fn()  # warm up (imports, transformer cache)
    count, start = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return count / elapsed


def bench(name: str, data: bytes, min_seconds: float) -> None:
    def bare() -> object:
        return etree.fromstring(data)

    def parse_only() -> object:
        return parse_verzoek(data)

    def parse_map() -> object:
        return build_zgw_plan(parse_verzoek(data), MAPPING, registratiedatum=TODAY)

    verzoek = parse_verzoek(data)
    bare_rate = rate(bare, min_seconds)
    parse_rate = rate(parse_only, min_seconds)
    full_rate = rate(parse_map, min_seconds)
    print(
        f"{name}: {len(data) / 1024:,.1f} KiB, {len(verzoek.projectactiviteiten)} activiteiten, "
        f"{len(verzoek.documenten())} documents"
    )
    print(f"  bare lxml parse      {bare_rate:10,.1f} /s  ({1000 / bare_rate:8.3f} ms)")
    print(f"  parse_verzoek        {parse_rate:10,.1f} /s  ({1000 / parse_rate:8.3f} ms)")
    print(f"  parse + build plan   {full_rate:10,.1f} verzoeken/s  ({1000 / full_rate:8.3f} ms)")
    ratio, parse_ratio = bare_rate / full_rate, bare_rate / parse_rate
    print(f"  ratio parse+map / bare parse: {ratio:.2f}x  (parse only {parse_ratio:.2f}x)")


def main() -> None:
    bench("small (01-dakkapel-initieren.xml)", SMALL.read_bytes(), min_seconds=3.0)
    bench("large (generated)", large_message(), min_seconds=6.0)


if __name__ == "__main__":
    main()
