"""The conformance suite: every operation of ``openapi/cph.openapi.yaml`` through schemathesis' examples, coverage,
fuzzing and stateful phases (positive and negative data), judged by every applicable built-in check and the CPH
checks of :mod:`conformance.checks`; then unsupported methods, and the end of every restart job.

The schema is built at import, from the run's settings (``conftest.pytest_configure``); the target — the embedded
mock or the given URL — is a session fixture, so nothing is contacted before the first test runs.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis
import hypothesis.errors
import pytest
import requests
from schemathesis import AuthContext, Case
from schemathesis.checks import CHECKS, load_all_checks

from conformance import dryrun, rules, transient
from conformance import run as run_state
from conformance.checks import CONNECTION_CHECK, operation_id
from conformance.polling import poll_jobs
from conformance.report import FailureRecord
from conformance.suite import build_schema
from conformance.target import Target
from cph import load_catalog, load_spec

RUN = run_state.current()
SETTINGS = RUN.settings
schema = build_schema(SETTINGS)

load_all_checks()
_CHECKS_CONFIG = schema.config.checks_config_for()
for _name in CHECKS.get_all_names():
    if _CHECKS_CONFIG.get_by_name(name=_name).enabled:
        RUN.report.record_enabled(_name)
if "RestartCloudPhoneServer" in SETTINGS.operations_under_test:
    RUN.report.record_enabled("cph_jobs_listed")
RUN.report.record_enabled(CONNECTION_CHECK)


@pytest.fixture(scope="session")
def session(target: Target) -> Iterator[requests.Session]:
    """One connection pool for the whole run (schemathesis opens a new connection per request otherwise).

    The embedded mock ignores proxy variables: it is on loopback, and reading the environment per request is slow.
    """
    with requests.Session() as shared:
        shared.trust_env = not target.embedded
        yield transient.mount(shared)


def _client(target: Target) -> httpx.Client:
    return httpx.Client(
        base_url=target.base_url, auth=target.auth, timeout=httpx.Timeout(SETTINGS.budget.request_timeout)
    )


def test_credentials_accepted(target: Target) -> None:
    """Fail fast, and clearly, when the endpoint refuses our credentials: every other result would be noise."""
    if SETTINGS.dry_run:
        pytest.skip("dry run: nothing is sent")
    RUN.limiter()
    with _client(target) as client:
        response = transient.send(client, "GET", f"/v1/{target.project_id}/cloud-phone/servers", params={"limit": 1})
    assert response.status_code == 200, (
        f"an authenticated ListCloudPhoneServers answered HTTP {response.status_code}: {response.text[:300]} — "
        "check the base URL, the project ID and the credentials"
    )


@schema.parametrize()
def test_api(case: Case[Any], target: Target, session: requests.Session) -> None:
    """One test per operation; schemathesis generates the cases, the checks judge each response."""
    if SETTINGS.dry_run:
        RUN.report.record_dry_run(case.operation.label, dryrun.render(case, target, RUN))
        return
    try:
        case.call_and_validate(base_url=target.base_url, session=session)
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        # Not a verdict of any schema check: the endpoint closed the connection without a complete answer.
        # Recorded under its own check so the run fails and says so; generation goes on with the next case.
        _dropped(case, exc)


def _dropped(case: Case[Any], exc: Exception) -> None:
    """Record a request that got no complete answer under ``cph_connection``."""
    label = case.operation.label
    if RUN.progress is not None:
        RUN.progress.failure(operation_id(case) or label)
    RUN.report.record(
        CONNECTION_CHECK,
        label,
        FailureRecord(
            check=CONNECTION_CHECK,
            operation=label,
            title="connection closed without a complete answer",
            message=RUN.redactor.text(f"{type(exc).__name__}: {exc}"),
            status=None,
            response="",
            curl=RUN.redactor.curl(case.method, RUN.require_target().base_url + case.formatted_path, {}, None),
        ),
    )


@pytest.mark.skipif("stateful" not in SETTINGS.phases, reason="stateful phase not selected")
@pytest.mark.skipif(SETTINGS.dry_run, reason="dry run: a stateful scenario needs real responses")
@pytest.mark.skipif(SETTINGS.budget.stateful_examples == 0, reason="--stateful-examples 0")
def test_stateful(target: Target, session: requests.Session) -> None:
    """Scenarios along the spec's links: restart, then ShowJob of its first job and ListJobs of its request."""
    base = schema.as_state_machine()

    scenarios = [0]

    class CphStateMachine(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            scenarios[0] += 1
            super().setup()

        def get_call_kwargs(self, _case: Case[Any]) -> dict[str, Any]:
            return {"base_url": target.base_url, "session": session}

    # As schemathesis' own stateful runner: generate only (no shrinking: replays of a stateful endpoint diverge).
    settings = hypothesis.settings(
        schema.config.get_hypothesis_settings(phase="stateful"),
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    budget = SETTINGS.budget.stateful_examples
    runs = 0
    while scenarios[0] < budget and runs < 10:
        runs += 1
        failures_before = len(RUN.report.failures)
        try:
            CphStateMachine.run(settings=hypothesis.settings(settings, max_examples=budget - scenarios[0]))
            break
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # As in test_api: a step without a complete answer is reported under cph_connection, not as a crash.
            RUN.report.record(
                CONNECTION_CHECK,
                "stateful scenario",
                FailureRecord(
                    check=CONNECTION_CHECK,
                    operation="stateful scenario",
                    title="connection closed without a complete answer",
                    message=RUN.redactor.text(f"{type(exc).__name__}: {exc}"),
                    status=None,
                    response="",
                    curl="",
                ),
            )
            break
        except hypothesis.errors.Flaky:
            # Hypothesis replays choice sequences and expects the same answers; a live endpoint's jobs and server
            # states move on, so replays can diverge. Every check failure is recorded when it happens, so a
            # divergence without a new recorded failure is not a finding: continue with new scenarios.
            new = list(RUN.report.failures.values())[failures_before:]
            if new:
                pytest.fail(
                    "stateful scenario failed (not replayable against the live endpoint): "
                    + "; ".join(f"[{f.check}] {f.operation}: {f.title}" for f in new)
                )
    if runs > 1:
        RUN.report.note(
            f"stateful: {scenarios[0]} scenarios in {runs} Hypothesis runs (a run ends early when a scenario cannot "
            "be replayed because the endpoint's state moved on)"
        )


def _undeclared() -> list[tuple[str, str]]:
    declared: dict[str, set[str]] = {}
    for path, item in load_spec(SETTINGS.profile)["paths"].items():
        declared[path] = {method.upper() for method in item if method in {"get", "put", "post", "delete", "patch"}}
    return [
        (method, path)
        for path, methods in declared.items()
        for method in ("GET", "PUT", "POST", "DELETE", "PATCH")
        if method not in methods
    ]


@pytest.mark.skipif(
    not rules.applies("cph_unsupported_method", SETTINGS.profile), reason="strict profile only (our decision)"
)
@pytest.mark.parametrize(("method", "path"), _undeclared())
def test_unsupported_method(method: str, path: str, target: Target) -> None:
    """Every undeclared method on every path: 404 APIGW.0101 with X-Request-Id, like the real gateway (not 405).

    Runs whatever the phases, so the rule is always covered; the coverage phase repeats it with generated data.
    """
    url = path.format(project_id=target.project_id, job_id=secrets.token_hex(16))
    label = f"{method} {path}"
    if SETTINGS.dry_run:
        request = httpx.Request(method, target.base_url + url)
        signed = next(target.auth.sync_auth_flow(request))
        RUN.report.record_dry_run(label, RUN.redactor.curl(method, str(signed.url), dict(signed.headers), None))
        return
    RUN.limiter()
    with _client(target) as client:
        response = transient.send(client, method, url)
    body: Any
    try:
        body = response.json()
    except json.JSONDecodeError:
        body = None
    code = body.get("error_code") if isinstance(body, dict) else None
    problems = []
    if response.status_code != 404 or load_catalog().canonical_code(str(code)) != "APIGW.0101":
        problems.append(f"answered HTTP {response.status_code} with error_code {code!r}, expected 404 APIGW.0101")
    if not response.headers.get("x-request-id"):
        problems.append("no X-Request-Id header")
    failure = None
    if problems:
        failure = FailureRecord(
            check="cph_unsupported_method",
            operation=label,
            title="undeclared method not answered with 404 APIGW.0101",
            message="; ".join(problems),
            status=response.status_code,
            response=RUN.redactor.text(response.text[:2000]),
            curl=RUN.redactor.curl(method, str(response.request.url), dict(response.request.headers), None),
        )
    RUN.report.record("cph_unsupported_method", label, failure)
    assert not problems, f"{label}: " + "; ".join(problems)


MALFORMED_BODIES = {
    "empty": b"",
    "truncated": b'{"server_ids": [',
    "not-json": b"restart everything",
    "not-utf8": b'{"server_ids": ["\xff\xfe"]}',
    "json-array": b"[]",
    "json-string": b'"server_ids"',
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_restart_body(body: bytes, target: Target, session: requests.Session) -> None:
    """Bodies schemathesis never generates (it always sends well-formed JSON): each must be refused with a
    documented 4xx — never a 5xx — and nothing restarted. Judged by all checks, like a generated case."""
    if "RestartCloudPhoneServer" not in SETTINGS.operations_under_test:
        pytest.skip("RestartCloudPhoneServer is not tested")
    operation = schema["/v1/{project_id}/cloud-phone/servers/batch-restart"]["POST"]
    case = operation.Case(path_parameters={"project_id": target.project_id})
    schema.auth.set(case, AuthContext(operation=operation, app=None))  # our signer, as for generated cases
    headers = {"Content-Type": "application/json"}
    if SETTINGS.dry_run:
        request = requests.Request("POST", target.base_url + case.formatted_path, headers=headers, data=body)
        prepared = session.prepare_request(request)
        RUN.report.record_dry_run(operation.label, dryrun.signed_curl(prepared, target, RUN))
        return
    response = case.call(base_url=target.base_url, session=session, headers=headers, data=body)
    case.validate_response(response, headers=headers)
    assert 400 <= response.status_code < 500, f"a malformed body was answered with HTTP {response.status_code}"


def test_list_jobs_requires_a_request_id(target: Target, session: requests.Session) -> None:
    """ListJobs without request_id and request_ids: 400 CPS.9003. Both parameters are optional in the schema (one
    of the two is required), so schemathesis never sends this request by itself."""
    operation = schema["/v1/{project_id}/cloud-phone/jobs"]["GET"]
    case = operation.Case(path_parameters={"project_id": target.project_id}, query={"limit": 10})
    schema.auth.set(case, AuthContext(operation=operation, app=None))
    if SETTINGS.dry_run:
        request = requests.Request("GET", target.base_url + case.formatted_path, params=case.query)
        RUN.report.record_dry_run(operation.label, dryrun.signed_curl(session.prepare_request(request), target, RUN))
        return
    RUN.limiter()
    response = case.call(base_url=target.base_url, session=session)
    case.validate_response(response)
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("error_code") if isinstance(body, dict) else None
    if SETTINGS.profile == "strict":
        assert (response.status_code, code) == (400, "CPS.9003"), (
            f"ListJobs without a request ID answered HTTP {response.status_code} {code!r}, expected 400 CPS.9003 "
            "(profile strict: the code is our decision)"
        )
    else:
        assert 400 <= response.status_code < 500, (
            f"ListJobs without a request ID answered HTTP {response.status_code} {code!r}; the provider requires "
            "one of request_id / request_ids, so expected a 4xx (profile provider)"
        )


@pytest.mark.usefixtures("target")
def test_restart_jobs_reach_terminal_status() -> None:
    """Every job a restart accepted during the run ends (status 2 or -1, via ShowJob) within --job-timeout, and
    ListJobs by the restart's request_id lists it. Runs last (see conftest)."""
    if SETTINGS.dry_run:
        pytest.skip("dry run: no job was created")
    if "RestartCloudPhoneServer" not in SETTINGS.operations_under_test:
        pytest.skip("RestartCloudPhoneServer was not tested")
    if not RUN.jobs.pending():
        if not RUN.jobs.jobs:
            RUN.report.note("no restart job was accepted during the run, so no job could be followed")
        return
    problems = poll_jobs(RUN)
    assert not problems, "\n".join(problem.message for problem in problems)
