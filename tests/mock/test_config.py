"""MockConfig: defaults, files, environment variables, precedence and validation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cph import load_spec
from cph.mock import ENV_VARS, ConfigError, FaultConfig, MockConfig, MockSettings, load_config
from cph.mock._config import DEFAULT_MAX_JOBS
from cph.settings import options

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_generated_defaults_are_random_and_usable() -> None:
    one, two = MockConfig.generate(), MockConfig.generate()
    assert HEX32.match(one.project_id)
    assert one.ak != two.ak
    assert one.sk != two.sk
    assert one.token != two.token
    assert one.project_id != two.project_id
    assert re.fullmatch(r"[A-Z0-9]{20}", one.ak)
    assert len(one.sk) == 40
    assert one.credential.project_id == one.project_id == one.tokens[0].project_id
    assert one.job_duration == 2.0
    assert one.failure_rate == 0.0
    assert one.max_body_bytes == 12 * 1024 * 1024
    assert one.max_jobs == 1_000_000
    assert not one.throttle.enabled
    assert not one.faults.enabled
    assert one.projects[0].fleet_size == 20


def test_repr_never_shows_secrets() -> None:
    config = MockConfig.generate(security_token="temporary-token-value")
    text = repr(config)
    assert config.sk not in text
    assert config.token not in text
    assert "temporary-token-value" not in text
    assert config.ak in text


def test_toml_file(tmp_path: Path) -> None:
    file = tmp_path / "mock.toml"
    file.write_text(
        """
