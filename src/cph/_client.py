"""The two clients: :class:`CphClient` (blocking, batches on threads) and :class:`AsyncCphClient` (asyncio).

Why a façade over ``cph_api`` (the openapi-python-client output): the generated code is the spec turned into
requests and models; what it lacks is everything *between* calls — batching 10,000 IDs into requests of 100, pacing
them under the gateway's throttle, deciding which failures may be resent without restarting a server twice,
reconciling the ones that may not, following jobs, and keeping one entry per server. All of that is written once,
in :mod:`cph._operations`, as generators of effects. A client only *performs* effects — send on httpx's own
transport, sleep, run sub-flows side by side — and that, plus ``Ctrl-C`` and cancellation, is this module.

Interrupts (the result is never lost): on ``KeyboardInterrupt`` (blocking client) the run stops sending, collects
answers already in flight for up to ``INTERRUPT_GRACE`` seconds, and raises :class:`cph.RestartInterrupted` with
the partial result. The asyncio client does the same when cancelled, then re-raises the ``CancelledError`` with the
partial result as its ``result`` attribute (so ``asyncio.timeout`` and task groups keep working) — unless the
cancellation is ``asyncio.run``'s answer to Ctrl-C, which would surface as a bare ``KeyboardInterrupt``: then, as
for a ``KeyboardInterrupt`` raised inside its loop, it raises :class:`cph.RestartInterrupted` as the blocking client
does, out of ``asyncio.run``.
``on_result`` callbacks see every entry as it becomes known, whatever ends the call — unless the callback itself
raises: then it is not called again, the run stops as on an interrupt (no new batches, answers in flight collected)
and the callback's exception is raised with the partial result as its ``result`` attribute, every server in it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import signal
import threading
import time
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import httpx

from cph import _operations as ops
from cph._catalog import Catalog
from cph._endpoint import Credentials
from cph._http import AsyncCphHttpClient, CphHttpClient
from cph._jobs import JobInfo
from cph._operations import Engine, Flow, Gather, ProgressCallback, Run, Send, Sleep
from cph._results import RestartInterrupted, RestartResult, ResultCallback, ServerResult
from cph._retry import RetryPolicy
from cph_api.models import Server

__all__ = ["DEFAULT_TIMEOUT", "INTERRUPT_GRACE", "AsyncCphClient", "CphClient"]

_T = TypeVar("_T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Per HTTP request (the overall bound of a restart or wait is its ``timeout=``)."""

INTERRUPT_GRACE = 5.0
"""Seconds an interrupted run waits for answers already in flight before reporting those servers ``unknown``."""

_ASYNC_SLEEP_STEP = 0.05
"""An interruptible asyncio pause checks its stop event this often."""


class _Base:
    """What both clients share: their arguments, made into an :class:`Engine`, and the httpx options."""

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
        self._http_options: dict[str, Any] = {
            "base_url": engine.endpoint,
            "auth": engine.auth,
            "headers": engine.headers,
            "timeout": timeout,
            "limits": engine.limits,
            "follow_redirects": False,
        }

    @property
    def endpoint(self) -> str:
        return self._engine.endpoint

    @property
    def project_id(self) -> str:
        return self._engine.project_id

    @property
    def rate(self) -> float | None:
        """The pace (requests/s) the client currently keeps, learnt from 429s; ``None`` while unthrottled."""
        return self._engine.limiter.rate

    def __repr__(self) -> str:
        return self._engine.describe(type(self).__name__)


def _interrupted(run: Run) -> RestartInterrupted:
    """Stop ``run``; the :class:`RestartInterrupted` carrying its partial result."""
    run.stop.set()
    return RestartInterrupted(run.result())


def _give_result(run: Run, exc: BaseException) -> None:
    """Stop ``run`` and attach its partial result to ``exc`` (an ``on_result`` callback's exception, say) unless the
    flow did already (a :class:`CphError`): whatever ends a run, the caller keeps what is known."""
    run.stop.set()
    if getattr(exc, "result", None) is None:
        with contextlib.suppress(AttributeError):  # a type without a __dict__ is raised as it is
            exc.result = run.result()  # type: ignore[attr-defined]


def _timeout(timeout: float | None, wait_timeout: float | None) -> float | None:
    return timeout if timeout is not None else wait_timeout


