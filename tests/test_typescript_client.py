"""The spec travels to TypeScript: openapi-typescript types + openapi-fetch restart the mock's servers, signed.

The types are generated from the provider contract ``openapi/cph.openapi.yaml`` at test time (scripts/ts_client.py,
into a temporary copy of ``clients/typescript``) and the program is compiled with ``tsc --strict``, so a spec change
that breaks the TypeScript program fails here. The TypeScript signer must reproduce every vector of the signing kit
(``tests/data/signing-vectors.json``) and agree with the official SDK's ``Signer`` on generated requests; the program
runs against the mock with AK/SK (plain and temporary) and with a token. Node.js and the pinned tools (``npm ci``) are
required: without them the tests fail with the reason, they do not skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from cph.mock import MockConfig, MockServer

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "openapi" / "cph.openapi.yaml"  # scripts/ts_client.py builds from it by default
STRICT = ROOT / "openapi" / "cph.strict.openapi.yaml"
KIT = ROOT / "tests" / "data" / "signing-vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(KIT.read_text(encoding="utf-8"))["vectors"]
COMPARED = ("canonical_request", "string_to_sign", "authorization", "headers_after_signing")
SDK_SIGNED_HEADERS = "content-type;host;user-agent;x-project-id;x-sdk-date"
SECURITY_TOKEN = "temporary-security-token-0123456789"
TEMPORARY_AK, TEMPORARY_SK = "AKTEMPORARY0123", "temporary-secret-key-0123456789"
# Variables the program reads: cleared from the inherited environment so a developer's settings never leak in.
PROGRAM_ENV = (
    "CPH_ENDPOINT",
    "CPH_SERVER_IDS",
    "CPH_AUTH_TOKEN",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_PROJECT_ID",
)

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
def mock() -> Iterator[MockServer]:
    config = MockConfig.generate(
        seed=11,
        fleet_size=6,
        job_duration=0.3,
        failure_rate=0.3,
        validate_responses=True,
        credentials=[{}, {"ak": TEMPORARY_AK, "sk": TEMPORARY_SK, "security_token": SECURITY_TOKEN}],
    )
    with MockServer(config) as server:
        yield server


def node() -> str:
    path = shutil.which("node")
    assert path is not None
    return path


def program_env(url: str, project_id: str, auth: dict[str, str]) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in PROGRAM_ENV}
    return {
        **env,
        "CPH_ENDPOINT": url,
        "HUAWEICLOUD_SDK_PROJECT_ID": project_id,
        "CPH_POLL_INTERVAL_MS": "100",
        "CPH_POLL_TIMEOUT_MS": "20000",
        **auth,
    }


def credentials(mock: MockServer, kind: str) -> dict[str, str]:
    """The environment for ``kind``: the primary AK/SK, the temporary AK/SK (with its security token) or a token."""
    if kind == "aksk":
        return {"HUAWEICLOUD_SDK_AK": mock.config.ak, "HUAWEICLOUD_SDK_SK": mock.config.sk}
    if kind == "temporary-aksk":
        return {
            "HUAWEICLOUD_SDK_AK": TEMPORARY_AK,
            "HUAWEICLOUD_SDK_SK": TEMPORARY_SK,
            "HUAWEICLOUD_SDK_SECURITY_TOKEN": SECURITY_TOKEN,
        }
    return {"CPH_AUTH_TOKEN": mock.config.token}


def run_program(program: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node(), str(program), *args], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )


def run(program: Path, mock: MockServer, *args: str, auth: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = run_program(program, program_env(mock.url, mock.config.project_id, auth), *args)
    assert result.stderr == "", result.stderr
    for secret in (mock.config.sk, TEMPORARY_SK, SECURITY_TOKEN, mock.config.token):
        assert secret not in result.stdout
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
@pytest.mark.parametrize("auth", ["aksk", "temporary-aksk", "token"])
def test_restart_given_servers(program: Path, mock: MockServer, auth: str) -> None:
    normal = mock.state.server_ids(status=NORMAL)
    frozen = normal[3]
    mock.state.set_server_status(mock.config.project_id, frozen, FROZEN)
    requested = [normal[0], normal[1], normal[0], UNKNOWN_SERVER, frozen, normal[2]]

    code, summary = run(program, mock, *requested, auth=credentials(mock, auth))

    assert code == 0, summary
    assert_complete(summary, requested, mock)
    assert [e["server_id"] for e in summary["accepted"]] == [normal[0], normal[1], normal[2]]
    rejected = {e["server_id"]: e["error_code"] for e in summary["rejected"]}
    assert rejected == {UNKNOWN_SERVER: "CPS.0016", frozen: "CPS.1028"}


@pytest.mark.integration
def test_without_ids_nothing_is_restarted(program: Path, mock: MockServer) -> None:
    result = run_program(program, program_env(mock.url, mock.config.project_id, credentials(mock, "aksk")))

    assert result.returncode == 1
    assert result.stdout == ""
    assert "no server IDs given" in result.stderr
    assert "nothing was restarted" in result.stderr
    assert mock.state.restart_counts() == {}


@pytest.mark.integration
def test_list_is_a_signed_read(program: Path, mock: MockServer) -> None:
    """``--list`` signs a GET with a query (``limit``, ``offset``, ``status``); the mock verifies it; no restart."""
    code, listed = run(program, mock, "--list", auth=credentials(mock, "temporary-aksk"))

    assert code == 0, listed
    assert listed == {"server_ids": mock.state.server_ids(status=NORMAL), "error": None}
    assert mock.state.restart_counts() == {}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("auth", "detail"),
    [
        ({"HUAWEICLOUD_SDK_AK": "AKNOTKNOWN1234", "HUAWEICLOUD_SDK_SK": "not-the-secret"}, "ak not exist"),
        ({"CPH_AUTH_TOKEN": "not-a-valid-token"}, "decrypt token fail"),
    ],
    ids=["unknown-ak", "bad-token"],
)
def test_request_error_is_reported(program: Path, mock: MockServer, auth: dict[str, str], detail: str) -> None:
    server_id = mock.state.server_ids(status=NORMAL)[0]

    code, summary = run(program, mock, server_id, auth=auth)

    assert code == 2
    assert summary["error"]["operation"] == "RestartCloudPhoneServer"
    assert summary["error"]["http_status"] == 401
    assert summary["error"]["error_code"] == "APIGW.0301"
    assert detail in summary["error"]["error_msg"]
    assert ID32.match(summary["error"]["request_id"])
    assert summary["accepted"] == []
    assert mock.state.restart_counts() == {}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("aksk", {"HUAWEICLOUD_SDK_SK": "x"}),
        ("temporary-aksk", {"HUAWEICLOUD_SDK_SECURITY_TOKEN": "not-the-security-token"}),
    ],
    ids=["wrong-sk", "wrong-security-token"],
)
def test_wrong_secret_is_refused(program: Path, mock: MockServer, kind: str, change: dict[str, str]) -> None:
    server_id = mock.state.server_ids(status=NORMAL)[0]
    auth = {**credentials(mock, kind), **change}

    code, summary = run(program, mock, server_id, auth=auth)

    assert code == 2
    assert summary["error"]["error_code"] == "APIGW.0301"
    assert "verify aksk signature fail" in summary["error"]["error_msg"]
    assert mock.state.restart_counts() == {}


class _Capture(BaseHTTPRequestHandler):
    """Records each request's headers and body, answers 401 like the gateway (so the program stops after one)."""

    seen: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        payload = b'{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information."}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``seen`` instead."""


