"""Authenticate schemathesis' requests with our own signer (``cph.AkSkAuth`` / ``cph.TokenAuth``), on the final bytes.

Why an adapter: schemathesis sends with ``requests``; our AK/SK signer and token auth are ``httpx.Auth`` flows.
``requests`` calls an auth object last, with the fully prepared request — URL with query, every header, the body
bytes — which is exactly what must be signed. We hand that to the httpx flow (which also adds ``Host``, so the
signed host is the host sent), copy the result back, and the request leaves as signed.

It is registered as the schema's auth (``schema.auth.set_from_requests``), so schemathesis treats credentials as
explicit: ``ignored_auth`` then re-sends without them and with invalid ones and expects 401/403 — which makes that
check meaningful against a gateway that verifies real signatures.

Before signing, :func:`conformance.safety.guard` checks the bytes against the allow-list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx
import requests

from conformance import run as run_state
from conformance.safety import guard
from conformance.target import Target


def body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    msg = f"cannot sign a streamed request body ({type(body).__name__})"
    raise TypeError(msg)


def text_headers(headers: Mapping[str, str | bytes]) -> dict[str, str]:
    """``requests`` headers (values may be bytes) as text."""
    return {name: value if isinstance(value, str) else value.decode("latin-1") for name, value in headers.items()}


def sign_prepared(request: requests.PreparedRequest, target: Target) -> requests.PreparedRequest:
    """Check ``request`` against the allow-list, then authenticate it in place with the target's auth flow."""
    body = body_bytes(request.body)
    assert request.method is not None
    assert request.url is not None
    guard(request.method, request.url, body, target)
    outgoing = httpx.Request(request.method, request.url, headers=text_headers(request.headers), content=body)
    flow = target.auth.sync_auth_flow(outgoing)
    signed = next(flow)
    flow.close()
    request.headers.clear()
    for name, value in signed.headers.multi_items():
        request.headers[name] = value
    request.url = str(signed.url)
    return request


class SigningAuth(requests.auth.AuthBase):
    """``requests`` auth that signs with the current run's target (resolved at send time, not at import)."""

    def __init__(self, target: Callable[[], Target] | None = None) -> None:
        self._target = target or (lambda: run_state.current().require_target())

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return sign_prepared(request, self._target())
