"""The spec travels to TypeScript: openapi-typescript types + openapi-fetch restart the mock's servers.

The types are generated from the real ``openapi/cph.openapi.yaml`` at test time (scripts/ts_client.py, into a
temporary copy of ``clients/typescript``) and the program is compiled with ``tsc --strict``, so a spec change that
breaks the TypeScript program fails here. Node.js and the pinned tools (``npm ci``) are required: without them the
tests fail with the reason, they do not skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cph.mock import MockConfig, MockServer

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "cph.openapi.yaml"

_spec = importlib.util.spec_from_file_location("ts_client", ROOT / "scripts" / "ts_client.py")
assert _spec is not None
assert _spec.loader is not None
ts_client = importlib.util.module_from_spec(_spec)
sys.modules["ts_client"] = ts_client
_spec.loader.exec_module(ts_client)

ID32 = re.compile(r"^[0-9a-f]{32}$")
UNKNOWN_SERVER = "f" * 32
FROZEN = 8
NORMAL = 5
TERMINAL = {2, -1}
RUN_TIMEOUT = 60


def require_node() -> None:
    """Fail (never skip) when Node.js or the pinned tools are missing, saying what to install."""
    problems = ts_client.check_node()
    if problems:
        pytest.fail("the TypeScript client test needs Node.js 20+ and `npm ci`: " + "; ".join(problems), pytrace=False)


def build_or_fail(workdir: Path, spec: Path = SPEC) -> Path:
    require_node()
    try:
        entry: Path = ts_client.build(workdir, spec)
    except ts_client.BuildError as exc:
        pytest.fail(f"building clients/typescript from {spec} failed:\n{exc}", pytrace=False)
    return entry


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``restart.js``, compiled against types generated from the repository's spec."""
    return build_or_fail(tmp_path_factory.mktemp("ts-client"))


@pytest.fixture
def mock() -> Any:
    config = MockConfig.generate(seed=11, fleet_size=6, job_duration=0.3, failure_rate=0.3, validate_responses=True)
    with MockServer(config) as server:
        yield server


def run(program: Path, mock: MockServer, *server_ids: str, token: str | None = None) -> tuple[int, dict[str, Any]]:
    env = {
        **os.environ,
        "CPH_BASE_URL": mock.url,
        "CPH_PROJECT_ID": mock.config.project_id,
        "CPH_TOKEN": token if token is not None else mock.config.token,
        "CPH_POLL_INTERVAL_MS": "100",
        "CPH_POLL_TIMEOUT_MS": "20000",
    }
    env.pop("CPH_SERVER_IDS", None)
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, str(program), *server_ids], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )
    assert result.stderr == "", result.stderr
    try:
        summary: dict[str, Any] = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"restart.js printed no JSON summary (exit {result.returncode}):\n{result.stdout}")
    return result.returncode, summary


def assert_complete(summary: dict[str, Any], requested: list[str], mock: MockServer) -> None:
    """Every requested server is either accepted with a finished job or rejected with an error code."""
    assert summary["error"] is None
    assert ID32.match(summary["request_id"])
    assert summary["requested"] == list(dict.fromkeys(requested))
    accepted = {entry["server_id"]: entry for entry in summary["accepted"]}
    rejected = {entry["server_id"]: entry for entry in summary["rejected"]}
    assert not accepted.keys() & rejected.keys()
    assert accepted.keys() | rejected.keys() == set(summary["requested"])
    assert summary["unaccounted"] == []
    assert summary["all_terminal"] is True
    jobs = {job["job_id"]: job for job in mock.state.jobs()}
    for server_id, entry in accepted.items():
        assert entry["status"] in TERMINAL
        assert entry["end_time"] is not None
        job = jobs[entry["job_id"]]
        assert job["server_id"] == server_id
        assert job["status"] == entry["status"]
        assert (entry["error_code"] is None) == (entry["status"] == 2)
    for entry in rejected.values():
        assert entry["error_code"]
        assert entry["error_msg"]
    restarts = mock.state.restart_counts()
    assert {sid for sid, count in restarts.items() if count} == set(accepted)
    assert max(restarts.values(), default=0) <= 1


@pytest.mark.integration
def test_restart_given_servers(program: Path, mock: MockServer) -> None:
    normal = mock.state.server_ids(status=NORMAL)
    frozen = normal[3]
    mock.state.set_server_status(mock.config.project_id, frozen, FROZEN)
    requested = [normal[0], normal[1], normal[0], UNKNOWN_SERVER, frozen, normal[2]]

    code, summary = run(program, mock, *requested)

    assert code == 0, summary
    assert_complete(summary, requested, mock)
    assert [e["server_id"] for e in summary["accepted"]] == [normal[0], normal[1], normal[2]]
    rejected = {e["server_id"]: e["error_code"] for e in summary["rejected"]}
    assert rejected == {UNKNOWN_SERVER: "CPS.0016", frozen: "CPS.1028"}


@pytest.mark.integration
def test_restart_every_normal_server(program: Path, mock: MockServer) -> None:
    normal = mock.state.server_ids(status=NORMAL)

    code, summary = run(program, mock)

    assert code == 0, summary
    assert sorted(summary["requested"]) == sorted(normal)
    assert_complete(summary, normal, mock)
    assert summary["rejected"] == []


@pytest.mark.integration
def test_request_error_is_reported(program: Path, mock: MockServer) -> None:
    server_id = mock.state.server_ids(status=NORMAL)[0]

    code, summary = run(program, mock, server_id, token="not-a-valid-token")

    assert code == 2
    assert summary["error"]["operation"] == "RestartCloudPhoneServer"
    assert summary["error"]["http_status"] == 401
    assert summary["error"]["error_code"] == "APIGW.0301"
    assert ID32.match(summary["error"]["request_id"])
    assert summary["accepted"] == []
    assert mock.state.restart_counts() == {}


def test_spec_change_breaks_the_build(tmp_path: Path) -> None:
    """Renaming the request body's ``server_ids`` in a copy of the spec makes ``tsc --strict`` reject restart.ts."""
    text = SPEC.read_text(encoding="utf-8")
    assert "server_ids" in text
    broken = tmp_path / "renamed.openapi.yaml"
    broken.write_text(text.replace("server_ids", "server_id_list"), encoding="utf-8")
    require_node()

    with pytest.raises(ts_client.BuildError, match=r"(?s)^tsc failed.*'server_ids' does not exist"):
        ts_client.build(tmp_path / "ts", broken)
