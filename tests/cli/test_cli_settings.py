"""The API commands' options come from one declaration (``cph.cli._settings``): precedence, errors naming the
option, secrets never shown, and ``-v`` keeping the client's normal transport (proxy variables still apply)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1]))

from client_testkit import AK, PROJECT, SK

import cph.cli
from cph.cli import app
from cph.cli._settings import ConnectionSettings, RestartSettings
from cph.settings import SettingsError, load

cph.cli._register_commands()

ROOT = Path(__file__).parents[2]
AKSK = {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK, "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT}


# ------------------------------------------------------------------------------------------------ precedence
def test_default_then_environment_then_command_line() -> None:
    assert load(RestartSettings, env={}).concurrency == 8
    assert load(RestartSettings, env={"CPH_CONCURRENCY": "4"}).concurrency == 4
    chosen = load(RestartSettings, env={"CPH_CONCURRENCY": "4"}, given={"concurrency": "2"}, from_command_line=True)
    assert chosen.concurrency == 2
    region = load(ConnectionSettings, env={"CPH_REGION": "a-1"}, given={"region": "b-2"}, from_command_line=True)
    assert region.region == "b-2"


def test_credentials_are_secret_and_project_id_from_the_sdk_variable() -> None:
    chosen = load(ConnectionSettings, env={**AKSK, "CPH_AUTH_TOKEN": "tok-secret-value"})
    assert chosen.project_id == PROJECT
    assert SK not in repr(chosen)
    assert "tok-secret-value" not in repr(chosen)
    assert chosen.credential_environ()["HUAWEICLOUD_SDK_SK"] == SK


@pytest.mark.parametrize(
    ("given", "env", "named"),
    [
        ({"rate_limit": "0"}, {}, "--rate-limit"),
        ({}, {"CPH_RATE_LIMIT": "fast"}, "CPH_RATE_LIMIT"),
        ({"timeout": "-1"}, {"CPH_TIMEOUT": "5"}, "--timeout"),
    ],
)
def test_a_bad_value_names_where_it_came_from(given: dict[str, str], env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(RestartSettings, given=given, env=env, from_command_line=True)
    assert str(caught.value).startswith(f"{named}: ")
    assert "\n" not in str(caught.value)


def test_a_flag_for_the_project_beats_its_variable() -> None:
    other = "f" * 32
    chosen = load(ConnectionSettings, env=AKSK, given={"project_id": other}, from_command_line=True)
    assert chosen.project_id == other
    assert chosen.credential_environ()["HUAWEICLOUD_SDK_PROJECT_ID"] == other


# ------------------------------------------------------------------------------------- a real process, exit 2
@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["restart", "--rate-limit", "0", "a" * 32], {}, "--rate-limit"),
        (["jobs", "-j", "a" * 32], {"CPH_TIMEOUT": "soon"}, "CPH_TIMEOUT"),
        (["servers"], {"HUAWEICLOUD_SDK_SECURITY_TOKEN": "tok\tsecret-token-value"}, "security_token"),
        (["servers", "--region", "mars-1"], {}, "unknown region"),
    ],
)
def test_bad_values_exit_2_with_one_line_and_no_traceback(args: list[str], env: dict[str, str], named: str) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_SDK_", "CPH_"))}
    # nothing listens on port 1 of loopback; every case fails before sending anything
    environ.update({**AKSK, "CPH_ENDPOINT": "http://127.0.0.1:1", **env, "PYTHONPATH": os.pathsep.join(sys.path)})
    done = subprocess.run(
        [sys.executable, "-m", "cph.cli", *args], env=environ, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert named in lines[0]
    assert "Traceback" not in done.stderr
    for secret in (SK, "secret-token-value"):
        assert secret not in done.stdout + done.stderr


# -------------------------------------------------------------------------------------- -v keeps the proxies
@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP proxy that answers every request itself (an empty server list) and records request lines."""
    seen: list[str] = []
    body = json.dumps({"servers": [], "count": 0}).encode()
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: via-proxy\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while True:
                        while b"\r\n\r\n" not in data:
                            chunk = conn.recv(65536)
                            if not chunk:
                                raise ConnectionError
                            data += chunk
                        head, data = data.split(b"\r\n\r\n", 1)
                        seen.append(head.split(b"\r\n", 1)[0].decode())
                        conn.sendall(answer)
                except (ConnectionError, TimeoutError, OSError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_verbose_keeps_proxy_variables_and_shows_no_secret(proxy: tuple[str, list[str]]) -> None:
    url, seen = proxy
    env: dict[str, str | None] = dict.fromkeys(
        ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy")
    )
    env.update({**AKSK, "CPH_REGION": None, "CPH_AUTH_TOKEN": None, "HTTP_PROXY": url, "http_proxy": url})
    env["CPH_ENDPOINT"] = "http://127.0.0.1:1"  # nothing listens there: only the proxy can answer
    result = CliRunner().invoke(app, ["servers", "-v", "--ids"], env=env)
    assert result.exit_code == 0, result.output
    assert seen, "the request did not go through the proxy"
    assert seen[0].startswith(f"GET http://127.0.0.1:1/v1/{PROJECT}/cloud-phone/servers")  # absolute form: proxied
    assert "request_id=via-proxy" in result.stderr
    for secret in (AK, SK):
        assert secret not in result.stdout + result.stderr
