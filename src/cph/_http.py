"""The httpx clients the façade sends through: httpx's behaviour, minus two costs this API never needs.

Why a subclass: profiling a signed 1-ID restart (``benchmarks/PROFILES.md``) showed that, after the network
transport, most of the client's CPU went to two pieces of httpx's per-request machinery that the CPH API has no use
for:

* **URL merging.** The generated functions pass a path ("/v1/{project_id}/…") that httpx parses and joins to
  ``base_url`` on every call — two full URL parses. :class:`CphHttpClient` joins each distinct path once, the way
  httpx does (base URL's path, then the relative path), and hands httpx the finished absolute URL.
* **Cookies.** httpx feeds every response to ``http.cookiejar`` through urllib compatibility wrappers. API Gateway
  sets no cookies and CPH authenticates every request on its own, so the client keeps none (:class:`NoCookies`):
  no jar, no urllib wrappers per response,
  a cookie can neither leak between projects nor change a signed request.

Everything else — auth flows, hooks, timeouts, redirects (off), the transport interface — is httpx's own.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import httpx

__all__ = ["AsyncCphHttpClient", "CphHttpClient", "NoCookies"]

_MAX_CACHED_URLS = 256
"""Distinct request paths kept joined: a handful of operations per project, plus ShowJob's one path per job ID."""


def _refuse_cookies(cookies: Any) -> None:
    if cookies:
        msg = "a CPH client keeps no cookies"
        raise TypeError(msg)


class NoCookies(httpx.Cookies):
    """Cookies that are never stored nor sent: the CPH API is stateless between requests."""

    def extract_cookies(self, response: httpx.Response) -> None:  # noqa: ARG002
        return

    def set_cookie_header(self, request: httpx.Request) -> None:  # noqa: ARG002
        return


if TYPE_CHECKING:  # httpx's Client and AsyncClient share BaseClient's build_request, base_url and cookies
    from httpx._client import BaseClient as _Base
else:
    _Base = object


class _Lean(_Base):
    """What both clients change (see the module docstring); ``build_request`` and ``cookies`` are httpx's shared
    ``BaseClient`` API, so one implementation serves the blocking and the asyncio client."""

    _no_cookies: NoCookies
    _joined: OrderedDict[str, httpx.URL]

    def _lean_init(self, kwargs: dict[str, Any]) -> None:
        _refuse_cookies(kwargs.get("cookies"))
        self._no_cookies = NoCookies()
        self._joined = OrderedDict()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        _refuse_cookies(cookies)

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        if isinstance(url, str) and url.startswith("/"):
            url = self._absolute(url)
        return super().build_request(method, url, **kwargs)

    def _absolute(self, path: str) -> httpx.URL:
        joined = self._joined.get(path)
        if joined is None:
            base = self.base_url
            joined = base.copy_with(raw_path=base.raw_path + httpx.URL(path).raw_path.lstrip(b"/"))
            self._joined[path] = joined
            if len(self._joined) > _MAX_CACHED_URLS:
                self._joined.popitem(last=False)
        return joined


class CphHttpClient(_Lean, httpx.Client):
    """``httpx.Client`` with relative paths joined once and no cookies (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        self._lean_init(kwargs)
        super().__init__(**kwargs)


class AsyncCphHttpClient(_Lean, httpx.AsyncClient):
    """``httpx.AsyncClient`` with relative paths joined once and no cookies (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        self._lean_init(kwargs)
        super().__init__(**kwargs)
