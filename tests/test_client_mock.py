"""The façade against the real mock endpoint on loopback, with faults injected: every server accounted for exactly
once, no server restarted twice, and each outcome consistent with what the mock actually did."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from cph import (
    AkSkCredentials,
    AsyncCphClient,
    CphClient,
    Outcome,
    RestartResult,
    RetryPolicy,
    TokenCredentials,
)
from cph.mock import FaultConfig, FaultKind, MockConfig, MockServer, ThrottleConfig

pytestmark = pytest.mark.integration

FAST_RETRIES = RetryPolicy(max_attempts=8, base_delay=0.02, max_delay=0.5)
FAULTS = FaultConfig(
    throttle_429_rate=0.04,
    throttle_429_burst=3,
    error_500_rate=0.02,
    error_502_rate=0.03,
    error_503_rate=0.03,
    error_504_rate=0.02,
    drop_before_rate=0.015,
    drop_after_rate=0.015,
    unknown_outcome_applied=0.5,
    seed=11,
)


def credentials(mock: MockServer) -> AkSkCredentials:
    return AkSkCredentials(mock.config.ak, mock.config.sk, project_id=mock.config.project_id)


def assert_consistent_with_the_mock(result: RestartResult, mock: MockServer, requested: list[str]) -> None:
    """One entry per requested server; no server restarted twice; each outcome is what the mock did."""
    assert [entry.server_id for entry in result] == list(dict.fromkeys(requested))
    counts = mock.state.restart_counts()
    assert max(counts.values(), default=0) <= 1, "a server was restarted twice"
    jobs_by_server = {job["server_id"]: job["job_id"] for job in mock.state.jobs()}
    for entry in result:
        restarted = counts.get(entry.server_id, 0)
        if entry.outcome in {Outcome.ACCEPTED, Outcome.SUCCEEDED, Outcome.FAILED}:
            assert restarted == 1, entry
            assert entry.job_id == jobs_by_server[entry.server_id], entry
        elif entry.outcome is Outcome.REJECTED:
            assert restarted == 0, entry
        else:
            assert entry.job_id is None


@pytest.fixture(scope="module")
def big_faulty_mock() -> Iterator[MockServer]:
    config = MockConfig.generate(seed=5, fleet_size=10_000, job_duration=1.0, faults=FAULTS)
    with MockServer(config) as mock:
        yield mock


def test_ten_thousand_servers_with_faults_each_accounted_for_once(big_faulty_mock: MockServer) -> None:
    mock = big_faulty_mock
    ids = mock.state.server_ids()
    assert len(ids) == 10_000
    requested = ids + ids[:250]  # duplicates must not be restarted again
    start = time.monotonic()
    with CphClient(endpoint=mock.url, credentials=credentials(mock), retry=FAST_RETRIES, concurrency=8) as client:
        result = client.restart(requested, wait=True, poll_interval=0.3, max_poll_interval=1.0)
    elapsed = time.monotonic() - start
    assert elapsed < 30
    assert len(result) == 10_000
    assert_consistent_with_the_mock(result, mock, requested)
    injected = mock.faults.injected
    for kind in FaultKind:
        assert injected[kind] > 0, f"no {kind.value} fault was injected; the test would prove nothing"
    counts = result.counts()
    assert counts["succeeded"] > 7_000
    assert counts["accepted"] == 0  # waited until every known job ended
    # Unknown outcomes come only from answers lost or refused-as-unknown; never from something provably sent twice.
    assert all(entry.error_code or entry.error_msg for entry in result.with_outcome(Outcome.UNKNOWN))


def test_async_client_with_faults_and_server_side_throttling() -> None:
    config = MockConfig.generate(
        seed=8,
        fleet_size=3_000,
        job_duration=0.5,
        faults=FaultConfig(
            error_502_rate=0.05, error_504_rate=0.05, drop_after_rate=0.03, unknown_outcome_applied=1.0, seed=3
        ),
        throttle=ThrottleConfig(rate=150, burst=10),
    )
    with MockServer(config) as mock:
        ids = mock.state.server_ids()

        async def scenario() -> RestartResult:
            async with AsyncCphClient(
                endpoint=mock.url, credentials=credentials(mock), retry=FAST_RETRIES, concurrency=16
            ) as client:
                return await client.restart(ids, wait=True, poll_interval=0.2, max_poll_interval=0.5)

        result = asyncio.run(scenario())
        assert_consistent_with_the_mock(result, mock, ids)
        # 504s applied are reconciled through ListJobs: only dropped answers (no request ID) stay unknown.
        assert all(entry.request_id is None for entry in result.with_outcome(Outcome.UNKNOWN))


def test_token_auth_rate_limit_and_verify_unknown() -> None:
    config = MockConfig.generate(seed=9, fleet_size=400, job_duration=5.0)
    with MockServer(config) as mock:
        ids = mock.state.server_ids(status=5)[:250]
        assert len(ids) == 250
        mock.faults.schedule(FaultKind.DROP_AFTER, operation="RestartCloudPhoneServer")
        creds = TokenCredentials(mock.config.token, project_id=mock.config.project_id)
        with CphClient(endpoint=mock.url, credentials=creds, rate_limit=20, concurrency=1) as client:
            start = time.monotonic()
            result = client.restart(ids, verify_unknown=True)
            elapsed = time.monotonic() - start
        assert elapsed >= 2 / 20  # three batches, paced
        unknown = result.with_outcome(Outcome.UNKNOWN)
        assert len(unknown) == 100  # the dropped batch
        assert {entry.server_status for entry in unknown} <= {11, 13}  # verified: they are restarting
        assert result.counts()["accepted"] == 150
        assert_consistent_with_the_mock(result, mock, ids)
