"""httpx authentication for the CPH API: AK/SK request signing and IAM tokens.

Why as :class:`httpx.Auth`: httpx calls ``auth_flow`` with the final request — client default headers merged in,
``Host`` and ``Content-Length`` set, body encoded — right before it is sent. Signing there means we sign exactly
what goes on the wire, for :class:`httpx.Client` and :class:`httpx.AsyncClient` alike, without wrapping either.

Usage::

    auth = AkSkAuth(AkSkCredentials.from_env())
    with httpx.Client(base_url="https://cph.cn-east-3.myhuaweicloud.com", auth=auth) as client:
        client.post(f"/v1/{project_id}/cloud-phone/servers/batch-restart", json={"server_ids": [...]})

Neither class does I/O, so only ``auth_flow`` is implemented.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import UTC, datetime

import httpx

from cph._credentials import AkSkCredentials, TokenCredentials
from cph._signing import (
    UNSIGNED_PAYLOAD,
    authorization_header,
    canonical_query,
    canonical_request,
    format_sdk_date,
    parse_sdk_date,
    payload_hash,
    signature,
    signed_header_names,
    string_to_sign,
)

__all__ = ["UNSIGNED_HEADERS", "AkSkAuth", "TokenAuth"]

_SIGNED_AS_IS = ("application/json", "application/bson")

UNSIGNED_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "expect",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers that are sent but never signed: the HTTP library's own (the SDK's urllib3 adds them after signing, so the
SDK never signs them) and hop-by-hop ones, which a proxy may rewrite or drop on the way to the gateway."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AkSkAuth(httpx.Auth):
    """Sign each request with ``SDK-HMAC-SHA256``, producing what the official SDK produces for the same request.

    Before signing, like the SDK (``BasicCredentials.sign_request`` and ``Signer.sign``), it sets:

    * ``X-Project-Id`` when the credentials have a project ID, and ``X-Security-Token`` for temporary credentials;
    * ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` when ``Content-Type`` is set and starts with neither
      ``application/json`` nor ``application/bson`` (the body is then not hashed);
    * ``X-Sdk-Date`` from ``clock`` (default: UTC now), unless the request already carries one;
    * ``Host`` from the URL, unless present (httpx always sets it; the value sent is the value signed).

    It then signs the headers the SDK signs: every header the request carries whose name has no ``_``, except
    :data:`UNSIGNED_HEADERS` — those httpx adds itself (``accept``, ``accept-encoding``, ``connection``,
    ``content-length``; the SDK's HTTP library adds them after signing) and hop-by-hop ones. So a CPH request signs
    ``content-type;host;user-agent;x-project-id;x-sdk-date`` (+ ``x-security-token``), exactly like the SDK, and a
    proxy that rewrites ``Connection`` or ``Accept-Encoding`` does not break the signature. Signed headers must not
    be changed after signing (e.g. by event hooks).

    So that the bytes sent are the bytes signed, the request is normalised the way the SDK sends its own: header
    values are stripped of surrounding whitespace, repeated headers are joined into one with ``", "``, and the query
    string is rewritten in canonical form (sorted, ``%20`` for spaces) — a server decodes it to the same parameters.

    A request that already has an ``Authorization`` header is not signed (it only gets the two headers above), like
    the SDK does. Redirects are not re-signed (httpx runs the flow once), so leave ``follow_redirects`` off.
    """

    requires_request_body = True

    def __init__(self, credentials: AkSkCredentials, *, clock: Callable[[], datetime] | None = None) -> None:
        self._credentials = credentials
        self._sk = credentials.sk.encode()
        self._clock = clock or _utc_now

    @property
    def credentials(self) -> AkSkCredentials:
        """The credentials requests are signed with (their repr hides the secrets)."""
        return self._credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request

    def sign(self, request: httpx.Request) -> None:
        """Add the signing headers to ``request`` in place (``auth_flow`` without the generator), body already read.

        Why one pass over the raw headers and one rebuild, instead of ``request.headers[...]`` lookups and
        assignments: each of those scans and re-encodes the whole header list, which made signing slower than the SDK.
        """
        credentials = self._credentials
        values: dict[str, str] = {}  # lower-case name -> value as it will be sent (stripped, repeats joined)
        raw_names: dict[str, bytes] = {}  # lower-case name -> the name as first given, to keep its spelling
        content_type: str | None = None  # unstripped, like the SDK's check
        for raw_name, raw_value in request.headers.raw:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("utf-8", "surrogateescape")
            if name == "content-type":
                content_type = value if content_type is None else f"{content_type}, {value}"
            if name in values:
                values[name] = f"{values[name]}, {value.strip()}"
            else:
                values[name] = value.strip()
                raw_names[name] = raw_name

        def put(name: str, spelling: bytes, value: str) -> None:
            raw_names.setdefault(name, spelling)
            values[name] = value

        if credentials.project_id is not None:
            put("x-project-id", b"X-Project-Id", credentials.project_id.strip())
        if credentials.security_token is not None:
            put("x-security-token", b"X-Security-Token", credentials.security_token.strip())
        if "authorization" not in values:
            if content_type and not content_type.startswith(_SIGNED_AS_IS):
                put("x-sdk-content-sha256", b"X-Sdk-Content-Sha256", UNSIGNED_PAYLOAD)
            existing_date = values.get("x-sdk-date")
            if existing_date is None:
                sdk_date = format_sdk_date(self._clock())
                put("x-sdk-date", b"X-Sdk-Date", sdk_date)
            else:
                # The SDK parses and re-formats a caller-supplied date; a malformed one fails here, not at the gateway.
                sdk_date = format_sdk_date(parse_sdk_date(existing_date))
            if "host" not in values:
                put("host", b"Host", request.url.netloc.decode("ascii"))
            put("authorization", b"Authorization", self._authorization(request, values, sdk_date))
        request.headers = httpx.Headers(
            [(raw_names[name], value.encode("utf-8", "surrogateescape")) for name, value in values.items()]
        )

    def _authorization(self, request: httpx.Request, headers: dict[str, str], sdk_date: str) -> str:
        """Sign ``headers`` (as they will be sent) and the request line; rewrite the query into canonical form."""
        url = request.url
        raw_path, has_query, _ = url.raw_path.partition(b"?")
        query = canonical_query(url.query)
        if has_query and (not query or query.encode("ascii") != url.query):
            # Send the canonical form, as the SDK does: no "+" or ordering a server could read differently.
            request.url = url.copy_with(query=query.encode("ascii") or None)
        names = signed_header_names(name for name in headers if name not in UNSIGNED_HEADERS)
        canonical = canonical_request(
            request.method,
            raw_path.decode("ascii"),
            query,
            headers,
            names,
            payload_hash(request.content, headers),
        )
        digest = signature(self._sk, string_to_sign(sdk_date, canonical))
        return authorization_header(self._credentials.ak, names, digest)


class TokenAuth(httpx.Auth):
    """Authenticate with an IAM token: set ``X-Auth-Token`` and nothing else.

    Why nothing else: the CPH API reference lists only ``X-Auth-Token`` for token authentication — the project is in
    the URL path and the token is scoped to it — and ``X-Project-Id`` is an artefact of the SDK's AK/SK credentials.
    No ``X-Sdk-Date`` or signature either: the token itself is the proof, so the body need not be read.
    """

    def __init__(self, credentials: TokenCredentials) -> None:
        self._credentials = credentials

    @property
    def credentials(self) -> TokenCredentials:
        """The token credentials (their repr hides the token)."""
        return self._credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Auth-Token"] = self._credentials.token
        yield request
