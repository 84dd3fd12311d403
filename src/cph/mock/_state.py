"""What the mock CPH remembers: projects, their servers, and restart jobs.

Why lazy progress: a restart job's whole life (shutting down, starting, success or failure) is decided when it is
accepted — its begin and end times and its outcome. Every read derives the job's status and the server's status
from those and the injected clock, so no background task runs, a fake clock can step through the phases, and the
state stays consistent however requests interleave. All reads and writes hold one lock, so concurrent requests
never lose, duplicate or half-write a job.

Why jobs are stored per request (:class:`JobBatch`): one restart request creates up to 100 jobs that share their
request, begin and end times. One compact record per request instead of one object (and one index entry) per job
makes a restart's bookkeeping, and the objects the garbage collector has to walk, grow with requests rather than
jobs — so a mock under load answers without long collection pauses. A job ID is its batch's
random 24-hex-digit key followed by 8 hex digits that encode the job's index in the batch (scrambled, so the IDs of
one request do not look consecutive), so ShowJob finds a job from its ID without a per-job index. A server's running
restart is the only per-job object (:class:`~cph.mock._fleet.Job`), at most one per server. Retention is bounded
(:attr:`~cph.mock.MockConfig.max_jobs`): once a project holds more jobs, its oldest finished ones are forgotten.

Which servers can be restarted (:data:`RESTARTABLE`): 5 (normal) is the ordinary case; 2 (abnormal) because a
restart is the documented remedy for a misbehaving server; 10 (shut down) because a restart boots it again; 12
(shutdown failed) because a restart is how a stuck server is recovered. Refused, per job: 8 (frozen) with
``CPS.1028``; 0/1/3/4 (being created), 11 (shutting down), 13 (starting) and any server whose restart job is still
running with ``CPS.9001`` — the last rule is what keeps a retried request from restarting a server twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import Any

from cph._catalog import Catalog
from cph.mock._clock import Clock
from cph.mock._config import MockConfig
from cph.mock._fleet import (
    JOB_FAILED,
    JOB_RUNNING,
    JOB_SUCCEEDED,
    Job,
    Server,
    generate_fleet,
)

RESTARTABLE = frozenset({5, 2, 10, 12})
FROZEN = 8
CREATING = frozenset({0, 1, 3, 4})
NORMAL = 5
ABNORMAL = 2

_JOB_FAILURE_CODE = "CPS.0003"
UNKNOWN_SERVER = "CPS.0016"
SERVER_FROZEN = "CPS.1028"
SERVER_BUSY = "CPS.9001"
_NONE_FAILED: frozenset[int] = frozenset()
_ACTIVE_JOB = attrgetter("active_job")
_STATUS = attrgetter("status")
_SERVER_ID = attrgetter("server_id")
_KEY_DIGITS = 24
_INDEX_BITS = 0xFFFFFFFF
_INDEX_MULTIPLIER = 0x9E3779B1
"""Odd, so ``index * M mod 2**32`` is a bijection: a job ID's last 8 hex digits are ``index * M mod 2**32``, decoded
with the multiplier's inverse. Batches are far smaller than 2**32 jobs (fleets are capped)."""
_INDEX_INVERSE = pow(_INDEX_MULTIPLIER, -1, 1 << 32)


def _index_suffix(index: int) -> str:
    """The last 8 hex digits of the ID of job ``index`` of a batch."""
    return f"{(index * _INDEX_MULTIPLIER) & _INDEX_BITS:08x}"


