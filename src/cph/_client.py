"""The façade: restart any number of CPH servers, safely, over the generated client.

Why a façade over ``cph_api`` (the openapi-python-client output) instead of new request code: the generated
functions are the spec turned into code — paths, parameters, models — and stay in step with it when it changes.
What they lack is everything *between* calls: splitting 10,000 IDs into batches of 100, sending batches
concurrently under a rate limit, deciding which failures may be resent without restarting a server twice
(:mod:`cph._retry`), reconciling the ones that may not, following jobs (:mod:`cph._jobs`) and keeping one entry per
server (:mod:`cph._results`). That is this module.

Layout: :class:`_Engine` holds configuration and every *decision* (what an answer means, what to do next) and does no
I/O. :class:`CphClient` (threads) and :class:`AsyncCphClient` (asyncio) are thin drivers around it that call the
generated ``sync_detailed``/``asyncio_detailed`` functions and sleep; they behave identically by construction.

The official SDK, by contrast, is sync only, sends one batch per call, never retries a POST and loses the body of
a throttled GET; see the README.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlsplit

import httpx

import cph_api
from cph import __version__
from cph._auth import AkSkAuth, TokenAuth
from cph._batching import RateLimiter, id_pattern, page_size, plan_ids
from cph._catalog import Catalog, load_catalog
from cph._credentials import (
    ENV_AK,
    ENV_AUTH_TOKEN,
    ENV_SK,
    AkSkCredentials,
    CredentialsError,
    TokenCredentials,
)
from cph._errors import CphError, TransportError, UnexpectedResponseError, error_from_response, redact
from cph._http import AsyncCphHttpClient, CphHttpClient
from cph._jobs import JobInfo, JobTracker, poll_delays
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
from cph._spec import load_spec
from cph._transport import default_transport
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
from cph_api.models.server_status import ServerStatus, check_server_status
from cph_api.types import UNSET, Response, Unset

__all__ = [
    "AsyncCphClient",
    "CphClient",
    "Credentials",
    "credentials_from_env",
    "endpoint_for_region",
    "regions",
]

LOGGER = logging.getLogger("cph")
LOGGER.addHandler(logging.NullHandler())  # a library does not print unless the application configures logging

Credentials = AkSkCredentials | TokenCredentials
ProgressCallback = Callable[[Progress], None]

_T = TypeVar("_T")
_R = TypeVar("_R")

RESTART = "RestartCloudPhoneServer"
SHOW_JOB = "ShowJob"
LIST_JOBS = "ListJobs"
LIST_SERVERS = "ListCloudPhoneServers"

_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError)
"""What the generated parsers raise on a body that does not match the spec (or an HTTP status ``HTTPStatus``
does not know)."""

_VERIFY_ONE_BY_ONE = 10
"""Up to this many unknown servers are verified with one filtered ListCloudPhoneServers call each; more, by listing
the fleet page by page."""

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


# --------------------------------------------------------------------------------------- endpoint and credentials
def regions() -> list[str]:
    """The regions with a CPH endpoint (the spec's ``servers[0]`` region list)."""
    return list(load_spec()["servers"][0]["variables"]["region"]["enum"])


def endpoint_for_region(region: str) -> str:
    """``https://cph.{region}.myhuaweicloud.com`` for a known region; ``ValueError`` (listing them) otherwise."""
    known = regions()
    if region not in known:
        msg = f"unknown region {region!r}; known regions: {', '.join(known)} (or pass an endpoint URL)"
        raise ValueError(msg)
    url: str = load_spec()["servers"][0]["url"]
    return url.replace("{region}", region)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_endpoint(endpoint: str) -> str:
    """Normalise ``endpoint``; refuse plain HTTP except on loopback, where a token or signature could be read."""
    parts = urlsplit(endpoint)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = f"endpoint must be an http(s) URL with a host, got {endpoint!r}"
        raise ValueError(msg)
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        msg = "plain http:// endpoints are only allowed on loopback (credentials would travel unencrypted)"
        raise ValueError(msg)
    if parts.query or parts.fragment:
        msg = "endpoint must not have a query or fragment"
        raise ValueError(msg)
    return endpoint.rstrip("/")


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """AK/SK credentials if ``HUAWEICLOUD_SDK_AK`` or ``_SK`` is set, else an IAM token from ``CPH_AUTH_TOKEN``.

    Raises :class:`CredentialsError` naming the variables (never their values) when neither is configured.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_AK) or env.get(ENV_SK):
        return AkSkCredentials.from_env(env)
    if env.get(ENV_AUTH_TOKEN):
        return TokenCredentials.from_env(env)
    msg = f"no credentials: set {ENV_AK} and {ENV_SK} (AK/SK), or {ENV_AUTH_TOKEN} (IAM token)"
    raise CredentialsError(msg)


def _auth_for(credentials: Credentials) -> httpx.Auth:
    if isinstance(credentials, AkSkCredentials):
        return AkSkAuth(credentials)
    if isinstance(credentials, TokenCredentials):
        return TokenAuth(credentials)
    msg = "credentials must be AkSkCredentials or TokenCredentials"
    raise TypeError(msg)


def _secrets_of(credentials: Credentials) -> tuple[str, ...]:
    values: tuple[str | None, ...]
    if isinstance(credentials, AkSkCredentials):
        values = (credentials.ak, credentials.sk, credentials.security_token)
    else:
        values = (credentials.token,)
    return tuple(v for v in values if v)


# --------------------------------------------------------------------------------- capturing the raw response
_captured: contextvars.ContextVar[list[httpx.Response] | None] = contextvars.ContextVar("cph_captured", default=None)
"""Why: the generated parsers raise on a body that does not match the spec (a proxy's HTML 502, an undocumented job
status) and the response is then lost with them. An httpx response hook keeps it in a per-call box (a context
variable: per thread, per asyncio task), so such an answer is still classified by its status."""


def _capture(response: httpx.Response) -> None:
    box = _captured.get()
    if box is not None:
        box.append(response)


async def _capture_async(response: httpx.Response) -> None:
    _capture(response)


@dataclass(frozen=True, slots=True)
class _Answer:
    """One HTTP answer: status, raw body and headers, and the generated model if the body could be parsed."""

    status: int
    content: bytes
    headers: Mapping[str, str]
    parsed: object | None
    parse_error: str | None = None

    @classmethod
    def from_generated(cls, response: Response[Any]) -> _Answer:
        return cls(int(response.status_code), response.content, response.headers, response.parsed)

    @classmethod
    def unparsed(cls, response: httpx.Response, error: Exception) -> _Answer:
        return cls(response.status_code, response.content, response.headers, None, type(error).__name__)


@dataclass(frozen=True, slots=True)
class _Retry:
    """Returned by a step: send again after ``delay`` seconds."""

    delay: float


# ------------------------------------------------------------------------------------------------ per-run state
@dataclass(slots=True)
class _Run:
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


# ------------------------------------------------------------------------------------------------------ engine
class _Engine:
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
        self.endpoint = _check_endpoint(endpoint) if endpoint is not None else endpoint_for_region(str(region))
        self.credentials = credentials if credentials is not None else credentials_from_env()
        self.auth = _auth_for(self.credentials)
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
        self.secrets = _secrets_of(self.credentials)
        self.headers = {"User-Agent": f"cph-openapi/{__version__}"}
        self.limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    def describe(self, name: str) -> str:
        limit = f", rate_limit={self.limiter.rate!r}" if self.limiter else ""
        return (
            f"{name}(endpoint={self.endpoint!r}, project_id={self.project_id!r}, "
            f"credentials={self.credentials!r}, concurrency={self.concurrency}{limit})"
        )

    # ----------------------------------------------------------------------------------------------- errors
    def error_for(self, answer: _Answer, operation: str) -> CphError:
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

    # ------------------------------------------------------------------------------------------------ reads
    def read_step(self, operation: str, attempt: int, outcome: _Answer | Exception, success: type[_T]) -> _T | _Retry:
        """After one attempt of an idempotent read: the parsed answer, a :class:`_Retry`, or raise the error."""
        if isinstance(outcome, Exception):
            decision = decide_for_exception(outcome, idempotent=True)
            error: CphError = self.transport_error(outcome, operation)
            headers: Mapping[str, str] = {}
        else:
            if outcome.status == 200 and isinstance(outcome.parsed, success):
                return outcome.parsed
            error = self.error_for(outcome, operation)
            headers = outcome.headers
            decision = Decision.GIVE_UP if outcome.status == 200 else decide_for_error(error, idempotent=True)
        if decision is Decision.RETRY and self.retry.can_retry(attempt):
            delay = self.retry.backoff(attempt, retry_after_seconds=retry_after(headers))
            LOGGER.debug("%s attempt %d failed (%s); retrying in %.2fs", operation, attempt, _brief(error), delay)
            return _Retry(delay)
        if isinstance(outcome, Exception):
            raise error from outcome
        raise error

    # ----------------------------------------------------------------------------------------------- restart
    def restart_step(
        self, run: _Run, batch: Sequence[str], attempt: int, outcome: _Answer | Exception
    ) -> _Retry | None:
        """After one attempt of a restart batch: record what it proves in the ledger, or ask to resend."""
        if isinstance(outcome, Exception):
            decision = decide_for_exception(outcome, idempotent=False)
            error: CphError = self.transport_error(outcome, RESTART)
            headers: Mapping[str, str] = {}
        else:
            if outcome.status == 200 and isinstance(outcome.parsed, RestartCloudPhoneServerResponse):
                self._record_answer(run, batch, outcome.parsed, outcome.headers)
                return None
            error = self.error_for(outcome, RESTART)
            headers = outcome.headers
            decision = decide_for_error(error, idempotent=False)
        if decision is Decision.RETRY and self.retry.can_retry(attempt) and not run.abort.is_set():
            delay = self.retry.backoff(attempt, retry_after_seconds=retry_after(headers))
            LOGGER.info(
                "restart batch attempt %d not carried out (%s); resending in %.2fs", attempt, _brief(error), delay
            )
            return _Retry(delay)
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

    def skip_batch(self, run: _Run, batch: Sequence[str]) -> None:
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
        self, run: _Run, batch: Sequence[str], answer: RestartCloudPhoneServerResponse, headers: Mapping[str, str]
    ) -> None:
        request_id = answer.request_id or headers.get("x-request-id")
        expected = set(batch)
        results: list[ServerResult] = []
        for entry in answer.jobs:
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

    def _record_batch(self, run: _Run, batch: Sequence[str], outcome: Outcome, error: CphError) -> None:
        for server_id in batch:
            run.ledger.record(
                server_id,
                outcome,
                error_code=error.error_code,
                error_msg=error.error_msg,
                request_id=error.request_id,
            )
        run.report()

    def reject_invalid(self, run: _Run, invalid: Iterable[str]) -> None:
        """Malformed IDs are refused here, not sent: CPH would refuse their whole batch. No ``error_code``, because
        no service said so; ``request_id`` is ``None`` because nothing was sent."""
        for server_id in invalid:
            run.ledger.record(
                server_id,
                Outcome.REJECTED,
                error_msg="not sent: not a server ID (32 lower-case hexadecimal characters)",
            )

    # -------------------------------------------------------------------------------------------------- jobs
    def tracker_for(self, run: _Run, *, include_running: bool, include_probes: bool = True) -> JobTracker:
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

    def apply_jobs(self, run: _Run, tracker: JobTracker, jobs: Iterable[JobInfo]) -> None:
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

    def start_wait_phase(self, run: _Run) -> None:
        run.phase = "wait"
        run.ledger.new_phase()
        for entry in run.ledger.with_outcome(Outcome.REJECTED, Outcome.SUCCEEDED, Outcome.FAILED, Outcome.UNKNOWN):
            run.ledger.settle(entry.server_id)

    def finish(self, run: _Run, *, waited: bool, timed_out: bool) -> RestartResult:
        result = run.ledger.result(waited=waited, timed_out=timed_out)
        if run.fatal is not None:
            run.fatal.result = result
            raise run.fatal
        return result


def _brief(error: CphError) -> str:
    return " ".join(str(part) for part in (error.status, error.error_code, error.error_msg) if part)


def _list_jobs_page(answer: ListJobsResponse, offset: int, limit: int) -> tuple[list[JobInfo], bool]:
    """The page's jobs and whether more pages follow (by ``count`` when sent, else by a full page)."""
    jobs = [JobInfo.from_model(job) for job in answer.jobs]
    if isinstance(answer.count, int):
        more = offset + len(answer.jobs) < answer.count and len(answer.jobs) > 0
    else:
        more = len(answer.jobs) >= limit
    return jobs, more


def _server_page(answer: ListCloudPhoneServersResponse, offset: int) -> tuple[list[Server], bool]:
    servers = list(answer.servers)
    return servers, offset + len(servers) < answer.count and len(servers) > 0


def _opt(value: _T | None) -> _T | Unset:
    return UNSET if value is None else value


# ---------------------------------------------------------------------------------------------------- sync
class CphClient:
    """Restart CPH servers and follow their jobs (blocking; batches run on a thread pool of ``concurrency``).

    ::

        with CphClient(region="cn-east-3") as client:  # credentials from the environment
            result = client.restart(server_ids, wait=True)
        for entry in result.with_outcome("failed", "rejected", "unknown"):
            print(entry.server_id, entry.outcome, entry.error_code, entry.error_msg)

    Exactly one of ``region`` (see :func:`regions`) or ``endpoint`` (an URL; plain ``http`` only on loopback).
    ``credentials`` default to :func:`credentials_from_env`; ``project_id`` to the credentials' project.
    ``concurrency`` bounds requests in flight, ``rate_limit`` (requests/s) paces them, ``retry`` sets attempts and
    backoff (see :mod:`cph._retry` for what is resent). ``timeout`` is per HTTP request. ``transport`` replaces
    httpx's network transport (tests).
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        project_id: str | None = None,
        concurrency: int = 8,
        rate_limit: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self._engine = _Engine(
            region=region,
            endpoint=endpoint,
            credentials=credentials,
            project_id=project_id,
            concurrency=concurrency,
            rate_limit=rate_limit,
            retry=retry,
            catalog=catalog,
        )
        engine = self._engine
        self._http = CphHttpClient(
            base_url=engine.endpoint,
            auth=engine.auth,
            headers=engine.headers,
            timeout=timeout,
            limits=engine.limits,
            follow_redirects=False,
            event_hooks={"response": [_capture]},
            transport=transport if transport is not None else default_transport(engine.endpoint, max_idle=concurrency),
        )
        self._api = cph_api.Client(base_url=engine.endpoint).set_httpx_client(self._http)

    # ---------------------------------------------------------------------------------------------- basics
    @property
    def endpoint(self) -> str:
        return self._engine.endpoint

    @property
    def project_id(self) -> str:
        return self._engine.project_id

    def __repr__(self) -> str:
        return self._engine.describe(type(self).__name__)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------------ I/O
    def _pace(self) -> None:
        if self._engine.limiter is not None:
            delay = self._engine.limiter.reserve()
            if delay > 0:
                time.sleep(delay)

    def _send(self, call: Callable[[], Response[Any]]) -> _Answer | Exception:
        self._pace()
        box: list[httpx.Response] = []
        token = _captured.set(box)
        try:
            return _Answer.from_generated(call())
        except httpx.HTTPError as exc:
            return exc
        except _PARSE_ERRORS as exc:
            if not box:
                raise
            return _Answer.unparsed(box[-1], exc)
        finally:
            _captured.reset(token)

    def _read(self, operation: str, call: Callable[[], Response[Any]], success: type[_T]) -> _T:
        attempt = 0
        while True:
            attempt += 1
            step = self._engine.read_step(operation, attempt, self._send(call), success)
            if not isinstance(step, _Retry):
                return step
            time.sleep(step.delay)

    def _map(self, fn: Callable[[_T], _R], items: Sequence[_T], stop: threading.Event | None = None) -> list[_R]:
        """``fn`` over ``items`` with at most ``concurrency`` at once (inline when there is only one)."""
        workers = min(self._engine.concurrency, len(items))
        if workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cph") as pool:
            futures = [pool.submit(fn, item) for item in items]
            try:
                return [future.result() for future in futures]
            except BaseException:
                if stop is not None:
                    stop.set()  # in-flight batches finish their current attempt and are not resent
                for future in futures:
                    future.cancel()
                raise

    # ------------------------------------------------------------------------------------------- restart
    def restart(
        self,
        server_ids: Iterable[str],
        *,
        wait: bool = False,
        wait_timeout: float | None = 600.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        reconcile: bool = True,
        verify_unknown: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> RestartResult:
        """Restart ``server_ids`` (any number, duplicates ignored); one result entry per distinct ID.

        Batches of up to 100 go out concurrently. Throttled or otherwise not-carried-out batches are resent; batches
        whose outcome is unknown are never resent but reconciled (``reconcile``: ListJobs by their request ID) —
        see :mod:`cph._retry`. With ``wait``, jobs are followed until all have ended or ``wait_timeout`` seconds
        passed. ``verify_unknown`` reads the current status of servers whose outcome stays unknown.

        Raises a :class:`CphError` subclass, with the partial result as ``.result``, when an error stops the run
        (authentication, permission, account state, no such API) or when job polling fails for good.
        """
        engine = self._engine
        plan = plan_ids(server_ids)
        run = _Run(Ledger(plan.unique), len(plan.unique), on_progress)
        engine.reject_invalid(run, plan.invalid)
        run.report()
        self._map(lambda batch: self._restart_batch(run, batch), plan.batches(), run.abort)
        timed_out = False
        if run.fatal is None:
            try:
                if wait:
                    timed_out = self._wait(run, wait_timeout, poll_interval, max_poll_interval, reconcile)
                elif reconcile and run.probes:
                    self._poll(run, engine.tracker_for(run, include_running=False))
                if verify_unknown:
                    self._verify_unknown(run)
            except CphError as exc:
                exc.result = run.ledger.result(waited=wait)
                raise
        return engine.finish(run, waited=wait, timed_out=timed_out)

    def _restart_batch(self, run: _Run, batch: list[str]) -> None:
        body = RestartCloudPhoneServerRequestBody(server_ids=batch)
        attempt = 0
        while True:
            if run.abort.is_set():
                self._engine.skip_batch(run, batch)
                return
            attempt += 1
            outcome = self._send(lambda: restart_api.sync_detailed(self.project_id, client=self._api, body=body))
            step = self._engine.restart_step(run, batch, attempt, outcome)
            if step is None:
                return
            run.abort.wait(step.delay)

    def _wait(self, run: _Run, timeout: float | None, interval: float, maximum: float, reconcile: bool = True) -> bool:
        """Poll until every job ended; return whether ``timeout`` stopped it first."""
        engine = self._engine
        engine.start_wait_phase(run)
        tracker = engine.tracker_for(run, include_running=True, include_probes=reconcile)
        deadline = None if timeout is None else time.monotonic() + timeout
        for delay in poll_delays(interval, maximum):
            self._poll(run, tracker)
            run.report()
            if tracker.done:
                return False
            pause = delay
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                pause = min(delay, remaining)
            time.sleep(pause)
        return False  # pragma: no cover - poll_delays never ends

    def _poll(self, run: _Run, tracker: JobTracker) -> None:
        groups = tracker.queries(self._engine.concurrency)
        pages = self._map(self._list_jobs_group, groups)
        self._engine.apply_jobs(run, tracker, [job for page in pages for job in page])

    def _list_jobs_group(self, request_ids: Sequence[str]) -> list[JobInfo]:
        jobs: list[JobInfo] = []
        offset, limit = 0, page_size()
        joined = ",".join(request_ids)
        while True:
            call = partial(
                list_jobs_api.sync_detailed,
                self.project_id,
                client=self._api,
                request_ids=joined,
                offset=offset,
                limit=limit,
            )
            answer = self._read(LIST_JOBS, call, ListJobsResponse)
            page, more = _list_jobs_page(answer, offset, limit)
            jobs.extend(page)
            if not more:
                return jobs
            offset += len(page)

    def _verify_unknown(self, run: _Run) -> None:
        unknown = [entry.server_id for entry in run.ledger.with_outcome(Outcome.UNKNOWN)]
        if not unknown:
            return
        if len(unknown) <= _VERIFY_ONE_BY_ONE:
            servers = [s for server_id in unknown for s in self.list_servers(server_id=server_id)]
        else:
            servers = self.list_servers()
        wanted = set(unknown)
        for server in servers:
            if server.server_id in wanted:
                run.ledger.annotate(server.server_id, server_status=int(server.status))

    # -------------------------------------------------------------------------------------------- reads
    def wait(
        self,
        result: RestartResult,
        *,
        wait_timeout: float | None = 600.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        on_progress: ProgressCallback | None = None,
    ) -> RestartResult:
        """Follow the jobs of an earlier :meth:`restart` result until they end (or ``wait_timeout``)."""
        run = _run_from_result(result, on_progress)
        try:
            timed_out = self._wait(run, wait_timeout, poll_interval, max_poll_interval)
        except CphError as exc:
            exc.result = run.ledger.result(waited=True)
            raise
        return self._engine.finish(run, waited=True, timed_out=timed_out)

    def show_job(self, job_id: str) -> JobInfo:
        """One job (ShowJob). Raises :class:`NotFoundError` for an unknown job."""
        answer = self._read(
            SHOW_JOB, lambda: show_job_api.sync_detailed(self.project_id, job_id, client=self._api), ShowJobResponse
        )
        return JobInfo.from_model(answer)

    def list_jobs(self, request_ids: Sequence[str]) -> list[JobInfo]:
        """Every job of the given restart request IDs (ListJobs, 20 request IDs per call, all pages)."""
        tracker = JobTracker()
        for request_id in dict.fromkeys(request_ids):
            tracker.probe(request_id, ())
        return [
            job
            for group in self._map(self._list_jobs_group, tracker.queries(self._engine.concurrency))
            for job in group
        ]

    def list_servers(
        self,
        *,
        status: int | None = None,
        server_id: str | None = None,
        server_name: str | None = None,
        limit: int | None = None,
    ) -> list[Server]:
        """The project's servers, newest first (ListCloudPhoneServers, all pages, or the first ``limit``)."""
        servers: list[Server] = []
        offset, size = 0, page_size()
        checked_status: ServerStatus | Unset = UNSET if status is None else check_server_status(status)
        while limit is None or len(servers) < limit:
            page_limit = size if limit is None else min(size, limit - len(servers))
            call = partial(
                list_servers_api.sync_detailed,
                self.project_id,
                client=self._api,
                offset=offset,
                limit=page_limit,
                status=checked_status,
                server_id=_opt(server_id),
                server_name=_opt(server_name),
            )
            answer = self._read(LIST_SERVERS, call, ListCloudPhoneServersResponse)
            page, more = _server_page(answer, offset)
            servers.extend(page)
            if not more:
                break
            offset += len(page)
        return servers


def _run_from_result(result: RestartResult, on_progress: ProgressCallback | None) -> _Run:
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
    run = _Run(ledger, len(result), on_progress)
    for entry in result.with_outcome(Outcome.UNKNOWN):
        if entry.request_id:
            run.probes.setdefault(entry.request_id, []).append(entry.server_id)
    return run


# --------------------------------------------------------------------------------------------------- async
class AsyncCphClient:
    """The asyncio twin of :class:`CphClient`: same arguments, same behaviour, ``await`` every call.

    ::

        async with AsyncCphClient(region="cn-east-3") as client:
            result = await client.restart(server_ids, wait=True)
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        project_id: str | None = None,
        concurrency: int = 8,
        rate_limit: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self._engine = _Engine(
            region=region,
            endpoint=endpoint,
            credentials=credentials,
            project_id=project_id,
            concurrency=concurrency,
            rate_limit=rate_limit,
            retry=retry,
            catalog=catalog,
        )
        engine = self._engine
        self._http = AsyncCphHttpClient(
            base_url=engine.endpoint,
            auth=engine.auth,
            headers=engine.headers,
            timeout=timeout,
            limits=engine.limits,
            follow_redirects=False,
            event_hooks={"response": [_capture_async]},
            transport=transport,
        )
        self._api = cph_api.Client(base_url=engine.endpoint).set_async_httpx_client(self._http)

    @property
    def endpoint(self) -> str:
        return self._engine.endpoint

    @property
    def project_id(self) -> str:
        return self._engine.project_id

    def __repr__(self) -> str:
        return self._engine.describe(type(self).__name__)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------------------------------------ I/O
    async def _pace(self) -> None:
        if self._engine.limiter is not None:
            delay = self._engine.limiter.reserve()
            if delay > 0:
                await asyncio.sleep(delay)

    async def _send(self, call: Callable[[], Awaitable[Response[Any]]]) -> _Answer | Exception:
        await self._pace()
        box: list[httpx.Response] = []
        token = _captured.set(box)
        try:
            return _Answer.from_generated(await call())
        except httpx.HTTPError as exc:
            return exc
        except _PARSE_ERRORS as exc:
            if not box:
                raise
            return _Answer.unparsed(box[-1], exc)
        finally:
            _captured.reset(token)

    async def _read(self, operation: str, call: Callable[[], Awaitable[Response[Any]]], success: type[_T]) -> _T:
        attempt = 0
        while True:
            attempt += 1
            step = self._engine.read_step(operation, attempt, await self._send(call), success)
            if not isinstance(step, _Retry):
                return step
            await asyncio.sleep(step.delay)

    async def _map(self, fn: Callable[[_T], Awaitable[_R]], items: Sequence[_T]) -> list[_R]:
        """``fn`` over ``items`` with at most ``concurrency`` at once."""
        if len(items) <= 1:
            return [await fn(item) for item in items]
        semaphore = asyncio.Semaphore(self._engine.concurrency)

        async def bounded(item: _T) -> _R:
            async with semaphore:
                return await fn(item)

        tasks = [asyncio.ensure_future(bounded(item)) for item in items]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            # One failed (a read that ran out of retries): do not leave the others polling in the background.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    # ------------------------------------------------------------------------------------------- restart
    async def restart(
        self,
        server_ids: Iterable[str],
        *,
        wait: bool = False,
        wait_timeout: float | None = 600.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        reconcile: bool = True,
        verify_unknown: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> RestartResult:
        """See :meth:`CphClient.restart`."""
        engine = self._engine
        plan = plan_ids(server_ids)
        run = _Run(Ledger(plan.unique), len(plan.unique), on_progress)
        engine.reject_invalid(run, plan.invalid)
        run.report()
        try:
            await self._map(lambda batch: self._restart_batch(run, batch), plan.batches())
        except BaseException:
            run.abort.set()
            raise
        timed_out = False
        if run.fatal is None:
            try:
                if wait:
                    timed_out = await self._wait(run, wait_timeout, poll_interval, max_poll_interval, reconcile)
                elif reconcile and run.probes:
                    await self._poll(run, engine.tracker_for(run, include_running=False))
                if verify_unknown:
                    await self._verify_unknown(run)
            except CphError as exc:
                exc.result = run.ledger.result(waited=wait)
                raise
        return engine.finish(run, waited=wait, timed_out=timed_out)

    async def _restart_batch(self, run: _Run, batch: list[str]) -> None:
        body = RestartCloudPhoneServerRequestBody(server_ids=batch)
        attempt = 0
        while True:
            if run.abort.is_set():
                self._engine.skip_batch(run, batch)
                return
            attempt += 1
            outcome = await self._send(
                lambda: restart_api.asyncio_detailed(self.project_id, client=self._api, body=body)
            )
            step = self._engine.restart_step(run, batch, attempt, outcome)
            if step is None:
                return
            await asyncio.sleep(step.delay)

    async def _wait(
        self, run: _Run, timeout: float | None, interval: float, maximum: float, reconcile: bool = True
    ) -> bool:
        engine = self._engine
        engine.start_wait_phase(run)
        tracker = engine.tracker_for(run, include_running=True, include_probes=reconcile)
        deadline = None if timeout is None else time.monotonic() + timeout
        for delay in poll_delays(interval, maximum):
            await self._poll(run, tracker)
            run.report()
            if tracker.done:
                return False
            pause = delay
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return True
                pause = min(delay, remaining)
            await asyncio.sleep(pause)
        return False  # pragma: no cover - poll_delays never ends

    async def _poll(self, run: _Run, tracker: JobTracker) -> None:
        pages = await self._map(self._list_jobs_group, tracker.queries(self._engine.concurrency))
        self._engine.apply_jobs(run, tracker, [job for page in pages for job in page])

    async def _list_jobs_group(self, request_ids: Sequence[str]) -> list[JobInfo]:
        jobs: list[JobInfo] = []
        offset, limit = 0, page_size()
        joined = ",".join(request_ids)
        while True:
            call = partial(
                list_jobs_api.asyncio_detailed,
                self.project_id,
                client=self._api,
                request_ids=joined,
                offset=offset,
                limit=limit,
            )
            answer = await self._read(LIST_JOBS, call, ListJobsResponse)
            page, more = _list_jobs_page(answer, offset, limit)
            jobs.extend(page)
            if not more:
                return jobs
            offset += len(page)

    async def _verify_unknown(self, run: _Run) -> None:
        unknown = [entry.server_id for entry in run.ledger.with_outcome(Outcome.UNKNOWN)]
        if not unknown:
            return
        if len(unknown) <= _VERIFY_ONE_BY_ONE:
            servers = [s for server_id in unknown for s in await self.list_servers(server_id=server_id)]
        else:
            servers = await self.list_servers()
        wanted = set(unknown)
        for server in servers:
            if server.server_id in wanted:
                run.ledger.annotate(server.server_id, server_status=int(server.status))

    # -------------------------------------------------------------------------------------------- reads
    async def wait(
        self,
        result: RestartResult,
        *,
        wait_timeout: float | None = 600.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        on_progress: ProgressCallback | None = None,
    ) -> RestartResult:
        """See :meth:`CphClient.wait`."""
        run = _run_from_result(result, on_progress)
        try:
            timed_out = await self._wait(run, wait_timeout, poll_interval, max_poll_interval)
        except CphError as exc:
            exc.result = run.ledger.result(waited=True)
            raise
        return self._engine.finish(run, waited=True, timed_out=timed_out)

    async def show_job(self, job_id: str) -> JobInfo:
        """See :meth:`CphClient.show_job`."""
        answer = await self._read(
            SHOW_JOB, lambda: show_job_api.asyncio_detailed(self.project_id, job_id, client=self._api), ShowJobResponse
        )
        return JobInfo.from_model(answer)

    async def list_jobs(self, request_ids: Sequence[str]) -> list[JobInfo]:
        """See :meth:`CphClient.list_jobs`."""
        tracker = JobTracker()
        for request_id in dict.fromkeys(request_ids):
            tracker.probe(request_id, ())
        return [
            job
            for group in await self._map(self._list_jobs_group, tracker.queries(self._engine.concurrency))
            for job in group
        ]

    async def list_servers(
        self,
        *,
        status: int | None = None,
        server_id: str | None = None,
        server_name: str | None = None,
        limit: int | None = None,
    ) -> list[Server]:
        """See :meth:`CphClient.list_servers`."""
        servers: list[Server] = []
        offset, size = 0, page_size()
        checked_status: ServerStatus | Unset = UNSET if status is None else check_server_status(status)
        while limit is None or len(servers) < limit:
            page_limit = size if limit is None else min(size, limit - len(servers))
            call = partial(
                list_servers_api.asyncio_detailed,
                self.project_id,
                client=self._api,
                offset=offset,
                limit=page_limit,
                status=checked_status,
                server_id=_opt(server_id),
                server_name=_opt(server_name),
            )
            answer = await self._read(LIST_SERVERS, call, ListCloudPhoneServersResponse)
            page, more = _server_page(answer, offset)
            servers.extend(page)
            if not more:
                break
            offset += len(page)
        return servers
