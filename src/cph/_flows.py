"""Every operation of the façade, written once for both clients: restart, wait, show and list jobs, list servers.

Why generators: each function here is a *flow* (see :mod:`cph._effects`) — it decides nothing itself (that is
:class:`cph._engine.Engine`) and performs no I/O (that is the driver, blocking or asyncio); it sequences the two:
send a request, ask the engine what the answer means, sleep before resending, run batches side by side, page
through a listing. A sub-flow is called with ``yield from``; several run concurrently through :class:`Gather`.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import httpx

from cph._batching import page_size, plan_ids
from cph._effects import Flow, Gather, Operation, Send, Sleep
from cph._engine import LIST_JOBS, LIST_SERVERS, SHOW_JOB, Answer, Engine, ProgressCallback, Retry, Run
from cph._errors import CphError
from cph._jobs import JobInfo, JobTracker, poll_delays
from cph._results import Ledger, Outcome, RestartResult
from cph_api.api.jobs import list_jobs as list_jobs_api
from cph_api.api.jobs import show_job as show_job_api
from cph_api.api.servers import list_cloud_phone_servers as list_servers_api
from cph_api.api.servers import restart_cloud_phone_server as restart_api
from cph_api.models import (
    ListCloudPhoneServersResponse,
    ListJobsResponse,
    RestartCloudPhoneServerRequestBody,
    Server,
    ShowJobResponse,
)
from cph_api.models.server_status import ServerStatus, check_server_status
from cph_api.types import UNSET, Response, Unset

__all__ = [
    "capture",
    "capture_async",
    "list_jobs",
    "list_servers",
    "restart",
    "show_job",
    "wait",
]

_T = TypeVar("_T")

_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)
"""What the generated parsers raise on a body that does not match the spec (or an HTTP status ``HTTPStatus``
does not know)."""

_VERIFY_ONE_BY_ONE = 10
"""Up to this many unknown servers are verified with one filtered ListCloudPhoneServers call each; more, by listing
the fleet page by page."""


# --------------------------------------------------------------------------------- capturing the raw response
_captured: contextvars.ContextVar[list[httpx.Response] | None] = contextvars.ContextVar("cph_captured", default=None)
"""Why: the generated parsers raise on a body that does not match the spec (a proxy's HTML 502, an undocumented job
status) and the response is then lost with them. An httpx response hook (:func:`capture`, installed by both
clients) keeps it in a per-call box (a context variable: per thread, per asyncio task; `_send` sets it in the
same thread or task that its driver then sends from), so such an answer is still classified by its status."""


def capture(response: httpx.Response) -> None:
    box = _captured.get()
    if box is not None:
        box.append(response)


async def capture_async(response: httpx.Response) -> None:
    capture(response)


# ----------------------------------------------------------------------------------------------- requests
def _send(engine: Engine, operation: Operation, kwargs: dict[str, Any]) -> Flow[Answer | Exception]:
    """One attempt, paced by the rate limit: its answer (parsed or not), or the transport error it ended in."""
    if engine.limiter is not None:
        delay = engine.limiter.reserve()
        if delay > 0:
            yield Sleep(delay)
    box: list[httpx.Response] = []
    token = _captured.set(box)
    try:
        response: Response[Any] = yield Send(operation, kwargs)
        return Answer.from_generated(response)
    except httpx.HTTPError as exc:
        return exc
    except _PARSE_ERRORS as exc:
        if not box:
            raise
        return Answer.unparsed(box[-1], exc)
    finally:
        _captured.reset(token)


def _read(engine: Engine, name: str, operation: Operation, kwargs: dict[str, Any], success: type[_T]) -> Flow[_T]:
    """An idempotent read, resent as the engine decides; its parsed answer, or the engine's error."""
    attempt = 0
    while True:
        attempt += 1
        outcome = yield from _send(engine, operation, kwargs)
        step = engine.read_step(name, attempt, outcome, success)
        if not isinstance(step, Retry):
            return step
        yield Sleep(step.delay)


