"""Helpers for the façade's unit tests: IDs, credentials, a fast retry policy and :class:`FakeCph`, a tiny in-memory
CPH behind respx routes (restart, ListJobs, ShowJob, ListCloudPhoneServers) whose answers tests can script."""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

from cph import AkSkCredentials, RetryPolicy, TokenCredentials

REGION = "cn-east-3"
BASE = "https://cph.cn-east-3.myhuaweicloud.com"
PROJECT = "0123456789abcdef0123456789abcdef"
AK = "AKTESTACCESSKEY00001"
SK = "SKtestSecretKeyValue0000000000000000000001"
TOKEN = "MIItesttokenvalue-secret-0123456789"
SECURITY_TOKEN = "securitytokenvalue-secret-9876"
CREDS = AkSkCredentials(AK, SK, project_id=PROJECT)
TOKEN_CREDS = TokenCredentials(TOKEN, project_id=PROJECT)
FAST = RetryPolicy(max_attempts=4, base_delay=0.0, max_delay=0.0)
SECRETS = (AK, SK, TOKEN, SECURITY_TOKEN)

RESTART_PATH = f"/v1/{PROJECT}/cloud-phone/servers/batch-restart"
JOBS_PATH = f"/v1/{PROJECT}/cloud-phone/jobs"
SERVERS_PATH = f"/v1/{PROJECT}/cloud-phone/servers"

_counter = itertools.count(1)


def hex_id(prefix: str = "") -> str:
    """A fresh 32-hex-character ID."""
    return f"{prefix}{next(_counter):0{32 - len(prefix)}x}"


def server_ids(n: int) -> list[str]:
    return [f"5e{i:030x}" for i in range(n)]


def error(status: int, code: str, msg: str = "message.", request_id: str | None = None) -> httpx.Response:
    rid = request_id or hex_id("e")
    return httpx.Response(
        status, json={"request_id": rid, "error_code": code, "error_msg": msg}, headers={"X-Request-Id": rid}
    )


@dataclass
class FakeJob:
    job_id: str
    server_id: str
    request_id: str
    polls_left: int
    succeeds: bool = True
    begin: datetime = field(default_factory=lambda: datetime.now(UTC))
    end: datetime | None = None

    def status(self) -> int:
        if self.polls_left > 0:
            return 1
        if self.end is None:
            self.end = datetime.now(UTC)  # real times: the client learns how long restarts take from them
        return 2 if self.succeeds else -1

    def as_list_item(self) -> dict[str, Any]:
        status = self.status()
        return {
            "job_id": self.job_id,
            "server_id": self.server_id,
            "phone_id": "",
            "begin_time": f"{self.begin:%Y-%m-%dT%H:%M:%S.%fZ}",
            "end_time": "" if self.end is None else f"{self.end:%Y-%m-%dT%H:%M:%S.%fZ}",
            "status": status,
            "error_code": "CPS.0003" if status == -1 else "",
            "error_msg": "Service internal error." if status == -1 else "",
            "execute_msg": "",
        }


Script = Callable[[httpx.Request], httpx.Response] | httpx.Response | Exception


