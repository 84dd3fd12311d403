"""The façade (respx): endpoints and configuration, batching on the wire, one result entry per server, fatal
errors, concurrency and rate limits, reconciliation, reads, the async twin, and no secrets in reprs."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import respx

sys.path.insert(0, str(Path(__file__).parent))

from client_testkit import (
    AK,
    BASE,
    CREDS,
    FAST,
    PROJECT,
    REGION,
    RESTART_PATH,
    SECRETS,
    SK,
    TOKEN,
    TOKEN_CREDS,
    FakeCph,
    error,
    hex_id,
    server_ids,
)

from cph import (
    AkSkCredentials,
    AsyncCphClient,
    AuthenticationError,
    CphClient,
    CredentialsError,
    GatewayError,
    NotFoundError,
    Outcome,
    PermissionDeniedError,
    Progress,
    RestartResult,
    RetryPolicy,
    ServerResult,
    credentials_from_env,
    endpoint_for_region,
    load_spec,
    regions,
)


@pytest.fixture
def fake() -> Iterator[FakeCph]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield FakeCph(router)


def make_client(**options: object) -> CphClient:
    settings: dict[str, object] = {"region": REGION, "credentials": CREDS, "retry": FAST}
    settings.update(options)
    return CphClient(**settings)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- configuration
def test_regions_and_endpoint_come_from_the_spec() -> None:
    server = load_spec()["servers"][0]
    assert regions() == server["variables"]["region"]["enum"]
    assert endpoint_for_region("cn-north-4") == "https://cph.cn-north-4.myhuaweicloud.com"
    with pytest.raises(ValueError, match="unknown region 'mars-1'"):
        endpoint_for_region("mars-1")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of region= or endpoint="),
        ({"region": REGION, "endpoint": BASE}, "exactly one"),
        ({"endpoint": "http://cph.example.com"}, "only allowed on loopback"),
        ({"endpoint": "ftp://127.0.0.1"}, "http"),
        ({"endpoint": "https://h.example/?x=1"}, "query"),
        ({"region": REGION, "project_id": "not/a-project"}, "one URL path segment"),
        ({"region": REGION, "concurrency": 0}, "concurrency"),
    ],
)
def test_bad_configuration_is_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CphClient(credentials=CREDS, **options)  # type: ignore[arg-type]


def test_project_id_defaults_to_the_credentials_and_is_required() -> None:
    with make_client() as client:
        assert client.project_id == PROJECT
        assert client.endpoint == BASE
    other = "f" * 32
    with make_client(project_id=other) as client:
        assert client.project_id == other
    with pytest.raises(ValueError, match="project_id is required"):
        CphClient(region=REGION, credentials=AkSkCredentials(AK, SK))


@pytest.mark.parametrize("project", ["0a1B2c3d-e89b-12d3-a456-426614174000", "MY_PROJECT"])
def test_a_provider_legal_project_id_of_another_shape_is_used(fake: FakeCph, project: str) -> None:
    server = server_ids(1)[0]
    job = {"server_id": server, "job_id": hex_id("a")}
    route = fake.router.post(f"/v1/{project}/cloud-phone/servers/batch-restart").mock(
        return_value=httpx.Response(200, json={"request_id": hex_id("b"), "jobs": [job]})
    )
    with make_client(project_id=project) as client:
        result = client.restart([server])
    assert route.called
    assert result[server].outcome is Outcome.ACCEPTED


@pytest.mark.parametrize("project", ["a/b", "a b", "a?b", "..", "a%2Fb", "a#b"])
def test_a_project_id_that_is_not_one_path_segment_is_refused(project: str) -> None:
    with pytest.raises(ValueError, match="one URL path segment"):
        make_client(project_id=project)


def test_loopback_http_endpoint_is_allowed_and_normalised() -> None:
    with make_client(region=None, endpoint="http://127.0.0.1:8080/") as client:
        assert client.endpoint == "http://127.0.0.1:8080"


def test_credentials_from_env() -> None:
    aksk = credentials_from_env({"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK})
    assert isinstance(aksk, AkSkCredentials)
    token = credentials_from_env({"CPH_AUTH_TOKEN": TOKEN, "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT})
    assert token.project_id == PROJECT
    with pytest.raises(CredentialsError, match="HUAWEICLOUD_SDK_SK") as info:
        credentials_from_env({"HUAWEICLOUD_SDK_AK": AK})
    assert AK not in str(info.value)
    with pytest.raises(CredentialsError, match="CPH_AUTH_TOKEN"):
        credentials_from_env({})


@pytest.mark.parametrize("credentials", [CREDS, TOKEN_CREDS, AkSkCredentials(AK, SK, PROJECT, "securitytok3n")])
def test_reprs_never_show_secrets(credentials: AkSkCredentials) -> None:
    with make_client(credentials=credentials, rate_limit=5) as client:
        text = repr(client) + str(client) + repr(client._engine.api) + repr(client._http)
    for secret in (*SECRETS, "securitytok3n"):
        assert secret not in text
    assert "rate_limit=5" in repr(client)


# -------------------------------------------------------------------------------------------------- restart
def test_any_number_of_ids_is_split_into_batches_of_the_spec_maximum(fake: FakeCph) -> None:
    ids = server_ids(250)
    with make_client() as client:
        result = client.restart(ids)
    assert sorted(len(call) for call in fake.restart_calls) == [50, 100, 100]
    assert sorted(s for call in fake.restart_calls for s in call) == sorted(ids)
    assert [entry.server_id for entry in result] == ids
    assert result.counts()["accepted"] == 250
    assert result.ok
    assert all(entry.job_id and entry.request_id for entry in result)
    assert len(result.request_ids) == 3


def test_duplicates_dropped_empty_ids_held_back_and_unusual_ids_sent_on_their_own(fake: FakeCph) -> None:
    good = server_ids(3)
    uuid, upper = "123e4567-e89b-12d3-a456-426614174000", "ABC" * 11
    with make_client() as client:
        result = client.restart([good[0], " " + good[1], good[0], uuid, good[2], "", uuid, "  ", upper])
    # Provider-legal IDs of another shape are sent (CPH decides), but never in a batch with conforming ones.
    assert fake.restart_calls == [good, [uuid, upper]]
    assert [e.server_id for e in result] == [good[0], good[1], uuid, good[2], "", upper]
    assert result[uuid].outcome is Outcome.ACCEPTED
    assert result[upper].outcome is Outcome.ACCEPTED
    empty = result[""]
    assert empty.outcome is Outcome.REJECTED
    assert empty.request_id is None
    assert empty.error_code is None
    assert empty.error_msg == "not sent: not a server ID (empty)"
    assert not result.ok


def test_a_refused_batch_of_unusual_ids_takes_no_conforming_server_with_it(fake: FakeCph) -> None:
    good = server_ids(150)
    odd = "123e4567-e89b-12d3-a456-426614174000"

    sent: list[list[str]] = []

    def refuse_odd_batches(request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["server_ids"]
        sent.append(ids)
        if odd in ids:
            return error(400, "CPS.0016", "Invalid server ID.")
        rid = hex_id("b")
        jobs = fake.apply(ids, rid)
        return httpx.Response(200, json={"request_id": rid, "jobs": jobs}, headers={"X-Request-Id": rid})

    fake.router.post(RESTART_PATH).mock(side_effect=refuse_odd_batches)
    with make_client() as client:
        result = client.restart([*good[:75], odd, *good[75:]])
    assert sorted(sent, key=len) == [[odd], good[100:], good[:100]]
    assert result[odd].outcome is Outcome.REJECTED
    assert result[odd].error_code == "CPS.0016"
    assert all(result[i].outcome is Outcome.ACCEPTED for i in good)


def test_empty_input_sends_nothing(fake: FakeCph) -> None:
    with make_client() as client:
        result = client.restart([])
    assert len(result) == 0
    assert fake.restart_calls == []


def test_per_server_rejections_are_reported_per_server(fake: FakeCph) -> None:
    ids = server_ids(3)
    fake.rejected[ids[1]] = ("CPS.1028", "No permission to request resources. Server is frozen.")
    with make_client() as client:
        result = client.restart(ids)
    assert [e.outcome for e in result] == [Outcome.ACCEPTED, Outcome.REJECTED, Outcome.ACCEPTED]
    assert result[ids[1]].error_code == "CPS.1028"
    assert result[ids[1]].request_id == result[ids[0]].request_id


def test_a_server_missing_from_a_200_is_unknown_then_reconciled(fake: FakeCph) -> None:
    ids = server_ids(2)
    rid = "b" * 32

    def partial_answer(request: httpx.Request) -> httpx.Response:
        jobs = fake.apply(ids, rid)
        return httpx.Response(200, json={"request_id": rid, "jobs": jobs[:1]}, headers={"X-Request-Id": rid})

    fake.restart_script.append(partial_answer)
    with make_client() as client:
        result = client.restart(ids)
    assert result[ids[0]].outcome is Outcome.ACCEPTED
    assert result[ids[1]].outcome is Outcome.ACCEPTED  # found by ListJobs under the request ID
    assert result[ids[1]].job_id == fake.by_request[rid][1].job_id
    assert len(fake.restart_calls) == 1


def test_fatal_error_stops_the_run_and_raises_with_the_partial_result(fake: FakeCph) -> None:
    ids = server_ids(300)
    fake.restart_script.append(error(401, "APIGW.0301", "Incorrect IAM authentication information: x"))
    with make_client(concurrency=1) as client, pytest.raises(AuthenticationError) as info:
        client.restart(ids)
    assert len(fake.restart_calls) == 1  # no further batch: repeated auth failures lock the AK
    result = info.value.result
    assert result is not None
    assert len(result) == 300
    assert result.counts()["rejected"] == 300
    assert result[ids[-1]].error_msg is not None
    assert result[ids[-1]].error_msg.startswith("not sent: ")


def test_no_such_api_is_fatal_too(fake: FakeCph) -> None:
    fake.restart_script.append(error(404, "APIGW.0101", "The API does not exist."))
    with make_client(concurrency=1) as client, pytest.raises(GatewayError):
        client.restart(server_ids(150))
    assert len(fake.restart_calls) == 1


def test_batches_in_flight_never_exceed_concurrency(fake: FakeCph) -> None:
    in_flight, peak, lock = 0, 0, threading.Lock()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return fake._restart(request)

    fake.router.routes[0].mock(side_effect=slow)
    with make_client(concurrency=3) as client:
        result = client.restart(server_ids(1000))
    assert len(fake.restart_calls) == 10
    assert peak == 3
    assert result.ok


def test_rate_limit_spaces_requests(fake: FakeCph) -> None:
    with make_client(rate_limit=50.0, concurrency=4) as client:
        start = time.monotonic()
        client.restart(server_ids(600))
        elapsed = time.monotonic() - start
    assert len(fake.restart_calls) == 6
    assert elapsed >= 5 / 50.0 - 0.005  # six evenly spaced slots span five intervals


def test_progress_is_reported_per_phase(fake: FakeCph) -> None:
    seen: list[Progress] = []
    with make_client(concurrency=2) as client:
        client.restart(server_ids(250), wait=True, poll_interval=0.0, on_progress=seen.append)
    restart = [p for p in seen if p.phase == "restart"]
    wait = [p for p in seen if p.phase == "wait"]
    assert restart[-1].completed == restart[-1].total == 250
    assert wait[-1].completed == 250
    assert wait[-1].outcomes["succeeded"] == 250
    assert [p.completed for p in restart] == sorted(p.completed for p in restart)


# --------------------------------------------------------------------------------------------------- waiting
def test_wait_follows_jobs_to_the_end(fake: FakeCph) -> None:
    ids = server_ids(5)
    fake.failing.add(ids[2])
    fake.job_polls = 3
    with make_client() as client:
        result = client.restart(ids, wait=True, poll_interval=0.0)
    assert result.waited
    assert not result.timed_out
    assert result[ids[2]].outcome is Outcome.FAILED
    assert result[ids[2]].error_code == "CPS.0003"
    assert result.counts()["succeeded"] == 4
    assert not result.ok
    assert len(fake.list_jobs_calls) == 4  # three polls see it running, the fourth sees it end


def test_wait_timeout_leaves_running_jobs_accepted(fake: FakeCph) -> None:
    fake.job_polls = 10**6
    with make_client() as client:
        result = client.restart(server_ids(3), wait=True, wait_timeout=0.05, poll_interval=0.01)
    assert result.timed_out
    assert result.counts()["accepted"] == 3
    assert not result.ok


def test_wait_can_follow_an_earlier_result(fake: FakeCph) -> None:
    fake.job_polls = 2
    with make_client() as client:
        first = client.restart(server_ids(4))
        assert first.counts()["accepted"] == 4
        later = client.wait(first, poll_interval=0.0)
    assert later.counts()["succeeded"] == 4
    assert later.ok


def test_verify_unknown_reports_the_current_server_status(fake: FakeCph) -> None:
    ids = server_ids(2)
    fake.add_fleet(ids, status=13)
    fake.restart_script.append(httpx.ReadTimeout("timed out"))
    with make_client() as client:
        result = client.restart(ids, verify_unknown=True)
    assert [e.outcome for e in result] == [Outcome.UNKNOWN, Outcome.UNKNOWN]
    assert [e.server_status for e in result] == [13, 13]


def test_verify_unknown_lists_the_fleet_for_many_servers(fake: FakeCph) -> None:
    ids = server_ids(150)
    fake.add_fleet(ids)
    fake.restart_script.extend([httpx.RemoteProtocolError("dropped"), httpx.RemoteProtocolError("dropped")])
    with make_client(concurrency=1) as client:
        result = client.restart(ids, verify_unknown=True)
    assert {e.server_status for e in result} == {5}
    assert result.counts()["unknown"] == 150


# ----------------------------------------------------------------------------------------------------- reads
def test_show_job_and_list_jobs(fake: FakeCph) -> None:
    with make_client() as client:
        result = client.restart(server_ids(3))
        job = client.show_job(result.servers[0].job_id or "")
        assert job.server_id == result.servers[0].server_id
        assert job.end_time is None  # ShowJob's null
        jobs = client.list_jobs(result.request_ids)
        assert [j.job_id for j in jobs] == [e.job_id for e in result]
        assert jobs[0].error_code is None  # ListJobs' ""
        with pytest.raises(NotFoundError) as info:
            client.show_job("0" * 32)
    assert info.value.error_code == "CPS.0011"


def test_list_jobs_packs_twenty_request_ids_per_call_and_pages(fake: FakeCph) -> None:
    with make_client(concurrency=1) as client:
        first = client.restart(server_ids(250))  # 3 request IDs, one with 100 jobs
        many = [*first.request_ids, *[f"{i:032x}" for i in range(42)]]
        jobs = client.list_jobs(many)
    assert len(jobs) == 250
    assert [len(call["request_ids"][0].split(",")) for call in fake.list_jobs_calls][:3] == [20, 20, 5]
    assert all(call["limit"] == ["100"] for call in fake.list_jobs_calls)


def test_list_servers_pages_and_limits(fake: FakeCph) -> None:
    fake.add_fleet(server_ids(230))
    with make_client() as client:
        assert len(client.list_servers()) == 230
        assert len(client.list_servers(limit=150)) == 150
        assert [s.server_id for s in client.list_servers(server_id=server_ids(230)[7])] == [server_ids(230)[7]]
        assert client.list_servers(status=13) == []
        # Undocumented, but the provider contract leaves ServerStatus open: the endpoint decides, not the client.
        assert client.list_servers(status=6) == []


def test_custom_transport_is_used() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"request_id": "a" * 32, "count": 0, "servers": []})

    with make_client(transport=httpx.MockTransport(handler)) as client:
        assert client.list_servers() == []
    assert seen[0].headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + AK)
    assert seen[0].headers["User-Agent"].startswith("cph-openapi/")


def test_token_credentials_send_x_auth_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"request_id": "a" * 32, "count": 0, "servers": []})

    with make_client(credentials=TOKEN_CREDS, transport=httpx.MockTransport(handler)) as client:
        client.list_servers()
    assert seen[0].headers["X-Auth-Token"] == TOKEN
    assert "Authorization" not in seen[0].headers


# ----------------------------------------------------------------------------------------------------- async
def make_async_client(**options: object) -> AsyncCphClient:
    settings: dict[str, object] = {"region": REGION, "credentials": CREDS, "retry": FAST}
    settings.update(options)
    return AsyncCphClient(**settings)  # type: ignore[arg-type]


def test_async_client_behaves_like_the_sync_one(fake: FakeCph) -> None:
    ids = server_ids(260)
    fake.rejected[ids[5]] = ("CPS.9001", "Server status does not allow restart.")
    fake.failing.add(ids[9])
    fake.job_polls = 2
    fake.add_fleet(ids[:3])

    async def scenario() -> tuple[object, ...]:
        async with make_async_client(concurrency=2) as client:
            result = await client.restart(ids + ids[:10], wait=True, poll_interval=0.0)
            job = await client.show_job(result[ids[0]].job_id or "")
            jobs = await client.list_jobs(result.request_ids)
            servers = await client.list_servers()
            return result, job, jobs, servers, repr(client)

    result, job, jobs, servers, text = asyncio.run(scenario())
    assert len(result) == 260  # type: ignore[arg-type]
    assert sorted(len(call) for call in fake.restart_calls) == [60, 100, 100]
    counts = result.counts()  # type: ignore[attr-defined]
    assert counts == {"accepted": 0, "rejected": 1, "succeeded": 258, "failed": 1, "unknown": 0}
    assert job.status == 2  # type: ignore[attr-defined]
    assert len(jobs) == 259  # type: ignore[arg-type]
    assert len(servers) == 3  # type: ignore[arg-type]
    assert SK not in text


def test_async_fatal_error_raises_with_result(fake: FakeCph) -> None:
    fake.restart_script.append(error(403, "APIGW.0302", "The IAM user is not authorized to access the API."))

    async def scenario() -> None:
        async with make_async_client(concurrency=1) as client:
            await client.restart(server_ids(200))

    with pytest.raises(PermissionDeniedError) as info:
        asyncio.run(scenario())
    assert info.value.result is not None
    assert len(fake.restart_calls) == 1


def test_async_wait_of_an_earlier_result(fake: FakeCph) -> None:
    async def scenario() -> tuple[int, int]:
        async with make_async_client(retry=RetryPolicy(max_attempts=1)) as client:
            first = await client.restart(server_ids(3), reconcile=False)
            later = await client.wait(first, poll_interval=0.0)
            return first.counts()["accepted"], later.counts()["succeeded"]

    assert asyncio.run(scenario()) == (3, 3)


def test_async_failing_poll_raises_with_the_result_and_stops_the_other_polls(fake: FakeCph) -> None:
    fake.jobs_script.append(error(400, "CPS.0001", "No permission to request resources."))  # final: no retry

    async def scenario() -> None:
        async with make_async_client(concurrency=4) as client:
            await client.restart(server_ids(2500), wait=True, poll_interval=0.0)

    with pytest.raises(PermissionDeniedError) as info:
        asyncio.run(scenario())
    assert info.value.result is not None
    assert info.value.result.counts()["accepted"] == 2500
    assert len(fake.list_jobs_calls) < 25  # the other group's pages were cancelled, not polled to the end


# ------------------------------------------------------------------------------------- a failing on_result callback
class RecorderBroke(Exception):
    pass


def broken_recorder(seen: list[str]) -> Callable[[ServerResult], None]:
    def on_result(entry: ServerResult) -> None:
        seen.append(entry.server_id)
        raise RecorderBroke(entry.server_id)

    return on_result


def assert_nothing_lost(result: RestartResult, ids: list[str], fake: FakeCph) -> None:
    sent = {s for call in fake.restart_calls for s in call}
    assert [entry.server_id for entry in result] == ids
    assert all(result[s].outcome is Outcome.ACCEPTED and result[s].job_id for s in sent)
    assert all(
        result[s].outcome is Outcome.REJECTED and "not sent" in (result[s].error_msg or "") for s in set(ids) - sent
    )


def test_a_raising_on_result_ends_the_run_with_its_exception_and_the_partial_result(fake: FakeCph) -> None:
    ids, seen = server_ids(250), []
    with make_client(concurrency=1) as client, pytest.raises(RecorderBroke) as raised:
        client.restart(ids, wait=True, on_result=broken_recorder(seen))
    assert len(seen) == 1  # never called again after it raised
    result = raised.value.result  # type: ignore[attr-defined]
    assert isinstance(result, RestartResult)
    assert_nothing_lost(result, ids, fake)
    assert not fake.list_jobs_calls  # the run ended: no waiting on the jobs after the failure


def test_a_raising_on_result_in_the_async_client_keeps_the_partial_result(fake: FakeCph) -> None:
    ids, seen = server_ids(250), []

    async def scenario() -> None:
        async with make_async_client(concurrency=1) as client:
            await client.restart(ids, on_result=broken_recorder(seen))

    with pytest.raises(RecorderBroke) as raised:
        asyncio.run(scenario())
    assert len(seen) == 1
    assert_nothing_lost(raised.value.result, ids, fake)  # type: ignore[attr-defined]
