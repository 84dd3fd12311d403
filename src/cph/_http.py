"""The httpx clients the façade sends through: httpx's own, on httpx's own transports, without a cookie jar.

Why no cookie jar: API Gateway sets no cookies and CPH authenticates every request on its own, so a jar could only
do harm — a cookie could leak between projects or change a request after it was signed. :class:`NoCookies` never
stores nor sends one, and passing ``cookies=`` is refused rather than silently ignored.

Everything else — connection pooling, HTTP/1.1 framing, limits on headers, timeouts, proxies from the environment,
TLS, auth flows, hooks, and mocking with respx or pytest-httpx — is httpx's (and httpcore's) own.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["AsyncCphHttpClient", "CphHttpClient", "NoCookies"]


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


class _NoCookieJar:
    """What both clients change: ``cookies`` is always empty, and setting cookies is refused."""

    def __init__(self, **kwargs: Any) -> None:
        _refuse_cookies(kwargs.get("cookies"))
        super().__init__(**kwargs)

    @property
    def cookies(self) -> httpx.Cookies:
        return NoCookies()

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        _refuse_cookies(cookies)


class CphHttpClient(_NoCookieJar, httpx.Client):
    """``httpx.Client`` without a cookie jar (see the module docstring)."""


class AsyncCphHttpClient(_NoCookieJar, httpx.AsyncClient):
    """``httpx.AsyncClient`` without a cookie jar (see the module docstring)."""
