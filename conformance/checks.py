"""CPH-specific checks, registered with schemathesis (``@schemathesis.check``) so they run on every response of
every phase, next to the built-in checks, and are counted and reported the same way.

Each check states one rule of the spec's descriptions or the error catalog that JSON Schema cannot express:

* ``cph_request_id`` — every answer carries exactly one ``X-Request-Id``, equal to the body's ``request_id``.
* ``cph_error_catalog`` — every ``error_code`` (top level and per job) is in the catalog, with this HTTP status
  (per-job codes: the catalog's status-200 ``job`` entries), its exact message (gateway detail after a colon
  allowed), and documented for this operation.
* ``cph_server_jobs`` — a 200 restart lists one job per distinct requested server, in first-occurrence order, and
  none for a server that was not requested.
* ``cph_job_entries`` — an accepted entry has ``job_id`` and no error fields; a rejected one has ``error_code``
  and ``error_msg`` and no ``job_id``.
* ``cph_job_ids_unique`` — a job ID never appears twice, within a response or across the run.
* ``cph_unsupported_method`` — replaces schemathesis' ``unsupported_method``, which expects 405: Huawei's API
  gateway answers a method an API does not declare exactly like an unknown path, 404 ``APIGW.0101`` (the spec's
  decision, documented on ``ApiNotFound``). Expecting 405 would fail every correct endpoint.
* ``cph_jobs_terminate`` — records every accepted job; they are polled (ShowJob) until they reach status 2 or -1
  within a budget by the suite's last test (and by ``after_run`` when that test did not run). See
  :mod:`conformance.jobs`.

schemathesis' convention for a check's return value: ``None`` means "ran and passed", ``True`` means "did not
apply, skip" (then it is not counted). The CPH checks return :data:`PASSED` / :data:`NOT_APPLICABLE` so the
report's pass counts are counts of responses the rule actually judged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, CheckFunction, Response
from schemathesis.core.failures import Failure
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

from conformance import run as run_state
from conformance.jobs import AcceptedJob
from conformance.polling import poll_jobs
from conformance.rules import ID32
from conformance.transient import RETRIES, TRANSIENT_STATUSES
from cph import Catalog, load_catalog

CONNECTION_CHECK = "cph_connection"
"""Not a schemathesis check: recorded when a request got no complete answer (connection closed or reset)."""
TRANSIENT_CHECK = "cph_transient"
PASSED = None
NOT_APPLICABLE = True
RESTART = "RestartCloudPhoneServer"
API_NOT_FOUND = "APIGW.0101"


class CphCheckFailed(Failure):
    """A CPH rule was broken. One distinct failure per check, operation and title."""

    code = "CPH"
    kind_title = "CPH rule broken"

    @property
    def _unique_key(self) -> str:
        return self.title or ""


def _fail(case: Case[Any], title: str, message: str) -> CphCheckFailed:
    return CphCheckFailed(operation=case.operation.label, title=title, message=message)


def operation_id(case: Case[Any]) -> str | None:
    raw = case.operation.definition.raw
    value = raw.get("operationId") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _catalog() -> Catalog:
    return load_catalog()


def _sent_json(response: Response) -> Any:
    body = response.request.body
    if not isinstance(body, bytes | str):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


@schemathesis.check
def cph_transient(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A documented transient answer (catalog ``retryable: yes``) that persisted through every resend."""
    if response.status_code in TRANSIENT_STATUSES:
        body = _json(response)
        code = body.get("error_code") if isinstance(body, dict) else None
        raise _fail(
            case,
            f"transient answer persisted: HTTP {response.status_code}",
            f"HTTP {response.status_code} {code!r} was still the answer after {RETRIES} resends with backoff; "
            "a transient answer that does not go away is an outage (or a throttle far below the documented one)",
        )
    return PASSED


