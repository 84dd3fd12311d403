"""The ``cph_mock`` pytest plugin (``pytest_cph``) as a user's project meets it: a separate pytest run.

Each test writes a small project (``pytest.ini`` with ``--strict-markers`` and ``filterwarnings = error``, as strict
projects have) into a temporary folder and runs pytest on it in a subprocess with ``-p pytest_cph`` — the plugin is
then loaded the way the installed entry point loads it, and the README's example runs exactly as printed there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cph.testing import running_mock

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "examples" / "cph_mock_example.py"
PYTEST_INI = "[pytest]\naddopts = --strict-markers -p pytest_cph -p no:cacheprovider\nfilterwarnings = error\n"
TIMEOUT = 120
SENTINEL = "https://sentinel.invalid"

BEHAVIOUR = """
import os

import httpx
import pytest


@pytest.mark.cph_mock(fleet_size=3, seed=42, job_duration=1.5)
def test_options_reach_the_mock_and_the_environment_points_at_it(cph_mock):
    assert len(cph_mock.server_ids) == 3
    assert cph_mock.config.seed == 42 and cph_mock.config.job_duration == 1.5
    assert cph_mock.endpoint.startswith("http://127.0.0.1:")
    assert os.environ["CPH_ENDPOINT"] == cph_mock.endpoint
    assert os.environ["HUAWEICLOUD_SDK_AK"] == cph_mock.ak
    assert os.environ["HUAWEICLOUD_SDK_SK"] == cph_mock.sk
    assert os.environ["HUAWEICLOUD_SDK_PROJECT_ID"] == cph_mock.project_id
    assert os.environ["CPH_AUTH_TOKEN"] == cph_mock.token
    assert "CPH_REGION" not in os.environ
    assert "127.0.0.1" in os.environ["NO_PROXY"].split(",")
    assert set(cph_mock.normal_server_ids) <= set(cph_mock.server_ids)


def test_defaults_are_quick_jobs(cph_mock):
    assert cph_mock.config.job_duration == 0.2
    assert len(cph_mock.server_ids) == 20


@pytest.mark.cph_mock(fleet_size=4, seed=5)
class TestMarkersMerge:
    @pytest.mark.cph_mock(fleet_size=2)
    def test_the_closest_marker_wins_per_option(self, cph_mock):
        assert len(cph_mock.server_ids) == 2
        assert cph_mock.config.seed == 5


@pytest.mark.cph_mock(rate_limit=0.5)
def test_throttle(cph_mock):
    url = f"{cph_mock.endpoint}/v1/{cph_mock.project_id}/cloud-phone/servers"
    headers = {"X-Auth-Token": cph_mock.token}
    assert httpx.get(url, headers=headers).status_code == 200
    throttled = httpx.get(url, headers=headers)
    assert (throttled.status_code, throttled.json()["error_code"]) == (429, "APIGW.0308")


@pytest.mark.cph_mock(faults={"error_503_rate": 1.0, "operations": ["ListCloudPhoneServers"]})
def test_faults(cph_mock):
    answer = httpx.get(
        f"{cph_mock.endpoint}/v1/{cph_mock.project_id}/cloud-phone/servers", headers={"X-Auth-Token": cph_mock.token}
    )
    assert (answer.status_code, answer.json()["error_code"]) == (503, "APIGW.0613")


@pytest.mark.cph_mock(security_token="temporary-token")
def test_temporary_credentials(cph_mock):
    assert os.environ["HUAWEICLOUD_SDK_SECURITY_TOKEN"] == "temporary-token"


def test_factory_starts_more_and_leaves_the_environment(cph_mock, cph_mock_factory):
    other = cph_mock_factory(fleet_size=1)
    assert other.endpoint != cph_mock.endpoint
    assert len(other.server_ids) == 1
    assert os.environ["CPH_ENDPOINT"] == cph_mock.endpoint


def test_the_environment_is_restored():
    assert os.environ["CPH_ENDPOINT"] == "https://sentinel.invalid"
    assert os.environ["CPH_REGION"] == "cn-east-3"
    assert "HUAWEICLOUD_SDK_AK" not in os.environ
    assert "HUAWEICLOUD_SDK_SECURITY_TOKEN" not in os.environ


@pytest.mark.cph_mock(flee_size=3)
def test_a_misspelt_option(cph_mock):
    pass
"""


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (project / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    env = {**os.environ, "CPH_ENDPOINT": SENTINEL, "CPH_REGION": "cn-east-3"}
    for name in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_readme_shows_the_example_verbatim() -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{example}```\n" in readme


@pytest.mark.integration
def test_readme_example_passes(tmp_path: Path) -> None:
    (tmp_path / "test_example.py").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")

    result = run_pytest(tmp_path, "-q")

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^3 passed in ", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.integration
def test_fixture_options_environment_and_errors(tmp_path: Path) -> None:
    (tmp_path / "test_behaviour.py").write_text(BEHAVIOUR, encoding="utf-8")

    result = run_pytest(tmp_path, "-q", "-p", "no:randomly")

    out = result.stdout
    assert re.search(r"^ERROR test_behaviour.py::test_a_misspelt_option", out, re.MULTILINE), out
    assert re.search(r"^8 passed, 1 error in ", out, re.MULTILINE), out
    assert "@pytest.mark.cph_mock: flee_size: unknown option" in out
    assert "Traceback" not in out
    assert "During handling" not in out


def test_fixtures_are_listed(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--fixtures")

    assert result.returncode == 0, result.stderr
    assert re.search(r"^cph_mock -- .*pytest_cph", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^cph_mock_factory -- .*pytest_cph", result.stdout, re.MULTILINE)
    assert "A running embedded CPH mock on 127.0.0.1" in result.stdout


def test_loading_the_plugin_imports_nothing_of_cph() -> None:
    """pytest imports installed plugins in every run: the mock and the client must wait until a test asks for them."""
    code = "import sys, pytest_cph; print(sorted(m for m in sys.modules if m.split('.')[0] in {'cph', 'cph_api'}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, check=True)
    assert result.stdout.strip() == "[]"


def test_handle_hides_secrets() -> None:
    with running_mock(fleet_size=1, security_token="a-temporary-security-token") as mock:
        shown = f"{mock!r} {mock!s}"
        env, unset = mock.env, mock.env_unset

    for secret in (mock.sk, mock.token, "a-temporary-security-token", mock.ak):
        assert secret not in shown
    assert mock.ak[:4] in shown
    assert env["HUAWEICLOUD_SDK_SECURITY_TOKEN"] == "a-temporary-security-token"
    assert "HUAWEICLOUD_SDK_SECURITY_TOKEN" not in unset
