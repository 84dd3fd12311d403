"""The official Huawei Cloud SDK (huaweicloudsdkcph 3.1.219) works against the mock over HTTP with AK/SK."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cph_mock_testkit import AK, PRIMARY, SK, make_config

from cph.mock import MockServer

pytestmark = pytest.mark.integration

sdk_credentials = pytest.importorskip("huaweicloudsdkcore.auth.credentials")
sdk_exceptions = pytest.importorskip("huaweicloudsdkcore.exceptions.exceptions")
cph_v1 = pytest.importorskip("huaweicloudsdkcph.v1")


@pytest.fixture(scope="module")
def live() -> Iterator[MockServer]:
    with MockServer(make_config(job_duration=0.8, validate_responses=True)) as mock:
        yield mock


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The SDK keeps an application ID under ~/.huaweicloud; keep it out of the real home."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def sdk_client(url: str, sk: str = SK) -> Any:
    credentials = sdk_credentials.BasicCredentials(AK, sk, PRIMARY)
    return cph_v1.CphClient.new_builder().with_credentials(credentials).with_endpoints([url]).build()


def restart(client: Any, server_ids: list[str]) -> Any:
    body = cph_v1.RestartCloudPhoneServerRequestBody(server_ids=server_ids)
    return client.restart_cloud_phone_server(cph_v1.RestartCloudPhoneServerRequest(body=body))


def test_restart_then_follow_the_job(live: MockServer, home: Path) -> None:
    client = sdk_client(live.url)
    server = live.state.server_ids(PRIMARY, status=5)[0]
    response = restart(client, [server])
    assert response.status_code == 200
    assert len(response.request_id) == 32
    [job] = response.jobs
    assert job.server_id == server
    assert job.error_code is None
    running = client.show_job(cph_v1.ShowJobRequest(job_id=job.job_id))
    assert (running.status, running.server_id, running.end_time) == (1, server, None)
    deadline = time.monotonic() + 5
    while running.status == 1 and time.monotonic() < deadline:
        time.sleep(0.2)
        running = client.show_job(cph_v1.ShowJobRequest(job_id=job.job_id))
    assert running.status == 2
    assert running.end_time is not None
    listed = client.list_jobs(cph_v1.ListJobsRequest(request_id=response.request_id))
    assert [j.job_id for j in listed.jobs] == [job.job_id]
    assert listed.jobs[0].status == 2
    assert live.state.restart_count(server) == 1


def test_per_job_errors_are_visible(live: MockServer, home: Path) -> None:
    client = sdk_client(live.url)
    frozen = live.state.server_ids(PRIMARY, status=8)[0]
    response = restart(client, [frozen, "f" * 32])
    assert [(j.server_id, j.error_code) for j in response.jobs] == [(frozen, "CPS.1028"), ("f" * 32, "CPS.0016")]
    assert response.jobs[0].error_msg == "No permission to request resources. Server is frozen."
    assert all(j.job_id is None for j in response.jobs)


def test_wrong_secret_key_is_a_client_request_exception(live: MockServer, home: Path) -> None:
    client = sdk_client(live.url, sk="not-the-secret")
    with pytest.raises(sdk_exceptions.ClientRequestException) as caught:
        client.list_cloud_phone_servers(cph_v1.ListCloudPhoneServersRequest(limit=1))
    error = caught.value
    assert error.status_code == 401
    assert error.error_code == "APIGW.0301"
    assert error.error_msg == "Incorrect IAM authentication information: verify aksk signature fail"
    assert len(error.request_id) == 32  # read from X-Request-Id, the only place the SDK looks
    live.app.gateway.unlock(AK)


def test_request_errors_carry_the_request_id(live: MockServer, home: Path) -> None:
    client = sdk_client(live.url)
    with pytest.raises(sdk_exceptions.ClientRequestException) as caught:
        restart(client, [])
    assert (caught.value.status_code, caught.value.error_code) == (400, "CPS.0016")
    assert len(caught.value.request_id) == 32
    with pytest.raises(sdk_exceptions.ClientRequestException) as missing:
        client.show_job(cph_v1.ShowJobRequest(job_id="0" * 32))
    assert (missing.value.status_code, missing.value.error_code) == (404, "CPS.0011")


def test_list_servers_with_filters(live: MockServer, home: Path) -> None:
    client = sdk_client(live.url)
    page = client.list_cloud_phone_servers(cph_v1.ListCloudPhoneServersRequest(offset=0, limit=5, status=5))
    assert page.count == len(live.state.server_ids(PRIMARY, status=5))
    assert len(page.servers) == 5
    assert {s.status for s in page.servers} == {5}
    named = client.list_cloud_phone_servers(cph_v1.ListCloudPhoneServersRequest(server_name="cph server"))
    assert named.count == 0  # the SDK sends "cph%20server": decoded, signed and matched as a space
    first = page.servers[0]
    assert first.server_id
    assert first.addresses[0].server_ip.startswith("172.16.")


def test_injected_504_reaches_the_sdk_as_a_server_error(live: MockServer, home: Path) -> None:
    client = sdk_client(live.url)
    server = live.state.server_ids(PRIMARY, status=5)[1]
    live.faults.schedule("504", operation="RestartCloudPhoneServer")
    with pytest.raises(sdk_exceptions.ServerResponseException) as caught:
        restart(client, [server])
    assert (caught.value.status_code, caught.value.error_code) == (504, "APIGW.0201")
    assert live.state.restart_count(server) == 1  # applied before the timeout: reconcile, never resend blindly
