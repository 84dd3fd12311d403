"""Schemathesis, negative mode: requests that violate the spec are refused with a spec-shaped 4xx, never a 5xx.

In-process against the ASGI app (schemathesis drives it through its ASGI client), with few examples so it stays
quick; the project ID is pinned to the caller's so the mutations reach parameter and body validation.
"""

from __future__ import annotations

import pytest
from cph_mock_testkit import PRIMARY, TOKEN, assert_conforms, make_config
from hypothesis import HealthCheck, Phase, settings

from cph import load_spec
from cph.mock import create_app

schemathesis = pytest.importorskip("schemathesis")

APP = create_app(make_config(job_duration=1, validate_responses=True))
SCHEMA = schemathesis.openapi.from_dict(load_spec())
SCHEMA.app = APP
SCHEMA.config.update(parameters={"project_id": PRIMARY})
SCHEMA.config.generation.update(modes=[schemathesis.GenerationMode.NEGATIVE], max_examples=12)


@SCHEMA.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_negative_requests_are_refused_cleanly(case: schemathesis.Case) -> None:
    case.path_parameters = {**(case.path_parameters or {}), "project_id": PRIMARY}
    response = case.call(headers={"X-Auth-Token": TOKEN})
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and response.status_code != 404:
        assert response.status_code in (400, 413), response.text
    assert_conforms(case.operation.definition.raw["operationId"], _as_httpx(response))


class _as_httpx:
    """The two attributes ``assert_conforms`` reads, from a schemathesis response."""

    def __init__(self, response: schemathesis.Response) -> None:
        self.status_code = response.status_code
        self.content = response.content
        self.headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
