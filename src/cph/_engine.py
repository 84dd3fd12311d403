"""Every decision of the façade, and no I/O: what an answer means, what to record, whether to send again.

Why apart from the flows (:mod:`cph._flows`) and the drivers (:mod:`cph._client`, :mod:`cph._async_client`): a
decision is the part worth testing and reading on its own, and it is the same whether the request went out on a
thread or an asyncio task. :class:`Engine` holds the configuration (endpoint, credentials, retry policy, rate
limit, catalog) and turns each attempt's outcome — an :class:`Answer` or the exception the transport raised — into
a parsed result, a :class:`Retry`, or an entry in the run's ledger. :class:`Run` is the state one ``restart`` (or
``wait``) call shares between its concurrent batches; it is guarded by a lock because the blocking client runs the
batches on threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

import httpx

from cph import __version__
from cph._batching import RateLimiter, id_pattern
from cph._catalog import Catalog, load_catalog
from cph._endpoint import Credentials, auth_for, check_endpoint, credentials_from_env, endpoint_for_region, secrets_of
from cph._errors import CphError, TransportError, UnexpectedResponseError, error_from_response, redact
from cph._jobs import JobInfo, JobTracker
from cph._results import Ledger, Outcome, Progress, RestartResult, ServerResult
from cph._retry import (
    Decision,
    RetryPolicy,
    decide_for_error,
    decide_for_exception,
    is_fatal,
    may_have_been_sent,
    retry_after,
)
from cph_api.models import RestartCloudPhoneServerResponse
from cph_api.types import Response

__all__ = [
    "LIST_JOBS",
    "LIST_SERVERS",
    "LOGGER",
    "RESTART",
    "SHOW_JOB",
    "Answer",
    "Engine",
    "ProgressCallback",
    "Retry",
    "Run",
]

LOGGER = logging.getLogger("cph")
LOGGER.addHandler(logging.NullHandler())  # a library does not print unless the application configures logging

ProgressCallback = Callable[[Progress], None]

_T = TypeVar("_T")

RESTART = "RestartCloudPhoneServer"
SHOW_JOB = "ShowJob"
LIST_JOBS = "ListJobs"
LIST_SERVERS = "ListCloudPhoneServers"


# --------------------------------------------------------------------------------------------------- answers
@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer: status, raw body and headers, and the generated model if the body could be parsed."""

    status: int
    content: bytes
    headers: Mapping[str, str]
    parsed: object | None
    parse_error: str | None = None

    @classmethod
    def from_generated(cls, response: Response[Any]) -> Answer:
        return cls(int(response.status_code), response.content, response.headers, response.parsed)

    @classmethod
    def unparsed(cls, response: httpx.Response, error: Exception) -> Answer:
        return cls(response.status_code, response.content, response.headers, None, type(error).__name__)


@dataclass(frozen=True, slots=True)
class Retry:
    """Returned by a step: send again after ``delay`` seconds."""

    delay: float


# ------------------------------------------------------------------------------------------------ per-run state
@dataclass(slots=True)
class Run:
    """The state of one ``restart`` call, shared by its concurrent batches."""

    ledger: Ledger
    total: int
    on_progress: ProgressCallback | None
    started: float = field(default_factory=time.monotonic)
    phase: Literal["restart", "wait"] = "restart"
    probes: dict[str, list[str]] = field(default_factory=dict)
    fatal: CphError | None = None
    abort: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

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

    @classmethod
    def from_result(cls, result: RestartResult, on_progress: ProgressCallback | None) -> Run:
        """The state of a new run that continues ``result`` (``wait`` on an earlier restart)."""
        ledger = Ledger(entry.server_id for entry in result)
        for entry in result:
            if entry.outcome is not Outcome.UNKNOWN:
                ledger.record(
                    entry.server_id,
                    entry.outcome,
                    job_id=entry.job_id,
                    error_code=entry.error_code,
                    error_msg=entry.error_msg,
                    request_id=entry.request_id,
                )
            else:
                ledger.annotate(
                    entry.server_id, error_code=entry.error_code, error_msg=entry.error_msg, request_id=entry.request_id
                )
        run = cls(ledger, len(result), on_progress)
        for entry in result.with_outcome(Outcome.UNKNOWN):
            if entry.request_id:
                run.probes.setdefault(entry.request_id, []).append(entry.server_id)
        return run


