"""Fleet restart: restart N servers and wait until every job is terminal — ours vs the SDK the plain way vs a floor.

* ours: ``CphClient.restart(ids, wait=True)`` (batches of 100 in parallel, jobs followed by ListJobs per request).
* SDK, plain way: sequential batches of 100, then one ShowJob per job (what its API invites).
* floor: the same HTTP requests ours needs (one POST per 100 IDs, one ListJobs page per batch) sent with a bare
  signed ``httpx.Client`` on the same number of threads, with no client logic.

Jobs end at once (job duration 0), so the figures are the client's and the wire's cost, not simulated waiting.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from benchmarks._harness import MOCK_AK, MOCK_PROJECT, MOCK_SK, Stats, background, free_port, mock_command, mock_env
from benchmarks.bench_mock import server_ids
from cph import AkSkAuth, AkSkCredentials, CphClient

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
