"""MockState: restart rules, lazy job progress on a fake clock, listings, snapshots and thread safety."""

from __future__ import annotations

import re
import threading

import pytest
from cph_mock_testkit import PRIMARY, SECOND, START, make_config

from cph import load_catalog
from cph.mock import RESTARTABLE, FakeClock, MockState

REQ = "a" * 32


@pytest.fixture
def state(clock: FakeClock) -> MockState:
    return MockState(make_config(), clock, load_catalog())


def ids_with(state: MockState, status: int, project: str = PRIMARY) -> list[str]:
    found = state.server_ids(project, status=status)
    assert found, f"fleet has no server in status {status}"
    return found


def test_restart_accepts_and_collapses_duplicates_in_first_occurrence_order(state: MockState) -> None:
    a, b = ids_with(state, 5)[:2]
    jobs = state.restart(PRIMARY, [b, a, b, a, b], REQ)
    assert [j["server_id"] for j in jobs] == [b, a]
    assert all(set(j) == {"server_id", "job_id"} for j in jobs)
    assert state.restart_counts() == {a: 1, b: 1}


@pytest.mark.parametrize("status", sorted(RESTARTABLE))
def test_restartable_statuses(state: MockState, status: int) -> None:
    server = ids_with(state, 5)[0]
    state.set_server_status(PRIMARY, server, status)
    [job] = state.restart(PRIMARY, [server], REQ)
    assert "job_id" in job


@pytest.mark.parametrize(
    ("status", "code"),
    [(8, "CPS.1028"), (0, "CPS.9001"), (1, "CPS.9001"), (3, "CPS.9001"), (4, "CPS.9001"), (11, "CPS.9001"),
     (13, "CPS.9001")],
)  # fmt: skip
def test_refused_statuses_fail_only_their_own_entry(state: MockState, status: int, code: str) -> None:
    good, bad = ids_with(state, 5)[:2]
    state.set_server_status(PRIMARY, bad, status)
    messages = {e.code: e.message for e in load_catalog() if e.scope == "job"}
    jobs = state.restart(PRIMARY, [bad, good], REQ)
    assert jobs[0] == {"server_id": bad, "error_code": code, "error_msg": messages[code]}
    assert "job_id" in jobs[1]
    assert state.restart_count(bad) == 0


def test_unknown_and_other_projects_servers_are_cps_0016(state: MockState) -> None:
    foreign = state.server_ids(SECOND)[0]
    jobs = state.restart(PRIMARY, ["f" * 32, foreign], REQ)
    assert [j["error_code"] for j in jobs] == ["CPS.0016", "CPS.0016"]
    assert state.restart_count(foreign) == 0


def test_a_running_restart_blocks_a_second_one(state: MockState, clock: FakeClock) -> None:
    server = ids_with(state, 5)[0]
    [first] = state.restart(PRIMARY, [server], REQ)
    [second] = state.restart(PRIMARY, [server], "b" * 32)
    assert "job_id" in first
    assert second["error_code"] == "CPS.9001"
    clock.advance(10)
    [third] = state.restart(PRIMARY, [server], "c" * 32)
    assert "job_id" in third
    assert state.restart_count(server) == 2


def test_server_goes_5_11_13_5_and_job_1_to_2(state: MockState, clock: FakeClock) -> None:
    server = ids_with(state, 5)[0]
    [job] = state.restart(PRIMARY, [server], REQ)
    seen = []
    for _ in range(4):
        seen.append((state.server_status(PRIMARY, server), state.show_job(PRIMARY, job["job_id"])["status"]))
        clock.advance(4)
    assert seen == [(11, 1), (11, 1), (13, 1), (5, 2)]
    shown = state.show_job(PRIMARY, job["job_id"])
    assert shown["end_time"] is not None
    assert shown["error_code"] is None
    assert shown["execute_msg"] is None


