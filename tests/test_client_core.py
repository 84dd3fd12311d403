"""The client core without HTTP: the engine's decisions called directly, and flows driven by hand — a test plays the
driver, sending each yielded request its answer — so what an operation does is visible step by step."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from client_testkit import CREDS, FAST, PROJECT, REGION, error, hex_id, server_ids

from cph import Outcome, RestartResult, ServerResult
from cph import _operations as ops
from cph._operations import Answer, Engine, Gather, Send, Sleep
from cph_api.models import RestartCloudPhoneServerResponse

THROTTLED = "The throttling threshold has been reached: policy user over ratelimit,limit:5,time:1 second"


def engine() -> Engine:
    return Engine(
        region=REGION,
        endpoint=None,
        credentials=CREDS,
        project_id=None,
        concurrency=4,
        rate_limit=None,
        retry=FAST,
        catalog=None,
    )


def accepted(ids: list[str], request_id: str) -> httpx.Response:
    jobs = [{"server_id": s, "job_id": hex_id("a")} for s in ids]
    return httpx.Response(200, json={"request_id": request_id, "jobs": jobs}, headers={"X-Request-Id": request_id})


def answer(response: httpx.Response) -> Answer:
    parsed = RestartCloudPhoneServerResponse.from_dict(response.json()) if response.status_code == 200 else None
    return Answer(response.status_code, response.content, response.headers, parsed)


# ------------------------------------------------------------------------------------------- decisions, directly
def test_a_restart_answer_records_one_entry_per_server() -> None:
    ids = server_ids(3)
    run, _ = ops.new_run(ids, timeout=None, on_result=None, on_progress=None)
    rid = hex_id("b")
    body = {
        "request_id": rid,
        "jobs": [
            {"server_id": ids[0], "job_id": "j" * 32},
            {"server_id": ids[1], "error_code": "CPS.9001", "error_msg": "busy"},
            {"server_id": hex_id("9"), "job_id": "k" * 32},  # not sent: ignored
        ],
    }
    engine().record_answer(run, ids, RestartCloudPhoneServerResponse.from_dict(body), {})
    result = run.ledger.result()
    assert [(e.outcome, e.job_id, e.error_code, e.request_id) for e in result] == [
        (Outcome.ACCEPTED, "j" * 32, None, rid),
        (Outcome.REJECTED, None, "CPS.9001", rid),
        (Outcome.UNKNOWN, None, None, rid),  # left out of a 200: may have been restarted, looked for by ListJobs
    ]
    assert run.probes == {rid: [ids[2]]}


@pytest.mark.parametrize(
    ("outcome", "expected", "probe"),
    [
        (
            httpx.Response(
                500, json={"error_code": "APIGW.0601", "error_msg": "x"}, headers={"X-Request-Id": "r" * 32}
            ),
            Outcome.UNKNOWN,
            True,
        ),
        (httpx.ReadTimeout("lost"), Outcome.UNKNOWN, False),
        (httpx.Response(400, json={"error_code": "CPS.0016", "error_msg": "bad"}), Outcome.REJECTED, False),
    ],
    ids=["500-with-request-id", "read-timeout", "400"],
)
def test_what_a_failed_restart_records(outcome: httpx.Response | Exception, expected: Outcome, probe: bool) -> None:
    ids = server_ids(2)
    run, _ = ops.new_run(ids, timeout=None, on_result=None, on_progress=None)
    step = engine().restart_step(run, ids, 1, answer(outcome) if isinstance(outcome, httpx.Response) else outcome)
    assert step is None  # never resent
    assert {e.outcome for e in run.ledger.result()} == {expected}
    assert bool(run.probes) is probe


def test_a_throttled_restart_is_resent_while_the_deadline_allows_and_slows_the_client() -> None:
    ids = server_ids(1)
    eng = engine()
    run, _ = ops.new_run(ids, timeout=60, on_result=None, on_progress=None)
    throttled = answer(error(429, "APIGW.0308", THROTTLED))
    for attempt in range(1, 50):  # no attempt budget for throttling
        assert eng.restart_step(run, ids, attempt, throttled) == 0.0
    eng.pace(throttled, sent_at=0.0, operation="RestartCloudPhoneServer")
    assert eng.limiter.rate == pytest.approx(5 * 0.97 * 0.7, rel=0.05)  # cut below the limit the gateway named
    late, _ = ops.new_run(ids, timeout=0, on_result=None, on_progress=None)
    assert eng.restart_step(late, ids, 1, throttled) is None  # the deadline has passed: not restarted
    assert late.ledger.result().servers[0].outcome is Outcome.REJECTED


# -------------------------------------------------------------------------------------- flows, driven by hand
def drive(flow: ops.Flow[Any], answer_for: Any) -> tuple[Any, list[ops.Effect]]:
    """A driver for tests: every Send gets ``answer_for(request)``, sleeps are skipped, gathers run in order."""
    seen: list[ops.Effect] = []
    try:
        effect = flow.send(None)
        while True:
            seen.append(effect)
            if isinstance(effect, Send):
                request = httpx.Request(
                    effect.request["method"],
                    "https://cph.example" + effect.request["url"],
                    params=effect.request.get("params"),
                    json=effect.request.get("json"),
                )
                value: Any = answer_for(request)
                effect = flow.throw(value) if isinstance(value, Exception) else flow.send(value)
            elif isinstance(effect, Sleep):
                effect = flow.send(None)
            else:
                assert isinstance(effect, Gather)
                effect = flow.send([drive(sub, answer_for)[0] for sub in effect.flows])
    except StopIteration as done:
        return done.value, seen


def test_the_restart_flow_sends_batches_of_one_hundred_and_resends_a_throttled_one() -> None:
    ids = server_ids(150)
    sent: list[list[str]] = []
    throttled_once = [False]

    def cph(request: httpx.Request) -> httpx.Response:
        batch = json.loads(request.content)["server_ids"]
        sent.append(batch)
        if len(batch) == 50 and not throttled_once[0]:
            throttled_once[0] = True
            return error(429, "APIGW.0308", THROTTLED)
        return accepted(batch, hex_id("b"))

    eng = engine()
    run, batches = ops.new_run(ids, timeout=60, on_result=None, on_progress=None)
    result, _ = drive(ops.restart(eng, run, batches, wait=False, reconcile=True, verify_unknown=False), cph)
    assert [len(b) for b in sent] == [100, 50, 50]
    assert result.counts()["accepted"] == 150
    assert not run.unsent


def test_the_wait_flow_asks_about_every_request_of_an_earlier_run_in_one_call() -> None:
    rid1, rid2 = hex_id("b"), hex_id("b")
    earlier = RestartResult(
        (
            ServerResult(server_ids(2)[0], Outcome.ACCEPTED, "1" * 32, request_id=rid1),
            ServerResult(server_ids(2)[1], Outcome.ACCEPTED, "2" * 32, request_id=rid2),
        )
    )
    asked: list[str] = []

    def cph(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/v1/{PROJECT}/cloud-phone/jobs"  # ListJobs only: nothing is restarted
        request_ids = request.url.params["request_ids"]
        asked.append(request_ids)
        jobs = [
            {
                "job_id": job,
                "server_id": server,
                "status": 2,
                "begin_time": "2026-11-26T12:00:00Z",
                "end_time": "2026-11-26T12:00:01Z",
                "error_code": "",
                "error_msg": "",
            }
            for job, server, rid in (("1" * 32, server_ids(2)[0], rid1), ("2" * 32, server_ids(2)[1], rid2))
            if rid in request_ids.split(",")
        ]
        return httpx.Response(200, json={"request_id": "c" * 32, "count": len(jobs), "jobs": jobs})

    run = ops.resumed_run(earlier, timeout=60, on_result=None, on_progress=None)
    result, effects = drive(ops.wait(engine(), run), cph)
    assert asked == [f"{rid1},{rid2}"]  # accepted at an unknown time: all may have ended, so all are asked at once
    assert result.counts()["succeeded"] == 2
    assert result.waited
    assert not any(isinstance(e, Sleep) for e in effects)
