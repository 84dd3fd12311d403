"""The façade: restart any number of CPH servers, safely, over the generated client.

Why a façade over ``cph_api`` (the openapi-python-client output) instead of new request code: the generated
functions are the spec turned into code — paths, parameters, models — and stay in step with it when it changes.
What they lack is everything *between* calls: splitting 10,000 IDs into batches of 100, sending batches
concurrently under a rate limit, deciding which failures may be resent without restarting a server twice
(:mod:`cph._retry`), reconciling the ones that may not, following jobs (:mod:`cph._jobs`) and keeping one entry per
server (:mod:`cph._results`).

Layout, so that the blocking and the asyncio client behave identically by construction: :mod:`cph._engine` makes
every decision, :mod:`cph._flows` writes each operation once as a generator of effects (:mod:`cph._effects`), and a
client only *performs* effects. This module holds what both clients share (:class:`ClientBase`: configuration,
the httpx settings) and the blocking one, :class:`CphClient`, which sends on the caller's thread and runs batches
on a thread pool; :mod:`cph._async_client` holds the asyncio one.

The official SDK, by contrast, is sync only, sends one batch per call, never retries a POST and loses the body of
a throttled GET; see the README.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

import cph_api
from cph import _flows
from cph._catalog import Catalog
from cph._effects import Effect, Flow, Gather, Send, Sleep
from cph._endpoint import Credentials
from cph._engine import Engine, ProgressCallback
from cph._http import CphHttpClient
from cph._jobs import JobInfo
from cph._results import RestartResult
from cph._retry import RetryPolicy
from cph._transport import default_transport
from cph_api.models import Server

__all__ = ["DEFAULT_TIMEOUT", "ClientBase", "CphClient"]

_T = TypeVar("_T")
_TransportT = TypeVar("_TransportT", httpx.BaseTransport, httpx.AsyncBaseTransport)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class ClientBase(Generic[_TransportT]):
    """What :class:`CphClient` and :class:`cph.AsyncCphClient` share: their arguments, made into an :class:`Engine`,
    and the settings of the httpx client each of them opens (:meth:`_connect`)."""

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
        transport: _TransportT | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self._engine = engine = Engine(
            region=region,
            endpoint=endpoint,
            credentials=credentials,
            project_id=project_id,
            concurrency=concurrency,
            rate_limit=rate_limit,
            retry=retry,
            catalog=catalog,
        )
        http_options: dict[str, Any] = {
            "base_url": engine.endpoint,
            "auth": engine.auth,
            "headers": engine.headers,
            "timeout": timeout,
            "limits": engine.limits,
            "follow_redirects": False,
        }
        self._api = self._connect(http_options, transport)

    def _connect(self, http_options: dict[str, Any], transport: _TransportT | None) -> cph_api.Client:
        """Open the httpx client (with :func:`cph._flows.capture` as response hook); the generated client over it."""
        raise NotImplementedError

    @property
    def endpoint(self) -> str:
        return self._engine.endpoint

    @property
    def project_id(self) -> str:
        return self._engine.project_id

    def __repr__(self) -> str:
        return self._engine.describe(type(self).__name__)


class CphClient(ClientBase[httpx.BaseTransport]):
    """Restart CPH servers and follow their jobs (blocking; batches run on a thread pool of ``concurrency``).

    ::

        with CphClient(region="cn-east-3") as client:  # credentials from the environment
            result = client.restart(server_ids, wait=True)
        for entry in result.with_outcome("failed", "rejected", "unknown"):
            print(entry.server_id, entry.outcome, entry.error_code, entry.error_msg)

    Exactly one of ``region`` (see :func:`cph.regions`) or ``endpoint`` (an URL; plain ``http`` only on loopback).
    ``credentials`` default to :func:`cph.credentials_from_env`; ``project_id`` to the credentials' project.
    ``concurrency`` bounds requests in flight, ``rate_limit`` (requests/s) paces them, ``retry`` sets attempts and
    backoff (see :mod:`cph._retry` for what is resent). ``timeout`` is per HTTP request. ``transport`` replaces
    httpx's network transport (tests).
    """

    def _connect(self, http_options: dict[str, Any], transport: httpx.BaseTransport | None) -> cph_api.Client:
        engine = self._engine
        if transport is None:
            transport = default_transport(engine.endpoint, max_idle=engine.concurrency)
        self._http = CphHttpClient(**http_options, event_hooks={"response": [_flows.capture]}, transport=transport)
        return cph_api.Client(base_url=engine.endpoint).set_httpx_client(self._http)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------------- driving
    def _drive(self, flow: Flow[_T]) -> _T:
        """Run ``flow`` to its end on this thread, performing its effects (see :mod:`cph._effects`)."""
        try:
            effect = flow.send(None)
            while True:
                value, error = self._perform(effect)
                effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as done:
            result: _T = done.value
            return result

    def _perform(self, effect: Effect) -> tuple[object, BaseException | None]:
        """``(result, None)``, or ``(None, exception)`` for the flow to handle or re-raise."""
        try:
            if isinstance(effect, Send):
                return effect.operation.sync_detailed(**effect.kwargs, client=self._api), None
            if isinstance(effect, Sleep):
                if effect.interrupt is None:
                    time.sleep(effect.seconds)
                else:
                    effect.interrupt.wait(effect.seconds)
                return None, None
            return self._gather(effect), None
        except BaseException as exc:  # thrown into the flow, which re-raises what it does not handle
            return None, exc

    def _gather(self, gather: Gather[_T]) -> list[_T]:
        """The flows with at most ``concurrency`` at once, on a thread pool (inline when there is only one)."""
        flows = gather.flows
        workers = min(self._engine.concurrency, len(flows))
        if workers <= 1:
            return [self._drive(flow) for flow in flows]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cph") as pool:
            futures = [pool.submit(self._drive, flow) for flow in flows]
            try:
                return [future.result() for future in futures]
            except BaseException:
                if gather.stop is not None:
                    gather.stop.set()  # in-flight batches finish their current attempt and are not resent
                for future in futures:
                    future.cancel()
                raise

    # ------------------------------------------------------------------------------------------- operations
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
        return self._drive(
            _flows.restart(
                self._engine,
                server_ids,
                wait=wait,
                wait_timeout=wait_timeout,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                reconcile=reconcile,
                verify_unknown=verify_unknown,
                on_progress=on_progress,
            )
        )

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
        return self._drive(
            _flows.wait(
                self._engine,
                result,
                wait_timeout=wait_timeout,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                on_progress=on_progress,
            )
        )

    def show_job(self, job_id: str) -> JobInfo:
        """One job (ShowJob). Raises :class:`NotFoundError` for an unknown job."""
        return self._drive(_flows.show_job(self._engine, job_id))

    def list_jobs(self, request_ids: Sequence[str]) -> list[JobInfo]:
        """Every job of the given restart request IDs (ListJobs, 20 request IDs per call, all pages)."""
        return self._drive(_flows.list_jobs(self._engine, request_ids))

    def list_servers(
        self,
        *,
        status: int | None = None,
        server_id: str | None = None,
        server_name: str | None = None,
        limit: int | None = None,
    ) -> list[Server]:
        """The project's servers, newest first (ListCloudPhoneServers, all pages, or the first ``limit``)."""
        flow = _flows.list_servers(
            self._engine, status=status, server_id=server_id, server_name=server_name, limit=limit
        )
        return self._drive(flow)