seed = 42
job_duration = 0.5
failure_rate = 0.25
[throttle]
rate = 50
burst = 10
[faults]
error_504_rate = 0.1
operations = ["RestartCloudPhoneServer"]
[[projects]]
project_id = "0123456789abcdef0123456789abcdef"
fleet_size = 7
[[projects]]
project_id = "fedcba9876543210fedcba9876543210"
account_state = "arrears"
[[credentials]]
ak = "FILEAK"
sk = "FILESK"
[[credentials]]
ak = "OTHERAK"
sk = "OTHERSK"
project_id = "fedcba9876543210fedcba9876543210"
security_token = "tok"
[[tokens]]
token = "file-token"
expires_in = 60
""",
        encoding="utf-8",
    )
    config = load_config(file, env={})
    assert config.seed == 42
    assert config.job_duration == 0.5
    assert config.failure_rate == 0.25
    assert config.throttle.rate == 50
    assert config.throttle.bucket_size == 10
    assert config.faults.error_504_rate == 0.1
    assert config.faults.operations == ("RestartCloudPhoneServer",)
    assert [p.fleet_size for p in config.projects] == [7, 20]
    assert config.projects[1].account_state == "arrears"
    assert config.ak == "FILEAK"
    assert config.sk == "FILESK"
    assert config.project_id == "0123456789abcdef0123456789abcdef"
    assert config.credentials[1].security_token == "tok"
    assert config.token == "file-token"
    assert config.tokens[0].expires_at is not None


def test_yaml_and_json_files(tmp_path: Path) -> None:
    yaml_file = tmp_path / "mock.yaml"
    yaml_file.write_text("seed: 5\nfleet_size: 3\nak: YAMLAK\nsk: YAMLSK\n", encoding="utf-8")
    json_file = tmp_path / "mock.json"
    json_file.write_text(json.dumps({"seed": 6, "token": "json-token", "rate_limit": 5}), encoding="utf-8")
    from_yaml = load_config(yaml_file, env={})
    from_json = load_config(json_file, env={})
    assert (from_yaml.seed, from_yaml.projects[0].fleet_size, from_yaml.ak) == (5, 3, "YAMLAK")
    assert (from_json.seed, from_json.token, from_json.throttle.rate) == (6, "json-token", 5.0)


def test_precedence_defaults_file_env_options(tmp_path: Path) -> None:
    file = tmp_path / "mock.json"
    file.write_text(json.dumps({"seed": 1, "ak": "FILEAK", "sk": "FILESK", "fleet_size": 4}), encoding="utf-8")
    env = {"CPH_MOCK_CONFIG": str(file), "CPH_MOCK_AK": "ENVAK", "CPH_MOCK_SEED": "2", "CPH_MOCK_FLEET_SIZE": "9"}
    config = load_config(env=env, seed=3)
    assert config.ak == "ENVAK"  # env beats file
    assert config.sk == "FILESK"  # file beats defaults
    assert config.seed == 3  # options beat env
    assert config.projects[0].fleet_size == 9


def test_every_documented_env_var_is_read() -> None:
    env = {
        "CPH_MOCK_PROJECT_ID": "a" * 32,
        "CPH_MOCK_AK": "ENVAK",
        "CPH_MOCK_SK": "ENVSK",
        "CPH_MOCK_SECURITY_TOKEN": "envsectoken",
        "CPH_MOCK_TOKEN": "envtoken",
        "CPH_MOCK_SEED": "11",
        "CPH_MOCK_FLEET_SIZE": "4",
        "CPH_MOCK_JOB_DURATION": "0",
        "CPH_MOCK_FAILURE_RATE": "0.5",
        "CPH_MOCK_RATE_LIMIT": "7",
        "CPH_MOCK_MAX_BODY_BYTES": "1000",
        "CPH_MOCK_MAX_JOBS": "500",
        "CPH_MOCK_VALIDATE_RESPONSES": "true",
        "CPH_MOCK_FAULTS__LATENCY": "0.25",
        "CPH_MOCK_FAULTS__OPERATIONS": "ShowJob,ListJobs",
        "CPH_MOCK_THROTTLE__BURST": "9",
        "CPH_MOCK_GATEWAY__LOCKOUT_THRESHOLD": "2",
    }
    assert set(env) | {"CPH_MOCK_CONFIG"} <= set(ENV_VARS)
    config = load_config(env=env)
    assert config.project_id == "a" * 32
    assert config.credential.project_id == "a" * 32
    assert (config.ak, config.sk, config.credential.security_token, config.token) == (
        "ENVAK",
        "ENVSK",
        "envsectoken",
        "envtoken",
    )
    assert (config.seed, config.projects[0].fleet_size, config.job_duration) == (11, 4, 0.0)
    assert (config.failure_rate, config.throttle.rate, config.max_body_bytes) == (0.5, 7.0, 1000)
    assert (config.max_jobs, config.validate_responses) == (500, True)
    assert (config.faults.latency, config.faults.operations) == (0.25, ("ShowJob", "ListJobs"))
    assert (config.throttle.burst, config.gateway.lockout_threshold) == (9, 2)


def test_the_declaration_lists_every_variable_once() -> None:
    """ENV_VARS is derived from MockSettings: each option has its variable and its help, none twice."""
    variables = [item.env[0] for item in options(MockSettings)]
    assert len(variables) == len(set(variables))
    assert all(name.startswith("CPH_MOCK_") for name in variables)
    assert set(ENV_VARS) == {"CPH_MOCK_CONFIG", *variables}
    assert all(ENV_VARS[name] for name in ENV_VARS)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CPH_MOCK_FLEET_SIZE": "abc"}, "^CPH_MOCK_FLEET_SIZE: Input should be a valid integer.*'abc'"),
        ({"CPH_MOCK_FAULTS__ERROR_502_RATE": "2"}, "^CPH_MOCK_FAULTS__ERROR_502_RATE: .*less than or equal to 1"),
        ({"CPH_MOCK_VALIDATE_RESPONSES": "maybe"}, "^CPH_MOCK_VALIDATE_RESPONSES: Input should be a valid boolean"),
        ({"CPH_MOCK_FAULTS": "{not json"}, "^CPH_MOCK_FAULTS: not valid JSON"),
    ],
)
def test_a_bad_variable_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env=env)


def test_a_bad_file_value_names_the_file_and_key(tmp_path: Path) -> None:
    file = tmp_path / "mock.toml"
    file.write_text("[faults]\nerror_500_rate = 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(file, env={})
    assert str(caught.value) == f"{file}: faults.error_500_rate: Input should be less than or equal to 1 (got 1.5)"


@pytest.mark.parametrize("variable", ["CPH_MOCK_TOKEN", "CPH_MOCK_SECURITY_TOKEN"])
def test_a_bad_secret_is_named_but_never_shown(variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={variable: "has secret spaces"})
    assert str(caught.value) == f"{variable}: must be printable ASCII without spaces"


def test_an_empty_secret_key_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^sk: a secret key must not be empty$"):
        load_config(env={}, sk="")


def test_settings_never_show_secrets() -> None:
    settings = MockSettings(sk="settings-secret", token="settings-token", ak="SETAK")
    assert "settings-secret" not in repr(settings) + str(settings)
    assert "settings-token" not in repr(settings) + str(settings)
    assert "SETAK" in repr(settings)


def test_options_accept_dataclasses() -> None:
    config = MockConfig.generate(faults=FaultConfig(drop_after_rate=0.5), seed=1)
    assert config.faults.drop_after_rate == 0.5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"project_id": "not-hex"}, "32 lower-case hex"),
        ({"faults": {"error_500_rate": 0.6, "error_504_rate": 0.6}}, "add up to"),
        ({"faults": {"error_500_rate": 1.5}}, r"^faults\.error_500_rate: Input should be less than or equal to 1"),
        ({"faults": {"unknown": 1}}, r"^faults\.unknown: unknown option"),
        ({"failure_rate": 2}, "failure_rate"),
        ({"job_duration": -1}, "job_duration"),
        ({"fleet_size": "many"}, "integer"),
        ({"projects": [{"account_state": "broke"}]}, "account_state"),
        ({"credentials": [{}, {"ak": "X", "sk": "Y", "project_id": "b" * 32}]}, "unknown project"),
        ({"credentials": [{}, {"ak": "X"}]}, "needs ak and sk"),
        ({"ak": "has space"}, "access key"),
        ({"bogus": 1}, "^bogus: unknown option"),
        ({"throttle": {"rate": -1}}, "throttle.rate"),
        ({"max_body_bytes": 0}, "max_body_bytes"),
        ({"max_jobs": 0}, "max_jobs"),
    ],
)
def test_invalid_configs_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        MockConfig.generate(**options)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("mock.toml", "seed = ", "not valid TOML"),
        ("mock.yaml", "- a\n- b\n", "mapping"),
        ("mock.ini", "seed=1", "must end in"),
        ("missing.json", None, "cannot read"),
    ],
)
def test_bad_config_files(tmp_path: Path, name: str, text: str | None, message: str) -> None:
    file = tmp_path / name
    if text is not None:
        file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(file, env={})


def test_the_spec_describes_the_default_job_retention() -> None:
    """ShowJob's description tells clients how many jobs the embedded mock keeps; it must match the default."""
    description = load_spec()["paths"]["/v1/{project_id}/cloud-phone/jobs/{job_id}"]["get"]["description"]
    assert f"`max_jobs` setting (default {DEFAULT_MAX_JOBS:,})" in " ".join(description.split())
