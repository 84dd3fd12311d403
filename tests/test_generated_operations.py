"""The generated client, operation by operation, against every documented status (respx).

For each operation and status the spec documents, the client must send the request the provider's docs show
(method, path, JSON body) and parse the documented example into the right model; a status the spec does not
document must raise with ``raise_on_unexpected_status=True``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from cph import load_spec
from cph._spec import deref
from cph_api import Client
from cph_api.api.jobs import list_jobs, show_job
from cph_api.api.servers import list_cloud_phone_servers, restart_cloud_phone_server
from cph_api.errors import UnexpectedStatus
from cph_api.models import (
    ErrorResponse,
    ListCloudPhoneServersResponse,
    ListJobsResponse,
    RestartCloudPhoneServerRequestBody,
    RestartCloudPhoneServerResponse,
    ShowJobResponse,
)
from cph_api.types import Response

SPEC = load_spec()
BASE = "https://cph.cn-east-3.myhuaweicloud.com"
PROJECT = "0123456789abcdef0123456789abcdef"
JOB = "1564567b8bab40f34711234cb80d0123"
REQUEST = "6837531fd3f54550927b930180a706bf"
SERVER_IDS = ["1234567b8bab40ffb711234cb80d0234", "1678567b8bab40f93711234cb80d0764"]

Call = Callable[[Client], Response[Any]]

OPERATIONS: dict[str, tuple[str, str, str, Call, type]] = {
    "RestartCloudPhoneServer": (
        "/v1/{project_id}/cloud-phone/servers/batch-restart",
        "post",
        f"/v1/{PROJECT}/cloud-phone/servers/batch-restart",
        lambda c: restart_cloud_phone_server.sync_detailed(
            PROJECT, client=c, body=RestartCloudPhoneServerRequestBody(server_ids=SERVER_IDS)
        ),
        RestartCloudPhoneServerResponse,
    ),
    "ShowJob": (
        "/v1/{project_id}/cloud-phone/jobs/{job_id}",
        "get",
        f"/v1/{PROJECT}/cloud-phone/jobs/{JOB}",
        lambda c: show_job.sync_detailed(PROJECT, JOB, client=c),
        ShowJobResponse,
    ),
    "ListJobs": (
        "/v1/{project_id}/cloud-phone/jobs",
        "get",
        f"/v1/{PROJECT}/cloud-phone/jobs",
        lambda c: list_jobs.sync_detailed(PROJECT, client=c, request_id=REQUEST),
        ListJobsResponse,
    ),
    "ListCloudPhoneServers": (
        "/v1/{project_id}/cloud-phone/servers",
        "get",
        f"/v1/{PROJECT}/cloud-phone/servers",
        lambda c: list_cloud_phone_servers.sync_detailed(PROJECT, client=c, limit=10, status=5),
        ListCloudPhoneServersResponse,
    ),
}


def documented_cases() -> list[Any]:
    cases = []
    for op_id, (path, method, *_rest) in OPERATIONS.items():
        op = SPEC["paths"][path][method]
        assert op["operationId"] == op_id
        for status, response in op["responses"].items():
            media = deref(SPEC, response)["content"]["application/json"]
            for name, example in media["examples"].items():
                value = deref(SPEC, example)["value"]
                cases.append(pytest.param(op_id, int(status), value, id=f"{op_id}-{status}-{name}"))
    return cases


def test_the_cases_cover_every_operation_in_the_spec() -> None:
    in_spec = {op["operationId"] for item in SPEC["paths"].values() for op in item.values() if "operationId" in op}
    assert in_spec == set(OPERATIONS)


@pytest.mark.parametrize(("op_id", "status", "example"), documented_cases())
def test_documented_status_is_sent_and_parsed(op_id: str, status: int, example: Any) -> None:
    _path, method, url_path, call, model = OPERATIONS[op_id]
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        route = router.route(method=method.upper(), path=url_path).mock(
            return_value=httpx.Response(status, json=example, headers={"X-Request-Id": "a" * 32})
        )
        response = call(Client(base_url=BASE, raise_on_unexpected_status=True))
    sent = route.calls.last.request
    assert sent.method == method.upper()
    assert sent.url.path == url_path
    if op_id == "RestartCloudPhoneServer":
        assert sent.headers["content-type"] == "application/json"
        assert json.loads(sent.content) == {"server_ids": SERVER_IDS}
    else:
        assert sent.content == b""
    if op_id == "ListJobs":
        # The spec's parameter defaults (offset 0, limit 100) are sent explicitly; they equal the server's.
        assert dict(sent.url.params) == {"request_id": REQUEST, "offset": "0", "limit": "100"}
    if op_id == "ListCloudPhoneServers":
        assert dict(sent.url.params) == {"offset": "0", "limit": "10", "status": "5"}
    assert response.status_code == status
    expected_model = model if status == 200 else ErrorResponse
    assert isinstance(response.parsed, expected_model)
    assert response.parsed.to_dict() == example


@pytest.mark.parametrize("op_id", list(OPERATIONS))
@pytest.mark.parametrize("status", [201, 405, 418])
def test_undocumented_status_raises(op_id: str, status: int) -> None:
    _path, method, url_path, call, _model = OPERATIONS[op_id]
    with respx.mock(base_url=BASE) as router:
        router.route(method=method.upper(), path=url_path).mock(return_value=httpx.Response(status, json={}))
        with pytest.raises(UnexpectedStatus) as caught:
            call(Client(base_url=BASE, raise_on_unexpected_status=True))
    assert caught.value.status_code == status
