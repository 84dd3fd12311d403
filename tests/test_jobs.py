"""Job tracking: the two job shapes normalised, the tracker's queries (20 request IDs per call) and updates,
poll backoff, and waiting through the client with pagination, progress and a timeout (respx)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
import respx

sys.path.insert(0, str(Path(__file__).parent))

from client_testkit import BASE, CREDS, FAST, REGION, FakeCph, server_ids

from cph import CphClient, JobInfo, JobStatus, Outcome, Progress
from cph._jobs import JobTracker, poll_delays
from cph_api.models import Job, ShowJobResponse

J1, J2, J3 = "1" * 32, "2" * 32, "3" * 32
S1, S2, S3 = "a" * 32, "b" * 32, "c" * 32


def running(job_id: str, server_id: str) -> JobInfo:
    return JobInfo(job_id, JobStatus.RUNNING, server_id)


def ended(job_id: str, server_id: str, status: JobStatus = JobStatus.SUCCEEDED) -> JobInfo:
    return JobInfo(job_id, status, server_id)


def test_list_and_show_shapes_normalise_to_none() -> None:
    listed = Job.from_dict(
        {
            "job_id": J1,
            "server_id": S1,
            "phone_id": "",
            "begin_time": "2026-11-26T12:00:00Z",
            "end_time": "",
            "status": 1,
            "error_code": "",
            "error_msg": "",
            "execute_msg": "",
        }
    )
    shown = ShowJobResponse.from_dict(
        {
            "request_id": "r" * 32,
            "job_id": J1,
            "server_id": S1,
            "begin_time": "2026-11-26T12:00:00Z",
            "end_time": None,
            "status": -1,
            "error_code": "CPS.0003",
            "error_msg": "Service internal error.",
            "execute_msg": None,
        }
    )
    a, b = JobInfo.from_model(listed), JobInfo.from_model(shown)
    assert (a.end_time, a.error_code, a.done) == (None, None, False)
    assert (b.status, b.error_code, b.done) == (JobStatus.FAILED, "CPS.0003", True)
    assert b.to_dict()["state"] == "failed"


def test_tracker_queries_pack_twenty_request_ids() -> None:
    tracker = JobTracker()
    for i in range(45):
        tracker.expect(f"{i:032x}", f"{i:031x}j", f"{i:031x}s")
    assert [len(q) for q in tracker.queries()] == [20, 20, 5]
    assert not tracker.done


@pytest.mark.parametrize(
    ("count", "parallel", "sizes"),
    [(100, 8, [13] * 7 + [9]), (45, 8, [6] * 7 + [3]), (3, 8, [1, 1, 1]), (200, 8, [20] * 10), (45, 1, [20, 20, 5])],
)
def test_tracker_queries_spread_over_the_connections(count: int, parallel: int, sizes: list[int]) -> None:
    tracker = JobTracker()
    for i in range(count):
        tracker.expect(f"{i:032x}", f"{i:031x}j", f"{i:031x}s")
    groups = tracker.queries(parallel)
    assert [len(g) for g in groups] == sizes
    assert sorted(r for g in groups for r in g) == sorted(f"{i:032x}" for i in range(count))


def test_tracker_reports_ended_jobs_and_forgets_their_requests() -> None:
    tracker = JobTracker()
    tracker.expect("r1" + "0" * 30, J1, S1)
    tracker.expect("r2" + "0" * 30, J2, S2)
    assert tracker.update([running(J1, S1), ended(J2, S2)]) == ([ended(J2, S2)], [])
    assert tracker.queries() == [["r1" + "0" * 30]]
    assert tracker.running == {J1: S1}
    tracker.update([ended(J1, S1, JobStatus.FAILED)])
    assert tracker.done
    assert tracker.queries() == []


def test_tracker_finds_jobs_of_unresolved_servers_by_probing() -> None:
    probe = "p" * 32
    tracker = JobTracker()
    tracker.probe(probe, [S1, S2])
    assert tracker.done  # probes alone keep nothing going
    assert tracker.queries() == [[probe]]
    ended_now, found = tracker.update([running(J1, S1), ended(J2, S2), running(J3, S3)])
    assert ended_now == []
    assert [j.job_id for j in found] == [J1, J2]  # S3 was never unresolved: ignored
    assert tracker.running == {J1: S1}
    assert tracker.update([running(J1, S1)]) == ([], [])  # found once only
    tracker.forget_probes()
    assert tracker.queries() == []


def test_poll_delays_back_off_to_a_cap() -> None:
    assert list(islice(poll_delays(1.0, 3.0), 5)) == [1.0, 1.5, 2.25, 3.0, 3.0]
    assert list(islice(poll_delays(0.0, 3.0), 2)) == [0.0, 0.0]


@pytest.fixture
def fake() -> Iterator[FakeCph]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield FakeCph(router)


def test_waiting_polls_listjobs_twenty_request_ids_per_call_one_hundred_jobs_per_page(fake: FakeCph) -> None:
    fake.job_polls = 2
    seen: list[Progress] = []
    with CphClient(region=REGION, credentials=CREDS, retry=FAST, concurrency=1) as client:
        result = client.restart(server_ids(2500), wait=True, poll_interval=0, on_progress=seen.append)
    assert result.counts()["succeeded"] == 2500
    # 25 request IDs -> 2 groups per poll (20 + 5 request IDs) with 2000 and 500 jobs: 20 + 5 pages of 100.
    first_poll = fake.list_jobs_calls[:25]
    assert sorted(len(c["request_ids"][0].split(",")) for c in first_poll) == [5] * 5 + [20] * 20
    assert {c["limit"][0] for c in fake.list_jobs_calls} == {"100"}
    assert len(fake.list_jobs_calls) == 25 * 3  # three polls: running, running, ended (vs 7500 ShowJob calls)
    waits = [p for p in seen if p.phase == "wait"]
    assert [p.completed for p in waits] == [0, 0, 2500]


def test_wait_timeout_stops_polling(fake: FakeCph) -> None:
    fake.job_polls = 10**9
    with CphClient(region=REGION, credentials=CREDS, retry=FAST) as client:
        result = client.restart(server_ids(2), wait=True, wait_timeout=0.0, poll_interval=5.0)
    assert result.timed_out
    assert len(fake.list_jobs_calls) == 1
    assert [e.outcome for e in result] == [Outcome.ACCEPTED] * 2
