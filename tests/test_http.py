"""The clients send through httpx's own transports: no cookies kept, nothing leaves the process under respx or
pytest-httpx, and hostile loopback peers give a typed result, bounded memory and no traceback from the CLI.

Each hostile peer here broke the hand-written transport the client used to have (``cph._transport``, removed):
endless headers grew it to gigabytes, a 101 escaped as an ``httptools`` exception with a traceback, junk after a
complete 200 threw the answer away, and respx's fallback let a real POST out under pytest-httpx's patch.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import respx
from pytest_httpx import HTTPXMock

sys.path.insert(0, str(Path(__file__).parent))

from client_testkit import AK, CREDS, FAST, PROJECT, SK, server_ids

from cph import AsyncCphClient, CphClient, Outcome
from cph._http import AsyncCphHttpClient, CphHttpClient

RESTART = f"/v1/{PROJECT}/cloud-phone/servers/batch-restart"
REQUEST_ID = "c" * 32
ACCEPTED = json.dumps(
    {"request_id": REQUEST_ID, "jobs": [{"server_id": server_ids(1)[0], "job_id": "d" * 32}]}
).encode()


# ------------------------------------------------------------------------------------------------------ cookies
def test_cookies_are_neither_kept_nor_sent() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})

    with CphHttpClient(base_url="http://127.0.0.1:1", transport=httpx.MockTransport(handler)) as ours:
        ours.get("/one")
        ours.get("/two")
        assert not ours.cookies
    assert all("cookie" not in request.headers for request in sent)


def test_the_async_client_keeps_no_cookies_either() -> None:
    async def check() -> bool:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"Set-Cookie": "session=abc"})

        async with AsyncCphHttpClient(base_url="http://127.0.0.1:1", transport=httpx.MockTransport(handler)) as c:
            await c.get("/v1/x")
            return bool(c.cookies)

    assert not asyncio.run(check())


def test_setting_cookies_is_refused() -> None:
    with pytest.raises(TypeError, match="no cookies"):
        CphHttpClient(base_url="http://127.0.0.1:1", cookies={"a": "b"})
    with CphHttpClient(base_url="http://127.0.0.1:1") as ours, pytest.raises(TypeError, match="no cookies"):
        ours.cookies = {"a": "b"}


# -------------------------------------------------------------------------------------------- loopback peers
Script = Callable[[socket.socket], None]


@contextmanager
def peer(script: Script) -> Iterator[tuple[str, list[int]]]:
    """A loopback server running ``script(conn)`` on each connection; yields (endpoint, [connections accepted])."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted = [0]
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        try:
            script(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted[0] += 1
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        listener.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        body += conn.recv(65536)
    return data


def answer(raw: bytes, *, linger: float = 1.0) -> Script:
    def script(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(raw)
        time.sleep(linger)

    return script


def endless_headers(conn: socket.socket) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Padding: " + b"p" * 1000 + b"\r\n"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        conn.sendall(line * 64)


def silent(conn: socket.socket) -> None:
    read_request(conn)
    time.sleep(5)


SWITCHING = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello"
JUNK_AFTER_200 = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: "
    + REQUEST_ID.encode()
    + b"\r\nContent-Length: "
    + str(len(ACCEPTED)).encode()
    + b"\r\n\r\n"
    + ACCEPTED
    + b"HTTP/1.1 500 junk\r\n\x00\xff"
)
HOSTILE: dict[str, Script] = {
    "endless-headers": endless_headers,
    "101": answer(SWITCHING),
    "never-answers": silent,
}


def restart_one(endpoint: str) -> tuple[object, float]:
    started = time.monotonic()
    with CphClient(endpoint=endpoint, credentials=CREDS, retry=FAST, timeout=1.0) as client:
        result = client.restart(server_ids(1))
    return result[server_ids(1)[0]], time.monotonic() - started


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_peer_gives_an_unknown_outcome_not_a_crash(name: str) -> None:
    """The restart may have reached the peer, so it is never resent and the server is reported unknown."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with peer(HOSTILE[name]) as (endpoint, accepted):
        entry, took = restart_one(endpoint)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert entry.outcome is Outcome.UNKNOWN  # type: ignore[attr-defined]
    assert accepted[0] == 1  # not resent
    assert took < 5
    assert grown_mib < 64  # httpx stops reading a head at 64 KiB-ish; the old transport grew to gigabytes


def test_junk_after_a_complete_answer_keeps_the_answer() -> None:
    with peer(answer(JUNK_AFTER_200)) as (endpoint, _):
        entry, _ = restart_one(endpoint)
    assert entry.outcome is Outcome.ACCEPTED  # type: ignore[attr-defined]
    assert (entry.request_id, entry.job_id) == (REQUEST_ID, "d" * 32)  # type: ignore[attr-defined]


def test_the_async_client_survives_the_same_peers() -> None:
    async def restart(endpoint: str) -> Outcome:
        async with AsyncCphClient(endpoint=endpoint, credentials=CREDS, retry=FAST, timeout=1.0) as client:
            return (await client.restart(server_ids(1)))[server_ids(1)[0]].outcome

    for script, expected in [(answer(SWITCHING), Outcome.UNKNOWN), (answer(JUNK_AFTER_200), Outcome.ACCEPTED)]:
        with peer(script) as (endpoint, _):
            assert asyncio.run(restart(endpoint)) is expected


@pytest.mark.parametrize("name", HOSTILE)
def test_the_cli_reports_a_hostile_peer_without_a_traceback(name: str) -> None:
    env = {
        **os.environ,
        "HUAWEICLOUD_SDK_AK": AK,
        "HUAWEICLOUD_SDK_SK": SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": PROJECT,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    with peer(HOSTILE[name]) as (endpoint, _):
        done = subprocess.run(
            [sys.executable, "-m", "cph.cli", "restart", "--endpoint", endpoint, "--json", server_ids(1)[0]],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1  # some server unknown
    assert json.loads(done.stdout)["servers"][0]["outcome"] == "unknown"
    assert SK not in done.stdout + done.stderr


# ------------------------------------------------------------------------------------- mocking libraries
def test_nothing_leaves_the_process_under_respx() -> None:
    with peer(answer(JUNK_AFTER_200)) as (endpoint, accepted), respx.mock(base_url=endpoint) as router:
        route = router.post(RESTART).respond(200, content=ACCEPTED, headers={"X-Request-Id": REQUEST_ID})
        entry, _ = restart_one(endpoint)
    assert route.call_count == 1
    assert entry.outcome is Outcome.ACCEPTED  # type: ignore[attr-defined]
    assert accepted == [0]


def test_nothing_leaves_the_process_under_pytest_httpx(httpx_mock: HTTPXMock) -> None:
    with peer(answer(JUNK_AFTER_200)) as (endpoint, accepted):
        httpx_mock.add_response(
            method="POST", url=endpoint + RESTART, content=ACCEPTED, headers={"X-Request-Id": REQUEST_ID}
        )
        entry, _ = restart_one(endpoint)
        assert accepted == [0]
    assert entry.outcome is Outcome.ACCEPTED  # type: ignore[attr-defined]
    assert len(httpx_mock.get_requests()) == 1


def test_nothing_leaves_the_async_client_under_pytest_httpx(httpx_mock: HTTPXMock) -> None:
    async def restart(endpoint: str) -> Outcome:
        async with AsyncCphClient(endpoint=endpoint, credentials=CREDS, retry=FAST) as client:
            return (await client.restart(server_ids(1)))[server_ids(1)[0]].outcome

    with peer(answer(JUNK_AFTER_200)) as (endpoint, accepted):
        httpx_mock.add_response(method="POST", url=endpoint + RESTART, content=ACCEPTED)
        assert asyncio.run(restart(endpoint)) is Outcome.ACCEPTED
        assert accepted == [0]


# ---------------------------------------------------------------------------------- what the old transport broke
def keep_alive(seen: list[bytes]) -> Script:
    def script(conn: socket.socket) -> None:
        while request := read_request(conn):
            seen.append(request)
            conn.sendall(JUNK_AFTER_200.partition(b"HTTP/1.1 500")[0])

    return script


def test_connections_are_reused_with_more_than_1024_descriptors_open() -> None:
    """``select.select`` cannot watch a descriptor above 1024: the old pool opened a connection per request."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048 <= hard or soft < hard < 2048:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    seen: list[bytes] = []
    try:
        with peer(keep_alive(seen)) as (endpoint, accepted):
            with CphClient(endpoint=endpoint, credentials=CREDS, retry=FAST, concurrency=1) as client:
                for _ in range(20):
                    assert client.restart(server_ids(1)).ok
            assert accepted == [1]
    finally:
        for fd in held:
            os.close(fd)
    assert len(seen) == 20


def test_a_streamed_body_is_sent_with_chunk_framing() -> None:
    seen: list[bytes] = []

    def script(conn: socket.socket) -> None:
        data = b""
        while not data.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        seen.append(data)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    with peer(script) as (endpoint, _), CphHttpClient(base_url=endpoint, timeout=2.0) as ours:
        assert ours.post("/x", content=iter([b"hello", b"world"])).status_code == 200
    head, _, body = seen[0].partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    assert body == b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"


INTERRUPTED_CHILD = """
import json, sys
from cph import AkSkCredentials, CphClient, RestartInterrupted

endpoint, ak, sk, project, server_id = sys.argv[1:6]
try:
    with CphClient(endpoint=endpoint, credentials=AkSkCredentials(ak, sk, project_id=project), timeout=60) as client:
        print("started", flush=True)
        client.restart([server_id])
except RestartInterrupted as stopped:
    print(json.dumps(stopped.result.to_dict()), flush=True)
    sys.exit(130)
"""


def test_ctrl_c_while_a_request_hangs_reports_it_and_exits_within_the_grace_period() -> None:
    """The hanging request is reported unknown after the grace period, and it does not keep the process alive."""

    def hanging(conn: socket.socket) -> None:
        read_request(conn)
        time.sleep(60)

    with peer(hanging) as (endpoint, accepted):
        started = time.monotonic()
        with subprocess.Popen(
            [sys.executable, "-c", INTERRUPTED_CHILD, endpoint, AK, SK, PROJECT, server_ids(1)[0]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        ) as child:
            assert child.stdout is not None
            assert child.stderr is not None
            assert child.stdout.readline().strip() == "started"
            while not accepted[0]:
                time.sleep(0.05)
            time.sleep(0.3)
            child.send_signal(signal.SIGINT)
            out, errors = child.stdout.read(), child.stderr.read()
            code = child.wait(timeout=30)
        took = time.monotonic() - started
    assert code == 130, errors
    assert json.loads(out)["servers"][0]["outcome"] == "unknown"
    assert took < 15  # grace (5 s) plus start-up, not the request's 60 s timeout
