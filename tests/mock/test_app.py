"""The ASGI app, in process: the four operations, request-level errors and the safety nets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cph_mock_testkit import PRIMARY, TOKEN, Client, aksk, assert_conforms, assert_error, make_config

from cph.mock import FakeClock, MockApp, create_app, header_map

RESTART = f"/v1/{PRIMARY}/cloud-phone/servers/batch-restart"
JOBS = f"/v1/{PRIMARY}/cloud-phone/jobs"
SERVERS = f"/v1/{PRIMARY}/cloud-phone/servers"


def ids(app: MockApp, status: int = 5) -> list[str]:
    return app.state.server_ids(PRIMARY, status=status)


# ------------------------------------------------------------------------------------------------------ restart
def test_restart_mixes_accepted_and_rejected_servers(client: Client, app: MockApp) -> None:
    good = ids(app)[:2]
    frozen, creating = ids(app, 8)[0], ids(app, 0)[0]
    response = client.restart([good[0], "f" * 32, frozen, good[1], creating, good[0]])
    body = assert_conforms("RestartCloudPhoneServer", response)
    assert [j["server_id"] for j in body["jobs"]] == [good[0], "f" * 32, frozen, good[1], creating]
    assert [j.get("error_code") for j in body["jobs"]] == [None, "CPS.0016", "CPS.1028", None, "CPS.9001"]
    assert body["jobs"][1]["error_msg"] == "server_id is invalid."


def test_restart_takes_up_to_100_ids_and_ignores_unknown_fields(client: Client, app: MockApp) -> None:
    response = client.post(RESTART, json={"server_ids": [ids(app)[0]] + ["e" * 32] * 99, "dry_run": True})
    assert len(assert_conforms("RestartCloudPhoneServer", response)["jobs"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"server_ids": []},
        {"server_ids": ["e" * 32] * 101},
        {"server_ids": ["cph-server-0001"]},
        {"server_ids": "1234567b8bab40ffb711234cb80d0234"},
        {"server_id": ["1234567b8bab40ffb711234cb80d0234"]},
        {"server_ids": [None]},
    ],
)
def test_invalid_server_ids_fail_the_whole_request(client: Client, app: MockApp, body: dict[str, Any]) -> None:
    before = app.state.snapshot()
    assert_error(client.post(RESTART, json=body), 400, "CPS.0016", "server_id is invalid.")
    assert app.state.snapshot() == before


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"server_ids": ["1234567b8bab40ffb711234cb80d0234"]}', "text/plain"),
        (b'{"server_ids": ["1234567b8bab40ffb711234cb80d0234"]}', "application/x-www-form-urlencoded"),
        (b"not json", "application/json"),
        (b'["1234567b8bab40ffb711234cb80d0234"]', "application/json"),
        (b'{"server_ids": ["\xff"]}', "application/json"),
        (b"", "application/json"),
    ],
)
def test_bodies_that_are_not_json_objects(client: Client, content: bytes, content_type: str) -> None:
    response = client.post(RESTART, content=content, headers={"Content-Type": content_type})
    assert_error(response, 400, "CPS.9004", "Request body is not valid JSON.")


def test_charset_parameter_is_fine(client: Client, app: MockApp) -> None:
    content = b'{"server_ids": ["' + ids(app)[0].encode() + b'"]}'
    response = client.post(RESTART, content=content, headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200


# ------------------------------------------------------------------------------------------------------- jobs
def test_show_job_follows_the_restart(client: Client, app: MockApp, clock: FakeClock) -> None:
    job_id = client.restart(ids(app)[:1]).json()["jobs"][0]["job_id"]
    running = assert_conforms("ShowJob", client.get(f"{JOBS}/{job_id}"))
    assert (running["status"], running["end_time"], running["error_code"]) == (1, None, None)
    assert "phone_id" not in running
    clock.advance(10)
    done = assert_conforms("ShowJob", client.get(f"{JOBS}/{job_id}"))
    assert done["status"] == 2
    assert done["end_time"] is not None


@pytest.mark.parametrize("job_id", ["0" * 32, "not-a-job-id", "A" * 32])
def test_unknown_or_malformed_job_is_404(client: Client, job_id: str) -> None:
    assert_error(client.get(f"{JOBS}/{job_id}"), 404, "CPS.0011", "Job not found.")


@pytest.mark.parametrize("config", [make_config(max_jobs=2, job_duration=0)])
def test_jobs_no_longer_kept_are_unknown(client: Client, app: MockApp) -> None:
    servers = ids(app)
    old = client.restart(servers[:2]).json()
    new = client.restart(servers[2:3]).json()  # 3 jobs > max_jobs 2: the first request's jobs are forgotten
    for job in old["jobs"]:
        assert_error(client.get(f"{JOBS}/{job['job_id']}"), 404, "CPS.0011", "Job not found.")
    listed = assert_conforms("ListJobs", client.get(JOBS, params={"request_id": old["request_id"]}))
    assert (listed["count"], listed["jobs"]) == (0, [])
    kept = assert_conforms("ShowJob", client.get(f"{JOBS}/{new['jobs'][0]['job_id']}"))
    assert kept["status"] == 2


def test_list_jobs_by_request_id_and_ids(client: Client, app: MockApp) -> None:
    servers = ids(app)
    first = client.restart(servers[:2]).json()
    second = client.restart(servers[2:3]).json()
    one = assert_conforms("ListJobs", client.get(JOBS, params={"request_id": first["request_id"]}))
    assert one["count"] == 2
    assert [j["job_id"] for j in one["jobs"]] == [j["job_id"] for j in first["jobs"]]
    both = client.get(JOBS, params={"request_ids": f"{first['request_id']},{second['request_id']}", "limit": 2})
    body = assert_conforms("ListJobs", both)
    assert body["count"] == 3
    assert len(body["jobs"]) == 2
    wins = client.get(JOBS, params={"request_id": first["request_id"], "request_ids": second["request_id"]})
    assert [j["job_id"] for j in wins.json()["jobs"]] == [second["jobs"][0]["job_id"]]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "CPS.9003"),
        ({"request_id": "x"}, "CPS.9003"),
        ({"request_ids": ",".join(["a" * 32] * 21)}, "CPS.9003"),
        ({"request_id": "a" * 32, "limit": "0"}, "CPS.0002"),
        ({"request_id": "a" * 32, "offset": "-1"}, "CPS.0002"),
    ],
)
def test_list_jobs_errors(client: Client, params: dict[str, str], code: str) -> None:
    assert_error(client.get(JOBS, params=params), 400, code)


# ---------------------------------------------------------------------------------------------------- servers
def test_list_servers_with_filters(client: Client, app: MockApp) -> None:
    body = assert_conforms("ListCloudPhoneServers", client.get(SERVERS, params={"limit": 5, "offset": 2}))
    assert body["count"] == 30
    assert len(body["servers"]) == 5
    frozen = assert_conforms("ListCloudPhoneServers", client.get(SERVERS, params={"status": 8}))
    assert {s["status"] for s in frozen["servers"]} == {8}
    assert frozen["count"] == len(ids(app, 8))
    named = client.get(SERVERS, params={"server_name": "cph-server-000"}).json()
    assert named["count"] == 9


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"status": "6"}, "CPS.0010"),
        ({"status": "x"}, "CPS.0010"),
        ({"limit": "101"}, "CPS.0002"),
        ({"offset": "x"}, "CPS.0002"),
        ({"limit": ["1", "2"]}, "CPS.0002"),
        ({"network_version": "v9"}, "APIGW.0201"),
        ({"create_since": "yesterday"}, "APIGW.0201"),
    ],
)
def test_list_servers_errors(client: Client, params: dict[str, Any], code: str) -> None:
    assert_error(client.get(SERVERS, params=params), 400, code)


# ------------------------------------------------------------------------------------------ gateway-level errors
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", RESTART),
        ("DELETE", f"{JOBS}/{'0' * 32}"),
        ("POST", SERVERS),
        ("GET", "/"),
        ("GET", "/v1/servers"),
        ("GET", SERVERS + "/"),
    ],
)
def test_unknown_api_is_404_even_without_credentials(anonymous: Client, method: str, path: str) -> None:
    assert_error(anonymous.request(method, path), 404, "APIGW.0101")


def test_body_over_the_limit_is_413_before_anything_else(clock: FakeClock) -> None:
    app = create_app(make_config(max_body_bytes=1000), clock=clock)
    client = Client(app, None)
    try:
        assert_error(client.post(RESTART, content=b"x" * 1001), 413, "APIGW.0201", "Request entity too large.")

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(3):
                yield b"x" * 400

        assert_error(client.post(RESTART, content=chunks()), 413, "APIGW.0201")
        assert_error(client.post(RESTART, content=b"x" * 1000), 401, "APIGW.0301")  # at the limit: goes on to auth
    finally:
        client.close()


def test_token_auth_works_for_every_operation(anonymous: Client, app: MockApp) -> None:
    headers = {"X-Auth-Token": TOKEN}
    restart = anonymous.post(RESTART, json={"server_ids": ids(app)[:1]}, headers=headers)
    job_id = assert_conforms("RestartCloudPhoneServer", restart)["jobs"][0]["job_id"]
    assert anonymous.get(f"{JOBS}/{job_id}", headers=headers).status_code == 200
    assert anonymous.get(JOBS, params={"request_id": restart.json()["request_id"]}, headers=headers).status_code == 200
    assert anonymous.get(SERVERS, headers=headers).status_code == 200


# -------------------------------------------------------------------------------------------------- safety nets
def test_unexpected_exceptions_become_500_without_leaking(
    client: Client, app: MockApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("internal detail that must stay private")

    monkeypatch.setattr(app.state, "restart_outcome", explode)
    response = client.restart(ids(app)[:1])
    body = assert_error(response, 500, "APIGW.0601", "Internal server error.")
    assert "internal detail" not in response.text
    assert "RuntimeError" in caplog.text
    assert "internal detail" not in caplog.text
    assert body["request_id"] == response.headers["x-request-id"]


def test_response_self_check_replaces_a_non_conforming_answer(
    client: Client, app: MockApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(app.state, "show_job", lambda *_a: {"job_id": "bad", "status": 7})
    assert_error(client.get(f"{JOBS}/{'0' * 32}"), 500, "APIGW.0601")
    assert "does not match the spec" in caplog.text


def test_lifespan_and_other_scopes() -> None:
    app = create_app(make_config())
    sent: list[dict[str, Any]] = []
    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(incoming)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app({"type": "lifespan"}, receive, send))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    asyncio.run(app({"type": "websocket"}, receive, send))
    assert len(sent) == 2


def test_header_map_joins_repeated_headers() -> None:
    assert header_map([(b"a", b"1"), (b"b", b"2")]) == {"a": "1", "b": "2"}
    assert header_map([(b"a", b"1"), (b"a", b"2"), (b"c", b"\xff")]) == {"a": "1, 2", "c": "\udcff"}


def test_clients_disconnecting_mid_body_get_nothing(app: MockApp) -> None:
    sent: list[dict[str, Any]] = []
    messages = iter([{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": RESTART,
        "raw_path": RESTART.encode(),
        "headers": [(b"host", b"mock.test")],
    }
    asyncio.run(app(scope, receive, send))
    assert sent == []


def test_requests_carry_unique_request_ids(client: Client, app: MockApp) -> None:
    seen = {client.get(SERVERS, params={"limit": 1}).headers["x-request-id"] for _ in range(20)}
    assert len(seen) == 20
    del app


def test_logging_is_quiet_on_normal_traffic(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client.get(SERVERS)
    client.get(f"{JOBS}/{'0' * 32}")
    assert [r for r in caplog.records if r.name.startswith(("cph", "uvicorn"))] == []
    assert aksk() is not None
