"""``cph restart`` / ``cph jobs`` / ``cph servers``: input, output, exit codes and secrets (CliRunner + respx; the
last tests run against the real mock on loopback)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parents[1]))

from client_testkit import AK, BASE, PROJECT, REGION, SECURITY_TOKEN, SK, TOKEN, FakeCph, error, server_ids

import cph.cli
import cph.cli._restart as restart_cli
from cph import Outcome, RetryPolicy, ServerResult, __version__
from cph import _operations as engine_module
from cph.cli import app
from cph.cli._record import Recorder
from cph.cli._report import progress_bar
from cph.mock import MockConfig, MockServer

cph.cli._register_commands()

ENV_NAMES = (
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "CPH_AUTH_TOKEN",
    "CPH_REGION",
    "CPH_ENDPOINT",
)
AKSK_ENV = {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK, "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT}


def run(args: list[str], env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    full_env: dict[str, str | None] = dict.fromkeys(ENV_NAMES)
    full_env.update(AKSK_ENV if env is None else env)
    return CliRunner().invoke(app, args, env=full_env, input=stdin)


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in (AK, SK, TOKEN, SECURITY_TOKEN):
            assert secret not in text


@pytest.fixture
def fake() -> Iterator[FakeCph]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield FakeCph(router)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI uses the default policy; make its backoff instant for these tests."""
    monkeypatch.setattr(engine_module, "RetryPolicy", lambda: RetryPolicy(max_attempts=3, base_delay=0, max_delay=0))


# ------------------------------------------------------------------------------------------------------ input
def test_read_ids_from_arguments_file_and_stdin(tmp_path: Path) -> None:
    file = tmp_path / "ids.txt"
    file.write_text("# servers\nb1, b2\n\nb3  # the last one\n", encoding="utf-8")
    assert restart_cli.read_ids(["a1", "-", "a2"], file, stdin=["s1 s2\n"]) == [
        "a1",
        "a2",
        "b1",
        "b2",
        "b3",
        "s1",
        "s2",
    ]
    assert restart_cli.read_ids([], Path("-"), stdin=["x,y"]) == ["x", "y"]


def test_restart_from_arguments_prints_a_table(fake: FakeCph) -> None:
    ids = server_ids(3)
    result = run(["restart", "--region", REGION, *ids, ids[0]])
    assert result.exit_code == 0, result.output
    assert fake.restart_calls == [ids]
    for server_id in ids:
        assert server_id in result.stdout
    assert result.stdout.count("accepted") == 3
    assert "3 servers: 3 accepted" in result.stderr


def test_restart_from_a_file_and_stdin_as_json(fake: FakeCph, tmp_path: Path) -> None:
    ids = server_ids(150)
    file = tmp_path / "ids.txt"
    file.write_text("\n".join(ids[:100]), encoding="utf-8")
    result = run(["restart", "--region", REGION, "--file", str(file), "-", "--json"], stdin="\n".join(ids[100:]))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["accepted"] == 150
    assert [entry["server_id"] for entry in data["servers"]] == ids
    assert len(fake.restart_calls) == 2


def test_wait_reports_job_outcomes(fake: FakeCph) -> None:
    ids = server_ids(4)
    fake.failing.add(ids[1])
    fake.job_polls = 0
    result = run(["restart", "--region", REGION, "--wait", "--json", *ids])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["counts"] == {"accepted": 0, "rejected": 0, "succeeded": 3, "failed": 1, "unknown": 0}


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("rejected", 1),
        ("unknown", 1),
        ("ok", 0),
    ],
)
def test_exit_code_reflects_every_server(fake: FakeCph, setup: str, expected: int) -> None:
    ids = server_ids(2)
    if setup == "rejected":
        fake.rejected[ids[0]] = ("CPS.9001", "Server status does not allow restart.")
    elif setup == "unknown":
        fake.restart_script.append(httpx.ReadTimeout("timed out"))
    result = run(["restart", "--region", REGION, *ids])
    assert result.exit_code == expected, result.output