@pytest.mark.parametrize("temporary", [False, True], ids=["aksk", "temporary-aksk"])
def test_signs_exactly_the_sdk_header_set(program: Path, temporary: bool) -> None:
    """On the wire: the SDK's signed header set, the headers' values as signed, and a body hashed as sent."""
    seen: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("Capture", (_Capture,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        auth = {"HUAWEICLOUD_SDK_AK": "AKEXAMPLE", "HUAWEICLOUD_SDK_SK": "SKEXAMPLE"}
        if temporary:
            auth["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = SECURITY_TOKEN
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = run_program(program, program_env(url, "0123456789abcdef0123456789abcdef", auth), "a" * 32)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    assert result.returncode == 2, result.stdout + result.stderr
    (path, headers, body), *_ = seen
    assert len(seen) == 1
    names = SDK_SIGNED_HEADERS + (";x-security-token" if temporary else "")
    assert headers["authorization"].startswith(f"SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders={names}, Signature=")
    assert headers["host"] == url.removeprefix("http://")
    assert headers["x-project-id"] == "0123456789abcdef0123456789abcdef"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("cph-openapi-typescript/")
    assert (headers.get("x-security-token") == SECURITY_TOKEN) is temporary
    assert json.loads(body) == {"server_ids": ["a" * 32]}
    signed = {name: headers[name] for name in names.split(";")}
    request = SdkRequest(
        method="POST", schema="http", host=headers["host"], resource_path=path, query_params=[], header_params=signed
    )
    request.body = body
    Signer(BasicCredentials("AKEXAMPLE", "SKEXAMPLE")).sign(request)
    assert request.header_params["Authorization"] == headers["authorization"]


# --------------------------------------------------------------------------------------- signing conformance kit
@pytest.fixture(scope="module")
def kit_results(program: Path) -> dict[str, dict[str, Any]]:
    """What ``sign-vectors.js`` computes for each vector of the kit, by name."""
    return {result["name"]: result for result in sign_with_typescript(program, KIT)}


def sign_with_typescript(program: Path, kit: Path) -> list[dict[str, Any]]:
    result = run_program(program.parent / "sign-vectors.js", dict(os.environ), str(kit))
    assert result.returncode == 0, result.stderr
    results: list[dict[str, Any]] = json.loads(result.stdout)["vectors"]
    return results


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_typescript_signer_reproduces_the_kit(kit_results: dict[str, dict[str, Any]], vector: dict[str, Any]) -> None:
    got = kit_results[vector["name"]]
    for key in COMPARED:
        assert got[key] == vector[key], key


def test_the_kit_covers_what_the_sdk_signs() -> None:
    """The kit holds the header set the SDK signs on the wire, temporary credentials, a query and an empty body."""
    signed = {v["authorization"].split("SignedHeaders=")[1].split(",")[0] for v in VECTORS}
    assert SDK_SIGNED_HEADERS in signed
    assert any("x-security-token" in names for names in signed)
    assert any(v["query_params"] for v in VECTORS)
    assert any(v["body"] == "" for v in VECTORS)


_ALPHABET = "aZ09 _.-~!*'()+%/&=?#:@é中\u00a0\U0001f600"


def _text(rng: random.Random, size: int = 6) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, size)))


