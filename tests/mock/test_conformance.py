"""Every response the mock sends validates against the spec's schema for its operation and status.

The app's own ``validate_responses`` switch is off here: the test checks each response independently, with
validators compiled by the same bundling helper the mock uses.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from cph_mock_testkit import (
    DENIED_TOKEN,
    EXPIRED_TOKEN,
    PRIMARY,
    SECOND,
    TOKEN,
    Client,
    aksk,
    assert_conforms,
    make_config,
)

from cph import load_spec
from cph.mock import FakeClock, MockApp, create_app
from cph.mock._routes import Router

ROUTER = Router(load_spec())


def operation_of(method: str, url: str) -> str | None:
    path = url.split("?", maxsplit=1)[0]
    try:
        return ROUTER.match(method, path.encode())[0].operation_id
    except Exception:
        return None


@pytest.fixture
def plain_app(clock: FakeClock) -> MockApp:
    return create_app(make_config(validate_responses=False, failure_rate=0.3, job_duration=4), clock=clock)


def random_request(rng: random.Random, app: MockApp, request_ids: list[str], job_ids: list[str]) -> dict[str, Any]:
    servers = app.state.server_ids(PRIMARY)
    project = rng.choice([PRIMARY] * 8 + [SECOND, "x", "..%2F"])
    kind = rng.choice(["restart", "restart", "show", "list_jobs", "list_servers", "unknown"])
    if kind == "restart":
        choice = rng.random()
        if choice < 0.6:
            body: Any = {"server_ids": rng.sample(servers, rng.randint(1, 5)) + rng.choice([[], ["f" * 32]])}
        elif choice < 0.8:
            body = {"server_ids": rng.choice([[], ["bad"], [1], "x", ["a" * 32] * 101])}
        else:
            body = rng.choice([[], "x", None, {"other": 1}])
        return {"method": "POST", "url": f"/v1/{project}/cloud-phone/servers/batch-restart", "json": body}
    if kind == "show":
        job = rng.choice([*job_ids[-5:], "0" * 32, "bad"]) if job_ids else "0" * 32
        return {"method": "GET", "url": f"/v1/{project}/cloud-phone/jobs/{job}"}
    if kind == "list_jobs":
        params: dict[str, Any] = {}
        if request_ids and rng.random() < 0.8:
            key = rng.choice(["request_id", "request_ids"])
            params[key] = ",".join(rng.sample(request_ids, min(len(request_ids), 1 if key == "request_id" else 3)))
        if rng.random() < 0.3:
            params["limit"] = rng.choice(["1", "0", "100", "x", "101"])
        if rng.random() < 0.3:
            params["offset"] = rng.choice(["0", "1", "-1", "5"])
        return {"method": "GET", "url": f"/v1/{project}/cloud-phone/jobs", "params": params}
    if kind == "list_servers":
        params = {}
        for name, values in (
            ("status", ["5", "8", "11", "6", "x"]),
            ("limit", ["1", "10", "0"]),
            ("offset", ["0", "3", "x"]),
            ("server_name", ["cph", "0001", ""]),
            ("network_version", ["v1", "v2", "v3"]),
            ("create_since", ["0", "x"]),
        ):
            if rng.random() < 0.25:
                params[name] = rng.choice(values)
        return {"method": "GET", "url": f"/v1/{project}/cloud-phone/servers", "params": params}
    return {"method": rng.choice(["GET", "PUT", "DELETE"]), "url": rng.choice(["/", "/v1", f"/v1/{project}/x"])}


def test_many_requests_all_conform(plain_app: MockApp, clock: FakeClock) -> None:
    rng = random.Random(2026)
    credentials: list[dict[str, Any]] = [
        {"auth": aksk(clock=clock)},
        {"auth": aksk(clock=clock)},
        {"headers": {"X-Auth-Token": TOKEN}},
        {"headers": {"X-Auth-Token": DENIED_TOKEN}},
        {"headers": {"X-Auth-Token": EXPIRED_TOKEN}},
        {"headers": {"X-Auth-Token": "nope"}},
        {},
    ]
    client = Client(plain_app, None)
    request_ids: list[str] = []
    job_ids: list[str] = []
    statuses: set[tuple[str | None, int]] = set()
    try:
        for i in range(500):
            request = random_request(rng, plain_app, request_ids, job_ids)
            credential = rng.choice(credentials)
            response = client.request(**request, **credential)
            operation = operation_of(request["method"], request["url"])
            body = assert_conforms(operation, response)
            statuses.add((operation, response.status_code))
            if operation == "RestartCloudPhoneServer" and response.status_code == 200:
                request_ids.append(body["request_id"])
                job_ids += [j["job_id"] for j in body["jobs"] if "job_id" in j]
            if i % 25 == 0:
                clock.advance(1.5)
            if i == 400:
                plain_app.faults.schedule("500", "502", "503", "504", "429")
    finally:
        client.close()
    # The walk reached the interesting answers of every operation.
    assert {
        ("RestartCloudPhoneServer", 200),
        ("RestartCloudPhoneServer", 400),
        ("ShowJob", 200),
        ("ShowJob", 404),
    } <= statuses
    assert {
        ("ListJobs", 200),
        ("ListJobs", 400),
        ("ListCloudPhoneServers", 200),
        ("ListCloudPhoneServers", 400),
    } <= statuses
    assert {(None, 404), ("ListCloudPhoneServers", 401)} <= statuses or {(None, 404)} <= statuses
    assert any(status >= 500 for _op, status in statuses)
    finished = [plain_app.state.show_job(PRIMARY, j)["status"] for j in job_ids]
    assert {2, -1} <= set(finished)
