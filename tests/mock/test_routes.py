"""Routing like the gateway: spec paths only, 404 APIGW.0101 for anything else (never 405)."""

from __future__ import annotations

import pytest

from cph import load_spec
from cph.mock import ErrorReply
from cph.mock._routes import Router

ROUTER = Router(load_spec())
P = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("method", "path", "operation", "values"),
    [
        ("POST", f"/v1/{P}/cloud-phone/servers/batch-restart", "RestartCloudPhoneServer", {"project_id": P}),
        ("GET", f"/v1/{P}/cloud-phone/jobs/{P}", "ShowJob", {"project_id": P, "job_id": P}),
        ("GET", f"/v1/{P}/cloud-phone/jobs", "ListJobs", {"project_id": P}),
        ("GET", f"/v1/{P}/cloud-phone/servers", "ListCloudPhoneServers", {"project_id": P}),
        ("GET", "/v1/..%2F..%2Fetc/cloud-phone/servers", "ListCloudPhoneServers", {"project_id": "../../etc"}),
        ("GET", "/v1/a%20b/cloud-phone/jobs", "ListJobs", {"project_id": "a b"}),
    ],
)
def test_spec_paths_match(method: str, path: str, operation: str, values: dict[str, str]) -> None:
    route, found = ROUTER.match(method, path.encode())
    assert route.operation_id == operation
    assert found == values
    assert ROUTER.match(method, path.encode()) == (route, found)  # cached answer is the same


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/v1/{P}/cloud-phone/servers/batch-restart"),
        ("PUT", f"/v1/{P}/cloud-phone/servers/batch-restart"),
        ("DELETE", f"/v1/{P}/cloud-phone/jobs/{P}"),
        ("POST", f"/v1/{P}/cloud-phone/jobs"),
        ("HEAD", f"/v1/{P}/cloud-phone/servers"),
        ("GET", f"/v1/{P}/cloud-phone/servers/"),
        ("GET", f"/v1/{P}//cloud-phone/servers"),
        ("GET", f"/v1/{P}/cloud-phone/servers/x/y"),
        ("GET", "/"),
        ("GET", ""),
        ("GET", "/v2/x/cloud-phone/servers"),
        ("GET", f"/v1/{P}/cloud-phone/../cloud-phone/servers"),
    ],
)
def test_everything_else_is_api_not_found(method: str, path: str) -> None:
    with pytest.raises(ErrorReply) as caught:
        ROUTER.match(method, path.encode())
    assert caught.value.code == "APIGW.0101"


def test_route_table_is_the_specs() -> None:
    assert {r.template for r in ROUTER.routes} == set(load_spec()["paths"])
