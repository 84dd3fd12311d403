"""The asyncio client: the same flows as :class:`cph.CphClient`, their effects performed with ``await``.

Why a module of its own: it differs from the blocking client only in *how* it performs an effect (see
:mod:`cph._effects`) — ``await asyncio_detailed``, ``asyncio.sleep``, bounded tasks instead of a thread pool — and
in nothing it decides or sequences, which :mod:`cph._engine` and :mod:`cph._flows` hold for both.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

import cph_api
from cph import _flows
from cph._client import ClientBase
from cph._effects import Effect, Flow, Gather, Send, Sleep
from cph._engine import ProgressCallback
from cph._http import AsyncCphHttpClient
from cph._jobs import JobInfo
from cph._results import RestartResult
from cph_api.models import Server

__all__ = ["AsyncCphClient"]

_T = TypeVar("_T")


class AsyncCphClient(ClientBase[httpx.AsyncBaseTransport]):
    """The asyncio twin of :class:`cph.CphClient`: same arguments, same behaviour, ``await`` every call.

    ::

        async with AsyncCphClient(region="cn-east-3") as client:
            result = await client.restart(server_ids, wait=True)
    """

    def _connect(self, http_options: dict[str, Any], transport: httpx.AsyncBaseTransport | None) -> cph_api.Client:
        hooks = {"response": [_flows.capture_async]}
        self._http = AsyncCphHttpClient(**http_options, event_hooks=hooks, transport=transport)
        return cph_api.Client(base_url=self._engine.endpoint).set_async_httpx_client(self._http)

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
        """Run ``flow`` to its end in this task, performing its effects (see :mod:`cph._effects`)."""
        try:
            effect = flow.send(None)
            while True:
                value, error = await self._perform(effect)
                effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as done:
            result: _T = done.value
            return result

    async def _perform(self, effect: Effect) -> tuple[object, BaseException | None]:
        """``(result, None)``, or ``(None, exception)`` — cancellation included — for the flow to handle or re-raise."""
        try:
            if isinstance(effect, Send):
                return await effect.operation.asyncio_detailed(**effect.kwargs, client=self._api), None
            if isinstance(effect, Sleep):
                await asyncio.sleep(effect.seconds)
                return None, None
            return await self._gather(effect), None
        except BaseException as exc:  # thrown into the flow, which re-raises what it does not handle
            return None, exc

    async def _gather(self, gather: Gather[_T]) -> list[_T]:
        """The flows with at most ``concurrency`` at once, as tasks (inline when there is only one)."""
        flows = gather.flows
        try:
            if len(flows) <= 1:
                return [await self._drive(flow) for flow in flows]
            semaphore = asyncio.Semaphore(self._engine.concurrency)

            async def bounded(flow: Flow[_T]) -> _T:
                async with semaphore:
                    return await self._drive(flow)

            tasks = [asyncio.ensure_future(bounded(flow)) for flow in flows]
            try:
                return list(await asyncio.gather(*tasks))
            except BaseException:
                # One failed (a read that ran out of retries): do not leave the others polling in the background.
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
        except BaseException:
            if gather.stop is not None:
                gather.stop.set()  # the run is stopped, as in the blocking client
            raise

    # ------------------------------------------------------------------------------------------- operations
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
        """See :meth:`cph.CphClient.restart`."""
        return await self._drive(
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

    async def wait(
        self,
        result: RestartResult,
        *,
        wait_timeout: float | None = 600.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 15.0,
        on_progress: ProgressCallback | None = None,
    ) -> RestartResult:
        """See :meth:`cph.CphClient.wait`."""
        return await self._drive(
            _flows.wait(
                self._engine,
                result,
                wait_timeout=wait_timeout,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                on_progress=on_progress,
            )
        )

    async def show_job(self, job_id: str) -> JobInfo:
        """See :meth:`cph.CphClient.show_job`."""
        return await self._drive(_flows.show_job(self._engine, job_id))

    async def list_jobs(self, request_ids: Sequence[str]) -> list[JobInfo]:
        """See :meth:`cph.CphClient.list_jobs`."""
        return await self._drive(_flows.list_jobs(self._engine, request_ids))

    async def list_servers(
        self,
        *,
        status: int | None = None,
        server_id: str | None = None,
        server_name: str | None = None,
        limit: int | None = None,
    ) -> list[Server]:
        """See :meth:`cph.CphClient.list_servers`."""
        flow = _flows.list_servers(
            self._engine, status=status, server_id=server_id, server_name=server_name, limit=limit
        )
        return await self._drive(flow)
