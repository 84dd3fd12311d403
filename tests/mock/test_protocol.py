"""The HTTP/1.1 protocol, over real sockets: keep-alive, pipelining, chunked bodies, 100-continue, malformed
requests, dropped connections."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from cph_mock_testkit import PRIMARY, Reader, connect, make_config
from cph_mock_testkit import raw_request as request

from cph.mock import MockServer
from cph.mock._protocol import _resume

SERVERS = f"/v1/{PRIMARY}/cloud-phone/servers"
RESTART = f"/v1/{PRIMARY}/cloud-phone/servers/batch-restart"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(make_config(job_duration=30), timeout_keep_alive=1) as server:
        yield server


def restart_body(mock: MockServer, index: int = 0) -> tuple[str, bytes]:
    server = mock.state.server_ids(PRIMARY, status=5)[index]
    return server, json.dumps({"server_ids": [server]}).encode()


def assert_gateway_400(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 400
    document = json.loads(body)
    assert document["error_code"] == "APIGW.0201"
    assert document["error_msg"] == "API request error."
    assert document["request_id"] == headers["x-request-id"]
    assert headers["connection"] == "close"


@pytest.mark.integration
def test_keep_alive_serves_several_requests_on_one_connection(mock: MockServer) -> None:
    with connect(mock) as sock:
        reader = Reader(sock)
        ids = set()
        for _ in range(3):
            sock.sendall(request("GET", SERVERS + "?limit=1"))
            status, headers, _body = reader.response()
            assert status == 200
            assert "connection" not in headers
            ids.add(headers["x-request-id"])
        assert len(ids) == 3


@pytest.mark.integration
def test_pipelined_requests_are_answered_in_order(mock: MockServer) -> None:
    with connect(mock) as sock:
        sock.sendall(
            request("GET", SERVERS + "?limit=1") + request("GET", "/nope") + request("GET", SERVERS + "?limit=x")
        )
        reader = Reader(sock)
        assert [reader.response()[0] for _ in range(3)] == [200, 404, 400]


@pytest.mark.integration
def test_chunked_request_body(mock: MockServer) -> None:
    server, body = restart_body(mock, 0)
    chunked = (
        b"".join(b"%x;ext=1\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:])) + b"0\r\nX-T: 1\r\n\r\n"
    )
    with connect(mock) as sock:
        sock.sendall(
            request("POST", RESTART, chunked, {"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
        )
        status, _headers, answer = Reader(sock).response()
    assert status == 200
    assert "job_id" in json.loads(answer)["jobs"][0]
    assert mock.state.restart_count(server) == 1


@pytest.mark.integration
def test_body_arriving_late_is_awaited(mock: MockServer) -> None:
    server, body = restart_body(mock, 1)
    data = request("POST", RESTART, body)
    with connect(mock) as sock:
        sock.sendall(data[:-20])
        time.sleep(0.05)
        sock.sendall(data[-20:])
        status, _headers, _answer = Reader(sock).response()
    assert status == 200
    assert mock.state.restart_count(server) == 1


@pytest.mark.integration
def test_expect_100_continue(mock: MockServer) -> None:
    _server, body = restart_body(mock, 2)
    data = request("POST", RESTART, body, {"Expect": "100-continue"})
    head, payload = data.split(b"\r\n\r\n", 1)
    with connect(mock) as sock:
        sock.sendall(head + b"\r\n\r\n")
        reader = Reader(sock)
        while b"\r\n\r\n" not in reader.buffer:
            reader._fill()
        assert reader.buffer.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        reader.buffer = reader.buffer[len(b"HTTP/1.1 100 Continue\r\n\r\n") :]
        sock.sendall(payload)
        assert reader.response()[0] == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /x HTTP/2.0\r\nHost: a\r\n\r\n",
        b"GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /x\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
        b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n folded: value\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY",
        b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 200 + b"\r\n",
    ],
)
@pytest.mark.integration
def test_malformed_http_is_answered_400_and_closed(mock: MockServer, raw: bytes) -> None:
    before = mock.state.snapshot()
    with connect(mock) as sock:
        sock.sendall(raw)
        reader = Reader(sock)
        assert_gateway_400(*reader.response())
        assert reader.closed()
    assert mock.state.snapshot() == before


@pytest.mark.integration
def test_connection_close_and_http_1_0(mock: MockServer) -> None:
    for data in (
        request("GET", SERVERS, headers={"Connection": "close"}),
        request("GET", SERVERS).replace(b"HTTP/1.1", b"HTTP/1.0", 1),
    ):
        with connect(mock) as sock:
            sock.sendall(data)
            reader = Reader(sock)
            status, headers, _body = reader.response()
            assert status == 200
            assert headers["connection"] == "close"
            assert reader.closed()


@pytest.mark.integration
def test_http_1_0_keep_alive_is_honoured(mock: MockServer) -> None:
    data = request("GET", SERVERS, headers={"Connection": "keep-alive"}).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
    with connect(mock) as sock:
        reader = Reader(sock)
        sock.sendall(data)
        assert reader.response()[0] == 200
        sock.sendall(data)
        assert reader.response()[0] == 200


@pytest.mark.integration
def test_head_gets_headers_only(mock: MockServer) -> None:
    with connect(mock) as sock:
        sock.sendall(request("HEAD", SERVERS) + request("GET", "/nope"))
        reader = Reader(sock)
        while reader.buffer.count(b"\r\n\r\n") < 2:
            reader._fill()
        first, rest = reader.buffer.split(b"\r\n\r\n", 1)
        assert first.startswith(b"HTTP/1.1 404 ")
        assert rest.startswith(b"HTTP/1.1 404 ")  # no body bytes in between


@pytest.mark.integration
def test_oversized_declared_body_is_413_without_reading_it(mock: MockServer) -> None:
    with connect(mock) as sock:
        sock.sendall(request("POST", RESTART, headers={"Content-Length": str(13 * 1024 * 1024)}))
        reader = Reader(sock)
        status, headers, body = reader.response()
        assert status == 413
        assert json.loads(body)["error_msg"] == "Request entity too large."
        assert headers["connection"] == "close"
        assert reader.closed()


@pytest.mark.parametrize(("kind", "applied"), [("drop-before", 0), ("drop-after", 1)])
@pytest.mark.integration
def test_dropped_connections_close_without_a_response(mock: MockServer, kind: str, applied: int) -> None:
    server, body = restart_body(mock, 3 if applied else 4)
    mock.faults.schedule(kind, operation="RestartCloudPhoneServer")
    with connect(mock) as sock:
        sock.sendall(request("POST", RESTART, body))
        reader = Reader(sock)
        assert reader.closed()
    assert mock.state.restart_count(server) == applied


@pytest.mark.integration
def test_scheduled_error_then_normal_service(mock: MockServer) -> None:
    mock.faults.schedule("502")
    with connect(mock) as sock:
        reader = Reader(sock)
        sock.sendall(request("GET", SERVERS))
        assert reader.response()[0] == 502
        sock.sendall(request("GET", SERVERS))
        assert reader.response()[0] == 200


@pytest.mark.integration
def test_latency_suspends_the_request_and_resumes_it() -> None:
    with MockServer(make_config(faults={"latency": 0.1})) as slow, connect(slow) as sock:
        reader = Reader(sock)
        started = time.monotonic()
        sock.sendall(request("GET", SERVERS + "?limit=1") + request("GET", SERVERS + "?limit=1"))
        assert [reader.response()[0] for _ in range(2)] == [200, 200]
        assert time.monotonic() - started >= 0.2


# ------------------------------------------------------------------------- the eager-start driver, without sockets
def test_resume_passes_results_exceptions_and_cancellation() -> None:
    async def inner(future: asyncio.Future[int], out: list[object]) -> None:
        try:
            out.append(await future)
            await asyncio.sleep(0)
            out.append("after bare yield")
        except BaseException as exc:
            out.append(type(exc))
            raise

    async def scenario() -> list[list[object]]:
        loop = asyncio.get_running_loop()
        results: list[list[object]] = []
        for outcome in ("value", "error", "cancel"):
            future: asyncio.Future[int] = loop.create_future()
            out: list[object] = []
            coroutine = inner(future, out)
            task = loop.create_task(_resume(coroutine, coroutine.send(None)))
            await asyncio.sleep(0)
            if outcome == "value":
                future.set_result(7)
                await task
            elif outcome == "error":
                future.set_exception(KeyError("x"))
                with pytest.raises(KeyError):
                    await task
            else:
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            results.append(out)
        return results

    assert asyncio.run(scenario()) == [[7, "after bare yield"], [KeyError], [asyncio.CancelledError]]


@pytest.mark.integration
def test_idle_connections_are_closed_after_the_keep_alive_timeout(mock: MockServer) -> None:
    with connect(mock) as sock:
        reader = Reader(sock)
        sock.sendall(request("GET", SERVERS + "?limit=1"))
        assert reader.response()[0] == 200
        time.sleep(0.5)
        sock.sendall(request("GET", SERVERS + "?limit=1"))  # activity pushes the deadline back
        assert reader.response()[0] == 200
        started = time.monotonic()
        assert reader.closed()
        assert 0.5 < time.monotonic() - started < 3


@pytest.mark.integration
def test_empty_lines_before_a_request_are_ignored(mock: MockServer) -> None:
    with connect(mock) as sock:
        sock.sendall(b"\r\n\r\n" + request("GET", SERVERS + "?limit=1"))
        assert Reader(sock).response()[0] == 200
