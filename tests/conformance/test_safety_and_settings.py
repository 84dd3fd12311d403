"""Unit tests of the suite's pure parts: request shaping and the allow-list guard, redaction, settings.

Why these matter most: on a real account a restart is real. Shaping must leave no server outside the allow-list in
any request, and the guard must refuse to sign one if shaping ever misses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis

from conformance.jobs import AcceptedJob, AcceptedJobs
from conformance.redact import Redactor
from conformance.safety import UnsafeRequestError, guard, shape
from conformance.settings import Settings, SettingsError, SuiteOptions
from conformance.target import Target
from cph import TokenAuth, TokenCredentials, load_spec
from cph.settings import help_text, options

PROJECT = "0123456789abcdef0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
ALLOWED = ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
RESTART = "/v1/{project_id}/cloud-phone/servers/batch-restart"
SCHEMA = schemathesis.openapi.from_dict(load_spec())


def target(*, embedded: bool = False, allow: tuple[str, ...] = ALLOWED) -> Target:
    return Target(
        base_url="https://cph.example.invalid",
        project_id=PROJECT,
        auth=TokenAuth(TokenCredentials("MIItoken-value-123")),
        auth_mode="token",
        allowlist=frozenset(allow),
        embedded=embedded,
        secrets=("MIItoken-value-123",),
    )


def case(path: str, method: str, **kwargs: Any) -> Any:
    return SCHEMA[path][method].Case(**kwargs)


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    return []


# --------------------------------------------------------------------------------------------------- shaping
def test_restart_body_names_only_allow_listed_servers() -> None:
    ids = ["1234567b8bab40ffb711234cb80d0234", "1234567B8BAB40FFB711234CB80D0234", ALLOWED[1], "not-an-id"]
    restart = case(RESTART, "POST", path_parameters={"project_id": "f" * 32}, body={"server_ids": ids, "x": ids[0]})
    shape(restart, target(), AcceptedJobs())
    assert restart.path_parameters["project_id"] == PROJECT
    body = restart.body
    assert body["server_ids"][2] == ALLOWED[1]
    assert body["server_ids"][3] == "not-an-id"  # not a server ID: left as generated (negative data)
    assert all(s in ALLOWED for s in strings(body) if len(s) == 32)


def test_duplicates_stay_duplicates() -> None:
    restart = case(RESTART, "POST", path_parameters={"project_id": PROJECT}, body={"server_ids": ["c" * 32] * 3})
    shape(restart, target(), AcceptedJobs())
    assert len(set(restart.body["server_ids"])) == 1


def test_text_bodies_are_shaped_too() -> None:
    restart = case(RESTART, "POST", path_parameters={"project_id": PROJECT}, body="restart " + "d" * 32)
    shape(restart, target(), AcceptedJobs())
    assert restart.body.split()[1] in ALLOWED


def test_restart_without_allow_list_is_refused() -> None:
    restart = case(RESTART, "POST", path_parameters={"project_id": PROJECT}, body={"server_ids": ["c" * 32]})
    with pytest.raises(UnsafeRequestError):
        shape(restart, target(allow=()), AcceptedJobs())


def generated_list_jobs() -> Any:
    """A generated, positive ListJobs case without request IDs (hand-made cases are not shaped)."""
    strategy = SCHEMA["/v1/{project_id}/cloud-phone/jobs"]["GET"].as_strategy()
    return hypothesis.find(
        strategy,
        lambda c: not {"request_id", "request_ids"} & set(c.query or {}),
        settings=hypothesis.settings(database=None),
    )


def test_generated_list_jobs_gets_a_request_id() -> None:
    jobs = AcceptedJobs()
    list_jobs = generated_list_jobs()
    shape(list_jobs, target(), jobs)
    assert len(list_jobs.query["request_id"]) == 32
    assert list_jobs.path_parameters["project_id"] == PROJECT
    jobs.record(AcceptedJob("e" * 32, ALLOWED[0], "9" * 32, PROJECT, 0.0))
    list_jobs = generated_list_jobs()
    shape(list_jobs, target(), jobs)
    assert list_jobs.query["request_id"] == "9" * 32


def test_hand_made_list_jobs_is_sent_as_written() -> None:
    list_jobs = case("/v1/{project_id}/cloud-phone/jobs", "GET", path_parameters={"project_id": PROJECT}, query={})
    shape(list_jobs, target(), AcceptedJobs())
    assert list_jobs.query == {}


# ----------------------------------------------------------------------------------------------------- guard
URL = f"https://cph.example.invalid/v1/{PROJECT}/cloud-phone/servers/batch-restart"


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"server_ids": ["c" * 32]}).encode(),
        json.dumps({"server_ids": ["C" * 32]}).encode(),
        b'{"server_ids": ["\\u0063' + b"c" * 31 + b'"]}',  # an escaped first character
        b"c" * 32,
    ],
)
def test_guard_refuses_servers_outside_the_allow_list(body: bytes) -> None:
    with pytest.raises(UnsafeRequestError):
        guard("POST", URL, body, target())


def test_guard_lets_allow_listed_and_other_requests_through() -> None:
    guard("POST", URL, json.dumps({"server_ids": list(ALLOWED)}).encode(), target())
    guard("GET", f"https://cph.example.invalid/v1/{PROJECT}/cloud-phone/jobs/{'c' * 32}", b"", target())
    guard("POST", URL, json.dumps({"server_ids": ["c" * 32]}).encode(), target(embedded=True))


def test_guard_judges_json_values_not_text() -> None:
    """A generated body holding a 32-digit integer names no server (it once made the guard refuse a stateful
    step); an upper-case spelling of an allow-listed ID names an allowed server."""
    guard("POST", URL, b'{"server_ids": [12345678901234567890123456789012]}', target())
    guard("POST", URL, json.dumps({"server_ids": [ALLOWED[0].upper()]}).encode(), target())


# ------------------------------------------------------------------------------------------------- redaction
def test_redactor_hides_signatures_tokens_and_secret_values() -> None:
    redactor = Redactor(["SECRETKEY0123456789", "MIItoken-value-123"])
    authorization = "SDK-HMAC-SHA256 Access=AKEXAMPLE123, SignedHeaders=host;x-sdk-date, Signature=" + "ab" * 32
    curl = redactor.curl(
        "POST",
        URL + "?sk=SECRETKEY0123456789",
        {"Authorization": authorization, "X-Auth-Token": "MIItoken-value-123", "X-Security-Token": "st"},
        b'{"echo": "MIItoken-value-123"}',
    )
    assert "SECRETKEY0123456789" not in curl
    assert "MIItoken-value-123" not in curl
    assert "ab" * 32 not in curl
    assert "Access=AKEX****" in curl
    assert "SignedHeaders=host;x-sdk-date" in curl


# -------------------------------------------------------------------------------------------------- settings
def settings(options: dict[str, Any] | None = None, **env: str) -> Settings:
    given = options or {}
    return Settings.from_sources(given.get, env)


def test_no_arguments_means_the_embedded_mock() -> None:
    chosen = settings()
    assert chosen.embedded
    assert chosen.budget.rate_limit is None
    assert chosen.operations_under_test == ("RestartCloudPhoneServer", "ShowJob", "ListJobs", "ListCloudPhoneServers")


def test_real_endpoint_needs_project_and_credentials() -> None:
    with pytest.raises(SettingsError, match="project"):
        settings({"base_url": "https://cph.example.invalid"})
    with pytest.raises(SettingsError, match="token auth needs"):
        settings({"base_url": "https://cph.example.invalid", "project_id": PROJECT})


def test_sdk_variables_work_and_cph_conformance_ones_win() -> None:
    chosen = settings(
        {"base_url": "https://cph.example.invalid"},
        HUAWEICLOUD_SDK_AK="SDKAK0000",
        HUAWEICLOUD_SDK_SK="sdk-secret",
        HUAWEICLOUD_SDK_PROJECT_ID=PROJECT,
        CPH_CONFORMANCE_SK="suite-secret",
    )
    assert chosen.auth_mode == "aksk"
    assert chosen.aksk is not None
    assert chosen.aksk.sk == "suite-secret"
    assert chosen.project_id == PROJECT
    assert "suite-secret" not in repr(chosen)
    assert chosen.budget.rate_limit == "2/s"
    # no allow-list: the restart operation is not tested on a real endpoint
    assert "RestartCloudPhoneServer" not in chosen.operations_under_test


def test_allow_list_and_budget_options() -> None:
    chosen = settings(
        {
            "base_url": "https://cph.example.invalid/",
            "server_id": [f"{ALLOWED[0]},{ALLOWED[1].upper()}"],
            "max_examples": "7",
            "rate_limit": "none",
            "phases": "fuzzing,examples",
        },
        CPH_CONFORMANCE_PROJECT_ID=PROJECT,
        CPH_CONFORMANCE_TOKEN="MIItoken",
    )
    assert chosen.base_url == "https://cph.example.invalid"
    assert chosen.server_ids == ALLOWED
    assert chosen.budget.max_examples == 7
    assert chosen.budget.rate_limit is None
    assert chosen.phases == ("examples", "fuzzing")
    assert "RestartCloudPhoneServer" in chosen.operations_under_test


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"server_id": ["cph-server-1"]}, "^--server-id: .*32 hex"),
        ({"rate_limit": "fast"}, "^--rate-limit: must look like 5/s"),
        ({"phases": "smoke"}, "^--phases: unknown phase: smoke"),
        ({"max_examples": "0"}, "^--max-examples: .*greater than or equal to 1"),
        ({"max_examples": "many"}, "^--max-examples: .*valid integer.*'many'"),
        ({"base_url": "cph.example.invalid"}, "^--base-url: must start with http"),
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        settings(options)


def test_token_auth_header_is_what_the_target_signs_with() -> None:
    request = httpx.Request("GET", "https://cph.example.invalid/x")
    signed = next(target().auth.sync_auth_flow(request))
    assert signed.headers["X-Auth-Token"] == "MIItoken-value-123"


def test_precedence_defaults_file_environment_command_line(tmp_path: Path) -> None:
    file = tmp_path / "suite.toml"
    file.write_text("max_examples = 3\nstateful_examples = 4\nseed = 5\njob_timeout = 6\n", encoding="utf-8")
    env = {"CPH_CONFORMANCE_CONFIG": str(file), "CPH_CONFORMANCE_STATEFUL_EXAMPLES": "8", "CPH_CONFORMANCE_SEED": "9"}
    chosen = settings({"seed": "10"}, **env)
    assert chosen.phases == ("examples", "coverage", "fuzzing", "stateful")  # default
    assert (chosen.budget.max_examples, chosen.budget.job_timeout) == (3, 6.0)  # file beats default
    assert chosen.budget.stateful_examples == 8  # environment beats file
    assert chosen.seed == 10  # command line beats environment
    from_option = settings({"config": str(file)})  # --config names the file too
    assert from_option.budget.max_examples == 3


def test_secrets_from_a_file_stay_out_of_errors_and_reprs(tmp_path: Path) -> None:
    file = tmp_path / "suite.yaml"
    file.write_text("sk: file-secret-value\nak: 12\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        settings({"config": str(file), "base_url": "https://cph.example.invalid", "project_id": PROJECT})
    assert str(caught.value).startswith(f"{file}: ak: ")
    assert "file-secret-value" not in str(caught.value)
    file.write_text("ak: FILEAK\nsk: file-secret-value\n", encoding="utf-8")
    chosen = settings({"config": str(file), "base_url": "https://cph.example.invalid", "project_id": PROJECT})
    assert chosen.aksk is not None
    assert chosen.aksk.sk == "file-secret-value"
    assert "file-secret-value" not in repr(chosen)


def test_secrets_have_no_command_line_option() -> None:
    flags = {item.key: item.flag for item in options(SuiteOptions)}
    assert flags["sk"] is None
    assert flags["token"] is None
    assert flags["security_token"] is None
    assert flags["max_examples"] == "--max-examples"


def _suite(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m conformance ARGS`` in a clean environment (no credentials or suite variables of this shell)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CPH_", "HUAWEICLOUD_SDK_"))}
    clean["PYTHONPATH"] = os.pathsep.join(str(ROOT / part) for part in ("src", "generated", "."))
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.mark.integration
def test_a_bad_option_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = _suite(tmp_path, "--max-examples", "abc", CPH_CONFORMANCE_SK="secret-value-123")
    assert result.returncode == 2  # validated by the front-end before pytest starts
    output = (result.stdout + result.stderr).strip()
    assert output == (
        "conformance: --max-examples: Input should be a valid integer, unable to parse string as an integer (got 'abc')"
    )


def test_help_lists_every_option_from_the_declaration(tmp_path: Path) -> None:
    result = _suite(tmp_path, "--help", COLUMNS="400")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for item in options(SuiteOptions):
        if item.flag is None:
            assert f"--{item.path[-1].replace('_', '-')}=" not in text  # secrets: environment or file only
            continue
        assert f"{item.flag}=" in text or f"{item.flag} " in text
        assert " ".join(help_text(item).split()) in text