def _sdk_vector(rng: random.Random, index: int) -> dict[str, Any]:
    """A request in the kit's format, signed by the official SDK's ``Signer`` (the ground truth)."""
    segments = ["v1", *[_text(rng) or "x" for _ in range(rng.randint(1, 3))]]
    # The path as a client sends it: percent-encoded, sometimes leaving characters the URL syntax allows in a path.
    path = "/" + "/".join(quote(s, safe=rng.choice(["", "~!*'()@:"])) for s in segments if s not in {".", ".."})
    pairs = [(_text(rng, 4) or "k", _text(rng)) for _ in range(rng.randint(0, 4))]
    headers = {
        "Content-Type": rng.choice(["application/json", "application/json;charset=UTF-8", "text/plain"]),
        "X-Sdk-Date": "20261126T120000Z",
        "X-Project-Id": " 0123456789abcdef0123456789abcdef ",
        rng.choice(["X-Custom", "x_custom", "X-Trace-Id"]): _text(rng).replace("\u00a0", " ").strip() or "v",
    }
    body = rng.choice(["", json.dumps({"server_ids": [_text(rng, 32)]}, ensure_ascii=False)])
    ak, sk = f"AK{index:04d}", _text(rng, 16) or "sk"
    request = SdkRequest(
        method=rng.choice(["GET", "POST"]),
        schema="https",
        host=rng.choice(["cph.cn-east-3.myhuaweicloud.com", "127.0.0.1:18777"]),
        resource_path=path,
        query_params=list(pairs),
        header_params=dict(headers),
        body=body,
    )
    Signer(BasicCredentials(ak, sk)).sign(request)
    return {
        "name": f"sdk-{index}",
        "ak": ak,
        "sk": sk,
        "method": request.method,
        "url": f"https://{request.host}{request.uri}",
        "headers_before_signing": headers,
        "body": body,
        "authorization": request.header_params["Authorization"],
    }


def test_typescript_signer_agrees_with_the_sdk_on_generated_requests(program: Path, tmp_path: Path) -> None:
    """300 requests with awkward paths, queries, header values and secrets: the same Authorization as the SDK."""
    rng = random.Random(20261130)
    vectors = [_sdk_vector(rng, index) for index in range(300)]
    kit = tmp_path / "generated-vectors.json"
    kit.write_text(json.dumps({"vectors": vectors}, ensure_ascii=False), encoding="utf-8")

    results = sign_with_typescript(program, kit)

    mismatches = [v["name"] for v, r in zip(vectors, results, strict=True) if r["authorization"] != v["authorization"]]
    assert mismatches == []


def test_spec_change_breaks_the_build(tmp_path: Path) -> None:
    """Renaming the request body's ``server_ids`` in a copy of the spec makes ``tsc --strict`` reject restart.ts."""
    text = SPEC.read_text(encoding="utf-8")
    assert "server_ids" in text
    broken = tmp_path / "renamed.openapi.yaml"
    broken.write_text(text.replace("server_ids", "server_id_list"), encoding="utf-8")
    require_node()

    with pytest.raises(ts_client.BuildError, match=r"(?s)^tsc failed.*'server_ids' does not exist"):
        ts_client.build(tmp_path / "ts", broken)


def test_the_program_also_compiles_against_the_strict_document(tmp_path: Path) -> None:
    """Built from the provider contract by default; the strict document (fields required) must compile as well."""
    entry = build_or_fail(tmp_path / "strict", STRICT)
    assert entry.is_file()
