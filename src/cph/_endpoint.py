"""Where requests go and as whom: the endpoint (a region's, or an URL checked for safety) and the credentials.

Why a module of its own: both clients, the CLI and the tests resolve these the same way before anything is sent, and
none of it depends on how requests are then sent (threads or asyncio) — see :mod:`cph._operations`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from cph._auth import AkSkAuth, TokenAuth
from cph._credentials import (
    ENV_AK,
    ENV_AUTH_TOKEN,
    ENV_SK,
    AkSkCredentials,
    CredentialsError,
    TokenCredentials,
)
from cph._spec import load_spec

__all__ = [
    "Credentials",
    "auth_for",
    "check_endpoint",
    "credentials_from_env",
    "endpoint_for_region",
    "regions",
    "secrets_of",
]

Credentials = AkSkCredentials | TokenCredentials


def regions() -> list[str]:
    """The regions with a CPH endpoint (the spec's ``servers[0]`` region list)."""
    return list(load_spec()["servers"][0]["variables"]["region"]["enum"])


def endpoint_for_region(region: str) -> str:
    """``https://cph.{region}.myhuaweicloud.com`` for a known region; ``ValueError`` (listing them) otherwise."""
    known = regions()
    if region not in known:
        msg = f"unknown region {region!r}; known regions: {', '.join(known)} (or pass an endpoint URL)"
        raise ValueError(msg)
    url: str = load_spec()["servers"][0]["url"]
    return url.replace("{region}", region)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name, an address, or a bracketed IPv6 address) is ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str) -> str:
    """Normalise ``endpoint``; refuse plain HTTP except on loopback, where a token or signature could be read."""
    parts = urlsplit(endpoint)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = f"endpoint must be an http(s) URL with a host, got {endpoint!r}"
        raise ValueError(msg)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        msg = "plain http:// endpoints are only allowed on loopback (credentials would travel unencrypted)"
        raise ValueError(msg)
    if parts.query or parts.fragment:
        msg = "endpoint must not have a query or fragment"
        raise ValueError(msg)
    return endpoint.rstrip("/")


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials:
    """AK/SK credentials if ``HUAWEICLOUD_SDK_AK`` or ``_SK`` is set, else an IAM token from ``CPH_AUTH_TOKEN``.

    Raises :class:`CredentialsError` naming the variables (never their values) when neither is configured.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_AK) or env.get(ENV_SK):
        return AkSkCredentials.from_env(env)
    if env.get(ENV_AUTH_TOKEN):
        return TokenCredentials.from_env(env)
    msg = f"no credentials: set {ENV_AK} and {ENV_SK} (AK/SK), or {ENV_AUTH_TOKEN} (IAM token)"
    raise CredentialsError(msg)


def auth_for(credentials: Credentials) -> httpx.Auth:
    if isinstance(credentials, AkSkCredentials):
        return AkSkAuth(credentials)
    if isinstance(credentials, TokenCredentials):
        return TokenAuth(credentials)
    msg = "credentials must be AkSkCredentials or TokenCredentials"
    raise TypeError(msg)


def secrets_of(credentials: Credentials) -> tuple[str, ...]:
    values: tuple[str | None, ...]
    if isinstance(credentials, AkSkCredentials):
        values = (credentials.ak, credentials.sk, credentials.security_token)
    else:
        values = (credentials.token,)
    return tuple(v for v in values if v)
