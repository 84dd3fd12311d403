"""The façade's httpx.Client: paths joined exactly as httpx joins them, and no cookies kept or sent."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest
from httpcore._synchronization import current_async_library

from cph._http import _MAX_CACHED_URLS, AsyncCphHttpClient, CphHttpClient


@pytest.mark.parametrize(
    "base",
    ["http://127.0.0.1:8000", "https://cph.cn-east-3.myhuaweicloud.com/", "https://gw.example.com/cph/prefix"],
)
@pytest.mark.parametrize(
    "path",
    [
        "/v1/0123456789abcdef0123456789abcdef/cloud-phone/servers/batch-restart",
        "/v1/p/cloud-phone/jobs?request_id=abc&limit=2",
        "/v1/p/a b/ü",
    ],
)
def test_paths_are_joined_as_httpx_joins_them(base: str, path: str) -> None:
    with httpx.Client(base_url=base) as plain, CphHttpClient(base_url=base) as ours:
        expected = plain.build_request("GET", path).url
        assert ours.build_request("GET", path).url == expected
        assert ours.build_request("GET", path).url == expected  # from the cache


def test_absolute_urls_and_params_pass_through() -> None:
    with CphHttpClient(base_url="http://127.0.0.1:1") as ours:
        assert ours.build_request("GET", "https://other.example/x").url == "https://other.example/x"
        request = ours.build_request("GET", "/v1/x", params={"offset": 0, "limit": 100})
    assert request.url == "http://127.0.0.1:1/v1/x?offset=0&limit=100"


def test_the_join_cache_is_bounded() -> None:
    with CphHttpClient(base_url="http://127.0.0.1:1") as ours:
        for i in range(_MAX_CACHED_URLS + 50):
            ours.build_request("GET", f"/v1/p/cloud-phone/jobs/{i:032x}")
        assert len(ours._joined) == _MAX_CACHED_URLS
        assert ours.build_request("GET", "/v1/p/cloud-phone/jobs/0").url.path == "/v1/p/cloud-phone/jobs/0"


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


def test_the_async_client_is_the_same_client() -> None:
    async def check() -> tuple[httpx.URL, bool]:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, headers={"Set-Cookie": "session=abc"})

        async with AsyncCphHttpClient(base_url="http://127.0.0.1:1/p", transport=httpx.MockTransport(handler)) as c:
            response = await c.get("/v1/x")
            return response.request.url, bool(c.cookies)

    url, kept = asyncio.run(check())
    assert url == "http://127.0.0.1:1/p/v1/x"
    assert not kept


def test_setting_cookies_is_refused() -> None:
    with pytest.raises(TypeError, match="no cookies"):
        CphHttpClient(base_url="http://127.0.0.1:1", cookies={"a": "b"})


def test_sniffio_is_installed_so_httpcore_async_locks_stay_cheap() -> None:
    """httpcore imports sniffio lazily on every async lock set-up; without it each is a failed, uncached import
    (encode/httpcore#1103), which halved the async client's calls/s in a profile. The dependency must stay."""

    async def backend() -> str:
        return current_async_library()

    assert asyncio.run(backend()) == "asyncio"
    assert "sniffio" in sys.modules
