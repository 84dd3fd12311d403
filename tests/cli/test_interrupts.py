"""SIGINT and SIGTERM sent to a real ``cph restart`` / ``cph jobs --wait`` process against the mock served by uvicorn:
the process stops sending, prints every server the mock accepted with its request and job IDs, and exits 130 / 143;
``--output`` holds the same, line by line. Then ``jobs --wait --from`` and ``restart --from`` pick the run up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cph.mock import FaultConfig, MockConfig, MockServer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
BATCHES = 6


@pytest.fixture
def mock() -> Iterator[MockServer]:
    """Each request takes 0.4 s and each restart job 60 s, so a signal lands mid-run."""
    config = MockConfig.generate(
        seed=13,
        fleet_size=1000,
        job_duration=60.0,
        faults=FaultConfig(latency=0.4, operations=("RestartCloudPhoneServer",)),
    )
    with MockServer(config) as server:
        yield server


def env_for(mock: MockServer) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CPH_"))}
    return {
        **keep,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated"), keep.get("PYTHONPATH", "")]),
        "HUAWEICLOUD_SDK_AK": mock.config.ak,
        "HUAWEICLOUD_SDK_SK": mock.config.sk,
        "HUAWEICLOUD_SDK_PROJECT_ID": mock.config.project_id,
        "CPH_ENDPOINT": mock.url,
    }


def cph(mock: MockServer, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cph.cli", *args],
        env=env_for(mock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines_of(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def accepted_by_mock(mock: MockServer) -> dict[str, str]:
    """``{server_id: job_id}`` of every restart job the mock created."""
    return {job["server_id"]: job["job_id"] for job in mock.state.jobs()}


def assert_every_accepted_server_reported(mock: MockServer, stdout: str, output: Path) -> dict[str, dict[str, Any]]:
    printed = {entry["server_id"]: entry for entry in json.loads(stdout)["servers"]}
    recorded = {entry["server_id"]: entry for entry in lines_of(output)}
    jobs = accepted_by_mock(mock)
    assert jobs, "the signal came too late or too early: no batch was accepted"
    for server_id, job_id in jobs.items():
        for where in (printed, recorded):
            assert where[server_id]["job_id"] == job_id
            assert where[server_id]["request_id"]
            assert where[server_id]["outcome"] == "accepted"
    return printed


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_restart_prints_every_accepted_server(
    mock: MockServer, tmp_path: Path, signum: signal.Signals
) -> None:
    ids = mock.state.server_ids(status=5)[: BATCHES * 100]
    output = tmp_path / "run.jsonl"
    (tmp_path / "ids.txt").write_text("\n".join(ids), encoding="utf-8")
    proc = cph(mock, "restart", "-f", str(tmp_path / "ids.txt"), "--concurrency", "1", "--json", "-o", str(output))
    wait_for(lambda: len(lines_of(output)) >= 100)  # the first batch is answered; the next one is in flight
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, stderr
    printed = assert_every_accepted_server_reported(mock, stdout, output)
    assert len(printed) == len(ids), "every requested server is in the result"
    assert len(accepted_by_mock(mock)) < len(ids), "it stopped sending"
    assert f"interrupted ({signum.name})" in stderr
    assert mock.config.sk not in stdout + stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_wait_then_resume_and_rerun(mock: MockServer, tmp_path: Path, signum: signal.Signals) -> None:
    ids = mock.state.server_ids(status=5)[:250]
    output = tmp_path / "run.jsonl"
    proc = cph(mock, "restart", "--wait", "--json", "-o", str(output), *ids)
    wait_for(lambda: len(lines_of(output)) >= len(ids))  # every batch answered: now it polls jobs
    time.sleep(0.3)
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, stderr
    assert_every_accepted_server_reported(mock, stdout, output)

    # resume waiting on the same jobs (they still run: --timeout ends the wait, pending servers keep their IDs)
    resumed = cph(mock, "jobs", "--wait", "--from", str(output), "--timeout", "1", "--json")
    stdout, stderr = resumed.communicate(timeout=60)
    assert resumed.returncode == 1, stderr
    data = json.loads(stdout)
    assert data["timed_out"] is True
    assert {entry["server_id"]: entry["job_id"] for entry in data["servers"]} == accepted_by_mock(mock)

    # re-running the "unknown" ones sends nothing: they are restarting now
    counts_before = mock.state.restart_counts()
    rerun = cph(mock, "restart", "--from", str(output), "--outcome", "unknown,rejected", "--json")
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stderr
    assert "nothing to re-run" in stderr
    assert mock.state.restart_counts() == counts_before


def test_kill_9_leaves_every_answered_server_in_the_output_file(mock: MockServer, tmp_path: Path) -> None:
    ids = mock.state.server_ids(status=5)[: BATCHES * 100]
    output = tmp_path / "run.jsonl"
    (tmp_path / "ids.txt").write_text("\n".join(ids), encoding="utf-8")
    proc = cph(mock, "restart", "-f", str(tmp_path / "ids.txt"), "--concurrency", "1", "-o", str(output))
    wait_for(lambda: len(lines_of(output)) >= 200)
    proc.kill()
    proc.communicate(timeout=30)
    text = output.read_text(encoding="utf-8")
    assert text.endswith("\n"), "each line is written whole"
    recorded = {entry["server_id"]: entry for entry in lines_of(output)}
    jobs = accepted_by_mock(mock)
    assert all(recorded[server_id]["job_id"] == jobs[server_id] for server_id in recorded)
    assert len(set(jobs) - set(recorded)) <= 100, "at most the one batch in flight was not answered"
