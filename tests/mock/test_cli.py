"""``cph mock``: configuration from file, environment and options; the banner; serving until interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from click.testing import CliRunner

import cph.cli._mock as cli_mock
from cph.cli import app
from cph.mock import MockConfig, MockSettings
from cph.settings import help_text, options

runner = CliRunner()
COMMAND = typer.main.get_group(app)  # a group even while ``mock`` is the only registered command
ROOT = Path(__file__).resolve().parents[2]
PROJECT = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> list[MockConfig]:
    """Replace the blocking server with a recorder of the app it would have served."""
    served: list[MockConfig] = []
    monkeypatch.setattr(cli_mock, "serve", lambda app, sock, **_: (served.append(app.config), sock.close()))
    for name in list(os.environ):
        if name.startswith("CPH_MOCK_"):
            monkeypatch.delenv(name)
    return served


def test_banner_shows_what_a_client_needs(no_serving: list[MockConfig]) -> None:
    result = runner.invoke(COMMAND, ["mock", "--port", "0", "--seed", "5", "--fleet-size", "3", "--job-duration", "0"])
    assert result.exit_code == 0, result.output
    [config] = no_serving
    assert "CPH mock endpoint  http://127.0.0.1:" in result.output
    for value in (config.project_id, config.ak, config.sk, config.token):
        assert value in result.output
    assert "mock-only credential" in result.output
    assert "3 servers, seed 5" in result.output
    assert "faults         off" in result.output
    assert f"export HUAWEICLOUD_SDK_AK={config.ak}" in result.output
    assert result.output.rstrip().endswith("Mock stopped.")


def test_options_beat_env_which_beats_the_file(tmp_path: Path, no_serving: list[MockConfig]) -> None:
    file = tmp_path / "mock.toml"
    file.write_text('ak = "FILEAK"\nsk = "FILESK"\nseed = 1\n[faults]\nerror_502_rate = 0.1\n', encoding="utf-8")
    env = {"CPH_MOCK_AK": "ENVAK", "CPH_MOCK_PROJECT_ID": PROJECT, "CPH_MOCK_SEED": "2"}
    args = [
        "mock",
        "--port",
        "0",
        "--config",
        str(file),
        "--seed",
        "3",
        "--fault-504",
        "0.2",
        "--fault-latency",
        "0.01",
    ]
    args += ["--fault-operation", "RestartCloudPhoneServer", "--rate-limit", "50"]
    result = runner.invoke(COMMAND, args, env=env)
    assert result.exit_code == 0, result.output
    [config] = no_serving
    assert (config.ak, config.sk, config.project_id, config.seed) == ("ENVAK", "FILESK", PROJECT, 3)
    assert (config.job_duration, config.projects[0].fleet_size) == (2.0, 20)  # defaults where nothing was given
    assert (config.faults.error_502_rate, config.faults.error_504_rate, config.faults.latency) == (0.1, 0.2, 0.01)
    assert config.faults.operations == ("RestartCloudPhoneServer",)
    assert config.throttle.rate == 50
    assert "502=0.1, 504=0.2, latency=0.01s+0.0s" in result.output


def test_non_loopback_needs_allow_remote(no_serving: list[MockConfig]) -> None:
    result = runner.invoke(COMMAND, ["mock", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "non-loopback" in result.output
    assert no_serving == []


@pytest.mark.parametrize(
    "args", [["--failure-rate", "2"], ["--fault-500", "0.7", "--fault-504", "0.7"], ["--fault-operation", "Nope"]]
)
def test_invalid_configuration_is_reported(no_serving: list[MockConfig], args: list[str]) -> None:
    result = runner.invoke(COMMAND, ["mock", "--port", "0", *args])
    assert result.exit_code == 2
    assert "Invalid mock configuration" in result.output
    assert no_serving == []


@pytest.mark.integration
def test_serves_until_interrupted() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated")]),
        "CPH_MOCK_PROJECT_ID": PROJECT,
        "CPH_MOCK_TOKEN": "cli-test-token",
    }
    code = "import typer; from cph.cli._mock import mock_command; typer.run(mock_command)"
    with subprocess.Popen(
        [sys.executable, "-c", code, "--port", "0", "--fleet-size", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert first.startswith("CPH mock endpoint  http://127.0.0.1:"), first + (process.stderr.read() or "")
            url = first.split()[-1]
            response = httpx.get(f"{url}/v1/{PROJECT}/cloud-phone/servers", headers={"X-Auth-Token": "cli-test-token"})
            assert response.json()["count"] == 4
            process.send_signal(signal.SIGINT)
            output, errors = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, errors
    assert "Mock stopped." in output
    assert "Traceback" not in errors
    assert json.loads(response.content)["request_id"] == response.headers["x-request-id"]


def test_max_jobs_reaches_the_config(no_serving: list[MockConfig]) -> None:
    result = runner.invoke(COMMAND, ["mock", "--port", "0", "--max-jobs", "500"])
    assert result.exit_code == 0, result.output
    assert no_serving[0].max_jobs == 500
    refused = runner.invoke(COMMAND, ["mock", "--port", "0", "--max-jobs", "0"])
    assert refused.exit_code != 0
    assert "--max-jobs" in refused.output


def _cph(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CPH_MOCK_")}
    clean["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT / "generated")])
    return subprocess.run(
        [sys.executable, "-m", "cph.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (
            ["--fleet-size", "abc"],
            {},
            "--fleet-size: Input should be a valid integer, unable to parse string as an integer (got 'abc')",
        ),
        (["--fault-500", "1.5"], {}, "--fault-500: Input should be less than or equal to 1 (got '1.5')"),
        (["--log-level", "loud"], {}, "--log-level: Input should be 'critical', 'error', 'warning', 'info', 'debug'"),
        ([], {"CPH_MOCK_PORT": "http"}, "CPH_MOCK_PORT: Input should be a valid integer"),
        ([], {"CPH_MOCK_TOKEN": "secret with spaces"}, "CPH_MOCK_TOKEN: must be printable ASCII without spaces"),
        (["--config", "missing.toml"], {}, "cannot read config file missing.toml"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_option(args: list[str], env: dict[str, str], line: str) -> None:
    port = [] if "CPH_MOCK_PORT" in env else ["--port", "0"]  # a valid flag would beat the variable
    result = _cph("mock", *port, *args, **env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Invalid mock configuration: {line}")
    assert result.stderr.count("\n") == 1
    assert "secret with spaces" not in result.stderr


def test_help_comes_from_the_declaration() -> None:
    result = runner.invoke(COMMAND, ["mock", "--help"], env={"COLUMNS": "400", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    flagged = [item for item in options(MockSettings) if item.flag]
    assert len(flagged) > 25
    for item in flagged:
        assert item.flag in text
        assert help_text(item) in text
    for item in options(MockSettings):
        if item.secret:
            assert item.flag is None  # secrets only from the environment or the file
    assert "--sk" not in text.replace("--sk-", "")
    assert (
        "Secrets have no flag (a command line shows in ps): CPH_MOCK_SK, CPH_MOCK_SECURITY_TOKEN, CPH_MOCK_TOKEN"
        in text
    )
