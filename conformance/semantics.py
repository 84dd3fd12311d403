"""Checks of the documented semantics that no schema can express, as small request scenarios.

Why scenarios and not per-response checks: "ListJobs by request_id lists *only* that request's jobs", "pages are
disjoint and together the whole list", "a job that ended stays ended", "21 request IDs are refused", "a stale
X-Sdk-Date is refused" — each needs requests the suite chooses and answers compared with each other. Every scenario
here sends few requests (a real account pays for each), restarts only allow-listed servers (each restart goes
through :func:`conformance.safety.guard`), and returns :class:`Verdict` objects the tests record under the check's
name; the rule, profile and source of each check are in :mod:`conformance.rules`.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance import transient
from conformance.jobs import same_id
from conformance.redact import Redactor
from conformance.report import FailureRecord
from conformance.rules import Profile
from conformance.safety import guard, is_restart_path
from conformance.target import Target

RESTART = "POST /v1/{project_id}/cloud-phone/servers/batch-restart"
SHOW_JOB = "GET /v1/{project_id}/cloud-phone/jobs/{job_id}"
LIST_JOBS = "GET /v1/{project_id}/cloud-phone/jobs"
LIST_SERVERS = "GET /v1/{project_id}/cloud-phone/servers"
MAX_REQUEST_IDS = 20  # ListJobs request_ids: "at most 20" (provider's ListJobs page)
STALE = dt.timedelta(minutes=20)  # beyond the gateway's ±15 minutes


@dataclass(slots=True)
class Verdict:
    """One judgement of ``check`` on ``operation``: ``failure`` is ``None`` when the rule held."""

    check: str
    operation: str
    failure: FailureRecord | None = None


@dataclass(slots=True)
class Exchange:
    """A response and what is needed to report it."""

    response: httpx.Response
    body: Any

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def error_code(self) -> str | None:
        code = self.body.get("error_code") if isinstance(self.body, dict) else None
        return code if isinstance(code, str) and code else None


@dataclass(slots=True)
class Restarted:
    """A 200 restart answer: request ID and ``{job_id: server_id}`` of the accepted entries."""

    request_id: str
    jobs: dict[str, str]
    rejected: dict[str, str] = field(default_factory=dict)
    """``{server_id: error_code}`` of the rejected entries."""


class Prober:
    """Sends the scenarios' requests: authenticated, rate-limited, transient answers resent, restarts guarded."""

    def __init__(self, target: Target, throttle: Any, redactor: Redactor, timeout: float) -> None:
        self.target = target
        self.throttle = throttle
        self.redactor = redactor
        self.client = httpx.Client(base_url=target.base_url, auth=target.auth, timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def path(self, suffix: str, project_id: str | None = None) -> str:
        return f"/v1/{project_id or self.target.project_id}/cloud-phone/{suffix}"

    def send(self, method: str, url: str, **kwargs: Any) -> Exchange:
        content = kwargs.get("content")
        if method == "POST" and is_restart_path(url):
            guard(method, url, content if isinstance(content, bytes) else b"", self.target)
        self.throttle()
        response = transient.send(self.client, method, url, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        return Exchange(response, body)

    def get(self, suffix: str, params: dict[str, Any] | None = None, project_id: str | None = None) -> Exchange:
        return self.send("GET", self.path(suffix, project_id), params=params or {})

    def restart(self, server_ids: list[str], project_id: str | None = None) -> Exchange:
        body = json.dumps({"server_ids": server_ids}).encode()
        headers = {"Content-Type": "application/json"}
        return self.send("POST", self.path("servers/batch-restart", project_id), content=body, headers=headers)

    def failure(self, check: str, operation: str, title: str, message: str, exchange: Exchange | None) -> Verdict:
        response = exchange.response if exchange is not None else None
        curl = ""
        if response is not None:
            request = response.request
            body = request.content.decode("utf-8", "replace") if request.content else None
            curl = self.redactor.curl(request.method, str(request.url), dict(request.headers), body)
        return Verdict(
            check,
            operation,
            FailureRecord(
                check=check,
                operation=operation,
                title=title,
                message=self.redactor.text(message),
                status=response.status_code if response is not None else None,
                response=self.redactor.text(response.text[:2000]) if response is not None else "",
                curl=curl,
            ),
        )


@contextmanager
def prober(target: Target, throttle: Any, redactor: Redactor, timeout: float) -> Iterator[Prober]:
    probe = Prober(target, throttle, redactor, timeout)
    try:
        yield probe
    finally:
        probe.close()


def restart(probe: Prober, server_ids: list[str]) -> Restarted | None:
    """Restart ``server_ids`` (allow-listed); ``None`` unless answered 200 with a jobs list."""
    exchange = probe.restart(server_ids)
    body = exchange.body
    if exchange.status != 200 or not isinstance(body, dict) or not isinstance(body.get("jobs"), list):
        return None
    jobs = {
        str(job["job_id"]): str(job.get("server_id"))
        for job in body["jobs"]
        if isinstance(job, dict) and isinstance(job.get("job_id"), str) and job["job_id"]
    }
    rejected = {
        str(job.get("server_id")): str(job.get("error_code"))
        for job in body["jobs"]
        if isinstance(job, dict) and not job.get("job_id")
    }
    return Restarted(str(body.get("request_id")), jobs, rejected)


def _listed(exchange: Exchange) -> list[dict[str, Any]] | None:
    body = exchange.body
    if exchange.status != 200 or not isinstance(body, dict) or not isinstance(body.get("jobs"), list):
        return None
    return [job for job in body["jobs"] if isinstance(job, dict)]


# ------------------------------------------------------------------------------------------------ list filters
def list_filters(probe: Prober, first: Restarted, second: Restarted) -> list[Verdict]:
    """``request_id`` lists exactly that request's jobs; ``request_ids`` exactly those requests'; with both,
    ``request_ids`` wins (all three documented on the provider's ListJobs page)."""
    check = "cph_list_filter"
    cases = [
        ({"request_id": first.request_id}, set(first.jobs), "request_id"),
        ({"request_ids": f"{first.request_id},{second.request_id}"}, set(first.jobs) | set(second.jobs), "request_ids"),
        ({"request_id": first.request_id, "request_ids": second.request_id}, set(second.jobs), "both"),
    ]
    verdicts = []
    for params, expected, what in cases:
        exchange = probe.get("jobs", {**params, "limit": 100})
        listed = _listed(exchange)
        if listed is None:
            verdicts.append(
                probe.failure(check, LIST_JOBS, "ListJobs by request ID failed", f"HTTP {exchange.status}", exchange)
            )
            continue
        got = {str(job.get("job_id")) for job in listed}
        extra, missing = sorted(got - expected), sorted(expected - got)
        if extra or missing:
            verdicts.append(
                probe.failure(
                    check,
                    LIST_JOBS,
                    f"ListJobs {what} filter not honoured",
                    f"{params}: listed {len(extra)} job(s) of other requests {extra[:3]}, missed {missing[:3]}",
                    exchange,
                )
            )
        else:
            verdicts.append(Verdict(check, LIST_JOBS))
    return verdicts


def list_jobs_pages(probe: Prober, requests: list[Restarted], profile: Profile) -> list[Verdict]:
    """Pages of one job (``limit=1``) over the jobs of ``requests``: each at most one job, no job twice, together
    all of them, an empty page past the end; ``count`` (strict) the total on every page."""
    request_ids = ",".join(r.request_id for r in requests)
    expected = {job for r in requests for job in r.jobs}
    seen: list[str] = []
    counts: set[object] = set()
    verdicts: list[Verdict] = []
    for offset in range(len(expected) + 1):
        exchange = probe.get("jobs", {"request_ids": request_ids, "limit": 1, "offset": offset})
        listed = _listed(exchange)
        if listed is None:
            return [
                probe.failure(
                    "cph_list_pagination", LIST_JOBS, "ListJobs page failed", f"HTTP {exchange.status}", exchange
                )
            ]
        counts.add(exchange.body.get("count"))
        if len(listed) > 1:
            return [
                probe.failure(
                    "cph_list_pagination",
                    LIST_JOBS,
                    "ListJobs page longer than limit",
                    f"limit=1 offset={offset} listed {len(listed)} jobs",
                    exchange,
                )
            ]
        seen += [str(job.get("job_id")) for job in listed]
    problems = []
    if len(seen) != len(set(seen)):
        problems.append(f"a job appeared on two pages: {sorted({j for j in seen if seen.count(j) > 1})[:3]}")
    if set(seen) != expected:
        problems.append(f"pages together listed {sorted(set(seen))[:4]}..., expected {sorted(expected)[:4]}...")
    if problems:
        verdicts.append(
            probe.failure(
                "cph_list_pagination", LIST_JOBS, "ListJobs offset/limit pages wrong", "; ".join(problems), None
            )
        )
    else:
        verdicts.append(Verdict("cph_list_pagination", LIST_JOBS))
    if profile == "strict":
        if counts != {len(expected)}:
            verdicts.append(
                probe.failure(
                    "cph_list_count",
                    LIST_JOBS,
                    "ListJobs count is not the total",
                    f"count on the pages: {sorted(map(str, counts))}, jobs matching: {len(expected)}",
                    None,
                )
            )
        else:
            verdicts.append(Verdict("cph_list_count", LIST_JOBS))
    return verdicts


def server_pages(probe: Prober) -> list[Verdict]:
    """ListCloudPhoneServers: ``count`` is the total on every page, pages are at most ``limit`` long and disjoint,
    and a page starting at ``count`` is empty (the provider documents offset, limit and count)."""
    check = "cph_list_pagination"
    first = probe.get("servers", {"limit": 2, "offset": 0})
    body = first.body
    if first.status != 200 or not isinstance(body, dict) or not isinstance(body.get("servers"), list):
        return [probe.failure(check, LIST_SERVERS, "ListCloudPhoneServers failed", f"HTTP {first.status}", first)]
    count = body.get("count")
    if not isinstance(count, int):
        return [Verdict(check, LIST_SERVERS)]  # nothing to page against
    second = probe.get("servers", {"limit": 2, "offset": 2})
    past = probe.get("servers", {"limit": 2, "offset": max(count, 0)})
    problems = []
    pages = [first, second, past]
    for page in pages:
        servers = page.body.get("servers") if isinstance(page.body, dict) else None
        if page.status != 200 or not isinstance(servers, list):
            problems.append(f"a page answered HTTP {page.status}")
            continue
        if len(servers) > 2:
            problems.append(f"limit=2 listed {len(servers)} servers")
        if page.body.get("count") != count:
            problems.append(f"count changed between pages: {count} then {page.body.get('count')}")
    ids = [
        [str(s.get("server_id")) for s in page.body.get("servers", []) if isinstance(s, dict)]
        for page in pages
        if isinstance(page.body, dict)
    ]
    if len(ids) == 3:
        if set(ids[0]) & set(ids[1]):
            problems.append(f"pages 1 and 2 share servers {sorted(set(ids[0]) & set(ids[1]))}")
        if ids[2]:
            problems.append(f"offset=count ({count}) still listed {len(ids[2])} server(s)")
        expected_first = min(count, 2)
        if len(ids[0]) != expected_first:
            problems.append(f"count={count} but the first page of limit 2 listed {len(ids[0])}")
    if problems:
        return [probe.failure(check, LIST_SERVERS, "ListCloudPhoneServers pages wrong", "; ".join(problems), second)]
    return [Verdict(check, LIST_SERVERS)]


def request_id_maximum(probe: Prober) -> list[Verdict]:
    """``request_ids`` takes at most 20 IDs: 20 unknown IDs list nothing (200), 21 are refused (4xx)."""
    check = "cph_list_maximum"
    verdicts = []
    twenty = ",".join(secrets.token_hex(16) for _ in range(MAX_REQUEST_IDS))
    exchange = probe.get("jobs", {"request_ids": twenty})
    if exchange.status != 200:
        verdicts.append(
            probe.failure(check, LIST_JOBS, "20 request IDs refused", f"HTTP {exchange.status}, expected 200", exchange)
        )
    else:
        verdicts.append(Verdict(check, LIST_JOBS))
    many = ",".join(secrets.token_hex(16) for _ in range(MAX_REQUEST_IDS + 1))
    exchange = probe.get("jobs", {"request_ids": many})
    if not 400 <= exchange.status < 500:
        verdicts.append(
            probe.failure(
                check, LIST_JOBS, "21 request IDs accepted", f"HTTP {exchange.status}, expected 4xx", exchange
            )
        )
    else:
        verdicts.append(Verdict(check, LIST_JOBS))
    return verdicts


# ------------------------------------------------------------------------------------------------ agreement
def agreement(probe: Prober, restarted: Restarted) -> list[Verdict]:
    """ShowJob and ListJobs report each job with the job_id and server_id its restart answered."""
    check = "cph_job_agreement"
    verdicts = []
    listed = _listed(probe.get("jobs", {"request_id": restarted.request_id, "limit": 100})) or []
    by_id = {str(job.get("job_id")): job for job in listed}
    for job_id, server_id in restarted.jobs.items():
        shown = probe.get(f"jobs/{job_id}")
        body = shown.body if isinstance(shown.body, dict) else {}
        problems = []
        if shown.status != 200:
            problems.append(f"ShowJob answered HTTP {shown.status}")
        else:
            if body.get("job_id") != job_id:
                problems.append(f"ShowJob job_id {body.get('job_id')!r}")
            if body.get("server_id") not in (None, "") and not same_id(str(body.get("server_id")), server_id):
                problems.append(f"ShowJob server_id {body.get('server_id')!r}")
        entry = by_id.get(job_id)
        listed_server = entry.get("server_id") if entry is not None else None
        if listed_server not in (None, "") and not same_id(str(listed_server), server_id):
            problems.append(f"ListJobs server_id {listed_server!r}")
        if problems:
            message = f"job {job_id} was restarted for server {server_id}; " + ", ".join(problems)
            verdicts.append(
                probe.failure(check, SHOW_JOB, "ShowJob/ListJobs disagree with the restart", message, shown)
            )
        else:
            verdicts.append(Verdict(check, SHOW_JOB))
    return verdicts


def busy_server(probe: Prober, server_id: str) -> list[Verdict]:
    """Restart ``server_id`` twice in a row: while the first job runs, the second is refused per job (CPS.9001).
    Inconclusive (not counted) when the first job has already ended by the time of the second answer."""
    check = "cph_busy_server"
    first = restart(probe, [server_id])
    if first is None or not first.jobs:
        return []
    exchange = probe.restart([server_id])
    second = exchange.body if isinstance(exchange.body, dict) else {}
    entries = [job for job in second.get("jobs") or [] if isinstance(job, dict)]
    job_id = next(iter(first.jobs))
    shown = probe.get(f"jobs/{job_id}")
    still_running = isinstance(shown.body, dict) and shown.body.get("status") == 1
    if exchange.status != 200 or not entries:
        return [
            probe.failure(
                check, RESTART, "restart of a busy server not answered 200", f"HTTP {exchange.status}", exchange
            )
        ]
    entry = entries[0]
    if entry.get("job_id"):
        if still_running:
            return [
                probe.failure(
                    check,
                    RESTART,
                    "busy server restarted again",
                    f"job {job_id} of server {server_id} was still running, yet a second restart got job "
                    f"{entry.get('job_id')}",
                    exchange,
                )
            ]
        return []
    if entry.get("error_code") != "CPS.9001":
        return [
            probe.failure(
                check,
                RESTART,
                "busy server refused with another code",
                f"expected per-job CPS.9001, got {entry.get('error_code')!r}",
                exchange,
            )
        ]
    return [Verdict(check, RESTART)]


# ------------------------------------------------------------------------------------------------ IDs, projects
def other_project(probe: Prober, profile: Profile, allowed: str | None) -> list[Verdict]:
    """A project other than the credentials': refused (provider: any 4xx; strict: 400 CPS.0001). The restart names
    only an allow-listed server, so even an endpoint that ignored the project could restart nothing else."""
    other = secrets.token_hex(16)
    exchanges = [(LIST_SERVERS, probe.get("servers", {"limit": 1}, project_id=other))]
    if allowed is not None:
        exchanges.append((RESTART, probe.restart([allowed], project_id=other)))
    verdicts = []
    for operation, exchange in exchanges:
        if not 400 <= exchange.status < 500:
            verdicts.append(
                probe.failure(
                    "cph_other_project_refused",
                    operation,
                    "another project's resources answered",
                    f"project {other} (not the credentials') answered HTTP {exchange.status}",
                    exchange,
                )
            )
            continue
        verdicts.append(Verdict("cph_other_project_refused", operation))
        if profile == "strict":
            if (exchange.status, exchange.error_code) != (400, "CPS.0001"):
                verdicts.append(
                    probe.failure(
                        "cph_other_project",
                        operation,
                        "another project not refused with 400 CPS.0001",
                        f"HTTP {exchange.status} {exchange.error_code!r}",
                        exchange,
                    )
                )
            else:
                verdicts.append(Verdict("cph_other_project", operation))
    return verdicts


def server_id_format(probe: Prober, allowed: str) -> list[Verdict]:
    """Strict: an upper-case spelling of a real server's ID is refused (400 CPS.0016: IDs are lower-case hex) and
    a fresh random ID is answered per job with CPS.0016. (Safe on a real account: the upper-case ID names an
    allow-listed server, the random one no server; both pass the guard.)"""
    check = "cph_server_id_format"
    verdicts = []
    upper = probe.restart([allowed.upper()])
    if (upper.status, upper.error_code) != (400, "CPS.0016"):
        verdicts.append(
            probe.failure(
                check,
                RESTART,
                "upper-case server ID not refused with 400 CPS.0016",
                f"HTTP {upper.status} {upper.error_code!r}",
                upper,
            )
        )
    else:
        verdicts.append(Verdict(check, RESTART))
    unknown = secrets.token_hex(16)
    with probe_id(probe.target, unknown):
        exchange = probe.restart([unknown])
    entries = exchange.body.get("jobs") if isinstance(exchange.body, dict) else None
    entry = entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}
    if exchange.status != 200 or entry.get("job_id") or entry.get("error_code") != "CPS.0016":
        verdicts.append(
            probe.failure(
                check,
                RESTART,
                "unknown server ID not refused per job with CPS.0016",
                f"HTTP {exchange.status}, entry {entry!r}",
                exchange,
            )
        )
    else:
        verdicts.append(Verdict(check, RESTART))
    return verdicts


@contextmanager
def probe_id(target: Target, server_id: str) -> Iterator[None]:
    """Let the guard pass ``server_id`` — a fresh random ID, which names no server — for the block."""
    target.probe_ids.add(server_id)
    try:
        yield
    finally:
        target.probe_ids.discard(server_id)


# ------------------------------------------------------------------------------------------------ gateway auth
def gateway_auth(probe: Prober) -> list[Verdict]:
    """AK/SK only: a request signed with an ``X-Sdk-Date`` 20 minutes old, and one whose body differs from the
    signed one, are refused with 401. Both are reads or name only allow-listed servers."""
    verdicts = []
    url = probe.target.base_url + probe.path("servers")
    stale = (dt.datetime.now(dt.UTC) - STALE).strftime("%Y%m%dT%H%M%SZ")
    request = httpx.Request("GET", url, params={"limit": 1}, headers={"X-Sdk-Date": stale})
    exchange = _send_signed(probe, request)
    if exchange.status != 401:
        verdicts.append(
            probe.failure(
                "cph_auth_date",
                LIST_SERVERS,
                "stale X-Sdk-Date accepted",
                f"signed with X-Sdk-Date {stale} (20 min old), answered HTTP {exchange.status}",
                exchange,
            )
        )
    else:
        verdicts.append(Verdict("cph_auth_date", LIST_SERVERS))
    allowed = sorted(probe.target.allowlist)
    if allowed:
        # Same length and meaning, different bytes: only the payload hash can tell them apart.
        signed_body = f'{{"server_ids": ["{allowed[0]}"]}}'.encode()
        sent_body = f'{{"server_ids" :["{allowed[0]}"]}}'.encode()
        url = probe.target.base_url + probe.path("servers/batch-restart")
        guard("POST", url, sent_body, probe.target)
        request = httpx.Request("POST", url, content=signed_body, headers={"Content-Type": "application/json"})
        exchange = _send_signed(probe, request, replace_body=sent_body)
        if exchange.status != 401:
            verdicts.append(
                probe.failure(
                    "cph_auth_payload",
                    RESTART,
                    "body not matching the signed payload hash accepted",
                    f"signed {signed_body!r}, sent {sent_body!r}: HTTP {exchange.status}",
                    exchange,
                )
            )
        else:
            verdicts.append(Verdict("cph_auth_payload", RESTART))
    return verdicts


def _send_signed(probe: Prober, request: httpx.Request, replace_body: bytes | None = None) -> Exchange:
    flow = probe.target.auth.sync_auth_flow(request)
    signed = next(flow)
    flow.close()
    if replace_body is not None:
        signed = httpx.Request(signed.method, signed.url, headers=signed.headers, content=replace_body)
    probe.throttle()
    with httpx.Client(timeout=probe.client.timeout, trust_env=not probe.target.embedded) as raw:
        response = raw.send(signed)
    try:
        body = response.json()
    except ValueError:
        body = None
    return Exchange(response, body)


def lockout(probe: Prober) -> list[Verdict]:
    """``--risky`` only: six requests with a wrong signature, then a correct one: the AK is locked (401 whose
    message says so). Locks the AK for 5 minutes on a real account — and on the mock."""
    url = probe.target.base_url + probe.path("servers")
    for _ in range(6):
        request = httpx.Request("GET", url, params={"limit": 1})
        flow = probe.target.auth.sync_auth_flow(request)
        signed = next(flow)
        flow.close()
        header = signed.headers.get("authorization", "")
        signed.headers["authorization"] = header[:-4] + ("0000" if not header.endswith("0000") else "1111")
        probe.throttle()
        with httpx.Client(timeout=probe.client.timeout) as raw:
            raw.send(signed)
    exchange = probe.get("servers", {"limit": 1})
    message = str(exchange.body.get("error_msg", "")) if isinstance(exchange.body, dict) else ""
    if exchange.status != 401 or "limit" not in message:
        return [
            probe.failure(
                "cph_auth_lockout",
                LIST_SERVERS,
                "AK not locked after 6 failed signatures",
                f"a correct signature then answered HTTP {exchange.status} {message!r}",
                exchange,
            )
        ]
    return [Verdict("cph_auth_lockout", LIST_SERVERS)]


def wait_idle(probe: Prober, job_ids: list[str], budget: float) -> None:
    """Wait (polling ShowJob) until ``job_ids`` have ended or ``budget`` seconds passed."""
    deadline = time.monotonic() + budget
    pending = list(job_ids)
    while pending and time.monotonic() < deadline:
        pending = [
            job
            for job in pending
            if (shown := probe.get(f"jobs/{job}")).status == 200
            and isinstance(shown.body, dict)
            and shown.body.get("status") == 1
        ]
        if pending:
            time.sleep(0.25)
