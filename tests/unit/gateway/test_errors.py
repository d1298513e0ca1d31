from __future__ import annotations

from typing import ClassVar

from gateway.errors import PermanentError, RetryableError, classify


class _OurRetryable(Exception):
    retryable: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__("429 from DSO")
        self.retry_after = 7.0


class _OurPermanent(Exception):
    retryable: ClassVar[bool] = False


def test_our_packages_errors_are_classified_by_their_retryable_flag() -> None:
    retry = classify(_OurRetryable())
    assert isinstance(retry, RetryableError) and retry.retry_after == 7.0
    assert isinstance(classify(_OurPermanent("bad")), PermanentError)


def test_foreign_exceptions_are_permanent_and_do_not_echo_their_message() -> None:
    err = classify(KeyError("999993653"))
    assert isinstance(err, PermanentError)
    assert "999993653" not in str(err) and "KeyError" in str(err)


def test_gateway_errors_pass_through() -> None:
    original = RetryableError("wait")
    assert classify(original) is original


def test_a_database_data_error_names_its_cause_without_quoting_input() -> None:
    """Issue 14, item 10: not a bare "internal error (DataError)"."""
    from sqlalchemy.exc import DataError

    from gateway.errors import classify

    error = classify(DataError("INSERT ... 999993653", {}, Exception("value out of range 999993653")))
    assert not error.retryable and "refused a value" in str(error) and "999993653" not in str(error)


def test_a_database_out_of_reach_is_retryable_and_named_without_its_message() -> None:
    """A PostgreSQL restart or a dropped connection mid-stage must not fail the verzoek for
    good: the job waits in the queue."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    gone = classify(OperationalError("SELECT ... WHERE bsn = '999993653'", {}, Exception("server closed")))
    assert isinstance(gone, RetryableError)
    assert "999993653" not in str(gone) and "OperationalError" in str(gone)
    # A bug in our SQL or a broken constraint stays permanent.
    assert isinstance(classify(ProgrammingError("SELECT", {}, Exception("syntax"))), PermanentError)
    assert isinstance(classify(IntegrityError("INSERT", {}, Exception("unique"))), PermanentError)
