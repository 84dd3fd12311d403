"""The façade against the real mock endpoint on loopback, with faults injected: every server accounted for exactly
once, no server restarted twice, and each outcome consistent with what the mock actually did."""

from __future__ import annotations

import _thread
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from cph import (
    AkSkCredentials,
    AsyncCphClient,
    CphClient,
    Outcome,
    RestartInterrupted,
    RestartResult,
    RetryPolicy,
    ServerResult,
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


# ------------------------------------------------------------------------------------- never losing a result
def assert_nothing_lost(result: RestartResult, mock: MockServer, requested: list[str]) -> None:
    """Every server the mock restarted is in the result with its request and job IDs, or (answer not collected in
    time) unknown; every server reported rejected was never restarted."""
    assert_consistent_with_the_mock(result, mock, requested)
    restarted = set(mock.state.restart_counts())
    for entry in result:
        if entry.outcome is Outcome.ACCEPTED:
            assert entry.request_id
            assert entry.job_id
        if entry.server_id in restarted:
            assert entry.outcome in {Outcome.ACCEPTED, Outcome.SUCCEEDED, Outcome.FAILED, Outcome.UNKNOWN}


def test_ctrl_c_during_a_restart_keeps_every_accepted_server() -> None:
    config = MockConfig.generate(seed=12, fleet_size=3000, job_duration=30.0)
    with MockServer(config) as mock:
        ids = mock.state.server_ids()
        seen: list[ServerResult] = []
        threading.Timer(0.6, _thread.interrupt_main).start()
        with (
            CphClient(endpoint=mock.url, credentials=credentials(mock), rate_limit=10, concurrency=4) as client,
            pytest.raises(RestartInterrupted) as interrupted,
        ):
            client.restart(ids, wait=True, on_result=seen.append)
        result = interrupted.value.result
        restarted = len(mock.state.restart_counts())
        time.sleep(0.5)
        assert len(mock.state.restart_counts()) == restarted  # batches waiting for their slot were not sent
        assert isinstance(interrupted.value, KeyboardInterrupt)
        assert_nothing_lost(result, mock, ids)
        assert restarted == result.counts()["accepted"] + result.counts()["unknown"]
        counts = result.counts()
        assert 0 < counts["accepted"] < 3000
        not_sent = [e for e in result.with_outcome(Outcome.REJECTED) if e.error_msg == "not sent: interrupted"]
        assert not_sent
        assert all(e.request_id is None for e in not_sent)
        assert {e.server_id for e in seen if e.outcome is Outcome.ACCEPTED} == {
            e.server_id for e in result.with_outcome(Outcome.ACCEPTED)
        }


def test_ctrl_c_while_waiting_keeps_the_jobs_and_a_later_wait_resumes_them() -> None:
    config = MockConfig.generate(seed=13, fleet_size=300, job_duration=2.0)
    with MockServer(config) as mock:
        ids = mock.state.server_ids(status=5)[:200]
        lines: list[str] = []
        with CphClient(endpoint=mock.url, credentials=credentials(mock)) as client:
            threading.Timer(0.5, _thread.interrupt_main).start()
            with pytest.raises(RestartInterrupted) as interrupted:
                client.restart(ids, wait=True, on_result=lambda entry: lines.append(entry.to_json()))
            assert interrupted.value.result.counts()["accepted"] == 200
            # What an --output file holds is enough to resume: the last line per server wins.
            entries = [ServerResult.from_json(line) for line in lines]
            resumed = client.wait(entries, timeout=30)
        assert resumed.counts()["succeeded"] == 200
        assert not resumed.timed_out
        assert {entry.server_id for entry in resumed} == set(ids)  # in the order the lines were written
        assert_nothing_lost(resumed, mock, [entry.server_id for entry in resumed])


def test_cancelling_the_async_client_keeps_the_partial_result_on_the_cancelled_error() -> None:
    config = MockConfig.generate(seed=14, fleet_size=3000, job_duration=30.0)
    with MockServer(config) as mock:
        ids = mock.state.server_ids()

        async def scenario() -> RestartResult:
            async with AsyncCphClient(
                endpoint=mock.url, credentials=credentials(mock), rate_limit=10, concurrency=4
            ) as client:
                task = asyncio.ensure_future(client.restart(ids))
                await asyncio.sleep(0.6)
                task.cancel()
                with pytest.raises(asyncio.CancelledError) as cancelled:
                    await task
                return cancelled.value.result  # type: ignore[attr-defined,no-any-return]

        result = asyncio.run(scenario())
        assert_nothing_lost(result, mock, ids)
        assert 0 < result.counts()["accepted"] < 3000
        assert result.counts()["rejected"] > 0  # not sent


def test_the_deadline_reports_running_jobs_with_their_ids() -> None:
    config = MockConfig.generate(seed=15, fleet_size=300, job_duration=30.0)
    with MockServer(config) as mock:
        ids = mock.state.server_ids(status=5)[:150]
        with CphClient(endpoint=mock.url, credentials=credentials(mock)) as client:
            started = time.monotonic()
            result = client.restart(ids, wait=True, timeout=1.5)
        assert time.monotonic() - started < 10
        assert result.timed_out
        assert result.counts()["accepted"] == 150
        assert all(entry.job_id and entry.request_id for entry in result)


def test_a_gateway_limit_is_learnt_and_no_server_is_given_up() -> None:
    config = MockConfig.generate(seed=16, fleet_size=2000, job_duration=1.0, rate_limit=10)
    with MockServer(config) as mock:
        ids = mock.state.server_ids(status=5)[:1500]
        with CphClient(endpoint=mock.url, credentials=credentials(mock), concurrency=8) as client:
            result = client.restart(ids, wait=True, timeout=60)
            learnt = client.rate
        counts = result.counts()
        assert counts["accepted"] == counts["unknown"] == 0  # every server reached a terminal outcome
        assert not [entry for entry in result if entry.error_code == "APIGW.0308"]  # none given up as throttled
        assert counts["succeeded"] == len(mock.state.restart_counts()) - counts["failed"]
        assert learnt is not None
        assert 3 < learnt <= 10 * 0.97 + 1e-9  # never above the limit the gateway's message named, minus a margin


CHILD = """
import asyncio, json, sys
from cph import AkSkCredentials, AsyncCphClient, RestartInterrupted

endpoint, ak, sk, project = sys.argv[1:5]
ids = sys.stdin.read().split()

async def main() -> None:
    credentials = AkSkCredentials(ak, sk, project_id=project)
    async with AsyncCphClient(endpoint=endpoint, credentials=credentials, rate_limit=10, concurrency=4) as client:
        print("started", flush=True)
        await client.restart(ids, wait=True)

try:
    asyncio.run(main())
except RestartInterrupted as stopped:
    print(json.dumps([entry.to_dict() for entry in stopped.result]), flush=True)
    sys.exit(130)
"""


def test_ctrl_c_under_asyncio_run_raises_restart_interrupted_with_the_result() -> None:
    config = MockConfig.generate(seed=17, fleet_size=3000, job_duration=30.0)
    with MockServer(config) as mock:
        ids = mock.state.server_ids()
        with subprocess.Popen(
            [sys.executable, "-c", CHILD, mock.url, mock.config.ak, mock.config.sk, mock.config.project_id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        ) as child:
            assert child.stdin is not None
            assert child.stdout is not None
            assert child.stderr is not None
            child.stdin.write("\n".join(ids))
            child.stdin.close()
            assert child.stdout.readline().strip() == "started"
            time.sleep(1.0)
            child.send_signal(signal.SIGINT)
            out = child.stdout.read()  # before waiting: the result is larger than a pipe's buffer
            errors = child.stderr.read()
            assert child.wait(timeout=30) == 130, errors
        assert "Traceback" not in errors
        result = RestartResult(tuple(ServerResult.from_dict(item) for item in json.loads(out)))
        assert_nothing_lost(result, mock, ids)
        assert 0 < result.counts()["accepted"] < 3000


def test_provider_legal_ids_of_another_shape_go_to_the_mock_in_their_own_batches() -> None:
    """The strict mock refuses a whole batch with one non-32-hex ID (``CPS.0016``): the client still sends such IDs
    (CPH decides, not the client), alone, so the 150 conforming servers restart; an empty ID is never sent."""
    config = MockConfig.generate(seed=12, fleet_size=400, job_duration=0.2)
    with MockServer(config) as mock:
        good = mock.state.server_ids(status=5)[:150]
        assert len(good) == 150
        uuid, upper = "123e4567-e89b-12d3-a456-426614174000", good[0].upper()
        with CphClient(endpoint=mock.url, credentials=credentials(mock), retry=FAST_RETRIES) as client:
            result = client.restart([*good[:60], uuid, "", *good[60:], upper])
        assert all(result[i].outcome is Outcome.ACCEPTED for i in good)
        assert mock.state.restart_counts() == dict.fromkeys(good, 1)
        for odd in (uuid, upper):
            assert result[odd].outcome is Outcome.REJECTED
            assert result[odd].error_code == "CPS.0016"  # the mock's answer: it was sent
            assert result[odd].request_id
        assert result[""].outcome is Outcome.REJECTED
        assert result[""].error_code is None
        assert result[""].request_id is None
