"""`dso-gateway deliver FILE.xml` against a running ZGW test server: the zaak URL, clear errors,
and the same books as the pipeline (store and checkpoints under DSOGW_DATA_DIR), so that a second
run changes nothing, a failed run resumes, and later versions update the same zaak."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from adapters.zgw.testserver import ZgwTestServerConfig, create_app
from adapters.zgw.testserver.app import store_of
from adapters.zgw.testserver.store import ZgwStore
from gateway.servers import ServerThread
from gateway.store import SqlStore

SECRET = "deliver-test-secret-of-32-bytes-min"
EXAMPLES = resources.files("dso_client.sandbox.examples")
EXAMPLE = EXAMPLES.joinpath("verbouwing-initieren.xml")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def zgw() -> Iterator[ServerThread]:
    with ServerThread(create_app(ZgwTestServerConfig(secret=SECRET))) as server:
        yield server


def _zgw_store(zgw: ServerThread) -> ZgwStore:
    return store_of(zgw.server.config.app)  # type: ignore[arg-type]


def _deliver(zgw: ServerThread, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "DSOGW_ZGW_ZAKEN_URL": f"{zgw.url}/zaken/api/v1",
        "DSOGW_ZGW_DOCUMENTEN_URL": f"{zgw.url}/documenten/api/v1",
        "DSOGW_ZGW_CATALOGI_URL": f"{zgw.url}/catalogi/api/v1",
        "DSOGW_ZGW_SECRET": SECRET,
        "DSOGW_DATA_DIR": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "deliver", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _example(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(EXAMPLES.joinpath(name).read_bytes())
    return str(path)


def _writes(zgw: ServerThread) -> list[tuple[str, str]]:
    return [call for call in _zgw_store(zgw).calls if call[0] in WRITES]


def test_deliver_prints_the_zaak_url(zgw: ServerThread, tmp_path: Path) -> None:
    stam = tmp_path / "verzoek.xml"
    stam.write_bytes(EXAMPLE.read_bytes())
    bijlagen = tmp_path / "bijlagen"
    bijlagen.mkdir()
    (bijlagen / "DOC-2026031000101-0001").write_bytes(b"%PDF-1.4 real enough")
    result = _deliver(zgw, tmp_path, str(stam), "--bijlagen", str(bijlagen), "--placeholders")
    assert result.returncode == 0, result.stderr
    [zaak] = _zgw_store(zgw).zaken.values()
    assert result.stdout.strip() == zaak["url"]
    assert len(_zgw_store(zgw).documenten) == 2


def test_missing_bijlagen_and_bad_input_are_one_clear_line(zgw: ServerThread, tmp_path: Path) -> None:
    stam = tmp_path / "verzoek.xml"
    stam.write_bytes(EXAMPLE.read_bytes())
    missing = _deliver(zgw, tmp_path, str(stam))
    assert missing.returncode == 2 and "DOC-2026031000101-0001" in missing.stderr
    assert "Traceback" not in missing.stderr
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<verzoek")
    bad = _deliver(zgw, tmp_path, str(broken))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_a_second_run_changes_nothing_and_says_so(zgw: ServerThread, tmp_path: Path) -> None:
    stam = _example(tmp_path, "verbouwing-initieren.xml")
    first = _deliver(zgw, tmp_path, stam, "--placeholders")
    assert first.returncode == 0, first.stderr
    writes, counts = len(_writes(zgw)), _zgw_store(zgw).counts()
    second = _deliver(zgw, tmp_path, stam, "--placeholders")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [
        "deliver: nothing left to do: 2026031000101 versie 1 is already zaak DSO-2026031000101"
    ]
    assert len(_writes(zgw)) == writes and _zgw_store(zgw).counts() == counts
    # The pipeline's store has the version, with the zaak, and says DSO was not told.
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'data' / 'gateway.db'}")
    try:
        versie = store.get_versie("2026031000101", 1)
        assert versie is not None and versie.state == "delivered"
        record = store.get_verzoek("2026031000101")
        assert record is not None and record.zaak_url == first.stdout.strip()
        details = [e.detail or "" for e in store.events_for("2026031000101") if e.kind == "delivered"]
        assert len(details) == 1 and "niet teruggemeld aan DSO" in details[0]
    finally:
        store.close()


def test_an_aanvulling_updates_the_same_zaak_with_one_initiator(zgw: ServerThread, tmp_path: Path) -> None:
    first = _deliver(zgw, tmp_path, _example(tmp_path, "verbouwing-initieren.xml"), "--placeholders")
    assert first.returncode == 0, first.stderr
    # Only the aanvulling's new bijlage is needed: the others are at the zaak already.
    bijlagen = tmp_path / "bijlagen"
    bijlagen.mkdir()
    (bijlagen / "DOC-2026031000101-0003").write_bytes(b"%PDF-1.4 nieuwe bouwtekening")
    aanvulling = _example(tmp_path, "verbouwing-aanvullen.xml")
    second = _deliver(zgw, tmp_path, aanvulling, "--bijlagen", str(bijlagen))
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == first.stdout.strip()
    zgw_store = _zgw_store(zgw)
    assert len(zgw_store.zaken) == 1
    assert [r["betrokkeneType"] for r in zgw_store.rollen.values()] == ["natuurlijk_persoon"]
    assert len(zgw_store.zaakinformatieobjecten) == 3
    new = b"%PDF-1.4 nieuwe bouwtekening"
    assert len([d for d in zgw_store.documenten.values() if d["bestandsomvang"] == len(new)]) == 1
    again = _deliver(zgw, tmp_path, aanvulling, "--bijlagen", str(bijlagen))
    assert again.returncode == 0 and again.stdout.startswith("deliver: nothing left to do:")


def test_an_intrekking_after_its_initial_version_ends_the_same_zaak(
    zgw: ServerThread, tmp_path: Path
) -> None:
    first = _deliver(zgw, tmp_path, _example(tmp_path, "sloop-initieren.xml"), "--placeholders")
    assert first.returncode == 0, first.stderr
    statussen = len(_zgw_store(zgw).statussen)
    second = _deliver(zgw, tmp_path, _example(tmp_path, "sloop-intrekken.xml"), "--placeholders")
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == first.stdout.strip()
    assert len(_zgw_store(zgw).zaken) == 1 and len(_zgw_store(zgw).statussen) == statussen + 1
    [zaak] = _zgw_store(zgw).zaken.values()
    assert zaak["einddatum"] and zaak["resultaat"]  # closed, as Open Zaak demands: with a resultaat


def test_an_intrekking_without_its_initial_version_is_refused(zgw: ServerThread, tmp_path: Path) -> None:
    result = _deliver(zgw, tmp_path, _example(tmp_path, "sloop-intrekken.xml"), "--placeholders")
    assert result.returncode == 2 and "no earlier versie" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert _zgw_store(zgw).zaken == {}


def test_a_run_after_a_failure_resumes_without_doubles(zgw: ServerThread, tmp_path: Path) -> None:
    stam = _example(tmp_path, "verbouwing-initieren.xml")
    # The second document fails with a 503 five times: the run stops after the zaak, the rol
    # and the first document are made.
    _zgw_store(zgw).inject_fault(503, method="POST", path_contains="enkelvoudiginformatieobjecten",
                                 skip=1, times=5)  # fmt: skip
    failed = _deliver(zgw, tmp_path, stam, "--placeholders")
    assert failed.returncode == 1 and "retryable error" in failed.stderr, failed.stderr
    assert len(_zgw_store(zgw).zaken) == 1
    _zgw_store(zgw).faults.clear()
    resumed = _deliver(zgw, tmp_path, stam, "--placeholders")
    assert resumed.returncode == 0, resumed.stderr
    counts = _zgw_store(zgw).counts()
    assert (counts["zaken"], counts["rollen"], counts["zaakinformatieobjecten"]) == (1, 1, 2)
    assert counts["documenten"] == 2


def test_the_zaaktype_version_taken_is_on_the_timeline(zgw: ServerThread, tmp_path: Path) -> None:
    # Filed before any zaaktype version began (the test catalogue starts in 2020): the adapter
    # takes the current version and says so; `deliver` puts that on the timeline like the pipeline.
    stam = tmp_path / "oud.xml"
    stam.write_bytes(EXAMPLE.read_bytes().replace(b"2026-03-10T09:15:00+01:00", b"2019-06-01T09:15:00+02:00"))
    result = _deliver(zgw, tmp_path, str(stam), "--placeholders")
    assert result.returncode == 0, result.stderr
    store = SqlStore.from_url(f"sqlite:///{tmp_path / 'data' / 'gateway.db'}")
    try:
        [detail] = [e.detail or "" for e in store.events_for("2026031000101") if e.kind == "delivered"]
    finally:
        store.close()
    assert "geen gepubliceerde versie geldig op 2019-06-01" in detail
