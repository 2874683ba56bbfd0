"""Pure decision logic: no server, no clock."""

from __future__ import annotations

import itertools

import pytest

from genai_grpc.server._errors import RequestError
from genai_grpc.server._faults import Faults
from genai_grpc.server._outcome import MarkerError, Outcome, parse_outcome
from genai_grpc.server._paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    decode_token,
    encode_token,
    parse_filter,
    parse_list,
    parse_page_size,
    parse_parent,
)
from genai_grpc.server._progress import Timing, changes_at_ns, progress, remaining_ns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("  ", None),
        ("done=true", True),
        ("done = false", False),
        (" DONE=True ", True),
        ("done=FALSE", False),
    ],
)
def test_filter_accepts(text: str, expected: bool | None) -> None:
    assert parse_filter(text) is expected


@pytest.mark.parametrize("text", ["done", "done=yes", "name=x", "done=true AND x", "done==true"])
def test_filter_rejects_naming_the_filter(text: str) -> None:
    with pytest.raises(RequestError, match="filter .* is not supported"):
        parse_filter(text)


def test_parent() -> None:
    assert parse_parent("") == parse_parent("operations") == ""
    assert parse_parent("fileSearchStores/abc") == "fileSearchStores/abc/"
    with pytest.raises(RequestError, match="empty path segment"):
        parse_parent("a//b")


def test_name_range_excludes_siblings_sharing_a_prefix() -> None:
    low, high = parse_list("models/a", "", 0, "").name_range
    inside = ["models/a/operations/1", "models/a/x"]
    outside = ["models/ab/operations/1", "models/a", "models/b/operations/1", "models/a0"]
    assert all(low <= n < high for n in inside)
    assert not any(low <= n < high for n in outside)


def test_page_size() -> None:
    assert parse_page_size(0) == DEFAULT_PAGE_SIZE
    assert parse_page_size(7) == 7
    assert parse_page_size(10**6) == MAX_PAGE_SIZE
    with pytest.raises(RequestError, match="page_size -1 is negative"):
        parse_page_size(-1)


def test_token_round_trip_and_scope() -> None:
    token = encode_token(1234, "scope")
    assert decode_token(token, "scope") == 1234
    with pytest.raises(RequestError, match="different name or filter"):
        decode_token(token, "other")


@pytest.mark.parametrize("token", ["x", "!!!", "djE6YWJjOnM", "bm9wZQ", "djI6MTpzY29wZQ"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(RequestError, match="malformed"):
        decode_token(token, "scope")


def test_query_token_binds_parent_and_filter() -> None:
    first = parse_list("models/a", "done=true", 10, "")
    token = first.next_token(42)
    assert parse_list("models/a", "done = TRUE", 10, token).after == 42
    with pytest.raises(RequestError):
        parse_list("models/b", "done=true", 10, token)
    with pytest.raises(RequestError):
        parse_list("models/a", "", 10, token)


def test_progress_runs_then_finishes() -> None:
    timing = Timing(create_ns=1000, duration_ns=100)
    assert progress(timing, 1000).percent == 0
    mid = progress(timing, 1050)
    assert (mid.done, mid.percent, mid.update_ns) == (False, 50, 1050)
    end = progress(timing, 5000)
    assert (end.done, end.cancelled, end.percent, end.update_ns) == (True, False, 100, 1100)
    assert remaining_ns(timing, 1030) == 70
    assert remaining_ns(timing, 1100) == 0


def test_update_time_is_when_the_percent_was_reached() -> None:
    timing = Timing(create_ns=1000, duration_ns=300)  # one percent every 3 ns
    assert progress(timing, 1000).update_ns == 1000
    assert [progress(timing, t).update_ns for t in (1004, 1005, 1006)] == [1003, 1003, 1006]
    states = [progress(timing, t) for t in range(1000, 1300)]
    assert all(s.update_ns <= t for s, t in zip(states, range(1000, 1300), strict=True))
    assert all((a.percent == b.percent) == (a.update_ns == b.update_ns) for a, b in itertools.pairwise(states))


def test_state_is_constant_until_changes_at() -> None:
    timing = Timing(create_ns=1000, duration_ns=300)  # one percent every 3 ns
    for t in range(1000, 1300):
        state = progress(timing, t)
        until = changes_at_ns(timing, state.percent)
        assert t < until <= timing.end_ns
        assert progress(timing, until - 1) == state
        assert progress(timing, until) != state
    uneven = Timing(create_ns=0, duration_ns=7)  # percents reached at uneven steps
    for t in range(7):
        state = progress(uneven, t)
        until = changes_at_ns(uneven, state.percent)
        assert progress(uneven, until - 1) == state and progress(uneven, until) != state


def test_progress_cancelled_stops_where_it_was() -> None:
    state = progress(Timing(1000, 100, cancel_ns=1025), 9999)
    assert (state.done, state.cancelled, state.percent, state.update_ns) == (True, True, 25, 1025)
    assert remaining_ns(Timing(1000, 100, cancel_ns=1025), 1030) == 0


def test_progress_zero_duration_is_done_at_once() -> None:
    state = progress(Timing(1000, 0), 1000)
    assert (state.done, state.percent) == (True, 100)


def test_outcome_markers() -> None:
    assert parse_outcome("a cat [not a marker]") == Outcome()
    assert parse_outcome("x [fail:safety]") == Outcome(fail_code=3, safety=True)
    assert parse_outcome("[FAIL:internal]").fail_code == 13
    assert parse_outcome("[fail:14]").fail_code == 14
    both = parse_outcome("[filter:2] [shape:gemini] [duration:1.5]")
    assert (both.filtered, both.shape, both.duration_s) == (2, "gemini", 1.5)
    assert parse_outcome("[empty]").empty


@pytest.mark.parametrize(
    "text", ["[fail:nope]", "[fail:0]", "[filter:x]", "[filter:-1]", "[shape:yaml]", "[duration:]"]
)
def test_outcome_rejects_bad_values(text: str) -> None:
    with pytest.raises(MarkerError, match="marker"):
        parse_outcome(text)


def test_faults_validate_and_count_down() -> None:
    faults = Faults(fail_code="resource_exhausted", fail_next=2)
    assert faults.fail_code == "RESOURCE_EXHAUSTED"
    assert [faults.injected_failure(0.99) for _ in range(3)] == [
        "RESOURCE_EXHAUSTED",
        "RESOURCE_EXHAUSTED",
        None,
    ]
    faults.fail_rate = 0.25
    assert faults.injected_failure(0.2) == "RESOURCE_EXHAUSTED"
    assert faults.injected_failure(0.3) is None
    for bad in [
        {"fail_rate": 1.5},
        {"latency_s": -1},
        {"fail_code": "NOPE"},
        {"fail_next": -1},
        {"api_key": ""},
    ]:
        with pytest.raises(ValueError):
            Faults(**bad)  # type: ignore[arg-type]
    faults.reset()
    assert faults == Faults()