def _gather(flows: list[Flow[_T]], stop: threading.Event | None = None) -> Flow[list[_T]]:
    """The flows side by side (:class:`Gather`); a single one inline, sparing the common one-batch case a round trip
    through the driver (which would run it inline too)."""
    if len(flows) == 1:
        return [(yield from flows[0])]
    results: list[_T] = yield Gather(flows, stop)
    return results


# ------------------------------------------------------------------------------------------------ restart
def restart(
    engine: Engine,
    server_ids: Iterable[str],
    *,
    wait: bool,
    wait_timeout: float | None,
    poll_interval: float,
    max_poll_interval: float,
    reconcile: bool,
    verify_unknown: bool,
    on_progress: ProgressCallback | None,
) -> Flow[RestartResult]:
    """The flow of :meth:`cph.CphClient.restart` (documented there)."""
    plan = plan_ids(server_ids)
    run = Run(Ledger(plan.unique), len(plan.unique), on_progress)
    engine.reject_invalid(run, plan.invalid)
    run.report()
    yield from _gather([_restart_batch(engine, run, batch) for batch in plan.batches()], stop=run.abort)
    timed_out = False
    if run.fatal is None:
        try:
            if wait:
                timed_out = yield from _follow(
                    engine, run, wait_timeout, poll_interval, max_poll_interval, reconcile=reconcile
                )
            elif reconcile and run.probes:
                yield from _poll(engine, run, engine.tracker_for(run, include_running=False))
            if verify_unknown:
                yield from _verify_unknown(engine, run)
        except CphError as exc:
            exc.result = run.ledger.result(waited=wait)
            raise
    return engine.finish(run, waited=wait, timed_out=timed_out)


def _restart_batch(engine: Engine, run: Run, batch: list[str]) -> Flow[None]:
    body = RestartCloudPhoneServerRequestBody(server_ids=batch)
    attempt = 0
    while True:
        if run.abort.is_set():
            engine.skip_batch(run, batch)
            return
        attempt += 1
        outcome = yield from _send(engine, restart_api, {"project_id": engine.project_id, "body": body})
        step = engine.restart_step(run, batch, attempt, outcome)
        if step is None:
            return
        yield Sleep(step.delay, interrupt=run.abort)


def _verify_unknown(engine: Engine, run: Run) -> Flow[None]:
    unknown = [entry.server_id for entry in run.ledger.with_outcome(Outcome.UNKNOWN)]
    if not unknown:
        return
    servers: list[Server] = []
    if len(unknown) <= _VERIFY_ONE_BY_ONE:
        for server_id in unknown:
            servers.extend((yield from list_servers(engine, server_id=server_id)))
    else:
        servers = yield from list_servers(engine)
    wanted = set(unknown)
    for server in servers:
        if server.server_id in wanted:
            run.ledger.annotate(server.server_id, server_status=int(server.status))


# --------------------------------------------------------------------------------------------------- jobs
def wait(
    engine: Engine,
    result: RestartResult,
    *,
    wait_timeout: float | None,
    poll_interval: float,
    max_poll_interval: float,
    on_progress: ProgressCallback | None,
) -> Flow[RestartResult]:
    """The flow of :meth:`cph.CphClient.wait` (documented there)."""
    run = Run.from_result(result, on_progress)
    try:
        timed_out = yield from _follow(engine, run, wait_timeout, poll_interval, max_poll_interval)
    except CphError as exc:
        exc.result = run.ledger.result(waited=True)
        raise
    return engine.finish(run, waited=True, timed_out=timed_out)


def _follow(
    engine: Engine, run: Run, timeout: float | None, interval: float, maximum: float, *, reconcile: bool = True
) -> Flow[bool]:
    """Poll until every job ended; return whether ``timeout`` stopped it first."""
    engine.start_wait_phase(run)
    tracker = engine.tracker_for(run, include_running=True, include_probes=reconcile)
    deadline = None if timeout is None else time.monotonic() + timeout
    for delay in poll_delays(interval, maximum):
        yield from _poll(engine, run, tracker)
        run.report()
        if tracker.done:
            return False
        pause = delay
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            pause = min(delay, remaining)
        yield Sleep(pause)
    return False  # pragma: no cover - poll_delays never ends


