"""What a CPH client does — every operation and every decision — written once, with no I/O.

Why this shape (httpx's own ``Auth.auth_flow`` pattern, "sans-I/O"): the blocking and the asyncio client must
behave identically, and used to be two copies of every operation that differed only by ``await``. Here each
operation is a generator (a *flow*) that yields an *effect* — :class:`Send` (an HTTP request), :class:`Sleep` or
:class:`Gather` (sub-flows side by side) — and is resumed with its result, or has the exception performing it raised
thrown in at the ``yield``. :mod:`cph._client` holds the two small drivers that perform effects; nothing else
differs between the clients. A test can drive a flow by hand (``flow.send(response)``) without any HTTP.

Read it top-down: the effects; :class:`Answer` and the per-call state :class:`Run`; :class:`Engine`, the pure
decisions (what an answer means, what to record, whether to send again — backed by :mod:`cph._retry`,
:mod:`cph._results` and :mod:`cph._jobs`); then the flows: ``restart``, ``wait``, ``show_job``, ``list_jobs``,
``list_servers``.

Requests are built with the generated client's own request builder and parsed with its own parser (each generated
operation module's ``_get_kwargs`` and ``_parse_response``), so paths, parameters and models stay the spec's.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, TypeAlias, TypeVar

import httpx

import cph_api
from cph import __version__
from cph._batching import RateLimiter, id_problem, page_size, plan_ids, throttle_limit
from cph._catalog import Catalog, load_catalog
from cph._endpoint import Credentials, auth_for, check_endpoint, credentials_from_env, endpoint_for_region, secrets_of
from cph._errors import CphError, ThrottledError, TransportError, UnexpectedResponseError, error_from_response, redact
from cph._jobs import JobInfo, JobTracker
from cph._results import Ledger, Outcome, Progress, RestartResult, ResultCallback, ServerResult
from cph._retry import (
    Decision,
    RetryPolicy,
    decide_for_error,
    decide_for_exception,
    is_fatal,
    may_have_been_sent,
    retry_after,
)
from cph_api.api.jobs import list_jobs as list_jobs_api
from cph_api.api.jobs import show_job as show_job_api
from cph_api.api.servers import list_cloud_phone_servers as list_servers_api
from cph_api.api.servers import restart_cloud_phone_server as restart_api
from cph_api.models import (
    ListCloudPhoneServersResponse,
    ListJobsResponse,
    RestartCloudPhoneServerRequestBody,
    RestartCloudPhoneServerResponse,
    Server,
    ShowJobResponse,
)
from cph_api.types import UNSET, Unset

__all__ = [
    "LOGGER",
    "Answer",
    "Engine",
    "Flow",
    "Gather",
    "Run",
    "Send",
    "Sleep",
    "list_jobs",
    "list_servers",
    "restart",
    "show_job",
    "wait",
]

LOGGER = logging.getLogger("cph")
LOGGER.addHandler(logging.NullHandler())  # a library does not print unless the application configures logging

ProgressCallback = Callable[[Progress], None]

_T = TypeVar("_T")

RESTART = "RestartCloudPhoneServer"
SHOW_JOB = "ShowJob"
LIST_JOBS = "ListJobs"
LIST_SERVERS = "ListCloudPhoneServers"

_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)
"""What the generated parsers raise on a body that does not match the spec (or a status ``HTTPStatus`` lacks)."""

_VERIFY_ONE_BY_ONE = 10
"""Up to this many unknown servers are verified with one filtered ListCloudPhoneServers call each; more, by listing
the fleet page by page."""
_PATH_SEGMENT = re.compile(r"[^/?#%\s]+")
"""What a project ID can be: one URL path segment (the provider documents no format; see :class:`Engine`)."""


# ------------------------------------------------------------------------------------------------------ effects
@dataclass(slots=True)
class Send:
    """Send ``httpx.Client.request(**request)``; resumes the flow with the ``httpx.Response``, or throws in the
    ``httpx`` exception sending raised."""

    request: dict[str, Any]


@dataclass(slots=True)
class Sleep:
    """Pause ``seconds``; resumes the flow with ``None``. ``interrupt``, when set, ends the pause early: a batch
    waiting for its slot or its resend must not outlive a run that was stopped."""

    seconds: float
    interrupt: threading.Event | None = None


@dataclass(slots=True)
class Gather:
    """Run ``flows`` with at most the client's ``concurrency`` at once; resumes the flow with their results, in order.

    If one raises, or the caller is interrupted, ``stop`` is set (so running flows send nothing new), answers in
    flight are collected for a short bound, the rest are stopped, and the error is thrown in.
    """

    flows: Sequence[Flow[Any]]
    stop: threading.Event | None = None


Effect: TypeAlias = Send | Sleep | Gather
Flow: TypeAlias = Generator[Effect, Any, _T]
"""An operation written once: yields effects, is sent their results, returns its own."""


# ---------------------------------------------------------------------------------------------- answers, runs
@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer: status, raw body and headers, and the generated model if the body could be parsed."""

    status: int
    content: bytes
    headers: Mapping[str, str]
    parsed: object | None
    parse_error: str | None = None


