"""The retry policy: decisions per catalog entry and per exception, backoff with full jitter, and — through the
client, with respx — that a restart is resent only when it provably did not reach CPH, while reads are resent
after any transient failure and keep the 429 body."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from client_testkit import BASE, CREDS, FAST, REGION, FakeCph, error, hex_id, server_ids

from cph import (
    CatalogEntry,
    CphClient,
    CphError,
    GatewayError,
    Outcome,
    RetryPolicy,
    ThrottledError,
    is_fatal,
    load_catalog,
)
from cph._errors import error_from_response
from cph._retry import Decision, decide_for_error, decide_for_exception, retry_after

CATALOG = load_catalog()
REQUEST_ENTRIES = [entry for entry in CATALOG if entry.scope == "request"]
RETRYABLE = [e for e in REQUEST_ENTRIES if e.retryable == "yes"]
UNKNOWN_OUTCOME = [e for e in REQUEST_ENTRIES if e.retryable == "unknown-outcome"]


def catalog_error(entry: CatalogEntry) -> CphError:
    body = f'{{"error_code": "{entry.code}", "error_msg": "{entry.message}"}}'.encode()
    return error_from_response(entry.status, body, {})


def ident(entry: CatalogEntry) -> str:
    return f"{entry.code}-{entry.status}"


# ------------------------------------------------------------------------------------------------- decisions
@pytest.mark.parametrize("entry", REQUEST_ENTRIES, ids=ident)
def test_restart_decision_follows_the_catalog(entry: CatalogEntry) -> None:
    expected = {"yes": Decision.RETRY, "unknown-outcome": Decision.RECONCILE, "no": Decision.GIVE_UP}
    assert decide_for_error(catalog_error(entry), idempotent=False) is expected[entry.retryable]


@pytest.mark.parametrize("entry", REQUEST_ENTRIES, ids=ident)
def test_read_decision_retries_everything_transient(entry: CatalogEntry) -> None:
    transient = entry.retryable != "no" or entry.status >= 500
    expected = Decision.RETRY if transient else Decision.GIVE_UP
    assert decide_for_error(catalog_error(entry), idempotent=True) is expected


def test_the_catalog_still_has_the_cases_the_policy_is_about() -> None:
    assert {(e.status, e.code) for e in RETRYABLE} >= {(429, "APIGW.0308"), (502, "APIGW.0201"), (503, "APIGW.0613")}
    assert {e.status for e in UNKNOWN_OUTCOME} >= {400, 500, 504}


REQUEST = httpx.Request("POST", BASE)


@pytest.mark.parametrize(
    ("exc", "restart", "read"),
    [
        (httpx.ConnectError("refused", request=REQUEST), Decision.RETRY, Decision.RETRY),
        (httpx.ConnectTimeout("slow", request=REQUEST), Decision.RETRY, Decision.RETRY),
        (httpx.PoolTimeout("busy", request=REQUEST), Decision.RETRY, Decision.RETRY),
        (httpx.ReadTimeout("slow", request=REQUEST), Decision.RECONCILE, Decision.RETRY),
        (httpx.WriteTimeout("slow", request=REQUEST), Decision.RECONCILE, Decision.RETRY),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), Decision.RECONCILE, Decision.RETRY),
        (httpx.ReadError("reset", request=REQUEST), Decision.RECONCILE, Decision.RETRY),
        (httpx.WriteError("reset", request=REQUEST), Decision.RECONCILE, Decision.RETRY),
        (httpx.DecodingError("bad gzip", request=REQUEST), Decision.RECONCILE, Decision.RETRY),
        (httpx.UnsupportedProtocol("gopher", request=REQUEST), Decision.GIVE_UP, Decision.GIVE_UP),
        (httpx.LocalProtocolError("bad header", request=REQUEST), Decision.GIVE_UP, Decision.GIVE_UP),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_exception_decisions(exc: Exception, restart: Decision, read: Decision) -> None:
    assert decide_for_exception(exc, idempotent=False) is restart
    assert decide_for_exception(exc, idempotent=True) is read


@pytest.mark.parametrize("entry", REQUEST_ENTRIES, ids=ident)
def test_fatal_errors_are_the_ones_every_batch_would_meet(entry: CatalogEntry) -> None:
    expected = entry.category in {"authentication", "permission", "account"} or (
        entry.category == "gateway" and entry.retryable == "no"
    )
    assert is_fatal(catalog_error(entry)) is expected


# --------------------------------------------------------------------------------------------------- backoff
@given(
    attempt=st.integers(min_value=1, max_value=40),
    base=st.floats(min_value=0, max_value=5),
    cap=st.floats(min_value=0, max_value=60),
)
def test_backoff_is_full_jitter_within_the_capped_exponential(attempt: int, base: float, cap: float) -> None:
    policy = RetryPolicy(max_attempts=50, base_delay=base, max_delay=cap)
    ceiling = min(cap, base * 2 ** (attempt - 1))
    assert 0 <= policy.backoff(attempt) <= ceiling
    assert policy.backoff(attempt, uniform=lambda low, high: high) == ceiling
    assert policy.backoff(attempt, uniform=lambda low, high: low) == 0


def test_retry_after_raises_the_delay_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=2.0)
    assert policy.backoff(1, retry_after_seconds=1.5, uniform=lambda lo, hi: lo) == 1.5
    assert policy.backoff(1, retry_after_seconds=30, uniform=lambda lo, hi: lo) == 2.0
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert retry_after({"retry-after": "-1"}) is None
    assert retry_after({}) is None


def test_policy_validation_and_attempt_budget() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_delay=-1)
    policy = RetryPolicy(max_attempts=3)
    assert [policy.can_retry(n) for n in (1, 2, 3)] == [True, True, False]


# -------------------------------------------------------------------------------------- through the client
@pytest.fixture
def fake() -> Iterator[FakeCph]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield FakeCph(router)


def client(**options: object) -> CphClient:
    settings: dict[str, object] = {"region": REGION, "credentials": CREDS, "retry": FAST, "concurrency": 1}
    settings.update(options)
    return CphClient(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("entry", RETRYABLE, ids=ident)
def test_restart_is_resent_after_errors_that_never_reached_cph(fake: FakeCph, entry: CatalogEntry) -> None:
    fake.restart_script.extend([error(entry.status, entry.code, entry.message)] * 2)
    ids = server_ids(3)
    with client() as c:
        result = c.restart(ids)
    assert len(fake.restart_calls) == 3
    assert result.counts()["accepted"] == 3
    assert all(fake.restart_counts[s] == 1 for s in ids)


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("busy")],
    ids=lambda e: type(e).__name__,
)
def test_restart_is_resent_after_connection_failures_before_sending(fake: FakeCph, exc: Exception) -> None:
    fake.restart_script.append(exc)
    with client() as c:
        result = c.restart(server_ids(2))
    assert len(fake.restart_calls) == 2
    assert result.ok


THROTTLED = "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second"


def test_a_throttled_restart_is_resent_until_it_is_carried_out(fake: FakeCph) -> None:
    """429 means "not applied": no attempt budget ends it (issue 13), only the deadline."""
    fake.restart_script.extend([error(429, "APIGW.0308", THROTTLED)] * 10)
    with client() as c:
        result = c.restart(server_ids(2), timeout=30)
    assert len(fake.restart_calls) == 11
    assert result.counts()["accepted"] == 2
    assert all(count == 1 for count in fake.restart_counts.values())


def test_a_throttled_restart_ends_rejected_at_the_deadline_with_the_last_error(fake: FakeCph) -> None:
    fake.restart_script.extend([error(429, "APIGW.0308", THROTTLED)] * 10_000)
    started = time.monotonic()
    with client() as c:
        result = c.restart(server_ids(2), timeout=0.5)
    assert 0.4 < time.monotonic() - started < 3
    assert result.counts()["rejected"] == 2
    entry = result.servers[0]
    assert (entry.error_code, entry.error_msg) == ("APIGW.0308", THROTTLED)
    assert fake.restart_counts == {}


def test_other_resends_are_bounded_by_the_retry_policy(fake: FakeCph) -> None:
    fake.restart_script.extend([error(502, "APIGW.0201", "Backend unavailable.")] * 10)
    with client() as c:
        result = c.restart(server_ids(2))
    assert len(fake.restart_calls) == FAST.max_attempts
    assert result.counts()["rejected"] == 2
    assert result.servers[0].error_code == "APIGW.0201"
    assert fake.restart_counts == {}


@pytest.mark.parametrize("entry", UNKNOWN_OUTCOME, ids=ident)
@pytest.mark.parametrize("applied", [True, False], ids=["applied", "not-applied"])
def test_unknown_outcome_errors_are_never_resent_but_reconciled(
    fake: FakeCph, entry: CatalogEntry, applied: bool
) -> None:
    ids = server_ids(3)
    answer = error(entry.status, entry.code, entry.message, request_id=hex_id("9"))
    fake.restart_script.append(("apply", answer) if applied else answer)
    with client() as c:
        result = c.restart(ids)
    assert len(fake.restart_calls) == 1
    rid = answer.headers["x-request-id"]
    assert fake.list_jobs_calls[0]["request_ids"] == [rid]  # reconciled by the error's request ID
    if applied:
        assert [e.outcome for e in result] == [Outcome.ACCEPTED] * 3
        assert [e.job_id for e in result] == [job.job_id for job in fake.by_request[rid]]
    else:
        assert [e.outcome for e in result] == [Outcome.UNKNOWN] * 3
        assert all(e.error_code == entry.code and e.request_id == rid for e in result)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("reset"),
        httpx.WriteError("reset"),
        httpx.WriteTimeout("slow"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_lost_answers_are_never_resent_and_stay_unknown(fake: FakeCph, exc: Exception) -> None:
    fake.restart_script.append(exc)
    ids = server_ids(2)
    with client() as c:
        result = c.restart(ids, wait=True, poll_interval=0)
    assert len(fake.restart_calls) == 1
    assert fake.list_jobs_calls == []  # no request ID: nothing to reconcile with
    assert [e.outcome for e in result] == [Outcome.UNKNOWN] * 2
    assert (result.servers[0].error_msg or "").startswith(type(exc).__name__)
    assert not result.ok


def test_a_non_json_502_is_still_retried(fake: FakeCph) -> None:
    fake.restart_script.append(httpx.Response(502, text="<html>bad gateway</html>"))
    with client() as c:
        result = c.restart(server_ids(1))
    assert len(fake.restart_calls) == 2
    assert result.ok


def test_an_unreadable_200_is_unknown_and_reconciled_not_resent(fake: FakeCph) -> None:
    ids = server_ids(2)
    rid = hex_id("7")
    fake.restart_script.append(("apply", httpx.Response(200, text="not json", headers={"X-Request-Id": rid})))
    with client() as c:
        result = c.restart(ids)
    assert len(fake.restart_calls) == 1
    assert [e.outcome for e in result] == [Outcome.ACCEPTED] * 2  # jobs found under the header's request ID


def test_undocumented_status_on_restart_is_unknown(fake: FakeCph) -> None:
    fake.restart_script.append(httpx.Response(599, text="?"))
    with client() as c:
        result = c.restart(server_ids(1))
    assert len(fake.restart_calls) == 1
    assert result.servers[0].outcome is Outcome.UNKNOWN


@pytest.mark.parametrize(
    "failure",
    [
        error(429, "APIGW.0308", "throttled"),
        error(500, "APIGW.0601", "Internal server error."),
        error(502, "APIGW.0201", "Backend unavailable."),
        error(503, "APIGW.0613", "IAM unavailable."),
        error(504, "APIGW.0201", "Backend timeout."),
        error(400, "CPS.0003", "Service internal error."),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
    ],
    ids=lambda f: f"{f.status_code}" if isinstance(f, httpx.Response) else type(f).__name__,
)
def test_reads_are_retried_after_transient_failures(fake: FakeCph, failure: object) -> None:
    with client() as c:
        result = c.restart(server_ids(2))
        fake.jobs_script.extend([failure, failure])
        jobs = c.list_jobs(result.request_ids)
    assert len(jobs) == 2
    assert len(fake.list_jobs_calls) == 3


def test_a_read_that_keeps_being_throttled_keeps_the_429_body(fake: FakeCph) -> None:
    rid = hex_id("4")
    fake.jobs_script.extend(
        [error(429, "APIGW.0308", "The throttling threshold has been reached: policy user", request_id=rid)] * 10
    )
    with client() as c, pytest.raises(ThrottledError) as info:
        c.list_jobs([hex_id()])
    assert len(fake.list_jobs_calls) == FAST.max_attempts
    assert info.value.error_code == "APIGW.0308"  # the SDK would say "429" and lose the request ID
    assert info.value.request_id == rid
    assert info.value.error_msg == "The throttling threshold has been reached: policy user"
    assert info.value.retryable == "yes"


def test_a_read_is_not_retried_after_a_final_error(fake: FakeCph) -> None:
    fake.servers_script.append(error(400, "CPS.0010", "Parameter: status is invalid."))
    with client() as c, pytest.raises(CphError) as info:
        c.list_servers()
    assert info.value.error_code == "CPS.0010"
    assert not isinstance(info.value, GatewayError)


def test_a_failing_poll_raises_with_the_partial_result(fake: FakeCph) -> None:
    fake.jobs_script.extend([error(503, "APIGW.0613", "IAM unavailable.")] * 10)
    with client() as c, pytest.raises(GatewayError) as info:
        c.restart(server_ids(3), wait=True, poll_interval=0)
    assert info.value.result is not None
    assert info.value.result.counts()["accepted"] == 3


def test_reconcile_can_be_switched_off(fake: FakeCph) -> None:
    answer = error(504, "APIGW.0201", "Backend timeout.")
    fake.restart_script.append(("apply", answer))
    with client() as c:
        result = c.restart(server_ids(2), wait=True, reconcile=False, poll_interval=0)
    assert fake.list_jobs_calls == []
    assert result.counts()["unknown"] == 2


def test_a_throttled_poll_never_ends_a_wait_with_an_error(fake: FakeCph) -> None:
    """Throttled past the retry policy's attempts, then past the deadline: the result comes back, timed out."""
    fake.job_polls = 0
    with client() as c:
        accepted = c.restart(server_ids(3))
        fake.jobs_script.extend([error(429, "APIGW.0308", THROTTLED)] * (FAST.max_attempts + 3))
        result = c.wait(accepted, timeout=30)
        assert result.counts()["succeeded"] == 3
        fake.jobs_script.extend([error(429, "APIGW.0308", THROTTLED)] * 100_000)
        late = c.wait(accepted, timeout=0.5)
    assert late.timed_out
    assert late.counts()["accepted"] == 3
