"""Job tracking: the two job shapes normalised, when the tracker asks about which request (the oldest until a job
has ended, then each when its jobs should be done; 20 request IDs per call), and waiting through the client with
pagination, progress and a timeout (respx)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

sys.path.insert(0, str(Path(__file__).parent))

from client_testkit import BASE, CREDS, FAST, REGION, FakeCph, server_ids

from cph import CphClient, JobInfo, JobStatus, JobTracker, Outcome, Progress
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


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def rid(i: int) -> str:
    return f"{i:032x}"


def timed(job_id: str, server_id: str, seconds: int) -> JobInfo:
    return JobInfo(job_id, JobStatus.SUCCEEDED, server_id, "2026-11-26T12:00:00Z", f"2026-11-26T12:00:{seconds:02d}Z")


def test_until_a_job_has_ended_only_the_oldest_request_is_asked_about_at_growing_intervals() -> None:
    clock = Clock()
    tracker = JobTracker(first_poll=2.0, max_interval=4.0, clock=clock)
    for i in range(45):
        tracker.expect(rid(i), f"{i:031x}j", f"{i:031x}s", accepted_at=i * 0.1)
    assert tracker.queries() == []  # nothing is worth asking about before first_poll
    assert tracker.next_due() == 2.0
    clock.now = 6.0
    assert tracker.queries() == [[rid(0)]]
    tracker.update([running(f"{0:031x}j", f"{0:031x}s")], [rid(0)])
    assert tracker.next_due() == 8.5  # 6 + 2 * 1.25, and nobody else is asked before
    clock.now = 8.5
    assert tracker.queries() == [[rid(0)]]
    tracker.update([], [rid(0)])
    assert tracker.next_due() == pytest.approx(8.5 + 3.125)
    for _ in range(5):
        tracker.update([], [rid(0)])
    assert tracker.next_due() == pytest.approx(8.5 + 4.0)  # capped at max_interval


def test_the_first_ended_job_times_every_request_and_requests_are_packed_twenty_per_call() -> None:
    clock = Clock()
    tracker = JobTracker(first_poll=2.0, clock=clock)
    for i in range(45):
        tracker.expect(rid(i), f"{i:031x}j", f"{i:031x}s", accepted_at=i * 0.1)
    clock.now = 12.0
    ended_now, _ = tracker.update([timed(f"{0:031x}j", f"{0:031x}s", 10)], [rid(0)])
    assert [job.job_id for job in ended_now] == [f"{0:031x}j"]
    assert tracker.duration == 10.0
    assert tracker.next_due() == pytest.approx(0.1 + 10.2 + 0.25)  # request 1: accepted + duration + margin
    clock.now = 20.0
    assert [len(q) for q in tracker.queries()] == [20, 20, 4]  # all due now: 44 requests, 20 per call
    clock.now = 11.0
    assert tracker.queries() == [[rid(1), rid(2), rid(3), rid(4), rid(5)]]  # only those due by now


def test_tracker_reports_ended_jobs_and_forgets_their_requests() -> None:
    tracker = JobTracker(first_poll=0.0)
    tracker.expect("r1" + "0" * 30, J1, S1)
    tracker.expect("r2" + "0" * 30, J2, S2)
    assert tracker.update([running(J1, S1), ended(J2, S2)]) == ([ended(J2, S2)], [])
    assert tracker.queries() == [["r1" + "0" * 30]]
    assert tracker.running == {J1: S1}
    tracker.update([ended(J1, S1, JobStatus.FAILED)])
    assert tracker.done
    assert tracker.queries() == []
    assert tracker.next_due() is None


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


@pytest.fixture
def fake() -> Iterator[FakeCph]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield FakeCph(router)


def test_waiting_asks_only_when_jobs_should_have_ended_twenty_request_ids_per_call(fake: FakeCph) -> None:
    fake.job_polls = 1  # a job shows as running on the first poll that reads it, ended on the next
    seen: list[Progress] = []
    with CphClient(region=REGION, credentials=CREDS, retry=FAST, concurrency=1) as client:
        result = client.restart(server_ids(2500), wait=True, poll_interval=0, on_progress=seen.append)
    assert result.counts()["succeeded"] == 2500
    calls = fake.list_jobs_calls
    assert {c["limit"][0] for c in calls} == {"100"}
    assert max(len(c["request_ids"][0].split(",")) for c in calls) <= 20
    # The oldest request twice (running, then ended: now the duration is known), then every request twice
    # (25 pages of 100 jobs each time) — never 25 requests polled while nothing had ended yet.
    assert calls[0]["request_ids"] == calls[1]["request_ids"] == [result.request_ids[0]]
    assert len(calls) == 2 + 24 * 2
    waits = [p for p in seen if p.phase == "wait"]
    assert waits[-1].completed == 2500
    assert [p.completed for p in waits] == sorted(p.completed for p in waits)


def test_wait_timeout_stops_polling(fake: FakeCph) -> None:
    fake.job_polls = 10**9
    with CphClient(region=REGION, credentials=CREDS, retry=FAST) as client:
        result = client.restart(server_ids(2), wait=True, wait_timeout=0.0, poll_interval=5.0)
    assert result.timed_out
    assert fake.list_jobs_calls == []  # no job could have ended before the deadline: asking would move nothing
    assert [e.outcome for e in result] == [Outcome.ACCEPTED] * 2
