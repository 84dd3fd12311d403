"""Client calls: 1-ID and 100-ID restarts per second, ours vs the official SDK vs raw httpx, against one mock.

All three sign with AK/SK and talk to the same mock process (validation, signature checks and state on; jobs end at
once so every restart is accepted). "raw httpx" is an ``httpx.Client`` with our ``AkSkAuth`` and no other client
logic: the ceiling for a Python client on this path. CPU per call is user+system time of this (client) process.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from benchmarks._harness import (
    MOCK_AK,
    MOCK_PROJECT,
    MOCK_SK,
    Stats,
    background,
    cpu_seconds,
    free_port,
    mock_command,
    mock_env,
)
from benchmarks.bench_mock import server_ids
from cph import AkSkAuth, AkSkCredentials, AsyncCphClient, CphClient

PATH = f"/v1/{MOCK_PROJECT}/cloud-phone/servers/batch-restart"


@contextmanager
def mock(fleet: int) -> Iterator[str]:
    port = free_port()
    with background(mock_command(port, fleet), port, env=mock_env()):
        yield f"http://127.0.0.1:{port}"


def measure(call: Callable[[], Any], n: int) -> tuple[float, float]:
    """(calls per second, CPU microseconds per call) of ``n`` sequential calls."""
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    for _ in range(n):
        call()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    return n / wall, cpu / n * 1e6


def ours(url: str, ids: list[str]) -> Callable[[], Any]:
    client = CphClient(endpoint=url, credentials=AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT), concurrency=1)

    def call() -> None:
        result = client.restart(ids)
        assert result.ok, result.counts()

    return call


def sdk(url: str, ids: list[str]) -> Callable[[], Any]:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcph.v1 import (
        CphClient as SdkClient,
    )
    from huaweicloudsdkcph.v1 import (
        RestartCloudPhoneServerRequest,
        RestartCloudPhoneServerRequestBody,
    )

    client = (
        SdkClient.new_builder()
        .with_credentials(BasicCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT))
        .with_endpoint(url)
        .build()
    )
    request = RestartCloudPhoneServerRequest(body=RestartCloudPhoneServerRequestBody(server_ids=ids))

    def call() -> None:
        response = client.restart_cloud_phone_server(request)
        assert len(response.jobs) == len(ids)

    return call


def raw(url: str, ids: list[str]) -> Callable[[], Any]:
    client = httpx.Client(base_url=url, auth=AkSkAuth(AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT)))
    body = {"server_ids": ids}

    def call() -> None:
        response = client.post(PATH, json=body)
        assert response.status_code == 200

    return call


async def _async_rate(url: str, ids: list[str], concurrency: int, n: int) -> float:
    credentials = AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT)
    async with AsyncCphClient(endpoint=url, credentials=credentials, concurrency=concurrency) as client:

        async def worker(server: str, calls: int) -> None:
            for _ in range(calls):
                result = await client.restart([server])
                assert result.ok

        await worker(ids[0], 5)  # warm-up
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(ids[i], n // concurrency) for i in range(concurrency)))
        return (n // concurrency) * concurrency / (time.perf_counter() - t0)


def run(*, smoke: bool) -> dict[str, dict[str, Stats]]:
    """``{"1 ID": {"ours calls/s": Stats, "ours cpu µs": Stats, ...}, "async": {...}}``."""
    n, runs = (20, 1) if smoke else (600, 5)
    out: dict[str, dict[str, Stats]] = {}
    with mock(fleet=200) as url:
        fleet = server_ids(url, 100)
        for size in (1, 100):
            ids = fleet[:size]
            peers = {"ours": ours(url, ids), "sdk": sdk(url, ids), "raw httpx": raw(url, ids)}
            calls = max(n // (10 if size == 100 else 1), 5)
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in peers}
            for call in peers.values():
                call()  # warm-up: connection, caches
            for _ in range(runs):  # interleaved, so drift hits every peer alike
                for name, call in peers.items():
                    samples[name].append(measure(call, calls))
            row: dict[str, Stats] = {}
            for name, values in samples.items():
                row[f"{name} calls/s"] = Stats.of([v[0] for v in values])
                row[f"{name} CPU µs/call"] = Stats.of([v[1] for v in values])
            out[f"{size} ID" if size == 1 else f"{size} IDs"] = row
        levels = (1, 4) if smoke else (1, 8, 32)
        out["async, 1 ID"] = {
            f"concurrency {c} calls/s": Stats.of([asyncio.run(_async_rate(url, fleet, c, n)) for _ in range(runs)])
            for c in levels
        }
    return out