def test_a_wait_timeout_is_not_success(fake: FakeCph) -> None:
    fake.job_polls = 10**9
    result = run(["restart", "--region", REGION, "--wait", "--timeout", "0", *server_ids(1)])
    assert result.exit_code == 1
    assert "stopped at --timeout" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["restart", "--region", REGION], None, "no server IDs"),
        (["restart", "a" * 32], None, "--region"),
        (["restart", "--region", REGION, "--endpoint", BASE, "a" * 32], None, "only one of"),
        (["restart", "--region", "mars-1", "a" * 32], None, "unknown region"),
        (["restart", "--region", REGION, "a" * 32], {}, "no credentials"),
        (["restart", "--region", REGION, "a" * 32], {"CPH_AUTH_TOKEN": TOKEN}, "--project-id is required"),
        (["restart", "--region", REGION, "--file", "/nonexistent/ids", "a" * 32], None, "cannot read"),
        (["restart", "--region", REGION, "--concurrency", "0", "a" * 32], None, "concurrency"),
        (["jobs", "--region", REGION], None, "--request-id"),
        (["servers", "--region", REGION, "--status", "6"], None, "--status must be one of"),
    ],
)
def test_usage_and_configuration_errors_exit_2(args: list[str], env: dict[str, str] | None, message: str) -> None:
    result = run(args, env)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert_no_secrets(result.output)


def test_refused_credentials_exit_2_and_print_the_partial_result(fake: FakeCph) -> None:
    fake.restart_script.append(error(401, "APIGW.0301", f"Incorrect IAM authentication information: {AK} {SK}"))
    result = run(["restart", "--region", REGION, "--concurrency", "1", "--json", *server_ids(150)])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["counts"]["rejected"] == 150
    assert data["error"]["type"] == "AuthenticationError"
    assert "APIGW.0301" in result.stderr
    assert_no_secrets(result.stdout, result.stderr)
    assert "<redacted>" in result.stdout


def test_region_from_the_environment(fake: FakeCph) -> None:
    result = run(["restart", server_ids(1)[0]], env={**AKSK_ENV, "CPH_REGION": REGION})
    assert result.exit_code == 0, result.output
    assert len(fake.restart_calls) == 1


def test_an_unreachable_endpoint_is_an_api_failure() -> None:
    result = run(["servers", "--endpoint", "http://127.0.0.1:1"], env={**AKSK_ENV})
    assert result.exit_code == 1  # nothing listens there: an API (transport) failure, not a usage error
    assert "ConnectError" in result.stderr


def test_output_then_resume_waiting_from_it(fake: FakeCph, tmp_path: Path) -> None:
    ids = server_ids(3)
    fake.failing.add(ids[2])
    output = tmp_path / "run.jsonl"
    first = run(["restart", "--region", REGION, "-o", str(output), *ids])
    assert first.exit_code == 0, first.output
    recorded = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["server_id"], r["outcome"]) for r in recorded] == [(i, "accepted") for i in ids]
    assert all(r["job_id"] and r["request_id"] for r in recorded)
    fake.job_polls = 0
    resumed = run(["jobs", "--region", REGION, "--wait", "--from", str(output), "-o", str(output), "--json"])
    assert resumed.exit_code == 1, resumed.output
    assert json.loads(resumed.stdout)["counts"] == {
        "accepted": 0, "rejected": 0, "succeeded": 2, "failed": 1, "unknown": 0,
    }  # fmt: skip
    assert fake.restart_calls == [ids], "resuming restarts nothing"
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    assert {json.loads(line)["outcome"] for line in lines[3:]} == {"succeeded", "failed"}


def test_jobs_wait_and_from_go_together() -> None:
    result = run(["jobs", "--region", REGION, "--wait"])
    assert result.exit_code == 2
    assert "--wait and --from FILE go together" in result.stderr


# ------------------------------------------------------------------------------------------ jobs and servers
def test_jobs_by_request_and_job_id(fake: FakeCph) -> None:
    run(["restart", "--region", REGION, *server_ids(3)])
    request_id = next(iter(fake.by_request))
    job = fake.by_request[request_id][0]
    result = run(["jobs", "--region", REGION, "-r", request_id, "--job-id", job.job_id, "--json"])
    assert result.exit_code == 0, result.output
    jobs = json.loads(result.stdout)
    assert len(jobs) == 4
    assert jobs[-1]["job_id"] == job.job_id
    table = run(["jobs", "--region", REGION, "-r", request_id])
    assert job.job_id in table.stdout
    missing = run(["jobs", "--region", REGION, "--job-id", "0" * 32])
    assert missing.exit_code == 1
    assert "CPS.0011" in missing.stderr


def test_servers_listing_formats(fake: FakeCph) -> None:
    fake.add_fleet(server_ids(3), status=5)
    ids = run(["servers", "--region", REGION, "--ids"])
    assert ids.stdout.split() == server_ids(3)
    data = json.loads(run(["servers", "--region", REGION, "--json", "--limit", "2"]).stdout)
    assert [s["server_id"] for s in data] == server_ids(2)
    table = run(["servers", "--region", REGION, "--status", "5"])
    assert "normal (running)" in table.stdout


