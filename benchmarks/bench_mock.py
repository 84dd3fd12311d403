"""Mock server: requests/s and p50/p99 latency for batch-restart, our mock vs Prism, same load generator (hey).

Our mock runs with everything on — spec validation, AK/SK signature verification, fleet state and jobs. Prism
mocks the same document (it cannot verify AK/SK; it gets an X-Auth-Token and answers from the examples).
Each server runs in its own process; hey runs in a third.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from benchmarks._harness import (
    MOCK_AK,
    MOCK_PROJECT,
    MOCK_SK,
    LoadResult,
    background,
    free_port,
    hey,
    mock_command,
    mock_env,
)
from cph import AkSkAuth, AkSkCredentials

PATH = f"/v1/{MOCK_PROJECT}/cloud-phone/servers/batch-restart"


def server_ids(base_url: str, count: int) -> list[str]:
    """IDs of servers in status 5 (normal, so restartable) from the running mock's fleet (pages of 100)."""
    ids: list[str] = []
    auth = AkSkAuth(AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT))
    with httpx.Client(base_url=base_url, auth=auth) as client:
        while len(ids) < count:
            page = client.get(
                f"/v1/{MOCK_PROJECT}/cloud-phone/servers", params={"offset": len(ids), "limit": 100, "status": 5}
            )
            page.raise_for_status()
            servers = page.json()["servers"]
            if not servers:
                msg = f"the mock's fleet has only {len(ids)} normal servers, {count} wanted"
                raise RuntimeError(msg)
            ids += [s["server_id"] for s in servers]
    return ids[:count]


def signed_headers(url: str, body: bytes) -> dict[str, str]:
    """Headers of one AK/SK-signed request, minus those hey sets itself; valid for the gateway's ±15 minutes."""
    request = httpx.Request("POST", url, content=body, headers={"Content-Type": "application/json"})
    AkSkAuth(AkSkCredentials(MOCK_AK, MOCK_SK, MOCK_PROJECT)).sign(request)
    return {k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}}


@contextmanager
def our_mock(fleet: int) -> Iterator[str]:
    port = free_port()
    with background(mock_command(port, fleet), port, env=mock_env()):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def prism() -> Iterator[str]:
    port = free_port()
    cmd = ["npx", "--no-install", "prism", "mock", "-h", "127.0.0.1", "-p", str(port), "openapi/cph.openapi.yaml"]
    with background(cmd, port):
        yield f"http://127.0.0.1:{port}"


def run(*, smoke: bool, ids_per_call: tuple[int, ...] = (1, 100)) -> dict[str, dict[str, list[LoadResult]]]:
    """``{"1 ID": {"ours": [...], "prism": [...]}, ...}`` — alternating runs, so drift hits both alike."""
    seconds, runs, concurrency = (1.0, 1, 4) if smoke else (5.0, 3, 32)
    results: dict[str, dict[str, list[LoadResult]]] = {}
    with our_mock(fleet=200) as ours_url, prism() as prism_url:
        fleet_ids = server_ids(ours_url, 100)
        for n in ids_per_call:
            body = json.dumps({"server_ids": fleet_ids[:n]}).encode()
            ours_headers = signed_headers(ours_url + PATH, body)
            prism_headers = {"Content-Type": "application/json", "X-Auth-Token": "benchmark-token"}
            row: dict[str, list[LoadResult]] = {"ours": [], "prism": []}
            for url, headers in ((ours_url, ours_headers), (prism_url, prism_headers)):
                # one answered request first: Prism compiles its validators on the first one (seconds on a busy
                # machine), which a short smoke run would otherwise spend entirely waiting
                httpx.post(url + PATH, content=body, headers=headers, timeout=60).raise_for_status()
            for _ in range(runs):
                row["ours"].append(
                    hey(ours_url + PATH, seconds=seconds, concurrency=concurrency, method="POST",
                        headers=ours_headers, body=body)
                )  # fmt: skip
                row["prism"].append(
                    hey(prism_url + PATH, seconds=seconds, concurrency=concurrency, method="POST",
                        headers=prism_headers, body=body)
                )  # fmt: skip
            results[f"{n} ID" if n == 1 else f"{n} IDs"] = row
    return results