@dataclass(slots=True)
class Run:
    """The state of one ``restart`` or ``wait`` call, shared by its concurrent batches (on threads: hence the lock).

    ``unsent`` holds the batches not sent yet (by index): if the run stops, they are reported ``rejected`` —
    not sent — rather than ``unknown``. ``accepted_at`` is when each restart request was answered (for timing polls).
    """

    ledger: Ledger
    total: int
    on_progress: ProgressCallback | None
    deadline: float | None
    waited: bool = False
    started: float = field(default_factory=time.monotonic)
    phase: Literal["restart", "wait"] = "restart"
    unsent: dict[int, list[str]] = field(default_factory=dict)
    probes: dict[str, list[str]] = field(default_factory=dict)
    accepted_at: dict[str, float] = field(default_factory=dict)
    first_poll: float = 2.0
    max_poll: float = 15.0
    fatal: CphError | None = None
    timed_out: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (``None``: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def report(self) -> None:
        """Call ``on_progress`` with the current counts; serialised, so that callers see counts only grow."""
        if self.on_progress is None:
            return
        with self.lock:
            self.on_progress(
                Progress(
                    phase=self.phase,
                    completed=self.ledger.settled(),
                    total=self.total,
                    outcomes=self.ledger.counts(),
                    elapsed=time.monotonic() - self.started,
                )
            )

    def result(self) -> RestartResult:
        """Everything known now; batches never sent are recorded ``rejected`` (not sent) first."""
        reason = "interrupted" if self.fatal is None else str(self.fatal)
        code = None if self.fatal is None else self.fatal.error_code
        while self.unsent:
            try:
                _, batch = self.unsent.popitem()
            except KeyError:  # emptied by a batch starting at this moment
                break
            for server_id in batch:
                self.ledger.record(server_id, Outcome.REJECTED, error_code=code, error_msg=f"not sent: {reason}")
        return self.ledger.result(waited=self.waited, timed_out=self.timed_out)


def _deadline(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if timeout < 0:
        msg = "timeout must not be negative (seconds; None: no deadline)"
        raise ValueError(msg)
    return time.monotonic() + timeout


def new_run(
    server_ids: Iterable[str],
    *,
    timeout: float | None,
    on_result: ResultCallback | None,
    on_progress: ProgressCallback | None,
) -> tuple[Run, list[list[str]]]:
    """The state of a new ``restart`` call and the batches to send."""
    plan = plan_ids(server_ids)
    run = Run(Ledger(plan.unique, on_result), len(plan.unique), on_progress, _deadline(timeout))
    for server_id in plan.invalid:
        # Refused here, not sent: the provider contract forbids it and CPH would refuse its whole batch. No
        # error_code (no service said so), no request_id.
        reason = id_problem(server_id) or "not a server ID"
        run.ledger.record(server_id, Outcome.REJECTED, error_msg=f"not sent: not a server ID ({reason})")
    batches = plan.batches()
    run.unsent = dict(enumerate(batches))
    return run, batches


def resumed_run(
    entries: RestartResult | Iterable[ServerResult],
    *,
    timeout: float | None,
    on_result: ResultCallback | None,
    on_progress: ProgressCallback | None,
) -> Run:
    """The state of a ``wait`` call that continues earlier results (a :class:`RestartResult`, or entries)."""
    result = entries if isinstance(entries, RestartResult) else RestartResult.from_entries(entries)
    ledger = Ledger(entry.server_id for entry in result)
    run = Run(ledger, len(result), on_progress, _deadline(timeout), waited=True)
    for entry in result:
        evidence = {
            "job_id": entry.job_id,
            "error_code": entry.error_code,
            "error_msg": entry.error_msg,
            "request_id": entry.request_id,
            "server_status": entry.server_status,
        }
        if entry.outcome is Outcome.UNKNOWN:
            ledger.annotate(entry.server_id, **evidence)
            if entry.request_id:
                run.probes.setdefault(entry.request_id, []).append(entry.server_id)
        else:
            ledger.record(entry.server_id, entry.outcome, **evidence)
    ledger.watch(on_result)  # from now on: what is known already is not news
    return run


# ------------------------------------------------------------------------------------------------------- engine
class Engine:
    """The configuration of a client and every decision it makes; no I/O."""

    def __init__(
        self,
        *,
        region: str | None,
        endpoint: str | None,
        credentials: Credentials | None,
        project_id: str | None,
        concurrency: int,
        rate_limit: float | None,
        retry: RetryPolicy | None,
        catalog: Catalog | None,
    ) -> None:
        if (region is None) == (endpoint is None):
            msg = "pass exactly one of region= or endpoint="
            raise ValueError(msg)
        self.endpoint = check_endpoint(endpoint) if endpoint is not None else endpoint_for_region(str(region))
        self.credentials = credentials if credentials is not None else credentials_from_env()
        self.auth = auth_for(self.credentials)
        project = project_id or self.credentials.project_id
        if not project:
            msg = "project_id is required: pass project_id= or set HUAWEICLOUD_SDK_PROJECT_ID"
            raise ValueError(msg)
        if not _PATH_SEGMENT.fullmatch(project) or project in {".", ".."}:
            # Only what cannot be a project ID in the URL path: its *format* is not documented by the provider, so
            # an ID of another shape than the strict document's 32-hex goes to CPH, which decides.
            msg = "project_id must be one URL path segment: no '/', '?', '#', '%' or whitespace"
            raise ValueError(msg)
        self.project_id = project
        if concurrency < 1:
            msg = "concurrency must be at least 1"
            raise ValueError(msg)
        self.concurrency = concurrency
        self.limiter = RateLimiter(rate_limit, adaptive=True)  # one for every call: the gateway throttles per user
        self.retry = retry or RetryPolicy()
        self.catalog = catalog or load_catalog()
        self.secrets = secrets_of(self.credentials)
        self.headers = {"User-Agent": f"cph-openapi/{__version__}"}
        self.limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.api = cph_api.Client(base_url=self.endpoint)  # only for the generated parsers; never sends

    def describe(self, name: str) -> str:
        limit = f", rate_limit={self.limiter.cap!r}" if self.limiter.cap else ""
        return (
            f"{name}(endpoint={self.endpoint!r}, project_id={self.project_id!r}, "
            f"credentials={self.credentials!r}, concurrency={self.concurrency}{limit})"
        )

    # --------------------------------------------------------------------------------------- what answers mean
    def error_for(self, answer: Answer, operation: str) -> CphError:
        if answer.status == 200:
            # A 200 we could not read: the operation ran, but we do not know its answer.
            return UnexpectedResponseError(
                f"unreadable {operation} answer ({answer.parse_error or 'unexpected body'})",
                status=200,
                request_id=answer.headers.get("x-request-id"),
                retryable="unknown-outcome",
                operation=operation,
            )
        return error_from_response(
            answer.status,
            answer.content,
            answer.headers,
            operation=operation,
            secrets=self.secrets,
            catalog=self.catalog,
        )

    def transport_error(self, exc: Exception, operation: str) -> TransportError:
        detail = redact(str(exc), self.secrets) or "no detail"
        return TransportError(f"{type(exc).__name__}: {detail}", sent=may_have_been_sent(exc), operation=operation)

    def failed(self, outcome: Answer | Exception, operation: str, *, idempotent: bool) -> tuple[Decision, CphError]:
        """An attempt that did not succeed: what to do about it (:mod:`cph._retry`), and its error."""
        if isinstance(outcome, Exception):
            return decide_for_exception(outcome, idempotent=idempotent), self.transport_error(outcome, operation)
        error = self.error_for(outcome, operation)
        if idempotent and outcome.status == 200:
            return Decision.GIVE_UP, error  # a read answered, unreadably: asking again will not help
        return decide_for_error(error, idempotent=idempotent), error

    def retry_delay(
        self, error: CphError, decision: Decision, attempt: int, headers: Mapping[str, str], run: Run | None
    ) -> float | None:
        """Seconds to wait before sending again, or ``None`` to stop.

        A throttled request (429) was not carried out and the adaptive limiter already slowed every call down, so it
        is resent at the limiter's pace, as often as the run's deadline allows (without a run: within the retry
        policy's attempts). Other resendable failures back off and count against the policy's attempts.
        """
        if decision is not Decision.RETRY or (run is not None and run.stop.is_set()):
            return None
        throttled = isinstance(error, ThrottledError)
        if not (throttled and run is not None) and not self.retry.can_retry(attempt):
            return None
        delay = 0.0 if throttled else self.retry.backoff(attempt, retry_after_seconds=retry_after(headers))
        remaining = None if run is None else run.remaining()
        if remaining is not None and delay >= remaining:
            return None
        return delay

    def pace(self, answer: Answer | Exception, sent_at: float, operation: str) -> None:
        """Tell the shared limiter what an attempt's answer says about the gateway's limit."""
        if isinstance(answer, Answer) and answer.status == 429:
            error = self.error_for(answer, operation)
            limit, pause = throttle_limit(error.error_msg), retry_after(answer.headers)
            self.limiter.throttled(sent_at, limit=limit, retry_after=pause)
            # `cph -v` shows this: why the client slowed down (and the gateway's limit, if it named one)
            rate = self.limiter.rate
            LOGGER.info(
                "throttled (429) on %s: now %s%s%s",
                operation,
                "unpaced" if rate is None else f"{rate:.2f} requests/s",
                "" if limit is None else f", gateway limit {limit:g}/s",
                "" if pause is None else f", holding {pause:g} s (Retry-After)",
            )
        elif isinstance(answer, Answer):
            self.limiter.answered()

    # ---------------------------------------------------------------------------------- what restarts record
    def restart_step(self, run: Run, batch: Sequence[str], attempt: int, outcome: Answer | Exception) -> float | None:
        """After one attempt of a restart batch: record what it proves, or return the delay before resending."""
        if (
            isinstance(outcome, Answer)
            and outcome.status == 200
            and isinstance(outcome.parsed, RestartCloudPhoneServerResponse)
        ):
            self.record_answer(run, batch, outcome.parsed, outcome.headers)
            return None
        decision, error = self.failed(outcome, RESTART, idempotent=False)
        headers = outcome.headers if isinstance(outcome, Answer) else {}
        delay = self.retry_delay(error, decision, attempt, headers, run)
        if delay is not None:
            LOGGER.info("restart batch attempt %d not carried out (%s); resending", attempt, _brief(error))
            return delay
        if decision is Decision.RECONCILE:
            LOGGER.warning("restart batch outcome unknown (%s); not resending", _brief(error))
            self._record_batch(run, batch, Outcome.UNKNOWN, error)
            if error.request_id:
                with run.lock:
                    run.probes[error.request_id] = list(batch)
            return None
        # GIVE_UP, or RETRY past the deadline / attempts / a stopped run: nothing was carried out.
        self._record_batch(run, batch, Outcome.REJECTED, error)
        if is_fatal(error):
            with run.lock:
                if run.fatal is None:
                    run.fatal = error
            run.stop.set()
        return None

    def _record_batch(self, run: Run, batch: Sequence[str], outcome: Outcome, error: CphError) -> None:
        run.ledger.record_all(
            [ServerResult(s, outcome, None, error.error_code, error.error_msg, error.request_id) for s in batch]
        )
        run.report()

    def record_answer(
        self, run: Run, batch: Sequence[str], answer: RestartCloudPhoneServerResponse, headers: Mapping[str, str]
    ) -> None:
        """A 200 to a restart: one entry per server of the batch (accepted with its job, rejected with its error,
        or unknown if the answer left it out)."""
        request_id = answer.request_id or headers.get("x-request-id")
        if request_id:
            run.accepted_at[request_id] = time.monotonic()
        expected = set(batch)
        results: list[ServerResult] = []
        for entry in answer.jobs if isinstance(answer.jobs, list) else ():
            server_id = entry.server_id
            if not isinstance(server_id, str) or server_id not in expected:
                continue  # an entry for a server we did not send (or a repeat): nothing we can attribute
            expected.discard(server_id)
            job_id = entry.job_id
            if isinstance(job_id, str) and job_id:
                results.append(ServerResult(server_id, Outcome.ACCEPTED, job_id, request_id=request_id))
            else:
                code = entry.error_code if isinstance(entry.error_code, str) else None
                msg = entry.error_msg if isinstance(entry.error_msg, str) else None
                msg = redact(msg, self.secrets) if msg else None
                results.append(ServerResult(server_id, Outcome.REJECTED, None, code, msg, request_id))
        missing = [s for s in batch if s in expected]  # answered with 200 but left out: it may have been restarted
        gone = "missing from the restart answer"
        results += [ServerResult(s, Outcome.UNKNOWN, None, None, gone, request_id) for s in missing]
        run.ledger.record_all(results)
        if missing and request_id:
            with run.lock:
                run.probes[request_id] = missing
        run.report()

    # -------------------------------------------------------------------------------------- what jobs record
    def tracker_for(self, run: Run, *, include_running: bool, include_probes: bool = True) -> JobTracker:
        tracker = JobTracker(first_poll=run.first_poll, max_interval=run.max_poll)
        if include_running:
            for entry in run.ledger.with_outcome(Outcome.ACCEPTED):
                if entry.request_id and entry.job_id:
                    accepted_at = run.accepted_at.get(entry.request_id)
                    tracker.expect(entry.request_id, entry.job_id, entry.server_id, accepted_at)
        for request_id, server_ids in run.probes.items() if include_probes else ():
            unresolved = [s for s in server_ids if run.ledger.get(s).outcome is Outcome.UNKNOWN]
            if unresolved:
                tracker.probe(request_id, unresolved)
        return tracker

    @staticmethod
    def apply_jobs(run: Run, tracker: JobTracker, jobs: Iterable[JobInfo], polled: Iterable[str]) -> None:
        """Record what one poll showed: servers found by reconciliation, then jobs that ended."""
        ended, found = tracker.update(jobs, polled)
        for job in found:
            assert job.server_id is not None
            LOGGER.info("reconciled: server %s has restart job %s", job.server_id, job.job_id)
            run.ledger.record(job.server_id, Outcome.ACCEPTED, job_id=job.job_id, error_code=None, error_msg=None)
            if job.done:
                ended.append(job)
        results = []
        for job in ended:
            assert job.server_id is not None
            if job.status > 0:
                results.append(ServerResult(job.server_id, Outcome.SUCCEEDED))
            else:  # an accepted entry carries no error yet, so the job's is the one recorded
                results.append(ServerResult(job.server_id, Outcome.FAILED, None, job.error_code, job.error_msg))
        run.ledger.record_all(results)

    @staticmethod
    def start_wait_phase(run: Run) -> None:
        run.phase = "wait"
        run.waited = True
        run.ledger.new_phase()
        for entry in run.ledger.with_outcome(Outcome.REJECTED, Outcome.SUCCEEDED, Outcome.FAILED, Outcome.UNKNOWN):
            run.ledger.settle(entry.server_id)

    @staticmethod
    def finish(run: Run) -> RestartResult:
        result = run.result()
        if run.fatal is not None:
            run.fatal.result = result
            raise run.fatal
        return result


def _brief(error: CphError) -> str:
    return " ".join(str(part) for part in (error.status, error.error_code, error.error_msg) if part)


# ------------------------------------------------------------------------------------------------ sending once
class Stopped(Exception):
    """Raised by a read whose run was stopped (interrupted) while it waited for its slot."""


def _send(
    engine: Engine, name: str, api: ModuleType, kwargs: dict[str, Any], run: Run | None
) -> Flow[Answer | Exception | None]:
    """One attempt, at the shared limiter's pace: its answer (parsed or not), the transport error it ended in, or
    ``None`` if the run was stopped before it was sent (an interrupt wakes a flow waiting for its slot)."""
    limiter, stop = engine.limiter, None if run is None else run.stop
    while (pause := limiter.admit()) > 0:  # slow start, before the first 429
        yield Sleep(pause, stop)
        if stop is not None and stop.is_set():
            return None
    try:
        while True:
            sent_at = time.monotonic()  # when its slot was booked: a 429 is judged against the pace it was booked at
            delay = limiter.reserve()
            if delay > 0:
                yield Sleep(delay, stop)
            if stop is not None and stop.is_set():
                return None
            if not limiter.slowed_since(sent_at):
                break  # else the gateway throttled while this waited: book again, at the new pace
        try:
            response: httpx.Response = yield Send(api._get_kwargs(**kwargs))  # the generated request builder
        except httpx.HTTPError as exc:
            return exc
        try:
            parsed = api._parse_response(client=engine.api, response=response)  # the generated parser
            answer = Answer(response.status_code, response.content, response.headers, parsed)
        except _PARSE_ERRORS as exc:
            answer = Answer(response.status_code, response.content, response.headers, None, type(exc).__name__)
        engine.pace(answer, sent_at, name)
        return answer
    finally:
        limiter.release()


def _read(
    engine: Engine, name: str, api: ModuleType, kwargs: dict[str, Any], success: type[_T], *, run: Run | None = None
) -> Flow[_T]:
    """An idempotent read, resent as the engine decides; its parsed answer, or the engine's error raised."""
    attempt = 0
    while True:
        attempt += 1
        outcome = yield from _send(engine, name, api, kwargs, run)
        if outcome is None:
            raise Stopped
        if isinstance(outcome, Answer) and outcome.status == 200 and isinstance(outcome.parsed, success):
            return outcome.parsed
        decision, error = engine.failed(outcome, name, idempotent=True)
        headers = outcome.headers if isinstance(outcome, Answer) else {}
        delay = engine.retry_delay(error, decision, attempt, headers, run)
        if delay is None:
            if isinstance(outcome, Exception):
                raise error from outcome
            raise error
        LOGGER.debug("%s attempt %d failed (%s); retrying in %.2fs", name, attempt, _brief(error), delay)
        if delay > 0:
            yield Sleep(delay, None if run is None else run.stop)


# ----------------------------------------------------------------------------------------------------- restart
def restart(
    engine: Engine,
    run: Run,
    batches: list[list[str]],
    *,
    wait: bool,
    reconcile: bool,
    verify_unknown: bool,
) -> Flow[RestartResult]:
    """The flow of :meth:`cph.CphClient.restart` (documented there); ``run`` and ``batches`` from :func:`new_run`."""
    run.report()
    if batches:
        yield Gather([_restart_batch(engine, run, i, batch) for i, batch in enumerate(batches)], stop=run.stop)
    if run.fatal is None:
        try:
            if wait:
                yield from _follow(engine, run, reconcile=reconcile)
            elif reconcile and run.probes:
                tracker = engine.tracker_for(run, include_running=False)
                yield from _poll(engine, run, tracker, tracker.queries())
            if verify_unknown:
                yield from _verify_unknown(engine, run)
        except CphError as exc:
            exc.result = run.result()
            raise
    return engine.finish(run)


def _restart_batch(engine: Engine, run: Run, index: int, batch: list[str]) -> Flow[None]:
    if run.stop.is_set() or run.unsent.pop(index, None) is None:
        return  # never sent: reported "not sent" by Run.result
    kwargs = {"project_id": engine.project_id, "body": RestartCloudPhoneServerRequestBody(server_ids=batch)}
    attempt, last = 0, None
    while True:
        attempt += 1
        outcome = yield from _send(engine, RESTART, restart_api, kwargs, run)
        if outcome is None:  # stopped before this attempt was sent
            if last is None:
                run.unsent[index] = batch  # nothing was sent: "not sent"
            else:
                engine.restart_step(run, batch, attempt - 1, last)  # not carried out: rejected with its error
            return
        delay = engine.restart_step(run, batch, attempt, outcome)
        if delay is None:
            return
        last = outcome
        if delay > 0:
            yield Sleep(delay, run.stop)


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
        if isinstance(server.server_id, str) and server.server_id in wanted:
            status = server.status if isinstance(server.status, int) else None
            run.ledger.annotate(server.server_id, server_status=status)


# -------------------------------------------------------------------------------------------------------- jobs
def wait(engine: Engine, run: Run) -> Flow[RestartResult]:
    """The flow of :meth:`cph.CphClient.wait` (documented there); ``run`` from :func:`resumed_run`."""
    try:
        yield from _follow(engine, run)
    except CphError as exc:
        exc.result = run.result()
        raise
    return engine.finish(run)


def _follow(engine: Engine, run: Run, *, reconcile: bool = True) -> Flow[None]:
    """Poll, a round whenever some request is due (:class:`JobTracker`), until every job ended or the deadline."""
    engine.start_wait_phase(run)
    tracker = engine.tracker_for(run, include_running=True, include_probes=reconcile)
    if tracker.done and run.probes and reconcile:  # nothing running, but lost answers to look for: one round
        yield from _poll(engine, run, tracker, tracker.queries())
    while not tracker.done:
        due = tracker.next_due()
        pause = 0.0 if due is None else due - time.monotonic()
        remaining = run.remaining()
        if remaining is not None and pause >= remaining:
            if pause > 0:
                yield Sleep(remaining, run.stop)
            run.timed_out = True
            return
        if pause > 0:
            yield Sleep(pause, run.stop)
        if run.stop.is_set():
            return
        try:
            yield from _poll(engine, run, tracker, tracker.queries())
        except ThrottledError:
            # A throttled poll is resent until the deadline or a stop, so either has come: a 429 ends no wait.
            run.timed_out = not run.stop.is_set()
            return
        run.report()
        remaining = run.remaining()
        if remaining is not None and remaining <= 0 and not tracker.done:
            run.timed_out = True
            return


def _poll(engine: Engine, run: Run, tracker: JobTracker, groups: list[list[str]]) -> Flow[None]:
    if not groups:
        return
    pages = yield Gather([_list_jobs_group(engine, group, run) for group in groups])
    engine.apply_jobs(run, tracker, [job for page in pages for job in page], [rid for g in groups for rid in g])


def _list_jobs_group(engine: Engine, request_ids: Sequence[str], run: Run | None = None) -> Flow[list[JobInfo]]:
    """Every job of up to 20 request IDs, page after page."""
    jobs: list[JobInfo] = []
    offset, limit = 0, page_size()
    joined = ",".join(request_ids)
    while True:
        kwargs = {"project_id": engine.project_id, "request_ids": joined, "offset": offset, "limit": limit}
        answer = yield from _read(engine, LIST_JOBS, list_jobs_api, kwargs, ListJobsResponse, run=run)
        page = [JobInfo.from_model(job) for job in (answer.jobs if isinstance(answer.jobs, list) else ())]
        jobs.extend(page)
        # `count` is not in the provider contract (an embedded-mock decision): use it when an endpoint sends it.
        count = answer.additional_properties.get("count")
        if isinstance(count, int) and not isinstance(count, bool):
            more = offset + len(page) < count and len(page) > 0
        else:
            more = len(page) >= limit
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
    groups = tracker.queries()
    if not groups:
        return []
    pages: list[list[JobInfo]] = yield Gather([_list_jobs_group(engine, group) for group in groups])
    return [job for page in pages for job in page]


# ----------------------------------------------------------------------------------------------------- servers
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
    checked_status: int | Unset = UNSET if status is None else status
    while limit is None or len(servers) < limit:
        kwargs = {
            "project_id": engine.project_id,
            "offset": offset,
            "limit": size if limit is None else min(size, limit - len(servers)),
            "status": checked_status,
            "server_id": UNSET if server_id is None else server_id,
            "server_name": UNSET if server_name is None else server_name,
        }
        answer = yield from _read(engine, LIST_SERVERS, list_servers_api, kwargs, ListCloudPhoneServersResponse)
        page = list(answer.servers) if isinstance(answer.servers, list) else []
        servers.extend(page)
        total = answer.count if isinstance(answer.count, int) else None
        more = len(page) >= size if total is None else offset + len(page) < total
        if not (more and len(page) > 0):
            break
        offset += len(page)
    return servers
