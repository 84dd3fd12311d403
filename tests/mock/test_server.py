"""MockServer: a real uvicorn server on loopback, and consistency under many concurrent requests."""

from __future__ import annotations

import asyncio
import random
import socket

import httpx
import pytest
from cph_mock_testkit import PRIMARY, aksk, make_config

from cph.mock import RESTARTABLE, MockServer
from cph.mock._server import bind_socket, is_loopback

pytestmark = pytest.mark.integration


def test_server_starts_on_a_free_loopback_port_and_stops(server: MockServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0
    response = httpx.get(f"{server.url}/v1/{PRIMARY}/cloud-phone/servers", auth=aksk(), timeout=5)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == response.json()["request_id"]
    assert "server" not in response.headers  # the gateway sends no Server header
    assert "date" in response.headers
    with pytest.raises(RuntimeError, match="already started"):
        server.start()


def test_stop_releases_the_port_and_closes_idle_keep_alive_connections() -> None:
    mock = MockServer(make_config()).start()
    client = httpx.Client(base_url=mock.url, auth=aksk(), timeout=5)
    assert client.get(f"/v1/{PRIMARY}/cloud-phone/servers").status_code == 200  # leaves an idle connection open
    port = mock.port
    mock.stop()
    client.close()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def test_helpers() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("localhost")
    assert is_loopback("::1")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("example.org")
    with bind_socket("127.0.0.1", 0) as sock:
        assert sock.getsockname()[1] > 0


async def hammer(url: str, server_ids: list[str], workers: int, per_worker: int) -> list[dict]:
    rng = random.Random(99)
    plans = [[rng.sample(server_ids, rng.randint(1, 4)) for _ in range(per_worker)] for _ in range(workers)]
    limits = httpx.Limits(max_connections=workers)
    async with httpx.AsyncClient(base_url=url, auth=aksk(), limits=limits, timeout=20) as client:

        async def worker(plan: list[list[str]]) -> list[dict]:
            answers = []
            for ids in plan:
                response = await client.post(
                    f"/v1/{PRIMARY}/cloud-phone/servers/batch-restart", json={"server_ids": ids}
                )
                assert response.status_code == 200, response.text
                answers.append(response.json())
            return answers

        results = await asyncio.gather(*(worker(plan) for plan in plans))
    return [answer for answers in results for answer in answers]


def test_concurrent_restarts_restart_each_server_once_and_lose_no_job() -> None:
    with MockServer(make_config(job_duration=60)) as mock:
        restartable = [s["server_id"] for s in mock.state.servers(PRIMARY) if s["status"] in RESTARTABLE]
        everything = mock.state.server_ids(PRIMARY)
        answers = asyncio.run(hammer(mock.url, everything, workers=12, per_worker=20))
        accepted = [job for answer in answers for job in answer["jobs"] if "job_id" in job]
        assert sorted(job["server_id"] for job in accepted) == sorted(restartable)
        assert len({job["job_id"] for job in accepted}) == len(accepted)
        assert mock.state.restart_counts(PRIMARY) == dict.fromkeys(restartable, 1)
        # Every accepted job is listed under its request, and nothing else is.
        request_ids = [answer["request_id"] for answer in answers]
        listed = []
        with httpx.Client(base_url=mock.url, auth=aksk(), timeout=10) as client:
            for start in range(0, len(request_ids), 20):
                batch = ",".join(request_ids[start : start + 20])
                page = client.get(f"/v1/{PRIMARY}/cloud-phone/jobs", params={"request_ids": batch}).json()
                listed += page["jobs"]
        assert sorted(j["job_id"] for j in listed) == sorted(j["job_id"] for j in accepted)


def test_concurrent_restarts_with_instant_jobs_count_every_restart() -> None:
    with MockServer(make_config(job_duration=0)) as mock:
        restartable = mock.state.server_ids(PRIMARY, status=5)
        answers = asyncio.run(hammer(mock.url, restartable, workers=8, per_worker=15))
        accepted = [job for answer in answers for job in answer["jobs"] if "job_id" in job]
        assert len(accepted) == sum(len(answer["jobs"]) for answer in answers)  # all accepted: jobs end at once
        assert sum(mock.state.restart_counts(PRIMARY).values()) == len(accepted)
        assert len(mock.state.jobs(PRIMARY)) == len(accepted)
