"""Pure tests of the gRPC status -> HTTP error mapping."""

from __future__ import annotations

import pytest

from genai_grpc import _codes, errors

CASES = [
    (5, 404, "NOT_FOUND", errors.ClientError),
    (3, 400, "INVALID_ARGUMENT", errors.ClientError),
    (9, 400, "FAILED_PRECONDITION", errors.ClientError),
    (11, 400, "OUT_OF_RANGE", errors.ClientError),
    (16, 401, "UNAUTHENTICATED", errors.ClientError),
    (7, 403, "PERMISSION_DENIED", errors.ClientError),
    (6, 409, "ALREADY_EXISTS", errors.ClientError),
    (10, 409, "ABORTED", errors.ClientError),
    (8, 429, "RESOURCE_EXHAUSTED", errors.ClientError),
    (1, 499, "CANCELLED", errors.ClientError),
    (2, 500, "UNKNOWN", errors.ServerError),
    (13, 500, "INTERNAL", errors.ServerError),
    (15, 500, "DATA_LOSS", errors.ServerError),
    (12, 501, "UNIMPLEMENTED", errors.ServerError),
    (14, 503, "UNAVAILABLE", errors.ServerError),
    (4, 504, "DEADLINE_EXCEEDED", errors.ServerError),
]


@pytest.mark.parametrize("grpc_code,http,status,cls", CASES)
def test_standard_mapping(grpc_code: int, http: int, status: str, cls: type) -> None:
    err = errors.from_status(grpc_code, "boom")
    assert type(err) is cls
    assert (err.code, err.grpc_code, err.status, err.message) == (http, grpc_code, status, "boom")
    assert str(err) == f"{http} {status}. boom"


def test_unknown_code_is_a_server_error() -> None:
    err = errors.from_status(99, "odd")
    assert isinstance(err, errors.ServerError) and err.code == 500 and err.status == "CODE_99"


def test_retry_delay_and_reasons_from_details() -> None:
    err = errors.from_status(
        8,
        "slow down",
        (
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.500s"},
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT"},
        ),
    )
    assert err.retry_delay == 1.5
    assert err.reasons == ("RATE_LIMIT",)


def test_the_code_table_matches_grpc() -> None:
    grpc = pytest.importorskip("grpc")
    assert {code.name: code.value[0] for code in grpc.StatusCode} == {c.name: int(c) for c in _codes.Code}


@pytest.mark.parametrize("text,code", [("not_found", 5), (" 14 ", 14), ("OK", 0)])
def test_codes_parse_names_and_numbers(text: str, code: int) -> None:
    assert _codes.parse(text) == code


@pytest.mark.parametrize("text", ["", "NOPE", "17", "-1", "__class__"])
def test_codes_parse_rejects_what_is_no_code(text: str) -> None:
    with pytest.raises(ValueError, match="not a gRPC status code"):
        _codes.parse(text)
