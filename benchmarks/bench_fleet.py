"""Fleet restart: restart N servers and wait until every job is terminal — ours vs the SDK the plain way vs a floor.

* ours: ``CphClient.restart(ids, wait=True)`` (batches of 100 in parallel, jobs followed by ListJobs per request).
* SDK, plain way: sequential batches of 100, then one ShowJob per job (what its API invites).
* floor: the same HTTP requests ours needs (one POST per 100 IDs, one ListJobs page per batch) sent with a bare
  signed ``httpx.Client`` on the same number of threads, with no client logic.

Jobs end at once (job duration 0), so the figures are the client's and the wire's cost, not simulated waiting.

:func:`run_throttled` is the condition that decides whether a fleet restart works at all: the gateway throttles per
user (here the mock's ``--rate-limit``) and jobs take time (10 s). Each peer gets a fresh mock process (fresh fleet
and token bucket). Calls and 429s are counted on the client side, per HTTP exchange, by a counting transport (ours)
and the SDK's own response hook (``HttpHandler.add_response_handler``) — the mock keeps no request statistics.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks._harness import MOCK_AK, MOCK_PROJECT, MOCK_SK, Stats, background, free_port, mock_command, mock_env
from benchmarks.bench_mock import server_ids
from cph import AkSkAuth, AkSkCredentials, CphClient
from cph.mock import MockConfig, create_app

CONCURRENCY = 8
CREDENTIALS = AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT)


def ours(url: str, ids: list[str]) -> float:
    t0 = time.perf_counter()
    with CphClient(endpoint=url, credentials=CREDENTIALS, concurrency=CONCURRENCY) as client:
        result = client.restart(ids, wait=True, poll_interval=0.05, max_poll_interval=0.2)
    elapsed = time.perf_counter() - t0
    assert len(result.servers) == len(ids), "every server accounted for"
    assert result.counts().get("succeeded", 0) == len(ids), result.counts()
    return elapsed


def sdk(url: str, ids: list[str]) -> float:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcph.v1 import CphClient as SdkClient
    from huaweicloudsdkcph.v1 import (
        RestartCloudPhoneServerRequest,
        RestartCloudPhoneServerRequestBody,
        ShowJobRequest,
    )

    client = SdkClient.new_builder().with_credentials(BasicCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT))
    client = client.with_endpoint(url).build()
    t0 = time.perf_counter()
    job_ids: list[str] = []
    for start in range(0, len(ids), 100):
        body = RestartCloudPhoneServerRequestBody(server_ids=ids[start : start + 100])
        response = client.restart_cloud_phone_server(RestartCloudPhoneServerRequest(body=body))
        job_ids += [job.job_id for job in response.jobs]
    pending = list(job_ids)
    while pending:
        pending = [j for j in pending if client.show_job(ShowJobRequest(job_id=j)).status == 1]
    elapsed = time.perf_counter() - t0
    assert len(job_ids) == len(ids)
    return elapsed


def floor(url: str, ids: list[str]) -> float:
    path = f"/v1/{MOCK_PROJECT}/cloud-phone"
    with httpx.Client(
        base_url=url, auth=AkSkAuth(CREDENTIALS), limits=httpx.Limits(max_connections=CONCURRENCY)
    ) as client:

        def batch(start: int) -> None:
            response = client.post(f"{path}/servers/batch-restart", json={"server_ids": ids[start : start + 100]})
            listed = client.get(f"{path}/jobs", params={"request_id": response.json()["request_id"], "limit": 100})
            assert listed.status_code == 200

        t0 = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(batch, range(0, len(ids), 100)))
        return time.perf_counter() - t0


def fleet_for(size: int) -> int:
    """A fleet big enough to hold ``size`` normal servers (the mock's fleets mix in frozen, creating, …)."""
    return size * 3 // 2 + 50


def run(*, smoke: bool) -> dict[int, dict[str, Stats]]:
    """``{N: {"ours s": Stats, "sdk s": Stats, "floor s": Stats}}``; the SDK runs up to 10,000 IDs only."""
    sizes, runs = ((200,), 1) if smoke else ((1_000, 10_000, 100_000), 3)
    out: dict[int, dict[str, Stats]] = {}
    for size in sizes:
        port = free_port()
        with background(mock_command(port, fleet_for(size)), port, env=mock_env()):
            url = f"http://127.0.0.1:{port}"
            ids = server_ids(url, size)
            peers = {"ours s": ours, "floor s": floor}
            if size <= 10_000:
                peers["sdk s"] = sdk
            samples: dict[str, list[float]] = {name: [] for name in peers}
            for _ in range(runs if size < 100_000 else 1):
                for name, fn in peers.items():
                    samples[name].append(fn(url, ids))
            out[size] = {name: Stats.of(values) for name, values in samples.items()}
    return out


# ------------------------------------------------------------------------------------------- throttled fleet
JOB_SECONDS = 10.0
THROTTLED_CASES = ((10_000, 5.0), (1_000, 1.0))
SMOKE_CASES = ((300, 10.0),)
SMOKE_JOB_SECONDS = 1.0


class Tally:
    """HTTP exchanges by operation (``restart`` = POST, ``poll`` = GET of jobs, ``other``) and status; thread-safe."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    def add(self, method: str, path: str, status: int) -> None:
        operation = "restart" if method == "POST" else "poll" if "/jobs" in path else "other"
        with self._lock:
            self.counts[operation, status] += 1

    def calls(self, operation: str | None = None) -> int:
        return sum(n for (op, _), n in self.counts.items() if operation in (None, op))

    def throttled(self, operation: str | None = None) -> int:
        return sum(n for (op, status), n in self.counts.items() if status == 429 and operation in (None, op))


@dataclass(frozen=True)
class ThrottledRun:
    """One peer's throttled fleet restart + wait, against the minimum the gateway's limit allows."""

    peer: str
    servers: int
    rate: float
    job_seconds: float
    wall: float
    tally: Tally
    terminal: int

    @property
    def calls(self) -> int:
        return self.tally.calls()

    @property
    def throttled(self) -> int:
        return self.tally.throttled()

    @property
    def restarts(self) -> int:
        return math.ceil(self.servers / 100)

    @property
    def poll_round(self) -> int:
        """Calls to read every job once: ListJobs pages hold 100 jobs (20 request IDs per call only help requests
        of fewer than 100 servers), so one round over N jobs is ⌈N/100⌉ pages."""
        return math.ceil(self.servers / 100)

    @property
    def min_calls(self) -> int:
        """One restart per 100 servers, then one poll round."""
        return self.restarts + self.poll_round

    @property
    def min_wall(self) -> float:
        """The issue's minimum: the restarts at the limit, then the job time, then one poll round at the limit."""
        return (self.restarts + self.poll_round) / self.rate + self.job_seconds

    @property
    def floor_wall(self) -> float:
        """What no client can beat: every minimum call at the limit, and the last restart's jobs must have ended
        (polls of earlier requests can overlap the job time, which the issue's minimum does not count)."""
        return max(self.min_calls / self.rate, self.restarts / self.rate + self.job_seconds + 1 / self.rate)

    @property
    def throttled_share(self) -> float:
        return self.throttled / self.calls if self.calls else 0.0

    def breakdown(self) -> str:
        """``restart 100 (3 × 429), poll 12 (1 × 429)``."""
        parts = []
        for operation in ("restart", "poll", "other"):
            if calls := self.tally.calls(operation):
                parts.append(f"{operation} {calls} ({self.tally.throttled(operation)} × 429)")
        return ", ".join(parts)


def min_wall(size: int, rate: float, job_seconds: float) -> float:
    return ThrottledRun("", size, rate, job_seconds, 0.0, Tally(), 0).min_wall


class CountingTransport(httpx.BaseTransport):
    """httpx's transport, tallying every exchange (ours sends from a thread pool)."""

    def __init__(self, tally: Tally) -> None:
        self._inner = httpx.HTTPTransport()
        self._tally = tally

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        self._tally.add(request.method, request.url.path, response.status_code)
        return response

    def close(self) -> None:
        self._inner.close()


@contextlib.contextmanager
def urllib3_tally(tally: Tally) -> Iterator[None]:
    """Tally every exchange the SDK makes — including the 429 retries urllib3 makes inside one SDK call, which the
    SDK's own response hook never sees — by wrapping urllib3's one request-sending method."""
    from urllib3.connectionpool import HTTPConnectionPool

    original = HTTPConnectionPool._make_request

    def counted(pool: HTTPConnectionPool, conn: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = original(pool, conn, method, url, *args, **kwargs)
        tally.add(method, url, response.status)
        return response

    HTTPConnectionPool._make_request = counted  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        HTTPConnectionPool._make_request = original  # type: ignore[method-assign]


def throttled_ours(url: str, ids: list[str], rate: float, job_seconds: float, budget: float) -> ThrottledRun:
    tally = Tally()
    t0 = time.perf_counter()
    with CphClient(endpoint=url, credentials=CREDENTIALS, transport=CountingTransport(tally)) as client:
        result = client.restart(ids, wait=True, timeout=budget)
    wall = time.perf_counter() - t0
    assert len(result) == len(ids), "every server accounted for"
    counts = result.counts()
    return ThrottledRun("ours", len(ids), rate, job_seconds, wall, tally, counts["succeeded"] + counts["failed"])


def throttled_sdk(url: str, ids: list[str], rate: float, job_seconds: float, budget: float) -> ThrottledRun:
    """The SDK the plain way: batches of 100 one after another (a refused batch is not resent — the SDK never
    retries a POST), then ListJobs by each request ID every 2 s until every job ended or ``budget`` passed."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.exceptions.exceptions import SdkException
    from huaweicloudsdkcph.v1 import CphClient as SdkClient
    from huaweicloudsdkcph.v1 import ListJobsRequest, RestartCloudPhoneServerRequest, RestartCloudPhoneServerRequestBody

    tally = Tally()
    builder = SdkClient.new_builder().with_credentials(BasicCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT))
    client = builder.with_endpoint(url).build()
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("HuaweiCloud-SDK")]:
        logging.getLogger(name).addHandler(logging.NullHandler())  # else each exhausted retry is printed to stderr
    with urllib3_tally(tally):
        t0 = time.perf_counter()
        pending: set[str] = set()
        for start in range(0, len(ids), 100):
            body = RestartCloudPhoneServerRequestBody(server_ids=ids[start : start + 100])
            try:
                response = client.restart_cloud_phone_server(RestartCloudPhoneServerRequest(body=body))
            except SdkException:
                continue
            pending.add(response.request_id)
        terminal = 0
        while pending and time.perf_counter() - t0 < budget:
            for request_id in sorted(pending):
                try:
                    jobs = client.list_jobs(ListJobsRequest(request_id=request_id, limit=100)).jobs or []
                except SdkException:
                    continue
                if jobs and all(job.status in (-1, 2) for job in jobs):
                    pending.discard(request_id)
                    terminal += len(jobs)
            if pending:
                time.sleep(2.0)
        wall = time.perf_counter() - t0
    return ThrottledRun("sdk", len(ids), rate, job_seconds, wall, tally, terminal)


def normal_ids(size: int) -> list[str]:
    """The first ``size`` normal servers of the fleet ``cph mock`` builds from the benchmark's seed — computed here,
    because listing them from the running mock would spend its rate limit."""
    config = MockConfig.load(env=mock_env(), fleet_size=fleet_for(size))
    ids = create_app(config).state.server_ids(status=5)
    assert len(ids) >= size, f"the fleet has only {len(ids)} normal servers"
    return ids[:size]


def run_throttled(*, smoke: bool) -> list[ThrottledRun]:
    """Each case once per peer, each run against a fresh ``cph mock --rate-limit`` subprocess."""
    cases, job_seconds = (SMOKE_CASES, SMOKE_JOB_SECONDS) if smoke else (THROTTLED_CASES, JOB_SECONDS)
    runs: list[ThrottledRun] = []
    for size, rate in cases:
        ids = normal_ids(size)
        for peer in (throttled_ours, throttled_sdk):
            port = free_port()
            command = [*mock_command(port, fleet_for(size), job_seconds), "--rate-limit", str(rate)]
            with background(command, port, env=mock_env()):
                budget = 3 * min_wall(size, rate, job_seconds)
                runs.append(peer(f"http://127.0.0.1:{port}", ids, rate, job_seconds, budget))
    return runs
