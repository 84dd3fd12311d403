"""What a user sees of a run: one line within seconds when the endpoint is dead, transient answers resent rather
than failed, dropped connections named, a dry run that claims nothing. Each runs the real entry point in a
subprocess against uvicorn on 127.0.0.1 (the fault-injecting mock where faults are needed)."""

from __future__ import annotations

import dataclasses
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance_testkit import REPO_ROOT, clean_environment, mock_config, run_suite

from cph.mock import MockServer

pytestmark = pytest.mark.integration

PROJECT = "0123456789abcdef0123456789abcdef"
SMALL = ("--max-examples", "3", "--stateful-examples", "2", "--job-timeout", "10")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def faulty_mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    config = mock_config()
    config = dataclasses.replace(config, faults=config.faults.model_copy(update=request.param))
    with MockServer(config) as server:
        yield server


def test_a_dead_port_fails_within_seconds_with_one_line(tmp_path: Path) -> None:
    env = clean_environment()
    env.update(CPH_CONFORMANCE_AK="AKAKAKAKAKAKAKAKAKAK", CPH_CONFORMANCE_SK="secret-value-123")
    port = _free_port()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "--base-url", f"http://127.0.0.1:{port}", "--project-id", PROJECT],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2
    assert elapsed < 30
    assert output.splitlines() == [output]
    assert output.startswith(f"conformance: cannot connect to http://127.0.0.1:{port}")
    assert "secret-value-123" not in output


def test_refused_credentials_fail_within_seconds_with_one_line(tmp_path: Path) -> None:
    with MockServer(mock_config()) as server:
        env = clean_environment()
        env.update(CPH_CONFORMANCE_AK=server.config.ak, CPH_CONFORMANCE_SK="not-the-secret-key")
        result = subprocess.run(
            [sys.executable, "-m", "conformance", "--base-url", server.url, "--project-id", server.config.project_id],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2
    assert output.splitlines() == [output]
    assert "refused the credentials" in output
    assert "APIGW.0301" in output


@pytest.mark.parametrize(
    "faulty_mock", [{"throttle_429_rate": 0.04, "error_503_rate": 0.03, "error_502_rate": 0.02}], indirect=True
)
def test_transient_answers_are_resent_and_reported_not_failed(faulty_mock: MockServer, tmp_path: Path) -> None:
    result = run_suite(faulty_mock, tmp_path / "reports", *SMALL)
    assert result.returncode == 0, result.describe()
    assert result.results["passed"] is True
    resent = result.results["transient_resent"]
    assert sum(resent.values()) > 0, "the faults should have caused resends"
    assert set(resent) <= {"429", "502", "503"}
    assert result.results["checks"]["cph_transient"]["failed"] == 0
    assert "transient answers resent" in (result.reports / "summary.txt").read_text()


@pytest.mark.parametrize(
    "faulty_mock", [{"drop_before_rate": 0.05, "operations": ("ListCloudPhoneServers",)}], indirect=True
)
def test_dropped_connections_are_reported_under_a_named_check(faulty_mock: MockServer, tmp_path: Path) -> None:
    result = run_suite(faulty_mock, tmp_path / "reports", *SMALL, "--operations", "ListCloudPhoneServers")
    assert result.returncode == 1, result.describe()
    assert "cph_connection" in result.failed_checks(), result.describe()
    failure = next(f for f in result.results["failures"] if f["check"] == "cph_connection")
    assert failure["title"] == "connection closed without a complete answer"
    summary = (result.reports / "summary.txt").read_text()
    listed = [line for line in summary.splitlines() if line.startswith("  - [")]
    counted = next(line for line in summary.splitlines() if "distinct failure(s)" in line)
    assert counted.startswith(f"{len(listed)} distinct failure(s)"), summary
    report = (result.reports / "report.md").read_text()
    assert not re.search(r"```\w*\n\s*```", report), "report.md has an empty block"


def test_a_dry_run_sends_nothing_and_claims_no_pass(tmp_path: Path) -> None:
    with MockServer(mock_config()) as server:
        before = server.state.snapshot()
        result = run_suite(server, tmp_path / "reports", "--dry-run", "--max-examples", "2")
        assert server.state.snapshot() == before
    assert result.returncode == 0, result.describe()
    assert result.results["passed"] is None
    summary = (result.reports / "summary.txt").read_text()
    assert "DRY RUN: nothing sent" in summary
    assert "passed" not in summary


def test_help_lists_only_the_suites_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for flag in ("--base-url", "--project-id", "--server-id", "--rate-limit", "--max-examples", "--profile"):
        assert flag in result.stdout
    assert "--junitxml" not in result.stdout  # pytest's options only after --
    assert len(result.stdout.splitlines()) < 100