# ------------------------------------------------------------------------------------------------------ engine
class Engine:
    """Configuration and every decision; no I/O (see the module docstring)."""

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
        if not id_pattern().match(project):
            msg = "project_id must be 32 lower-case hexadecimal characters"
            raise ValueError(msg)
        self.project_id = project
        if concurrency < 1:
            msg = "concurrency must be at least 1"
            raise ValueError(msg)
        self.concurrency = concurrency
        self.limiter = RateLimiter(rate_limit) if rate_limit else None
        self.retry = retry or RetryPolicy()
        self.catalog = catalog or load_catalog()
        self.secrets = secrets_of(self.credentials)
        self.headers = {"User-Agent": f"cph-openapi/{__version__}"}
        self.limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    def describe(self, name: str) -> str:
        limit = f", rate_limit={self.limiter.rate!r}" if self.limiter else ""
        return (
            f"{name}(endpoint={self.endpoint!r}, project_id={self.project_id!r}, "
            f"credentials={self.credentials!r}, concurrency={self.concurrency}{limit})"
        )

    # ----------------------------------------------------------------------------------------------- errors
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

    def _failed(
        self, outcome: Answer | Exception, operation: str, *, idempotent: bool
    ) -> tuple[Decision, CphError, Mapping[str, str]]:
        """An attempt that did not succeed: what to do about it, its error, and the headers ``Retry-After`` is in."""
        if isinstance(outcome, Exception):
            return decide_for_exception(outcome, idempotent=idempotent), self.transport_error(outcome, operation), {}
        error = self.error_for(outcome, operation)
        if idempotent and outcome.status == 200:
            return Decision.GIVE_UP, error, outcome.headers  # a read answered, unreadably: asking again will not help
        return decide_for_error(error, idempotent=idempotent), error, outcome.headers

    # ------------------------------------------------------------------------------------------------ reads
    def read_step(self, operation: str, attempt: int, outcome: Answer | Exception, success: type[_T]) -> _T | Retry:
        """After one attempt of an idempotent read: the parsed answer, a :class:`Retry`, or raise the error."""
        if isinstance(outcome, Answer) and outcome.status == 200 and isinstance(outcome.parsed, success):
            return outcome.parsed
        decision, error, headers = self._failed(outcome, operation, idempotent=True)
        if decision is Decision.RETRY and self.retry.can_retry(attempt):
            delay = self.retry.backoff(attempt, retry_after_seconds=retry_after(headers))
            LOGGER.debug("%s attempt %d failed (%s); retrying in %.2fs", operation, attempt, _brief(error), delay)
            return Retry(delay)
        if isinstance(outcome, Exception):
            raise error from outcome
        raise error

    # ----------------------------------------------------------------------------------------------- restart
    def restart_step(self, run: Run, batch: Sequence[str], attempt: int, outcome: Answer | Exception) -> Retry | None:
        """After one attempt of a restart batch: record what it proves in the ledger, or ask to resend."""
        if (
            isinstance(outcome, Answer)
            and outcome.status == 200
            and isinstance(outcome.parsed, RestartCloudPhoneServerResponse)
        ):
            self._record_answer(run, batch, outcome.parsed, outcome.headers)
            return None
        decision, error, headers = self._failed(outcome, RESTART, idempotent=False)
        if decision is Decision.RETRY and self.retry.can_retry(attempt) and not run.abort.is_set():
            delay = self.retry.backoff(attempt, retry_after_seconds=retry_after(headers))
            LOGGER.info(
                "restart batch attempt %d not carried out (%s); resending in %.2fs", attempt, _brief(error), delay
            )
            return Retry(delay)
        if decision is Decision.RECONCILE:
            LOGGER.warning("restart batch outcome unknown (%s); not resending", _brief(error))
            self._record_batch(run, batch, Outcome.UNKNOWN, error)
            if error.request_id:
                with run.lock:
                    run.probes[error.request_id] = list(batch)
            return None
        # GIVE_UP, or RETRY with attempts exhausted / run aborted: nothing was carried out.
        self._record_batch(run, batch, Outcome.REJECTED, error)
        if is_fatal(error):
            with run.lock:
                if run.fatal is None:
                    run.fatal = error
            run.abort.set()
        return None

    def skip_batch(self, run: Run, batch: Sequence[str]) -> None:
        """A batch not sent because the run was stopped by a fatal error: not restarted, for that error's reason."""
        fatal = run.fatal
        for server_id in batch:
            run.ledger.record(
                server_id,
                Outcome.REJECTED,
                error_code=fatal.error_code if fatal else None,
                error_msg=f"not sent: {fatal}" if fatal else "not sent",
            )
        run.report()

    def _record_answer(
        self, run: Run, batch: Sequence[str], answer: RestartCloudPhoneServerResponse, headers: Mapping[str, str]
    ) -> None:
        request_id = answer.request_id or headers.get("x-request-id")
        jobs = answer.jobs
        job_ids = [entry.job_id for entry in jobs]
        if [entry.server_id for entry in jobs] == list(batch) and all(isinstance(j, str) and j for j in job_ids):
            # The usual answer — every server accepted, in the order sent — in one pass without per-entry branches.
            accepted, accepted_ids = Outcome.ACCEPTED, cast("list[str]", job_ids)  # all str, checked above
            run.ledger.record_all(
                [ServerResult(s, accepted, j, None, None, request_id) for s, j in zip(batch, accepted_ids, strict=True)]
            )
            run.report()
            return
        expected = set(batch)
        results: list[ServerResult] = []
        for entry in jobs:
            server_id = entry.server_id
            if server_id not in expected:
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
        run.ledger.record_all(results)
        for server_id in batch:
            if server_id in expected:
                # Sent, answered with 200, but left out of the answer: it may have been restarted.
                run.ledger.record(
                    server_id, Outcome.UNKNOWN, error_msg="missing from the restart answer", request_id=request_id
                )
        if expected and request_id:
            with run.lock:
                run.probes[request_id] = [s for s in batch if s in expected]
        run.report()

    def _record_batch(self, run: Run, batch: Sequence[str], outcome: Outcome, error: CphError) -> None:
        for server_id in batch:
            run.ledger.record(
                server_id,
                outcome,
                error_code=error.error_code,
                error_msg=error.error_msg,
                request_id=error.request_id,
            )
        run.report()

    def reject_invalid(self, run: Run, invalid: Iterable[str]) -> None:
        """Malformed IDs are refused here, not sent: CPH would refuse their whole batch. No ``error_code``, because
        no service said so; ``request_id`` is ``None`` because nothing was sent."""
        for server_id in invalid:
            run.ledger.record(
                server_id,
                Outcome.REJECTED,
                error_msg="not sent: not a server ID (32 lower-case hexadecimal characters)",
            )

    # -------------------------------------------------------------------------------------------------- jobs
    def tracker_for(self, run: Run, *, include_running: bool, include_probes: bool = True) -> JobTracker:
        tracker = JobTracker()
        if include_running:
            for entry in run.ledger.with_outcome(Outcome.ACCEPTED):
                if entry.request_id and entry.job_id:
                    tracker.expect(entry.request_id, entry.job_id, entry.server_id)
        for request_id, server_ids in run.probes.items() if include_probes else ():
            unresolved = [s for s in server_ids if run.ledger.get(s).outcome is Outcome.UNKNOWN]
            if unresolved:
                tracker.probe(request_id, unresolved)
        return tracker

    def apply_jobs(self, run: Run, tracker: JobTracker, jobs: Iterable[JobInfo]) -> None:
        ended, found = tracker.update(jobs)
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

    def start_wait_phase(self, run: Run) -> None:
        run.phase = "wait"
        run.ledger.new_phase()
        for entry in run.ledger.with_outcome(Outcome.REJECTED, Outcome.SUCCEEDED, Outcome.FAILED, Outcome.UNKNOWN):
            run.ledger.settle(entry.server_id)

    def finish(self, run: Run, *, waited: bool, timed_out: bool) -> RestartResult:
        result = run.ledger.result(waited=waited, timed_out=timed_out)
        if run.fatal is not None:
            run.fatal.result = result
            raise run.fatal
        return result


def _brief(error: CphError) -> str:
    return " ".join(str(part) for part in (error.status, error.error_code, error.error_msg) if part)
