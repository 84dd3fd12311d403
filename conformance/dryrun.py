"""``--dry-run``: build, shape, check and sign every request exactly as a real run would, then print it instead
of sending it.

Why sign at all: the listing then shows the real signed-header set and proves the allow-list guard passed, while the
signature itself is redacted (as are tokens).
"""

from __future__ import annotations

from typing import Any

import requests
from schemathesis import Case

from conformance.run import Run
from conformance.safety import shape
from conformance.target import Target
from conformance.transport import sign_prepared, text_headers

_REQUEST_ARGUMENTS = ("method", "url", "headers", "params", "cookies", "json", "data", "files")


def render(case: Case[Any], target: Target, run: Run) -> str:
    """The curl line ``case`` would be sent as (secrets redacted)."""
    shape(case, target, run.jobs)
    kwargs = case.as_transport_kwargs(base_url=target.base_url)
    request = requests.Request(**{name: kwargs[name] for name in _REQUEST_ARGUMENTS if name in kwargs})
    with requests.Session() as session:
        prepared = session.prepare_request(request)
    return signed_curl(prepared, target, run)


def signed_curl(prepared: requests.PreparedRequest, target: Target, run: Run) -> str:
    """Sign ``prepared`` (allow-list guard included) and render it as a redacted curl line."""
    sign_prepared(prepared, target)
    body = prepared.body if isinstance(prepared.body, bytes | str) else None
    return run.redactor.curl(str(prepared.method), str(prepared.url), text_headers(prepared.headers), body)