@schemathesis.check
def cph_request_id(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """X-Request-Id: present once on every answer; equal to the body's request_id where the body has one."""
    values = response.headers.get("x-request-id") or []
    if len(values) != 1 or not values[0]:
        raise _fail(
            case,
            "X-Request-Id header missing" if not values else "X-Request-Id header repeated",
            f"HTTP {response.status_code} carries {len(values)} X-Request-Id header(s); the spec requires exactly one "
            "on every response (the official SDK reads an error's request ID only from it).",
        )
    body = _json(response)
    if isinstance(body, dict) and "request_id" in body and body["request_id"] != values[0]:
        raise _fail(
            case,
            "X-Request-Id differs from the body's request_id",
            f"X-Request-Id: {values[0]!r}, body request_id: {body['request_id']!r}",
        )
    return PASSED


def _check_code(
    case: Case[Any], catalog: Catalog, code: object, message: object, status: int, where: str, *, strict: bool
) -> CphCheckFailed | None:
    """``strict``: every code in the catalog with this status, message and operation. Otherwise (the provider
    profile) only codes the provider documents are judged — their documented status and message — since the
    provider's list is known to be incomplete."""
    if not isinstance(code, str) or not isinstance(message, str):
        if not strict and code is None and message is None:
            return None
        return _fail(case, f"{where}: error_code/error_msg missing or not strings", f"{code!r} / {message!r}")
    every = [e for e in catalog if e.code == catalog.canonical_code(code)]
    # provider: a (code, status) row of any source is a known pairing (a documented code we use for a situation
    # the provider is silent on); only a documented code at a status none of its rows has is wrong
    entry = next((e for e in every if e.status == status), None)
    entries = every if strict else [e for e in every if e.source == "doc" or e is entry]
    if entry is None and not strict and status == 200:
        # A per-job error: the provider documents codes, not per-job statuses; judge the message only.
        entry = next((e for e in entries if e.matches_message(message)), entries[0] if entries else None)
    if entry is None:
        known = sorted({e.status for e in entries})
        if known:
            return _fail(
                case,
                f"{where}: {code} comes with the wrong HTTP status",
                f"{code} is documented with HTTP {', '.join(map(str, known))}, got {status}",
            )
        if not strict:
            return None
        return _fail(case, f"{where}: error code not in the catalog", f"{code} ({message!r}) is not in the catalog")
    if not entry.matches_message(message):
        return _fail(
            case,
            f"{where}: error_msg does not match the catalog",
            f"{code}: expected {entry.message!r} (optionally with ': detail'), got {message!r}",
        )
    op = operation_id(case)
    if strict and op is not None and not entry.applies_to(op) and not _is_unexpected_method(case):
        return _fail(
            case, f"{where}: {code} is not documented for {op}", f"the catalog lists {code} for {entry.operations}"
        )
    return None


def _error_codes(response: Response, case: Case[Any], *, strict: bool) -> bool | None:
    catalog = _catalog()
    body = _json(response)
    status = response.status_code
    if status >= 400:
        if not isinstance(body, dict) or "error_code" not in body:
            if not strict:
                return NOT_APPLICABLE  # the provider documents no body for every gateway answer
            raise _fail(case, "error answer without a CPH error body", f"HTTP {status}: {response.content[:200]!r}")
        failure = _check_code(
            case, catalog, body.get("error_code"), body.get("error_msg"), status, "top-level", strict=strict
        )
        if failure is not None:
            raise failure
        return PASSED
    if status != 200 or not isinstance(body, dict):
        return NOT_APPLICABLE
    op = operation_id(case)
    checked = False
    if op == RESTART:
        for index, job in enumerate(body.get("jobs") or []):
            if isinstance(job, dict) and (job.get("error_code") or job.get("error_msg")):
                checked = True
                failure = _check_code(
                    case, catalog, job.get("error_code"), job.get("error_msg"), 200, f"jobs[{index}]", strict=strict
                )
                if failure is not None:
                    raise failure
    elif op in {"ShowJob", "ListJobs"}:
        jobs = [body] if op == "ShowJob" else [j for j in body.get("jobs") or [] if isinstance(j, dict)]
        for job in jobs:
            if job.get("error_code") or job.get("error_msg"):
                checked = True
                failure = _check_job_failure(case, catalog, job.get("error_code"), job.get("error_msg"), strict=strict)
                if failure is not None:
                    raise failure
    return PASSED if checked else NOT_APPLICABLE


@schemathesis.check
def cph_error_catalog(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Error codes the provider documents come with their documented status and message."""
    return _error_codes(response, case, strict=False)


@schemathesis.check
def cph_error_catalog_strict(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every error code: in the catalog, with this status and message, documented for this operation."""
    return _error_codes(response, case, strict=True)


def _check_job_failure(
    case: Case[Any], catalog: Catalog, code: object, message: object, *, strict: bool
) -> CphCheckFailed | None:
    """A failed job's error (ShowJob/ListJobs): a catalog code with one of its messages (the job's HTTP status is
    not the request's, so any of the code's entries will do)."""
    if not isinstance(code, str) or not isinstance(message, str) or not code or not message:
        return _fail(case, "failed job: error_code/error_msg incomplete", f"{code!r} / {message!r}")
    entries = [e for e in catalog if e.code == catalog.canonical_code(code) and (strict or e.source == "doc")]
    if not entries:
        if not strict:
            return None
        return _fail(case, "failed job: error code not in the catalog", f"{code} ({message!r})")
    if not any(entry.matches_message(message) for entry in entries):
        expected = " or ".join(repr(e.message) for e in entries)
        return _fail(case, "failed job: error_msg does not match the catalog", f"{code}: expected {expected}")
    return None


def _restart_jobs(response: Response, case: Case[Any]) -> tuple[dict[str, Any], list[Any]] | None:
    """The body of a 200 restart answer and its ``jobs`` list; ``None`` when there is none to judge."""
    if response.status_code != 200 or operation_id(case) != RESTART:
        return None
    body = _json(response)
    jobs = body.get("jobs") if isinstance(body, dict) else None
    if not isinstance(jobs, list):
        return None
    return body, jobs


def _requested_and_answered(response: Response, case: Case[Any]) -> tuple[list[str], list[Any]] | None:
    found = _restart_jobs(response, case)
    sent = _sent_json(response)
    if found is None or not isinstance(sent, dict) or not isinstance(sent.get("server_ids"), list):
        return None
    requested = list(dict.fromkeys(str(item) for item in sent["server_ids"]))
    return requested, [job.get("server_id") if isinstance(job, dict) else None for job in found[1]]


def _server_jobs_check(judge: Callable[[Case[Any], list[str], list[Any]], None]) -> CheckFunction:
    """Register ``judge`` (raises on a broken rule) as a check of a 200 restart answer's ``jobs`` against the request.

    Why a decorator: both rules about ``jobs`` look at the same pairing of requested and answered servers, and apply
    to nothing else; ``judge`` sees only that pairing.
    """

    def check(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        found = _requested_and_answered(response, case)
        if found is None:
            return NOT_APPLICABLE
        judge(case, *found)
        return PASSED

    check.__name__ = check.__qualname__ = judge.__name__  # the check's name in reports and rules
    check.__doc__ = judge.__doc__
    return schemathesis.check(check)


@_server_jobs_check
def cph_server_jobs(case: Case[Any], requested: list[str], answered: list[Any]) -> None:
    """An entry for every requested server, none for a server that was not requested."""
    extra = [server for server in answered if server not in requested]
    if extra:
        raise _fail(case, "job for a server that was not requested", f"not requested: {extra}")
    missing = [server for server in requested if server not in answered]
    if missing:
        raise _fail(
            case, "requested server without an entry", f"{len(missing)} of {len(requested)} missing: {missing[:5]}"
        )


@_server_jobs_check
def cph_server_jobs_order(case: Case[Any], requested: list[str], answered: list[Any]) -> None:
    """One entry per distinct server, in first-occurrence order (our decision for duplicates and order)."""
    duplicated = sorted({s for s in answered if answered.count(s) > 1}, key=str)
    if duplicated:
        raise _fail(case, "several entries for one server", f"servers answered more than once: {duplicated}")
    if answered != requested and set(answered) == set(requested):
        raise _fail(case, "entries not in request order", f"requested {requested}, answered {answered}")


@schemathesis.check
def cph_job_entries(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Accepted: job_id and no error fields. Rejected: error_code and error_msg and no job_id."""
    found = _restart_jobs(response, case)
    if found is None:
        return NOT_APPLICABLE
    for index, job in enumerate(found[1]):
        if not isinstance(job, dict):
            raise _fail(case, "job entry is not an object", f"jobs[{index}] = {job!r}")
        has_job, has_code, has_msg = "job_id" in job, "error_code" in job, "error_msg" in job
        if has_job and (has_code or has_msg):
            raise _fail(case, "accepted job carries error fields", f"jobs[{index}] = {job!r}")
        if not has_job and not (has_code and has_msg):
            raise _fail(
                case, "rejected job without error_code and error_msg", f"jobs[{index}] = {job!r} (or job_id missing)"
            )
        if has_job and not (isinstance(job["job_id"], str) and ID32.fullmatch(job["job_id"])):
            raise _fail(case, "job_id is not a 32-hex ID", f"jobs[{index}].job_id = {job['job_id']!r}")
    return PASSED


@schemathesis.check
class cph_job_ids_unique:
    """No job ID is handed out twice: not within one response, not across responses of the run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[str, tuple[str, str]] = {}

    def after_response(self, _ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        found = _restart_jobs(response, case)
        if found is None:
            return NOT_APPLICABLE
        body, jobs = found
        request_id = str(body.get("request_id"))
        seen: set[str] = set()
        for job in jobs:
            job_id = job.get("job_id") if isinstance(job, dict) else None
            if not isinstance(job_id, str):
                continue
            if job_id in seen:
                raise _fail(case, "job ID repeated within a response", f"{job_id} appears twice")
            seen.add(job_id)
            owner = (request_id, str(job.get("server_id")))
            with self._lock:
                previous = self._owners.setdefault(job_id, owner)
            if previous != owner:
                raise _fail(
                    case,
                    "job ID reused across responses",
                    f"{job_id} was first given to server {previous[1]} in request {previous[0]}, now to server "
                    f"{owner[1]} in request {owner[0]}",
                )
        return PASSED


def _is_unexpected_method(case: Case[Any]) -> bool:
    meta = case.meta
    return (
        meta is not None
        and isinstance(meta.phase.data, CoveragePhaseData)
        and meta.phase.data.scenario == CoverageScenario.UNSPECIFIED_HTTP_METHOD
    )


@schemathesis.check
def cph_unsupported_method(_ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """An undeclared method gets the gateway's answer for "no such API": 404 APIGW.0101 (not 405)."""
    if not _is_unexpected_method(case) or response.request.method in {"HEAD", "OPTIONS"}:
        return NOT_APPLICABLE
    if response.status_code == 429:
        return NOT_APPLICABLE  # throttled before routing; says nothing about the method
    body = _json(response)
    code = body.get("error_code") if isinstance(body, dict) else None
    if response.status_code != 404 or _catalog().canonical_code(str(code)) != API_NOT_FOUND:
        raise _fail(
            case,
            "undeclared method not answered with 404 APIGW.0101",
            f"{response.request.method} {case.operation.path} answered HTTP {response.status_code} with error_code "
            f"{code!r}; Huawei's API gateway answers an undeclared method like an unknown API: 404 APIGW.0101",
        )
    return PASSED


@schemathesis.check
class cph_jobs_terminate:
    """Records every accepted restart job for the terminal-status poll (see :mod:`conformance.jobs`)."""

    def after_response(self, _ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        found = _restart_jobs(response, case)
        run = run_state.active()
        if run is None or found is None:
            return NOT_APPLICABLE
        body, jobs = found
        project_id = (case.path_parameters or {}).get("project_id")
        for job in jobs:
            if isinstance(job, dict) and isinstance(job.get("job_id"), str) and ID32.fullmatch(job["job_id"]):
                run.jobs.record(
                    AcceptedJob(
                        job_id=job["job_id"],
                        server_id=str(job.get("server_id")),
                        request_id=str(body.get("request_id")),
                        project_id=str(project_id),
                        seen_at=time.monotonic(),
                    )
                )
        # Not a verdict yet: the poll reports under this check's name.
        return NOT_APPLICABLE

    def after_run(self, _ctx: CheckContext) -> None:
        run = run_state.active()
        if run is None or not run.jobs.pending():
            return
        problems = poll_jobs(run)
        if problems:
            raise AssertionError("\n".join(problem.message for problem in problems))


CPH_CHECKS = (
    "cph_transient",
    "cph_request_id",
    "cph_error_catalog",
    "cph_error_catalog_strict",
    "cph_server_jobs",
    "cph_server_jobs_order",
    "cph_job_entries",
    "cph_job_ids_unique",
    "cph_unsupported_method",
    "cph_jobs_terminate",
)
"""The CPH checks registered with schemathesis (each has a rule in :mod:`conformance.rules`)."""