def test_servers_ids_feed_restart(fake: FakeCph) -> None:
    fake.add_fleet(server_ids(5))
    listing = run(["servers", "--region", REGION, "--ids"]).stdout
    result = run(["restart", "--region", REGION, "-", "--json"], stdin=listing)
    assert json.loads(result.stdout)["counts"]["accepted"] == 5


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(["a" * 32, "b" * 32])
    with progress_bar(recorder, 2, wait=True, enabled=True):
        assert recorder.listeners == []  # stderr is not a terminal under pytest
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress_bar(recorder, 2, wait=True, enabled=True):
        assert len(recorder.listeners) == 1
        recorder(ServerResult("a" * 32, Outcome.ACCEPTED, job_id="j" * 32))
        recorder(ServerResult("a" * 32, Outcome.SUCCEEDED, job_id="j" * 32))
    assert recorder.listeners == []
    with progress_bar(recorder, 2, wait=True, enabled=False):
        assert recorder.listeners == []


# ------------------------------------------------------------------------------------------------ reading well
def test_version() -> None:
    result = run(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"cph {__version__}"


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--region", REGION], {"CPH_ENDPOINT": "http://127.0.0.1:1"}),
        (["--endpoint", BASE], {"CPH_REGION": "mars-1"}),
    ],
)
def test_a_flag_beats_the_environment(fake: FakeCph, args: list[str], env: dict[str, str]) -> None:
    result = run(["restart", *args, server_ids(1)[0]], env={**AKSK_ENV, **env})
    assert result.exit_code == 0, result.output
    assert len(fake.restart_calls) == 1


def test_two_endpoint_variables_are_a_conflict() -> None:
    result = run(["restart", "a" * 32], env={**AKSK_ENV, "CPH_REGION": REGION, "CPH_ENDPOINT": BASE})
    assert result.exit_code == 2
    assert "both $CPH_REGION and $CPH_ENDPOINT" in result.stderr


def test_show_lists_only_problems_and_server_text_is_not_markup(fake: FakeCph) -> None:
    ids = server_ids(3)
    fake.rejected[ids[1]] = ("CPS.9001", "Status [bold]8[/bold] does not allow restart.")
    result = run(["restart", "--region", REGION, "--show", "failed,rejected,unknown", *ids])
    assert result.exit_code == 1, result.output
    assert ids[1] in result.stdout
    assert ids[0] not in result.stdout
    assert ids[2] not in result.stdout
    assert "[bold]8[/bold]" in result.stdout
    assert "3 servers: 2 accepted, 1 rejected; 1 listed" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--show", "broken"], "broken is not one of"),
        (["--outcome", "rejected"], "--outcome needs --from"),
    ],
)
def test_bad_filters_name_the_flag(args: list[str], message: str) -> None:
    result = run(["restart", "--region", REGION, *args, "a" * 32])
    assert result.exit_code == 2
    assert message in result.output