def test_failed_job_leaves_server_abnormal(clock: FakeClock) -> None:
    state = MockState(make_config(failure_rate=1.0, job_duration=2), clock, load_catalog())
    server = ids_with(state, 5)[0]
    [job] = state.restart(PRIMARY, [server], REQ)
    clock.advance(2)
    shown = state.show_job(PRIMARY, job["job_id"])
    assert shown["status"] == -1
    assert (shown["error_code"], shown["error_msg"]) == ("CPS.0003", "Service internal error.")
    assert state.server_status(PRIMARY, server) == 2
    [listed] = state.list_jobs(PRIMARY, [REQ], 0, 100)[1]
    assert listed["error_code"] == "CPS.0003"


def test_failure_rate_is_seeded(clock: FakeClock) -> None:
    def outcomes() -> list[int]:
        state = MockState(make_config(failure_rate=0.5, job_duration=0), clock, load_catalog())
        jobs = state.restart(PRIMARY, ids_with(state, 5), REQ)
        return [state.show_job(PRIMARY, j["job_id"])["status"] for j in jobs]

    first = outcomes()
    assert first == outcomes()
    assert set(first) == {2, -1}


def test_zero_duration_jobs_finish_at_once(clock: FakeClock) -> None:
    state = MockState(make_config(job_duration=0), clock, load_catalog())
    server = ids_with(state, 5)[0]
    [job] = state.restart(PRIMARY, [server], REQ)
    assert state.show_job(PRIMARY, job["job_id"])["status"] == 2
    assert state.server_status(PRIMARY, server) == 5
    state.restart(PRIMARY, [server], "b" * 32)
    assert state.restart_count(server) == 2


def test_list_jobs_by_request_in_creation_order_with_paging(state: MockState, clock: FakeClock) -> None:
    servers = ids_with(state, 5)
    first = state.restart(PRIMARY, servers[:3], "1" * 32)
    second = state.restart(PRIMARY, servers[3:5], "2" * 32)
    count, jobs = state.list_jobs(PRIMARY, ["2" * 32, "1" * 32], 0, 100)
    assert count == 5
    assert [j["job_id"] for j in jobs] == [j["job_id"] for j in first + second]
    assert jobs[0]["end_time"] == ""
    assert jobs[0]["error_code"] == ""
    assert jobs[0]["phone_id"] == ""
    assert jobs[0]["begin_time"] == "2026-11-26T12:00:00Z"
    count, page = state.list_jobs(PRIMARY, ["1" * 32, "2" * 32], 1, 2)
    assert count == 5
    assert [j["job_id"] for j in page] == [j["job_id"] for j in jobs[1:3]]
    assert state.list_jobs(PRIMARY, ["3" * 32], 0, 100) == (0, [])
    assert state.list_jobs(SECOND, ["1" * 32], 0, 100) == (0, [])
    clock.advance(20)
    assert {j["status"] for j in state.list_jobs(PRIMARY, ["1" * 32], 0, 100)[1]} == {2}


def test_show_job_is_per_project(state: MockState) -> None:
    [job] = state.restart(PRIMARY, ids_with(state, 5)[:1], REQ)
    assert state.show_job(SECOND, job["job_id"]) is None
    assert state.show_job(PRIMARY, "0" * 32) is None


def test_list_servers_filters_and_pages(state: MockState) -> None:
    everything = state.servers(PRIMARY)
    assert len(everything) == 30
    assert [s["create_time"] for s in everything] == sorted((s["create_time"] for s in everything), reverse=True)
    count, page = state.list_servers(PRIMARY, offset=5, limit=10)
    assert count == 30
    assert page == everything[5:15]
    target = everything[3]
    assert state.list_servers(PRIMARY, server_id=target["server_id"]) == (1, [target])
    assert state.list_servers(PRIMARY, server_name="0004")[0] >= 1
    v2 = [s for s in everything if s["network_version"] == "v2"]
    assert state.list_servers(PRIMARY, network_version="v2") == (len(v2), v2)
    model = target["phone_model_name"]
    assert state.list_servers(PRIMARY, phone_model_name=model)[0] == sum(
        s["phone_model_name"] == model for s in everything
    )
    frozen = [s for s in everything if s["status"] == 8]
    assert state.list_servers(PRIMARY, status=8) == (len(frozen), frozen)
    assert state.list_servers(PRIMARY, create_since=int(START) + 1) == (0, [])
    assert state.list_servers(PRIMARY, create_until=0) == (0, [])
    assert state.list_servers(PRIMARY, create_until=int(START))[0] == 30