class CphClient(_Base):
    """Restart CPH servers and follow their jobs (blocking; batches run on a thread pool of ``concurrency``).

    ::

        with CphClient(region="cn-east-3") as client:  # credentials from the environment
            result = client.restart(server_ids, wait=True, timeout=900)
        for entry in result.with_outcome("failed", "rejected", "unknown"):
            print(entry.server_id, entry.outcome, entry.error_code, entry.error_msg)

    Exactly one of ``region`` (see :func:`cph.regions`) or ``endpoint`` (an URL; plain ``http`` only on loopback).
    ``credentials`` default to :func:`cph.credentials_from_env`; ``project_id`` to the credentials' project.
    ``concurrency`` bounds requests in flight. Every call shares one adaptive :class:`cph.RateLimiter`: unpaced
    until the gateway throttles, then at the rate it lets through; ``rate_limit`` (requests/s) caps it. ``retry``
    bounds resends of failures other than throttling (see :mod:`cph._retry` for what is resent). ``timeout`` is per
    HTTP request. ``transport`` replaces httpx's network transport (tests). ``event_hooks`` are httpx's (``cph -v``
    logs through them, so the normal transport — proxies from the environment included — stays in place).
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        event_hooks: dict[str, list[Any]] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._http = CphHttpClient(**self._http_options, transport=transport, event_hooks=event_hooks)

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
        """Run ``flow`` to its end on this thread, performing its effects."""
        try:
            effect = flow.send(None)
            while True:
                try:
                    value = self._perform(effect)
                except BaseException as exc:  # thrown into the flow, which re-raises what it does not handle
                    error: BaseException | None = exc
                else:
                    error = None
                # thrown in outside the except block, so that what the flow raises next is not chained to it
                effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as done:
            result: _T = done.value
            return result

    def _perform(self, effect: ops.Effect) -> object:
        if isinstance(effect, Send):
            return self._http.request(**effect.request)
        if isinstance(effect, Sleep):
            if effect.interrupt is None:
                time.sleep(effect.seconds)
            else:
                effect.interrupt.wait(effect.seconds)
            return None
        return self._gather(effect)

    def _gather(self, gather: Gather) -> list[Any]:
        """The flows on ``concurrency`` worker threads. This thread only waits, so that a ``KeyboardInterrupt`` never
        lands in the middle of a request: it stops the run, and answers in flight are collected for up to
        :data:`INTERRUPT_GRACE` seconds. The workers are daemon threads (not a ``ThreadPoolExecutor``, whose threads
        the interpreter joins at exit): a request still hanging after that bound must not keep the process alive."""
        futures: list[concurrent.futures.Future[Any]] = [concurrent.futures.Future() for _ in gather.flows]
        work: queue.SimpleQueue[tuple[Flow[Any], concurrent.futures.Future[Any]]] = queue.SimpleQueue()
        for item in zip(gather.flows, futures, strict=True):
            work.put(item)

        def worker() -> None:
            while True:
                try:
                    flow, future = work.get_nowait()
                except queue.Empty:
                    return
                if not future.set_running_or_notify_cancel():
                    continue  # cancelled before it started
                try:
                    future.set_result(self._drive(flow))
                except BaseException as exc:  # handed to the waiting thread, which re-raises it
                    future.set_exception(exc)

        for _ in range(min(self._engine.concurrency, len(futures))):
            threading.Thread(target=worker, name="cph", daemon=True).start()
        try:
            return [future.result() for future in futures]
        except BaseException:
            if gather.stop is not None:
                gather.stop.set()  # running flows finish their current attempt and send nothing new
            for future in futures:
                future.cancel()
            concurrent.futures.wait(futures, timeout=INTERRUPT_GRACE)
            raise

    def _run(self, run: Run, flow: Flow[RestartResult]) -> RestartResult:
        try:
            return self._drive(flow)
        except KeyboardInterrupt:
            raise _interrupted(run) from None
        except Exception as exc:
            _give_result(run, exc)
            raise

    # ------------------------------------------------------------------------------------------- operations
    def restart(
        self,
        server_ids: Iterable[str],
        *,
        wait: bool = False,
        timeout: float | None = None,
        on_result: ResultCallback | None = None,
        reconcile: bool = True,
        verify_unknown: bool = False,
        on_progress: ProgressCallback | None = None,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        wait_timeout: float | None = None,
    ) -> RestartResult:
        """Restart ``server_ids`` (any number, duplicates ignored); one result entry per distinct ID.

        Batches of up to 100 go out concurrently, at the pace the gateway allows. A throttled batch (429) was not
        carried out and is resent until ``timeout`` (seconds, the whole call's deadline; ``None``: no deadline);
        other not-carried-out failures are resent within the retry policy. Batches whose outcome is unknown are
        never resent but reconciled (``reconcile``: ListJobs by their request ID) — see :mod:`cph._retry`. With
        ``wait``, jobs are followed until all have ended or the deadline passed (then ``timed_out`` is set and the
        servers still running stay ``accepted`` with their job IDs). ``verify_unknown`` reads the current status of
        servers whose outcome stays unknown. ``poll_interval`` is how long after its restart a job is first looked at
        (until a job has ended and shown how long restarts take), growing 1.25-fold up to ``max_poll_interval``.
        ``on_result`` is called with a server's entry each time it becomes
        known or changes (accepted with its IDs, then its outcome); ``wait_timeout`` is the old name of ``timeout``.

        Raises a :class:`CphError` subclass, with the partial result as ``.result``, when an error stops the run
        (authentication, permission, account state, no such API) or when job polling fails for good; and
        :class:`cph.RestartInterrupted` (a ``KeyboardInterrupt``) with ``.result`` when interrupted.
        """
        run, batches = ops.new_run(
            server_ids, timeout=_timeout(timeout, wait_timeout), on_result=on_result, on_progress=on_progress
        )
        run.first_poll, run.max_poll = poll_interval, max_poll_interval
        flow = ops.restart(self._engine, run, batches, wait=wait, reconcile=reconcile, verify_unknown=verify_unknown)
        return self._run(run, flow)

    def wait(
        self,
        jobs: RestartResult | Iterable[ServerResult],
        *,
        timeout: float | None = None,
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        wait_timeout: float | None = None,
    ) -> RestartResult:
        """Follow the jobs of an earlier :meth:`restart` — its result, or its entries (e.g. read back with
        :meth:`ServerResult.from_json`) — until they end or ``timeout`` seconds passed. ``unknown`` entries with a
        request ID are reconciled on the way."""
        run = ops.resumed_run(
            jobs, timeout=_timeout(timeout, wait_timeout), on_result=on_result, on_progress=on_progress
        )
        run.first_poll, run.max_poll = poll_interval, max_poll_interval
        return self._run(run, ops.wait(self._engine, run))

    def show_job(self, job_id: str) -> JobInfo:
        """One job (ShowJob). Raises :class:`NotFoundError` for an unknown job."""
        return self._drive(ops.show_job(self._engine, job_id))

    def list_jobs(self, request_ids: Sequence[str]) -> list[JobInfo]:
        """Every job of the given restart request IDs (ListJobs, 20 request IDs per call, all pages)."""
        return self._drive(ops.list_jobs(self._engine, request_ids))

    def list_servers(
        self,
        *,
        status: int | None = None,
        server_id: str | None = None,
        server_name: str | None = None,
        limit: int | None = None,
    ) -> list[Server]:
        """The project's servers, newest first (ListCloudPhoneServers, all pages, or the first ``limit``)."""
        flow = ops.list_servers(self._engine, status=status, server_id=server_id, server_name=server_name, limit=limit)
        return self._drive(flow)


class AsyncCphClient(_Base):
    """The asyncio twin of :class:`CphClient`: same arguments, same behaviour, ``await`` every call.

    ::

        async with AsyncCphClient(region="cn-east-3") as client:
            result = await client.restart(server_ids, wait=True)

    Cancelled during ``restart`` or ``wait``, it stops as the blocking client does on Ctrl-C and re-raises the
    ``CancelledError`` with the partial result as ``.result`` (see the module docstring).
    """

    def __init__(self, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._http = AsyncCphHttpClient(**self._http_options, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ---------------------------------------------------------------------------------------------- driving
    async def _drive(self, flow: Flow[_T]) -> _T:
        """Run ``flow`` to its end in this task, performing its effects."""
        try:
            effect = flow.send(None)
            while True:
                try:
                    value = await self._perform(effect)
                except BaseException as exc:  # cancellation included: the flow re-raises it
                    error: BaseException | None = exc
                else:
                    error = None
                effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as done:
            result: _T = done.value
            return result

    async def _perform(self, effect: ops.Effect) -> object:
        if isinstance(effect, Send):
            return await self._http.request(**effect.request)
        if isinstance(effect, Sleep):
            await _sleep(effect.seconds, effect.interrupt)
            return None
        return await self._gather(effect)

    async def _gather(self, gather: Gather) -> list[Any]:
        """The flows as tasks, at most ``concurrency`` at once. If one fails or this task is cancelled: stop the
        run, let answers in flight arrive for up to :data:`INTERRUPT_GRACE` seconds, cancel the rest."""
        semaphore = asyncio.Semaphore(self._engine.concurrency)

        async def bounded(flow: Flow[Any]) -> Any:
            async with semaphore:
                return await self._drive(flow)

        tasks = [asyncio.ensure_future(bounded(flow)) for flow in gather.flows]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in tasks:
                if task in done and task.exception() is not None:
                    raise cast(BaseException, task.exception())
            return [task.result() for task in tasks]
        except BaseException:
            if gather.stop is not None:
                gather.stop.set()
            pending = [task for task in tasks if not task.done()]
            if pending and gather.stop is not None:
                await asyncio.wait(pending, timeout=INTERRUPT_GRACE)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _run(self, run: Run, flow: Flow[RestartResult]) -> RestartResult:
        try:
            return await self._drive(flow)
        except KeyboardInterrupt:
            raise _interrupted(run) from None
        except asyncio.CancelledError as cancelled:
            if _cancelled_by_ctrl_c():
                raise _interrupted(run) from None
            _give_result(run, cancelled)
            raise
        except Exception as exc:
            _give_result(run, exc)
            raise

    # ------------------------------------------------------------------------------------------- operations
    async def restart(
        self,
        server_ids: Iterable[str],
        *,
        wait: bool = False,
        timeout: float | None = None,
        on_result: ResultCallback | None = None,
        reconcile: bool = True,
        verify_unknown: bool = False,
        on_progress: ProgressCallback | None = None,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        wait_timeout: float | None = None,
    ) -> RestartResult:
        """See :meth:`CphClient.restart`."""
        run, batches = ops.new_run(
            server_ids, timeout=_timeout(timeout, wait_timeout), on_result=on_result, on_progress=on_progress
        )
        run.first_poll, run.max_poll = poll_interval, max_poll_interval
        flow = ops.restart(self._engine, run, batches, wait=wait, reconcile=reconcile, verify_unknown=verify_unknown)
        return await self._run(run, flow)

    async def wait(
        self,
        jobs: RestartResult | Iterable[ServerResult],
        *,
        timeout: float | None = None,
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        wait_timeout: float | None = None,
    ) -> RestartResult:
        """See :meth:`CphClient.wait`."""
        run = ops.resumed_run(
            jobs, timeout=_timeout(timeout, wait_timeout), on_result=on_result, on_progress=on_progress
        )
        run.first_poll, run.max_poll = poll_interval, max_poll_interval
        return await self._run(run, ops.wait(self._engine, run))

    async def show_job(self, job_id: str) -> JobInfo:
        """See :meth:`CphClient.show_job`."""
        return await self._drive(ops.show_job(self._engine, job_id))

    async def list_jobs(self, request_ids: Sequence[str]) -> list[JobInfo]:
        """See :meth:`CphClient.list_jobs`."""
        return await self._drive(ops.list_jobs(self._engine, request_ids))

    async def list_servers(
        self,
        *,
        status: int | None = None,
        server_id: str | None = None,
        server_name: str | None = None,
        limit: int | None = None,
    ) -> list[Server]:
        """See :meth:`CphClient.list_servers`."""
        flow = ops.list_servers(self._engine, status=status, server_id=server_id, server_name=server_name, limit=limit)
        return await self._drive(flow)


def _cancelled_by_ctrl_c() -> bool:
    """Whether ``asyncio.run``'s Ctrl-C handler cancelled the task (it would then raise a bare ``KeyboardInterrupt``
    from ``asyncio.run``, and the partial result would be lost to the caller). Best effort: it reads the handler
    ``asyncio.Runner`` installs (a partial of its ``_on_sigint``), and says no for anything else."""
    handler = signal.getsignal(signal.SIGINT)
    runner = getattr(getattr(handler, "func", None), "__self__", None)
    return isinstance(runner, asyncio.Runner) and getattr(runner, "_interrupt_count", 0) > 0


async def _sleep(seconds: float, interrupt: threading.Event | None) -> None:
    """``asyncio.sleep``, ended early when ``interrupt`` is set (checked every few milliseconds)."""
    if interrupt is None:
        await asyncio.sleep(seconds)
        return
    end = time.monotonic() + seconds
    while not interrupt.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, _ASYNC_SLEEP_STEP))