def test_verbose_logs_each_call_without_secrets(fake: FakeCph) -> None:
    result = run(["restart", "--region", REGION, "-v", *server_ids(2)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stderr.splitlines() if "batch-restart" in line)
    assert "POST" in line
    assert "-> 200" in line
    assert f"request_id={next(iter(fake.by_request))}" in line
    assert_no_secrets(result.stdout, result.stderr)


# -------------------------------------------------------------------------------------- secrets, end to end
@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(MockConfig.generate(seed=21, fleet_size=30, job_duration=0.2)) as server:
        yield server


@pytest.mark.integration
@pytest.mark.parametrize(
    "env",
    [
        {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK},
        {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK, "HUAWEICLOUD_SDK_SECURITY_TOKEN": SECURITY_TOKEN},
        {"CPH_AUTH_TOKEN": TOKEN},
    ],
    ids=["aksk", "temporary-aksk", "token"],
)
def test_failing_commands_never_print_or_log_secrets(
    mock: MockServer, env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Unknown credentials against the real mock: every command fails, and neither its output nor any log record
    (cph, httpx, httpcore at DEBUG) contains the AK, SK, security token or IAM token."""
    caplog.set_level(logging.DEBUG)
    env = {**env, "HUAWEICLOUD_SDK_PROJECT_ID": mock.config.project_id, "CPH_ENDPOINT": mock.url}
    ids = mock.state.server_ids()[:3]
    refused = {**env, "CPH_ENDPOINT": "http://127.0.0.1:1"}  # nothing listens there
    outputs = []
    for args, environment in (
        (["restart", *ids], env),
        (["restart", "--json", "--wait", *ids], env),
        (["jobs", "-r", "a" * 32], env),
        (["jobs", "--job-id", "b" * 32], env),
        (["servers"], env),
        (["servers", "--json"], env),
        (["restart", *ids], refused),
        (["servers"], refused),
    ):
        result = run(args, environment)
        assert result.exit_code in {1, 2}, result.output
        outputs += [result.stdout, result.stderr]
    assert any("APIGW.0301" in text for text in outputs)
    assert_no_secrets(*outputs, caplog.text, *(repr(r.__dict__) for r in caplog.records))
    assert mock.state.restart_counts() == {}


@pytest.mark.integration
def test_restart_against_the_mock_end_to_end(mock: MockServer) -> None:
    env = {
        "HUAWEICLOUD_SDK_AK": mock.config.ak,
        "HUAWEICLOUD_SDK_SK": mock.config.sk,
        "HUAWEICLOUD_SDK_PROJECT_ID": mock.config.project_id,
    }
    ids = mock.state.server_ids(status=5)[:5]
    result = run(["restart", "--endpoint", mock.url, "--wait", "--json", *ids], env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["succeeded"] == 5
    assert mock.config.sk not in result.stdout + result.stderr
    assert all(mock.state.restart_count(server_id) == 1 for server_id in ids)


@pytest.mark.integration
def test_rerun_from_a_file_skips_unknown_servers_that_are_restarting(tmp_path: Path) -> None:
    with MockServer(MockConfig.generate(seed=22, fleet_size=40, job_duration=60.0)) as slow:
        env = {
            "HUAWEICLOUD_SDK_AK": slow.config.ak,
            "HUAWEICLOUD_SDK_SK": slow.config.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": slow.config.project_id,
            "CPH_ENDPOINT": slow.url,
        }
        busy, idle, refused, done = slow.state.server_ids(status=5)[:4]
        assert run(["restart", busy], env).exit_code == 0  # restarting for the next minute
        previous = tmp_path / "previous.jsonl"
        previous.write_text(
            "\n".join(
                json.dumps(ServerResult(server_id, outcome).to_dict())
                for server_id, outcome in (
                    (busy, Outcome.UNKNOWN),
                    (idle, Outcome.UNKNOWN),
                    (refused, Outcome.REJECTED),
                    (done, Outcome.SUCCEEDED),
                )
            )
            + '\n{"server_id": "torn',
            encoding="utf-8",
        )
        output = tmp_path / "rerun.jsonl"
        result = run(["restart", "--from", str(previous), "--json", "-o", str(output)], env)
        assert result.exit_code == 0, result.output
        assert f"not re-run: {busy} (unknown) is restarting now" in result.stderr
        assert "skipped 1 unreadable line" in result.stderr
        assert [entry["server_id"] for entry in json.loads(result.stdout)["servers"]] == [idle, refused]
        assert slow.state.restart_counts() == {busy: 1, idle: 1, refused: 1}
        recorded = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        assert {entry["server_id"] for entry in recorded} == {idle, refused}
        assert all(entry["job_id"] and entry["request_id"] for entry in recorded)


@pytest.mark.integration
def test_verbose_shows_calls_and_throttle_decisions_against_a_throttling_mock() -> None:
    with MockServer(MockConfig.generate(seed=23, fleet_size=600, job_duration=0.0, rate_limit=2)) as limited:
        env = {
            "HUAWEICLOUD_SDK_AK": limited.config.ak,
            "HUAWEICLOUD_SDK_SK": limited.config.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": limited.config.project_id,
            "CPH_ENDPOINT": limited.url,
        }
        ids = limited.state.server_ids(status=5)[:400]
        result = run(["restart", "-v", "--json", *ids], env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["accepted"] == 400
    log = result.stderr
    assert re.search(r"POST /v1/\w+/cloud-phone/servers/batch-restart -> 429 request_id=\w+", log)
    assert re.search(r"POST /v1/\w+/cloud-phone/servers/batch-restart -> 200 request_id=\w+", log)
    assert re.search(r"throttled \(429\) on RestartCloudPhoneServer: now [\d.]+ requests/s, gateway limit 2/s", log)
    assert "resending" in log
    for secret in (limited.config.ak, limited.config.sk, limited.config.token):
        assert secret not in log
