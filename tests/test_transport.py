"""The lean transport against scripted loopback servers: keep-alive and its pitfalls, framing, every failure mapped
to the httpx exception the retry policy expects, header injection, TLS, proxies and respx."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import respx
import trustme

from cph import AkSkCredentials, CphClient, CphError
from cph._retry import Decision, decide_for_exception, may_have_been_sent
from cph._transport import LeanTransport, default_transport

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'

Script = Callable[[socket.socket, "Seen"], None]


@dataclass
class Seen:
    """What the scripted server saw: connections accepted and request bytes received."""

    connections: int = 0
    received: list[bytes] = field(default_factory=list)


def read_request(conn: socket.socket, seen: Seen) -> bytes:
    """Read one request (head plus Content-Length body); b"" when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    seen.received.append(data)
    return data


@contextmanager
def scripted(script: Script, *, tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, Seen]]:
    """A loopback server running ``script(conn, seen)`` for each accepted connection; yields (base URL, seen)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen = Seen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            seen.connections += 1

            def handle(conn: socket.socket = conn) -> None:
                try:
                    if tls is not None:
                        conn = tls.wrap_socket(conn, server_side=True)
                    script(conn, seen)
                except OSError:
                    pass
                finally:
                    conn.close()

            threading.Thread(target=handle, daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", seen
    finally:
        stop.set()
        thread.join()
        listener.close()


def keep_alive(answer: bytes = OK) -> Script:
    def script(conn: socket.socket, seen: Seen) -> None:
        while read_request(conn, seen):
            conn.sendall(answer)

    return script


def once(answer: bytes) -> Script:
    def script(conn: socket.socket, seen: Seen) -> None:
        if read_request(conn, seen):
            conn.sendall(answer)

    return script


def client(**kwargs: object) -> httpx.Client:
    return httpx.Client(transport=LeanTransport(**kwargs), timeout=2.0)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------- keep-alive
def test_connections_are_kept_open_and_reused() -> None:
    with scripted(keep_alive()) as (url, seen), client() as http:
        answers = [http.post(url + "/v1/x", json={"n": i}) for i in range(5)]
    assert [a.json() for a in answers] == [{"ok": True}] * 5
    assert seen.connections == 1
    assert len(seen.received) == 5


def test_head_and_body_are_sent_as_given() -> None:
    with scripted(keep_alive()) as (url, seen), client() as http:
        http.post(url + "/v1/a%20b?x=1", content=b"payload", headers={"X-Thing": "value"})
    request = seen.received[0]
    assert request.startswith(b"POST /v1/a%20b?x=1 HTTP/1.1\r\n")
    assert b"\r\nX-Thing: value\r\n" in request
    assert f"\r\nHost: {url.removeprefix('http://')}\r\n".encode() in request
    assert request.endswith(b"\r\n\r\npayload")


def test_an_idle_connection_the_server_closed_is_replaced_not_failed() -> None:
    """A keep-alive timeout must not turn the next request into an ambiguous failure (it would not be resent)."""
    closed = threading.Event()

    def answer_then_close(conn: socket.socket, seen: Seen) -> None:
        if read_request(conn, seen):
            conn.sendall(OK)  # keep-alive answer, then the server's idle timeout closes the connection
        conn.close()
        closed.set()

    with scripted(answer_then_close) as (url, seen), client() as http:
        first = http.get(url + "/")
        assert closed.wait(5)
        second = http.get(url + "/")
    assert first.status_code == second.status_code == 200
    assert seen.connections == 2


def test_connection_close_is_honoured() -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    with scripted(once(answer)) as (url, seen), client() as http:
        assert [http.get(url + "/").text for _ in range(3)] == ["ok"] * 3
    assert seen.connections == 3


def test_at_most_max_idle_connections_are_kept() -> None:
    transport = LeanTransport(max_idle=1)
    with scripted(keep_alive()) as (url, seen), httpx.Client(transport=transport) as http:
        barrier = threading.Barrier(3)

        def call() -> None:
            barrier.wait()
            http.get(url + "/")

        threads = [threading.Thread(target=call) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        kept = sum(len(idle) for idle in transport._idle.values())
    assert kept <= 1
    assert seen.connections >= 1


# ------------------------------------------------------------------------------------------------------ framing
def test_chunked_answers_are_decoded() -> None:
    answer = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n'
    with scripted(keep_alive(answer)) as (url, seen), client() as http:
        assert http.get(url + "/").json() == {"a": 1}
        assert http.get(url + "/").json() == {"a": 1}
    assert seen.connections == 1


def test_a_body_delimited_by_closing_is_read_to_the_end() -> None:
    with scripted(once(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")) as (url, _), client() as http:
        assert http.get(url + "/").text == "until the end"


def test_interim_answers_are_skipped() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\n" + OK
    with scripted(keep_alive(answer)) as (url, _), client() as http:
        response = http.post(url + "/", content=b"x")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_status_reason_and_repeated_headers_survive() -> None:
    answer = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n"
    with scripted(keep_alive(answer)) as (url, _), client() as http:
        response = http.get(url + "/")
    assert response.status_code == 429
    assert response.reason_phrase == "Too Many Requests"
    assert response.headers["retry-after"] == "3"
    assert response.headers.get_list("x-a") == ["1", "2"]


def test_gzip_bodies_are_decoded_by_httpx() -> None:
    body = gzip.compress(b'{"z":1}')
    answer = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    with scripted(keep_alive(answer)) as (url, _), client() as http:
        assert http.get(url + "/").json() == {"z": 1}


def test_bytes_after_the_answer_make_the_connection_unusable() -> None:
    with scripted(keep_alive(OK + b"HTTP/1.1 200 OK\r\n")) as (url, seen), client() as http:
        assert http.get(url + "/").status_code == 200
        assert http.get(url + "/").status_code == 200
    assert seen.connections == 2


def test_head_goes_through_httpx_own_transport() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    with scripted(keep_alive(answer)) as (url, _), client() as http:
        response = http.head(url + "/")
    assert response.status_code == 200
    assert response.content == b""


# ------------------------------------------------------------------------------------------------------ failures
def test_refused_connection_is_a_connect_error_safe_to_resend() -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with client() as http, pytest.raises(httpx.ConnectError) as caught:
        http.post(f"http://127.0.0.1:{port}/", content=b"x")
    assert not may_have_been_sent(caught.value)
    assert decide_for_exception(caught.value, idempotent=False) is Decision.RETRY


def test_silence_after_the_request_is_a_read_timeout_never_resent() -> None:
    def silent(conn: socket.socket, seen: Seen) -> None:
        read_request(conn, seen)
        threading.Event().wait(1.0)

    with (
        scripted(silent) as (url, _),
        httpx.Client(transport=LeanTransport(), timeout=0.2) as http,
        pytest.raises(httpx.ReadTimeout) as caught,
    ):
        http.post(url + "/", content=b"x")
    assert may_have_been_sent(caught.value)
    assert decide_for_exception(caught.value, idempotent=False) is Decision.RECONCILE


def test_a_drop_after_the_request_is_a_protocol_error_never_resent() -> None:
    def drop(conn: socket.socket, seen: Seen) -> None:
        read_request(conn, seen)

    with scripted(drop) as (url, seen), client() as http, pytest.raises(httpx.RemoteProtocolError) as caught:
        http.post(url + "/", content=b"x")
    assert len(seen.received) == 1
    assert decide_for_exception(caught.value, idempotent=False) is Decision.RECONCILE


def test_a_drop_mid_body_is_a_protocol_error() -> None:
    truncated = b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"half'
    with scripted(once(truncated)) as (url, _), client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(url + "/")


def test_garbage_is_a_protocol_error() -> None:
    with scripted(once(b"SMTP ready\r\n\r\n")) as (url, _), client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.get(url + "/")


@pytest.mark.parametrize(
    ("name", "value"), [("X-Evil", "a\r\nX-Injected: 1"), ("X-Evil", "a\nb"), ("X-Evil", "a\x00b")]
)
def test_header_injection_is_refused_before_anything_is_sent(name: str, value: str) -> None:
    with scripted(keep_alive()) as (url, seen), client() as http:
        with pytest.raises(httpx.LocalProtocolError) as caught:
            http.get(url + "/", headers={name: value})
        assert decide_for_exception(caught.value, idempotent=False) is Decision.GIVE_UP
        assert http.get(url + "/").status_code == 200  # and the client is still usable
    assert len(seen.received) == 1


def test_other_schemes_are_refused() -> None:
    transport = LeanTransport()
    with pytest.raises(httpx.UnsupportedProtocol):
        transport.handle_request(httpx.Request("GET", "ftp://127.0.0.1/"))


# ----------------------------------------------------------------------------------------------------------- TLS
@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def test_https_with_a_trusted_certificate(ca: trustme.CA) -> None:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with scripted(keep_alive(), tls=server) as (url, seen), client(ssl_context=trusted) as http:
        assert [http.get(url + "/").status_code for _ in range(3)] == [200] * 3
    assert seen.connections == 1


def test_https_with_an_untrusted_certificate_is_a_connect_error(ca: trustme.CA) -> None:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    with (
        scripted(keep_alive(), tls=server) as (url, seen),
        client() as http,  # certifi's roots: not our CA
        pytest.raises(httpx.ConnectError) as caught,
    ):
        http.get(url + "/")
    assert not may_have_been_sent(caught.value)
    assert seen.received == []


# ---------------------------------------------------------------------------------------------- proxies, respx
def test_a_proxied_endpoint_keeps_httpx_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert isinstance(default_transport("https://cph.example.com", max_idle=2), LeanTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert default_transport("https://cph.example.com", max_idle=2) is None
    monkeypatch.setenv("NO_PROXY", "cph.example.com")
    assert isinstance(default_transport("https://cph.example.com", max_idle=2), LeanTransport)


def test_respx_intercepts_the_default_client_transport() -> None:
    """respx patches httpcore; the client must not slip past it to the network."""
    project = "0123456789abcdef0123456789abcdef"
    credentials = AkSkCredentials("AK", "SK-not-a-secret", project)
    with respx.mock(assert_all_called=True) as router:
        route = router.get(f"http://127.0.0.1:9/v1/{project}/cloud-phone/jobs/{'a' * 32}").mock(
            return_value=httpx.Response(404, json={"error_code": "CPS.9002", "error_msg": "no such job"})
        )
        with (
            CphClient(endpoint="http://127.0.0.1:9", credentials=credentials) as cph,
            pytest.raises(CphError) as caught,
        ):
            cph.show_job("a" * 32)
    assert route.called
    assert caught.value.error_code == "CPS.9002"