def test_listing_shows_restart_status(state: MockState, clock: FakeClock) -> None:
    server = ids_with(state, 5)[0]
    state.restart(PRIMARY, [server], REQ)
    assert state.list_servers(PRIMARY, status=11, server_id=server)[0] == 1
    clock.advance(6)
    assert state.list_servers(PRIMARY, status=13, server_id=server)[0] == 1


def test_snapshot_changes_only_when_state_changes(state: MockState) -> None:
    before = state.snapshot()
    state.list_servers(PRIMARY)
    state.list_jobs(PRIMARY, [REQ], 0, 100)
    state.restart(PRIMARY, ["f" * 32], REQ)
    assert state.snapshot() == before
    state.restart(PRIMARY, ids_with(state, 5)[:1], REQ)
    assert state.snapshot() != before


def test_account_state_can_change_at_run_time(state: MockState) -> None:
    assert state.account_state(PRIMARY) == "normal"
    state.set_account_state(PRIMARY, "frozen")
    assert state.account_state(PRIMARY) == "frozen"
    with pytest.raises(ValueError, match="unknown account state"):
        state.set_account_state(PRIMARY, "odd")


def test_concurrent_restarts_never_duplicate_or_lose_jobs(state: MockState) -> None:
    servers = ids_with(state, 5)
    results: list[list[dict[str, str]]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(40):
            ids = [servers[(n + i) % len(servers)], servers[(n * 3 + i) % len(servers)]]
            jobs = state.restart(PRIMARY, ids, f"{n:02d}{i:030d}")
            with lock:
                results.append(jobs)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [j for jobs in results for j in jobs if "job_id" in j]
    assert len(accepted) == len(servers)  # each server restarted exactly once: jobs run 10 s on a frozen clock
    assert len({j["job_id"] for j in accepted}) == len(accepted)
    assert sorted(state.restart_counts().values()) == [1] * len(servers)
    assert len(state.jobs(PRIMARY)) == len(accepted)


# ---------------------------------------------------------------------------------------------- job records
def test_job_ids_are_unique_and_each_finds_its_own_job(clock: FakeClock) -> None:
    state = MockState(make_config(job_duration=0), clock, load_catalog())
    servers = ids_with(state, 5)
    first = state.restart(PRIMARY, servers, "1" * 32)
    second = state.restart(PRIMARY, list(reversed(servers)), "2" * 32)
    job_ids = [j["job_id"] for j in first + second]
    assert len(set(job_ids)) == len(job_ids) == 2 * len(servers)
    assert all(re.fullmatch(r"[0-9a-f]{32}", job_id) for job_id in job_ids)
    for job in first + second:
        shown = state.show_job(PRIMARY, job["job_id"])
        assert shown is not None
        assert (shown["job_id"], shown["server_id"]) == (job["job_id"], job["server_id"])


def test_ids_close_to_a_real_job_id_are_unknown(state: MockState) -> None:
    [_, job] = state.restart(PRIMARY, ids_with(state, 5)[:2], REQ)
    job_id = job["job_id"]
    last = int(job_id[-8:], 16)
    assert job_id[-8:] != job_id[-8:].upper()
    for other in (
        job_id[:-8] + f"{(last + 1) % 2**32:08x}",  # the same request's key, another (absent) job
        job_id[:-8] + job_id[-8:].upper(),
        job_id[:-8] + "+" + job_id[-7:],
        job_id[:-1],
        job_id + "0",
    ):
        assert state.show_job(PRIMARY, other) is None, other
    assert state.show_job(PRIMARY, job_id) is not None


def test_same_seed_gives_the_same_job_ids(clock: FakeClock) -> None:
    def job_ids() -> list[str]:
        state = MockState(make_config(job_duration=0), clock, load_catalog())
        servers = ids_with(state, 5)
        return [j["job_id"] for r in range(3) for j in state.restart(PRIMARY, servers, f"{r:032d}")]

    assert job_ids() == job_ids()


def test_a_repeated_request_id_lists_the_jobs_of_every_call(state: MockState, clock: FakeClock) -> None:
    servers = ids_with(state, 5)
    first = state.restart(PRIMARY, servers[:2], REQ)
    clock.advance(20)
    second = state.restart(PRIMARY, servers[:3], REQ)
    count, jobs = state.list_jobs(PRIMARY, [REQ, REQ], 0, 100)
    assert count == 5
    assert [j["job_id"] for j in jobs] == [j["job_id"] for j in first + second]


# ------------------------------------------------------------------------------------------------- retention
def test_oldest_finished_requests_are_forgotten_beyond_max_jobs(clock: FakeClock) -> None:
    state = MockState(make_config(max_jobs=3, job_duration=0), clock, load_catalog())
    a, b, c, d = ids_with(state, 5)[:4]
    old = state.restart(PRIMARY, [a, b], "1" * 32)
    kept = state.restart(PRIMARY, [c], "2" * 32)
    assert len(state.jobs(PRIMARY)) == 3  # at the limit: nothing forgotten yet
    new = state.restart(PRIMARY, [d], "3" * 32)  # 4 jobs > 3: the oldest request goes, both its jobs at once
    assert [j["job_id"] for j in state.jobs(PRIMARY)] == [j["job_id"] for j in kept + new]
    assert all(state.show_job(PRIMARY, j["job_id"]) is None for j in old)
    assert state.list_jobs(PRIMARY, ["1" * 32], 0, 100) == (0, [])
    assert state.list_jobs(PRIMARY, ["1" * 32, "2" * 32, "3" * 32], 0, 100)[0] == 2
    assert state.snapshot().projects[0][3] == tuple(j["job_id"] for j in kept + new)
    assert state.restart_count(a) == 1  # forgetting a job changes nothing else
    assert state.show_job(PRIMARY, new[0]["job_id"]) is not None


def test_running_jobs_are_never_forgotten(clock: FakeClock) -> None:
    state = MockState(make_config(max_jobs=1, job_duration=10), clock, load_catalog())
    a, b, c = ids_with(state, 5)[:3]
    [first] = state.restart(PRIMARY, [a], "1" * 32)
    [second] = state.restart(PRIMARY, [b], "2" * 32)
    assert state.show_job(PRIMARY, first["job_id"])["status"] == 1  # over the limit, but still running
    assert state.show_job(PRIMARY, second["job_id"])["status"] == 1
    clock.advance(10)
    [third] = state.restart(PRIMARY, [c], "3" * 32)
    assert state.show_job(PRIMARY, first["job_id"]) is None
    assert state.show_job(PRIMARY, second["job_id"]) is None
    assert [j["job_id"] for j in state.jobs(PRIMARY)] == [third["job_id"]]
    assert state.server_status(PRIMARY, a) == 5


def test_forgetting_a_repeated_request_id_keeps_its_newer_jobs(clock: FakeClock) -> None:
    state = MockState(make_config(max_jobs=2, job_duration=0), clock, load_catalog())
    a, b, c = ids_with(state, 5)[:3]
    state.restart(PRIMARY, [a], REQ)
    later = state.restart(PRIMARY, [b], REQ)
    newest = state.restart(PRIMARY, [c], "2" * 32)
    count, jobs = state.list_jobs(PRIMARY, [REQ], 0, 100)
    assert count == 1
    assert [j["job_id"] for j in jobs] == [later[0]["job_id"]]
    assert [j["job_id"] for j in state.jobs(PRIMARY)] == [later[0]["job_id"], newest[0]["job_id"]]
