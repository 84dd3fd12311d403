"""What the mock CPH remembers: projects, their servers, and restart jobs.

Why lazy progress: a restart job's whole life (shutting down, starting, success or failure) is decided when it is
accepted — its begin and end times and its outcome. Every read derives the job's status and the server's status
from those and the injected clock, so no background task runs, a fake clock can step through the phases, and the
state stays consistent however requests interleave. All reads and writes hold one lock, so concurrent requests
never lose, duplicate or half-write a job.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cph._catalog import Catalog
from cph.mock._clock import Clock
from cph.mock._config import MockConfig
from cph.mock._fleet import Server, generate_fleet

RESTARTABLE = frozenset({5, 2, 10, 12})
FROZEN = 8
CREATING = frozenset({0, 1, 3, 4})
SHUTTING_DOWN = 11
STARTING = 13
NORMAL = 5
ABNORMAL = 2

JOB_RUNNING = 1
JOB_SUCCEEDED = 2
JOB_FAILED = -1

_JOB_FAILURE_CODE = "CPS.0003"


def utc_time(seconds: float) -> str:
    """Unix seconds as the spec's ``UtcTime``: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclass(slots=True)
class Job:
    """A restart job. Its whole future is fixed at creation: it runs from ``begin`` to ``end`` and then succeeds
    or fails according to ``succeeds``; while it runs the server shows 11 during the first half, 13 the second."""

    job_id: str
    server_id: str
    project_id: str
    request_id: str
    seq: int
    begin: float
    end: float
    succeeds: bool

    def status(self, now: float) -> int:
        if now < self.end:
            return JOB_RUNNING
        return JOB_SUCCEEDED if self.succeeds else JOB_FAILED

    def server_status(self, now: float) -> int:
        """The status the job gives its server at ``now`` (only meaningful while it runs)."""
        return SHUTTING_DOWN if now < (self.begin + self.end) / 2 else STARTING


@dataclass(slots=True)
class ProjectState:
    """One project's servers (by ID, and newest first for listing) and jobs (by ID, and by request)."""

    project_id: str
    account_state: str
    servers: dict[str, Server]
    newest_first: list[Server]
    jobs: dict[str, Job]
    jobs_by_request: dict[str, list[Job]]


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """A comparable picture of the whole state: per project, each server's (ID, visible status, running job,
    restart count) and every job ID. Two equal snapshots mean no request changed anything."""

    projects: tuple[tuple[str, str, tuple[tuple[str, int, str | None, int], ...], tuple[str, ...]], ...]


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
        # Seeded generators: a reproducible simulation (same seed, same IDs and outcomes), not security.
        self._ids = random.Random(f"{config.seed}:jobs")  # noqa: S311
        self._outcomes = random.Random(f"{config.seed}:outcomes")  # noqa: S311
        self._seq = 0
        self._job_ids: set[str] = set()
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
                jobs={},
                jobs_by_request={},
            )
        self._job_errors = {code: catalog.entry(code, 200).message for code in ("CPS.0016", "CPS.1028", "CPS.9001")}
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

    def _new_job_id(self) -> str:
        while True:
            job_id = f"{self._ids.getrandbits(128):032x}"
            if job_id not in self._job_ids:
                self._job_ids.add(job_id)
                return job_id

    # ---------------------------------------------------------------------------------------- the operations
    def restart(self, project_id: str, server_ids: Sequence[str], request_id: str) -> list[dict[str, str]]:
        """RestartCloudPhoneServer: one ``ServerJob`` entry per distinct ID, in first-occurrence order."""
        with self._lock:
            now = self._clock()
            project = self._project(project_id)
            seen: set[str] = set()
            entries: list[dict[str, str]] = []
            for server_id in server_ids:
                if server_id in seen:
                    continue
                seen.add(server_id)
                server = project.servers.get(server_id)
                if server is None:
                    entries.append(self._job_error(server_id, "CPS.0016"))
                    continue
                status = self._settle(server, now)
                if server.active_job is not None:
                    entries.append(self._job_error(server_id, "CPS.9001"))
                elif status == FROZEN:
                    entries.append(self._job_error(server_id, "CPS.1028"))
                elif status not in RESTARTABLE:
                    entries.append(self._job_error(server_id, "CPS.9001"))
                else:
                    job = self._start_job(project, server, request_id, now)
                    entries.append({"server_id": server_id, "job_id": job.job_id})
            return entries

    def _job_error(self, server_id: str, code: str) -> dict[str, str]:
        return {"server_id": server_id, "error_code": code, "error_msg": self._job_errors[code]}

    def _start_job(self, project: ProjectState, server: Server, request_id: str, now: float) -> Job:
        self._seq += 1
        job = Job(
            job_id=self._new_job_id(),
            server_id=server.server_id,
            project_id=project.project_id,
            request_id=request_id,
            seq=self._seq,
            begin=now,
            end=now + self._job_duration,
            succeeds=self._outcomes.random() >= self._failure_rate,
        )
        project.jobs[job.job_id] = job
        project.jobs_by_request.setdefault(request_id, []).append(job)
        server.active_job = job
        server.restart_count += 1
        server.update_time = now
        if self._job_duration == 0:
            self._settle(server, now)
        return job

    def show_job(self, project_id: str, job_id: str) -> dict[str, Any] | None:
        """ShowJob's fields for ``job_id`` (``None`` values for unset fields), or ``None`` if there is no such job."""
        with self._lock:
            now = self._clock()
            job = self._project(project_id).jobs.get(job_id)
            if job is None:
                return None
            status = job.status(now)
            failed = status == JOB_FAILED
            return {
                "job_id": job.job_id,
                "server_id": job.server_id,
                "begin_time": utc_time(job.begin),
                "end_time": None if status == JOB_RUNNING else utc_time(job.end),
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
            found: dict[str, Job] = {}
            for request_id in request_ids:
                for job in by_request.get(request_id, ()):
                    found[job.job_id] = job
            jobs = sorted(found.values(), key=lambda j: j.seq)
            page = []
            for job in jobs[offset : offset + limit]:
                status = job.status(now)
                failed = status == JOB_FAILED
                page.append(
                    {
                        "job_id": job.job_id,
                        "server_id": job.server_id,
                        "phone_id": "",
                        "begin_time": utc_time(job.begin),
                        "end_time": "" if status == JOB_RUNNING else utc_time(job.end),
                        "status": status,
                        "error_code": _JOB_FAILURE_CODE if failed else "",
                        "error_msg": self._failure_msg if failed else "",
                        "execute_msg": "",
                    }
                )
            return len(jobs), page

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
        """Every job of ``project_id`` (default: the first project), in creation order, as ShowJob shows it."""
        pid = project_id or next(iter(self._projects))
        with self._lock:
            job_ids = [job.job_id for job in sorted(self._project(pid).jobs.values(), key=lambda j: j.seq)]
        return [job for job in (self.show_job(pid, job_id) for job_id in job_ids) if job is not None]

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
                projects.append((project.project_id, project.account_state, servers, tuple(project.jobs)))
            return StateSnapshot(projects=tuple(projects))