@dataclass
class FakeCph:
    """In-memory CPH. ``restart_script``/``jobs_script`` are queues of answers used before the normal behaviour
    (an ``httpx.Response``, an exception to raise, or ``"apply"`` + a response: carry out, then answer with it)."""

    router: respx.MockRouter
    job_polls: int = 1
    rejected: dict[str, tuple[str, str]] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    restart_script: deque[Any] = field(default_factory=deque)
    jobs_script: deque[Any] = field(default_factory=deque)
    servers_script: deque[Any] = field(default_factory=deque)
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    by_request: dict[str, list[FakeJob]] = field(default_factory=dict)
    restart_calls: list[list[str]] = field(default_factory=list)
    restart_counts: dict[str, int] = field(default_factory=dict)
    list_jobs_calls: list[dict[str, list[str]]] = field(default_factory=list)
    fleet: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.router.post(RESTART_PATH).mock(side_effect=self._restart)
        self.router.get(JOBS_PATH).mock(side_effect=self._list_jobs)
        self.router.get(url__regex=rf"{JOBS_PATH}/(?P<job_id>[0-9a-f]{{32}})$").mock(side_effect=self._show_job)
        self.router.get(SERVERS_PATH).mock(side_effect=self._list_servers)

    # ------------------------------------------------------------------------------------------- behaviour
    def apply(self, ids: list[str], request_id: str) -> list[dict[str, str]]:
        entries = []
        for server_id in dict.fromkeys(ids):
            if server_id in self.rejected:
                code, msg = self.rejected[server_id]
                entries.append({"server_id": server_id, "error_code": code, "error_msg": msg})
                continue
            job = FakeJob(hex_id("a"), server_id, request_id, self.job_polls, server_id not in self.failing)
            self.jobs[job.job_id] = job
            self.by_request.setdefault(request_id, []).append(job)
            self.restart_counts[server_id] = self.restart_counts.get(server_id, 0) + 1
            entries.append({"server_id": server_id, "job_id": job.job_id})
        return entries

    def _restart(self, request: httpx.Request) -> httpx.Response:
        ids = json.loads(request.content)["server_ids"]
        self.restart_calls.append(ids)
        request_id = hex_id("b")
        if self.restart_script:
            item = self.restart_script.popleft()
            if isinstance(item, tuple) and item[0] == "apply":
                self.apply(ids, item[1].headers.get("x-request-id") or request_id)
                item = item[1]
            if isinstance(item, Exception):
                raise item
            if callable(item):
                return item(request)
            return item
        jobs = self.apply(ids, request_id)
        return httpx.Response(200, json={"request_id": request_id, "jobs": jobs}, headers={"X-Request-Id": request_id})

    def _list_jobs(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode())
        self.list_jobs_calls.append(query)
        if self.jobs_script:
            item = self.jobs_script.popleft()
            if isinstance(item, Exception):
                raise item
            return item
        request_ids = query.get("request_ids", [""])[0].split(",")
        offset, limit = int(query.get("offset", ["0"])[0]), int(query.get("limit", ["100"])[0])
        found = [job for rid in request_ids for job in self.by_request.get(rid, [])]
        page = found[offset : offset + limit]
        items = [job.as_list_item() for job in page]
        if offset + limit >= len(found):  # a poll "ends" when its last page is read
            for job in found:
                job.polls_left -= 1
        rid = hex_id("c")
        return httpx.Response(
            200, json={"request_id": rid, "count": len(found), "jobs": items}, headers={"X-Request-Id": rid}
        )

    def _show_job(self, request: httpx.Request, job_id: str) -> httpx.Response:
        job = self.jobs.get(job_id)
        if job is None:
            return error(404, "CPS.0011", "Job not found.")
        item = job.as_list_item()
        rid = hex_id("d")
        body = {
            **item,
            "request_id": rid,
            "end_time": item["end_time"] or None,
            "error_code": item["error_code"] or None,
            "error_msg": item["error_msg"] or None,
            "execute_msg": None,
        }
        body.pop("phone_id")
        return httpx.Response(200, json=body, headers={"X-Request-Id": rid})

    def _list_servers(self, request: httpx.Request) -> httpx.Response:
        if self.servers_script:
            item = self.servers_script.popleft()
            if isinstance(item, Exception):
                raise item
            return item
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        servers = [
            s
            for s in self.fleet
            if ("server_id" not in query or s["server_id"] == query["server_id"])
            and ("status" not in query or str(s["status"]) == query["status"])
        ]
        offset, limit = int(query.get("offset", "0")), int(query.get("limit", "100"))
        rid = hex_id("f")
        return httpx.Response(
            200,
            json={"request_id": rid, "count": len(servers), "servers": servers[offset : offset + limit]},
            headers={"X-Request-Id": rid},
        )

    def add_fleet(self, ids: list[str], status: int = 5) -> None:
        for i, server_id in enumerate(ids):
            self.fleet.append({"server_id": server_id, "server_name": f"cph-{i:04d}", "status": status})