def utc_time(seconds: float) -> str:
    """Unix seconds as the spec's ``UtcTime``: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclass(slots=True)
class JobBatch:
    """The jobs one restart request created, in request order: job ``i`` restarts ``server_ids[i]``, has the ID
    :meth:`job_id` ``(i)`` and sequence number ``first_seq + i``. They share ``begin`` and ``end``; ``failed``
    holds the indexes of the jobs that end in failure."""

    key: str
    """24 random hex digits, unique among the batches the mock keeps: the first part of every job ID."""
    request_id: str
    first_seq: int
    begin: float
    end: float
    server_ids: tuple[str, ...]
    failed: frozenset[int]
    earlier: JobBatch | None = None
    """The previous batch of the same request ID, if any (only when :meth:`MockState.restart` is called directly
    with a repeated request ID; the app gives every request a fresh one)."""

    def __len__(self) -> int:
        return len(self.server_ids)

    def job_id(self, index: int) -> str:
        return self.key + _index_suffix(index)

    def job_ids(self) -> list[str]:
        return [self.key + _index_suffix(index) for index in range(len(self.server_ids))]

    def index_of(self, job_id: str) -> int | None:
        """The index of ``job_id`` in this batch (whose key it starts with), or ``None`` if it is none of its jobs."""
        try:
            index = (int(job_id[_KEY_DIGITS:], 16) * _INDEX_INVERSE) & _INDEX_BITS
        except ValueError:
            return None
        if index < len(self.server_ids) and self.job_id(index) == job_id:
            return index
        return None

    def status(self, index: int, now: float) -> int:
        if now < self.end:
            return JOB_RUNNING
        return JOB_FAILED if index in self.failed else JOB_SUCCEEDED


@dataclass(slots=True)
class ProjectState:
    """One project's servers (by ID, and newest first for listing) and its retained jobs: ``batches`` by key,
    ``batch_order`` oldest first (for retention), ``jobs_by_request`` the newest batch of each request (older ones
    via :attr:`JobBatch.earlier`), and ``job_count`` the number of jobs in them."""

    project_id: str
    account_state: str
    servers: dict[str, Server]
    newest_first: list[Server]
    batches: dict[str, JobBatch]
    batch_order: deque[JobBatch]
    jobs_by_request: dict[str, JobBatch]
    job_count: int = 0


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """A comparable picture of the whole state: per project, each server's (ID, visible status, running job,
    restart count) and every job ID. Two equal snapshots mean no request changed anything."""

    projects: tuple[tuple[str, str, tuple[tuple[str, int, str | None, int], ...], tuple[str, ...]], ...]


@dataclass(slots=True)
class RestartOutcome:
    """What RestartCloudPhoneServer decided, compactly: the distinct requested IDs in first-occurrence order, the
    job IDs of the accepted ones (in the same order), and the refused ones as ``{position: error code}``."""

    server_ids: list[str]
    job_ids: Sequence[str]
    refused: dict[int, str]

    def entries(self) -> Iterator[tuple[str, bool, str]]:
        """``(server_id, accepted, job ID if accepted else error code)`` per distinct requested server."""
        job_ids = iter(self.job_ids)
        for position, server_id in enumerate(self.server_ids):
            code = self.refused.get(position)
            if code is None:
                yield server_id, True, next(job_ids)
            else:
                yield server_id, False, code


class UnknownProjectError(KeyError):
    """The project is not one the mock knows (callers check the credential's project first)."""


class MockState:
    """The mock's data, shared by all requests (thread-safe).

    Built from a :class:`~cph.mock.MockConfig`: one :class:`ProjectState` per configured project with a fleet from
    the seed. ``restart``, ``show_job``, ``list_jobs`` and ``list_servers`` are the four operations; the other
    public methods are for tests and tools (inspect or set a server, snapshots, restart counts).
    """

    def __init__(self, config: MockConfig, clock: Clock, catalog: Catalog) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._job_duration = config.job_duration
        self._failure_rate = config.failure_rate
        self._max_jobs = config.max_jobs
        # Seeded generators: a reproducible simulation (same seed, same IDs and outcomes), not security.
        self._ids = random.Random(f"{config.seed}:jobs")  # noqa: S311
        self._outcomes = random.Random(f"{config.seed}:outcomes")  # noqa: S311
        self._seq = 0
        self._index_suffixes: list[str] = []
        now = clock()
        self._projects: dict[str, ProjectState] = {}
        for project in config.projects:
            rng = random.Random(f"{config.seed}:fleet:{project.project_id}")  # noqa: S311
            fleet = generate_fleet(project.project_id, project.fleet_size, rng, now)
            self._projects[project.project_id] = ProjectState(
                project_id=project.project_id,
                account_state=project.account_state,
                servers={server.server_id: server for server in fleet},
                newest_first=fleet,
                batches={},
                batch_order=deque(),
                jobs_by_request={},
            )
        self._job_errors = {
            code: catalog.entry(code, 200).message for code in (UNKNOWN_SERVER, SERVER_FROZEN, SERVER_BUSY)
        }
        self._failure_msg = catalog.entry(_JOB_FAILURE_CODE, 400).message

    # ---------------------------------------------------------------------------------------------- helpers
    def _project(self, project_id: str) -> ProjectState:
        try:
            return self._projects[project_id]
        except KeyError:
            raise UnknownProjectError(project_id) from None

    @staticmethod
    def _settle(server: Server, now: float) -> int:
        """Finish ``server``'s restart if its job has ended; return the status a client sees at ``now``."""
        job = server.active_job
        if job is None:
            return server.status
        if now >= job.end:
            server.status = NORMAL if job.succeeds else ABNORMAL
            server.update_time = job.end
            server.active_job = None
            return server.status
        return job.server_status(now)

    def _new_batch_key(self) -> str:
        """A fresh batch key, unique among the batches every project keeps."""
        while True:
            key = f"{self._ids.getrandbits(96):024x}"  # _KEY_DIGITS hex digits
            for project in self._projects.values():
                if key in project.batches:
                    break
            else:
                return key

    def _draw_failures(self, count: int) -> frozenset[int]:
        """Indexes of the ``count`` new jobs that will fail (one draw per job)."""
        rate = self._failure_rate
        draw = self._outcomes.random
        return frozenset(index for index in range(count) if draw() < rate)

    def _refusal(self, server: Server, now: float) -> str | None:
        """The per-job error code refusing a restart of ``server`` now, or ``None`` if it can be restarted."""
        status = self._settle(server, now)
        if server.active_job is not None:
            return SERVER_BUSY
        if status == FROZEN:
            return SERVER_FROZEN
        if status not in RESTARTABLE:
            return SERVER_BUSY
        return None

    # ---------------------------------------------------------------------------------------- the operations
    def restart(self, project_id: str, server_ids: Sequence[str], request_id: str) -> list[dict[str, str]]:
        """RestartCloudPhoneServer: one ``ServerJob`` entry per distinct ID, in first-occurrence order."""
        return [
            {"server_id": server_id, "job_id": value} if accepted else self._job_error(server_id, value)
            for server_id, accepted, value in self.restart_outcome(project_id, server_ids, request_id).entries()
        ]

    def restart_outcome(self, project_id: str, server_ids: Sequence[str], request_id: str) -> RestartOutcome:
        """RestartCloudPhoneServer as a :class:`RestartOutcome` (what :meth:`restart` reports, without a dict per
        entry: the app encodes the response straight from it)."""
        with self._lock:
            now = self._clock()
            project = self._project(project_id)
            lookup = project.servers.get
            distinct = list(dict.fromkeys(server_ids))  # first-occurrence order
            refused: dict[int, str] = {}
            # The common case — every server known, idle and restartable — decided in a few C-level passes.
            accepted = list(filter(None, map(lookup, distinct)))
            if not (
                len(accepted) == len(distinct)
                and not any(map(_ACTIVE_JOB, accepted))
                and RESTARTABLE.issuperset(map(_STATUS, accepted))
            ):
                accepted = []
                for position, server_id in enumerate(distinct):
                    server = lookup(server_id)
                    if server is None:
                        refused[position] = UNKNOWN_SERVER
                    elif (code := self._refusal(server, now)) is not None:
                        refused[position] = code
                    else:
                        accepted.append(server)
            job_ids = self._start_jobs(project, accepted, request_id, now) if accepted else ()
            return RestartOutcome(distinct, job_ids, refused)

    def job_error_message(self, code: str) -> str:
        """The catalog message of a per-job error code (``CPS.0016``, ``CPS.1028``, ``CPS.9001``)."""
        return self._job_errors[code]

    def _job_error(self, server_id: str, code: str) -> dict[str, str]:
        return {"server_id": server_id, "error_code": code, "error_msg": self._job_errors[code]}

    def _start_jobs(self, project: ProjectState, servers: list[Server], request_id: str, now: float) -> list[str]:
        """Create one job per server (all of one request, as one :class:`JobBatch`), update the servers, and return
        the job IDs."""
        count = len(servers)
        key = self._new_batch_key()
        failed = self._draw_failures(count) if self._failure_rate > 0 else _NONE_FAILED
        first_seq = self._seq + 1
        self._seq += count
        end = now + self._job_duration
        batch = JobBatch(key, request_id, first_seq, now, end, tuple(map(_SERVER_ID, servers)), failed)
        suffixes = self._index_suffixes  # computed once per index, then reused by every batch
        if len(suffixes) < count:
            suffixes.extend(_index_suffix(index) for index in range(len(suffixes), count))
        job_ids = list(map(key.__add__, suffixes[:count]))
        project.batches[key] = batch
        project.batch_order.append(batch)
        project.job_count += count
        batch.earlier = project.jobs_by_request.get(request_id)
        project.jobs_by_request[request_id] = batch
        if self._job_duration == 0:
            # The job is over as soon as it starts: settle each server at once, creating no per-job object.
            for server in servers:
                server.status = NORMAL
                server.update_time = now
                server.restart_count += 1
            for index in failed:
                servers[index].status = ABNORMAL
        else:
            project_id = project.project_id
            for index, server in enumerate(servers):
                server.active_job = Job(
                    job_ids[index], server.server_id, project_id, request_id, first_seq + index, now, end,
                    index not in failed,
                )  # fmt: skip
                server.update_time = now
                server.restart_count += 1
        if project.job_count > self._max_jobs:
            self._forget_old_jobs(project, now)
        return job_ids

    def _forget_old_jobs(self, project: ProjectState, now: float) -> None:
        """Retention: drop the oldest batches while the project keeps more than ``max_jobs`` jobs and they are over."""
        order = project.batch_order
        while project.job_count > self._max_jobs and order and order[0].end <= now:
            batch = order.popleft()
            project.job_count -= len(batch)
            del project.batches[batch.key]
            # The oldest batch of all is the oldest of its request: the end of that request's chain.
            newest = project.jobs_by_request[batch.request_id]
            if newest is batch:
                del project.jobs_by_request[batch.request_id]
            else:
                while newest.earlier is not batch and newest.earlier is not None:
                    newest = newest.earlier
                newest.earlier = None

    @staticmethod
    def _find_job(project: ProjectState, job_id: str) -> tuple[JobBatch, int] | None:
        batch = project.batches.get(job_id[:_KEY_DIGITS])
        index = None if batch is None or len(job_id) != _KEY_DIGITS + 8 else batch.index_of(job_id)
        return None if batch is None or index is None else (batch, index)

    def show_job(self, project_id: str, job_id: str) -> dict[str, Any] | None:
        """ShowJob's fields for ``job_id`` (``None`` values for unset fields), or ``None`` if there is no such job
        (never created, or forgotten by retention)."""
        with self._lock:
            found = self._find_job(self._project(project_id), job_id)
            return None if found is None else self._shown(*found, self._clock())

    def _shown(self, batch: JobBatch, index: int, now: float) -> dict[str, Any]:
        status = batch.status(index, now)
        failed = status == JOB_FAILED
        return {
            "job_id": batch.job_id(index),
            "server_id": batch.server_ids[index],
            "begin_time": utc_time(batch.begin),
            "end_time": None if status == JOB_RUNNING else utc_time(batch.end),
            "status": status,
            "error_code": _JOB_FAILURE_CODE if failed else None,
            "error_msg": self._failure_msg if failed else None,
            "execute_msg": None,
        }

    def list_jobs(
        self, project_id: str, request_ids: Iterable[str], offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """ListJobs: (total count, one page) of the jobs of ``request_ids``, in creation order, unset fields ``""``."""
        with self._lock:
            now = self._clock()
            by_request = self._project(project_id).jobs_by_request
            found: dict[int, JobBatch] = {}
            for request_id in request_ids:
                batch = by_request.get(request_id)
                while batch is not None:
                    found[batch.first_seq] = batch
                    batch = batch.earlier
            batches = [found[first_seq] for first_seq in sorted(found)]
            jobs = ((batch, index) for batch in batches for index in range(len(batch)))
            page = []
            for batch, index in islice(jobs, offset, offset + limit):
                status = batch.status(index, now)
                failed = status == JOB_FAILED
                page.append(
                    {
                        "job_id": batch.job_id(index),
                        "server_id": batch.server_ids[index],
                        "phone_id": "",
                        "begin_time": utc_time(batch.begin),
                        "end_time": "" if status == JOB_RUNNING else utc_time(batch.end),
                        "status": status,
                        "error_code": _JOB_FAILURE_CODE if failed else "",
                        "error_msg": self._failure_msg if failed else "",
                        "execute_msg": "",
                    }
                )
            return sum(len(batch) for batch in batches), page

    def list_servers(
        self,
        project_id: str,
        *,
        offset: int = 0,
        limit: int = 100,
        server_name: str | None = None,
        server_id: str | None = None,
        network_version: str | None = None,
        phone_model_name: str | None = None,
        create_since: int | None = None,
        create_until: int | None = None,
        status: int | None = None,
    ) -> tuple[int, list[dict[str, Any]]]:
        """ListCloudPhoneServers: (total matches, one page), newest first; ``status`` filters the visible status."""
        with self._lock:
            now = self._clock()
            matches: list[tuple[Server, int]] = []
            for server in self._project(project_id).newest_first:
                static = server.static
                if server_name is not None and server_name not in server.server_name:
                    continue
                if server_id is not None and server.server_id != server_id:
                    continue
                if network_version is not None and static["network_version"] != network_version:
                    continue
                if phone_model_name is not None and static["phone_model_name"] != phone_model_name:
                    continue
                if create_since is not None and server.create_time < create_since:
                    continue
                if create_until is not None and server.create_time > create_until:
                    continue
                visible = self._settle(server, now)
                if status is not None and visible != status:
                    continue
                matches.append((server, visible))
            page = [self._server_view(server, visible) for server, visible in matches[offset : offset + limit]]
            return len(matches), page

    @staticmethod
    def _server_view(server: Server, visible: int) -> dict[str, Any]:
        view = dict(server.static)
        view["status"] = visible
        view["create_time"] = utc_time(server.create_time)
        view["update_time"] = utc_time(server.update_time)
        return view

    # ----------------------------------------------------------------------------------------- introspection
    @property
    def project_ids(self) -> list[str]:
        return list(self._projects)

    def has_project(self, project_id: str) -> bool:
        return project_id in self._projects

    def account_state(self, project_id: str) -> str:
        """``normal``, ``arrears``, ``frozen`` or ``unverified``."""
        with self._lock:
            return self._project(project_id).account_state

    def set_account_state(self, project_id: str, state: str) -> None:
        """Change a project's account state at run time (tests)."""
        if state not in {"normal", "arrears", "frozen", "unverified"}:
            msg = f"unknown account state {state!r}"
            raise ValueError(msg)
        with self._lock:
            self._project(project_id).account_state = state

    def servers(self, project_id: str | None = None) -> list[dict[str, Any]]:
        """Every server of ``project_id`` (default: the first project) as ListCloudPhoneServers shows it."""
        pid = project_id or next(iter(self._projects))
        return self.list_servers(pid, limit=1 << 30)[1]

    def server_ids(self, project_id: str | None = None, *, status: int | None = None) -> list[str]:
        """IDs of the servers of ``project_id`` (default: the first project), optionally only those in ``status``."""
        return [s["server_id"] for s in self.servers(project_id) if status is None or s["status"] == status]

    def server_status(self, project_id: str, server_id: str) -> int:
        """The status a client would see for one server now."""
        with self._lock:
            return self._settle(self._project(project_id).servers[server_id], self._clock())

    def set_server_status(self, project_id: str, server_id: str, status: int) -> None:
        """Put a server into ``status`` (tests); cancels nothing, but a running restart keeps precedence."""
        with self._lock:
            self._project(project_id).servers[server_id].status = status

    def restart_count(self, server_id: str, project_id: str | None = None) -> int:
        """How many restarts of ``server_id`` were accepted so far."""
        with self._lock:
            projects = [self._project(project_id)] if project_id else list(self._projects.values())
            for project in projects:
                server = project.servers.get(server_id)
                if server is not None:
                    return server.restart_count
            return 0

    def restart_counts(self, project_id: str | None = None) -> dict[str, int]:
        """``{server_id: accepted restarts}`` for every server restarted at least once."""
        with self._lock:
            projects = [self._project(project_id)] if project_id else list(self._projects.values())
            return {
                server.server_id: server.restart_count
                for project in projects
                for server in project.newest_first
                if server.restart_count
            }

    def jobs(self, project_id: str | None = None) -> list[dict[str, Any]]:
        """Every retained job of ``project_id`` (default: the first project), in creation order, as ShowJob shows it."""
        pid = project_id or next(iter(self._projects))
        with self._lock:
            now = self._clock()
            return [
                self._shown(batch, index, now)
                for batch in self._project(pid).batch_order
                for index in range(len(batch))
            ]

    def snapshot(self) -> StateSnapshot:
        """A comparable picture of everything requests can change."""
        with self._lock:
            now = self._clock()
            projects = []
            for project in self._projects.values():
                servers = tuple(
                    (
                        server.server_id,
                        self._settle(server, now),
                        server.active_job.job_id if server.active_job else None,
                        server.restart_count,
                    )
                    for server in project.newest_first
                )
                job_ids = tuple(job_id for batch in project.batch_order for job_id in batch.job_ids())
                projects.append((project.project_id, project.account_state, servers, job_ids))
            return StateSnapshot(projects=tuple(projects))