def _poll(engine: Engine, run: Run, tracker: JobTracker) -> Flow[None]:
    jobs = yield from _list_job_groups(engine, tracker)
    engine.apply_jobs(run, tracker, jobs)


def _list_job_groups(engine: Engine, tracker: JobTracker) -> Flow[list[JobInfo]]:
    """Every job of the tracker's queries, the groups listed side by side."""
    groups = tracker.queries(engine.concurrency)
    pages = yield from _gather([_list_jobs_group(engine, group) for group in groups])
    return [job for page in pages for job in page]


def _list_jobs_group(engine: Engine, request_ids: Sequence[str]) -> Flow[list[JobInfo]]:
    jobs: list[JobInfo] = []
    offset, limit = 0, page_size()
    joined = ",".join(request_ids)
    while True:
        kwargs = {"project_id": engine.project_id, "request_ids": joined, "offset": offset, "limit": limit}
        answer = yield from _read(engine, LIST_JOBS, list_jobs_api, kwargs, ListJobsResponse)
        page, more = _list_jobs_page(answer, offset, limit)
        jobs.extend(page)
        if not more:
            return jobs
        offset += len(page)


def show_job(engine: Engine, job_id: str) -> Flow[JobInfo]:
    """The flow of :meth:`cph.CphClient.show_job` (documented there)."""
    kwargs = {"project_id": engine.project_id, "job_id": job_id}
    answer = yield from _read(engine, SHOW_JOB, show_job_api, kwargs, ShowJobResponse)
    return JobInfo.from_model(answer)


def list_jobs(engine: Engine, request_ids: Sequence[str]) -> Flow[list[JobInfo]]:
    """The flow of :meth:`cph.CphClient.list_jobs` (documented there)."""
    tracker = JobTracker()
    for request_id in dict.fromkeys(request_ids):
        tracker.probe(request_id, ())
    return (yield from _list_job_groups(engine, tracker))


def _list_jobs_page(answer: ListJobsResponse, offset: int, limit: int) -> tuple[list[JobInfo], bool]:
    """The page's jobs and whether more pages follow (by ``count`` when sent, else by a full page)."""
    jobs = [JobInfo.from_model(job) for job in answer.jobs]
    if isinstance(answer.count, int):
        more = offset + len(answer.jobs) < answer.count and len(answer.jobs) > 0
    else:
        more = len(answer.jobs) >= limit
    return jobs, more


# ------------------------------------------------------------------------------------------------ servers
def list_servers(
    engine: Engine,
    *,
    status: int | None = None,
    server_id: str | None = None,
    server_name: str | None = None,
    limit: int | None = None,
) -> Flow[list[Server]]:
    """The flow of :meth:`cph.CphClient.list_servers` (documented there)."""
    servers: list[Server] = []
    offset, size = 0, page_size()
    checked_status: ServerStatus | Unset = UNSET if status is None else check_server_status(status)
    while limit is None or len(servers) < limit:
        page_limit = size if limit is None else min(size, limit - len(servers))
        kwargs = {
            "project_id": engine.project_id,
            "offset": offset,
            "limit": page_limit,
            "status": checked_status,
            "server_id": _opt(server_id),
            "server_name": _opt(server_name),
        }
        answer = yield from _read(engine, LIST_SERVERS, list_servers_api, kwargs, ListCloudPhoneServersResponse)
        page, more = _server_page(answer, offset)
        servers.extend(page)
        if not more:
            break
        offset += len(page)
    return servers


def _server_page(answer: ListCloudPhoneServersResponse, offset: int) -> tuple[list[Server], bool]:
    servers = list(answer.servers)
    return servers, offset + len(servers) < answer.count and len(servers) > 0


def _opt(value: _T | None) -> _T | Unset:
    return UNSET if value is None else value
