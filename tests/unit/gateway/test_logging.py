from __future__ import annotations

import io
import json
import logging

import structlog

from gateway.bsn_mask import mask_bsns
from gateway.logging import configure_logging


def test_mask_bsns_masks_only_numbers_that_pass_the_elfproef() -> None:
    assert mask_bsns("bsn 999993653") == "bsn *****3653"
    assert mask_bsns("nummer 123456789") == "nummer 123456789"  # fails the 11-proef
    assert mask_bsns("verzoek 2024031400042") == "verzoek 2024031400042"  # 13 digits, not a BSN
    assert mask_bsns("a999993653b") == "a*****3653b"


def test_no_bsn_reaches_a_log_line(capsys: object) -> None:
    configure_logging("INFO", "json")
    stream = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=stream))
    log = structlog.get_logger("t")
    log.info(
        "event with 999993653", detail={"inpBsn": "999990019"}, values=[999991772], nested=("999993653",)
    )
    line = stream.getvalue()
    assert "999993653" not in line and "999990019" not in line and "999991772" not in line
    record = json.loads(line)
    assert record["detail"]["inpBsn"] == "*****0019"
    assert record["values"] == ["*****1772"]
    logging.getLogger().handlers.clear()


def test_the_masker_leaves_uuids_and_hex_ids_alone() -> None:
    # 111222333 passes the 11-proef: on its own it is masked, inside an id it is not (item 9).
    assert mask_bsns("bsn 111222333") == "bsn *****2333"
    message_id = "1c0a2b3d-1112-4233-a111-111222333444"
    assert mask_bsns(f"message_id={message_id}") == f"message_id={message_id}"
    digest = "0123456789abcdef111222333"
    assert mask_bsns(f"sha256 {digest}") == f"sha256 {digest}"
    # ...but a BSN right next to an id is still masked.
    assert mask_bsns(f"{message_id} 111222333") == f"{message_id} *****2333"
