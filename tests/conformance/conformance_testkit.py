"""Helpers of the conformance suite's tests: run ``python -m conformance`` against an endpoint in a subprocess.

Imported as ``conformance_testkit`` (``conftest.py`` puts this folder on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cph.mock import MockConfig, MockServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITE_TIMEOUT = 600


@dataclass
class SuiteResult:
    returncode: int
    output: str
    results: dict[str, Any]
    reports: Path

    def failed_checks(self) -> set[str]:
        return {name for name, stats in self.results["checks"].items() if stats["failed"]}

    def describe(self) -> str:
        return f"exit {self.returncode}; failed checks {sorted(self.failed_checks())}\n{self.output[-6000:]}"


def mock_config() -> MockConfig:
    return MockConfig.generate(seed=7, job_duration=0.2, fleet_size=20)


def clean_environment() -> dict[str, str]:
    """The current environment without any credentials or suite settings (the test sets its own)."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CPH_CONFORMANCE_", "HUAWEICLOUD_SDK_", "CPH_AUTH_TOKEN"))
    }


def run_suite(server: MockServer, reports: Path, *options: str, auth: str = "aksk") -> SuiteResult:
    """Run ``python -m conformance`` against ``server``, credentials and allow-list in the environment."""
    config = server.config
    env = clean_environment()
    env.update(
        CPH_CONFORMANCE_PROJECT_ID=config.project_id,
        CPH_CONFORMANCE_SERVER_IDS=",".join(server.state.server_ids()),
    )
    if auth == "aksk":
        env.update(CPH_CONFORMANCE_AK=config.ak, CPH_CONFORMANCE_SK=config.sk)
    else:
        env.update(CPH_CONFORMANCE_TOKEN=config.token, CPH_CONFORMANCE_AUTH="token")
    command = [
        sys.executable,
        "-m",
        "conformance",
        "--base-url",
        server.url,
        "--rate-limit",
        "none",
        "--reports-dir",
        str(reports),
        "--seed",
        "1",
        *options,
    ]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT, check=False
    )
    results_file = reports / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {"checks": {}, "failures": []}
    return SuiteResult(completed.returncode, completed.stdout + completed.stderr, results, reports)
