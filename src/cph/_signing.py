"""The ``SDK-HMAC-SHA256`` AK/SK request-signing algorithm, as small pure functions.

Why: the same bytes must be computed twice — by the client when it signs a request and by the mock endpoint when it
verifies one — and both must agree with the official Huawei Cloud Python SDK (``huaweicloudsdkcore`` 3.1.219,
``signer/signer.py``) byte for byte. Keeping the algorithm here, free of HTTP-library types and of any dependency beyond
the standard library, lets both sides share one implementation and lets the tests pin it against the SDK's own output.

The algorithm, step by step (each step is one function below)::

    CanonicalRequest = METHOD            "\\n"
                       canonical_uri     "\\n"
                       canonical_query   "\\n"
                       "name:value\\n" for each signed header, then "\\n"
                       "a;b;c" (signed header names)     "\\n"
                       payload_hash
    StringToSign     = "SDK-HMAC-SHA256" "\\n" X-Sdk-Date "\\n" hex(sha256(CanonicalRequest))
    Signature        = hex(hmac_sha256(key=SK, msg=StringToSign))
    Authorization    = "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>"

Text is hashed as UTF-8, like the SDK. Strings decoded from raw bytes with ``errors="surrogateescape"`` are hashed
back to exactly those bytes, so a verifier can sign what it received even if it is not valid UTF-8.

The functions are cheap enough to run on every request a mock receives (a few microseconds): there are no regular
expressions, the URI and query canonicalisation of repeated strings is memoised, and HMAC is computed directly over
:func:`hashlib.sha256`. Header lookups are fastest with a ``dict`` keyed by lower-case names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, unquote, unquote_plus

__all__ = [
    "ALGORITHM",
    "EMPTY_PAYLOAD_HASH",
    "HEADER_AUTHORIZATION",
    "HEADER_CONTENT_SHA256",
    "HEADER_HOST",
    "HEADER_SDK_DATE",
    "SDK_DATE_FORMAT",
    "UNSIGNED_PAYLOAD",
    "MalformedAuthorizationError",
    "MalformedSdkDateError",
    "MissingSignedHeaderError",
    "ParsedAuthorization",
    "QueryPairs",
    "SigningError",
    "authorization_header",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "format_sdk_date",
    "parse_authorization",
    "parse_sdk_date",
    "payload_hash",
    "signature",
    "signed_header_names",
    "string_to_sign",
]

ALGORITHM = "SDK-HMAC-SHA256"
"""The only algorithm implemented: the SDK's default (``HttpConfig.signing_algorithm``)."""

SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
"""Format of the ``X-Sdk-Date`` header, always UTC, e.g. ``20261126T120000Z``."""

HEADER_SDK_DATE = "X-Sdk-Date"
HEADER_HOST = "Host"
HEADER_AUTHORIZATION = "Authorization"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"
"""When present (and the body is not empty) its value replaces the body hash in the canonical request."""

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
"""What the SDK puts in ``X-Sdk-Content-Sha256`` for bodies that are neither JSON nor BSON."""

EMPTY_PAYLOAD_HASH = hashlib.sha256(b"").hexdigest()

QueryPairs = Iterable[tuple[str, object]]
"""Decoded query parameters as the SDK takes them: ``(key, value)`` where value may also be a list or a bool."""

_HEX_DIGITS = "0123456789abcdef"
_AUTHORIZATION_PREFIX = f"{ALGORITHM} Access="
_AUTHORIZATION_FIELDS = frozenset({"Access", "SignedHeaders", "Signature"})
_sha256 = hashlib.sha256
_SHA256_BLOCK_SIZE = 64
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))
_HEADER_CONTENT_SHA256_LOWER = HEADER_CONTENT_SHA256.lower()


class SigningError(ValueError):
    """Base class for input that cannot be signed or verified. A verifier should answer any of these with 401."""


class MalformedAuthorizationError(SigningError):
    """The ``Authorization`` header is not ``SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…``."""


class MalformedSdkDateError(SigningError):
    """The ``X-Sdk-Date`` value is not ``YYYYMMDDTHHMMSSZ``."""


class MissingSignedHeaderError(SigningError):
    """``SignedHeaders`` names a header that the request does not carry."""


class ParsedAuthorization(NamedTuple):
    """The parts of an ``Authorization: SDK-HMAC-SHA256 …`` header, as sent (names are not re-cased or re-sorted)."""

    algorithm: str
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


# --------------------------------------------------------------------------------------------------------------------
# Canonical request
# --------------------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def canonical_uri(path: str) -> str:
    """The path as it is signed: URL-decoded, each ``/``-segment re-encoded with ``quote(seg, safe="~")``, plus a ``/``.

    Why decode then re-encode: client and server may percent-encode the same path differently (``~`` vs ``%7E``,
    ``%2f`` vs ``%2F``); after this step they agree. The trailing slash is the SDK's rule: ``/a/b`` is signed as
    ``/a/b/`` although the request line keeps ``/a/b``. Pass the raw (still percent-encoded) path without the query.
    """
    encoded = "/".join([_quote(segment) for segment in unquote(path).split("/")])
    if not encoded.endswith("/"):
        encoded += "/"
    return encoded


def canonical_query(query: str | bytes | QueryPairs) -> str:
    """The query as it is signed: ``k=v`` pairs sorted on the decoded text, each part ``quote(..., safe="~")``.

    ``query`` is either a raw query string (without ``?``) as it appears in a URL, or decoded ``(key, value)`` pairs
    as the SDK takes them. A raw string is split on ``&`` and each part decoded with form rules (``+`` is a space),
    which is how httpx encodes ``params=`` and how gateways parse queries; a field without ``=`` has an empty value.
    For pairs, list values are sorted and emitted as repeated keys and booleans become ``true``/``false``, like the
    SDK. The SDK also sends this exact string as the request's query, so its requests round-trip unchanged.
    """
    if isinstance(query, bytes):
        query = query.decode("ascii", "surrogateescape")
    if isinstance(query, str):
        return _canonical_query_string(query) if query else ""
    return _canonical_query_pairs(query)


@lru_cache(maxsize=1024)
def _canonical_query_string(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for field in query.split("&"):
        if field:
            key, _, value = field.partition("=")
            pairs.append((unquote_plus(key), unquote_plus(value)))
    pairs.sort()
    return "&".join([f"{_quote(key)}={_quote(value)}" for key, value in pairs])


def _quote(text: str) -> str:
    # surrogateescape: raw non-ASCII bytes a server decoded with it are re-encoded as those bytes, not an error.
    return quote(text, safe="~", errors="surrogateescape")


def _canonical_query_pairs(pairs: QueryPairs) -> str:
    # Sorting whole tuples (not just keys) is what the SDK does; mixed value types then fail the same way it does.
    parts: list[str] = []
    for key, value in sorted(pairs):
        encoded_key = _quote(key)
        if isinstance(value, list):
            parts.extend(f"{encoded_key}={_quote(str(item))}" for item in sorted(value))
        elif isinstance(value, bool):
            parts.append(f"{encoded_key}={'true' if value else 'false'}")
        else:
            parts.append(f"{encoded_key}={_quote(str(value))}")
    return "&".join(parts)


def signed_header_names(header_names: Iterable[str]) -> list[str]:
    """The headers to sign: every name without ``_``, lower-cased, de-duplicated and sorted.

    Why underscores are skipped: the SDK does so because proxies commonly drop such headers, so a signature over
    them could not be verified.
    """
    return sorted({name.lower() for name in header_names if "_" not in name})


def canonical_request(  # noqa: PLR0917 (the six parts of the algorithm, in its order)
    method: str,
    path: str,
    query: str | bytes | QueryPairs,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The canonical request string (see the module docstring) that the string-to-sign hashes.

    ``path`` is the raw path and ``query`` the raw query or pairs (see :func:`canonical_uri`,
    :func:`canonical_query`). ``headers`` is looked up case-insensitively for each name in ``signed_headers``; values
    are stripped of surrounding whitespace like the SDK does. Raises :class:`MissingSignedHeaderError` when a signed
    header is absent — for a verifier that is a forged or damaged ``SignedHeaders`` list.
    """
    try:
        lines = [f"{name}:{headers[name].strip()}" for name in signed_headers]
    except KeyError:
        lines = [f"{name}:{_header_value(headers, name).strip()}" for name in signed_headers]
    return (
        f"{method.upper()}\n{canonical_uri(path)}\n{canonical_query(query)}\n"
        + "\n".join(lines)
        + f"\n\n{';'.join(signed_headers)}\n{payload_hash}"
    )


def payload_hash(body: bytes, headers: Mapping[str, str]) -> str:
    """The last line of the canonical request: hex SHA-256 of the body, with the SDK's two exceptions.

    An empty body always hashes to :data:`EMPTY_PAYLOAD_HASH`; otherwise a non-blank ``X-Sdk-Content-Sha256`` header
    (looked up case-insensitively; the SDK sets ``UNSIGNED-PAYLOAD`` for non-JSON content) is used verbatim, so large
    or streamed bodies need not be hashed.
    """
    if not body:
        return EMPTY_PAYLOAD_HASH
    declared = _find_header(headers, _HEADER_CONTENT_SHA256_LOWER)
    if declared is not None:
        declared = declared.strip()
        if declared:
            return declared
    return _sha256(body).hexdigest()


def _header_value(headers: Mapping[str, str], name: str) -> str:
    value = _find_header(headers, name)
    if value is None:
        raise MissingSignedHeaderError(f"signed header {name[:64]!r} is not present in the request")
    return value


def _find_header(headers: Mapping[str, str], name: str) -> str | None:
    # Fast path: dicts keyed by lower-case names, or mappings that are case-insensitive themselves.
    value = headers.get(name)
    if value is not None:
        return value
    # Slow path for other dicts; comparing lengths first skips almost every lower().
    wanted = name.lower()
    size = len(wanted)
    for key in headers:
        if len(key) == size and key.lower() == wanted:
            return headers[key]
    return None


# --------------------------------------------------------------------------------------------------------------------
# String to sign, signature, Authorization header
# --------------------------------------------------------------------------------------------------------------------


def string_to_sign(sdk_date: str, canonical_request: str) -> str:
    """``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex sha256 of the canonical request>``.

    Why the date is part of it: a captured signature is only valid around the time it was made (the gateway allows
    ±15 minutes of skew), which limits replay.
    """
    digest = _sha256(canonical_request.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(sk: str | bytes, string_to_sign: str) -> str:
    """Lower-hex HMAC-SHA256 of the string to sign, keyed with the raw secret key bytes (no key derivation).

    HMAC (RFC 2104) is spelled out over :func:`hashlib.sha256` because, for these short messages, that is about twice
    as fast as :mod:`hmac`'s OpenSSL path; the tests check it against :mod:`hmac` and the SDK.
    """
    key = sk.encode() if isinstance(sk, str) else sk
    if len(key) > _SHA256_BLOCK_SIZE:
        key = _sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK_SIZE, b"\0")
    inner = _sha256(key.translate(_IPAD))
    inner.update(string_to_sign.encode("utf-8", "surrogateescape"))
    outer = _sha256(key.translate(_OPAD))
    outer.update(inner.digest())
    return outer.hexdigest()


def authorization_header(ak: str, signed_headers: Sequence[str], signature: str) -> str:
    """The ``Authorization`` value: ``SDK-HMAC-SHA256 Access=<ak>, SignedHeaders=<a;b>, Signature=<hex>``."""
    return f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed_headers)}, Signature={signature}"


def parse_authorization(value: str) -> ParsedAuthorization:
    """Split an ``Authorization`` value into its parts, or raise :class:`MalformedAuthorizationError`.

    Why strict: a verifier must reject rather than guess. Accepted: the algorithm, whitespace, then exactly the three
    comma-separated fields ``Access``, ``SignedHeaders`` and ``Signature`` (any order, spaces after commas optional)
    with a non-empty access key, non-empty header names and a 64-digit lower-case hex signature. Error messages never
    echo the signature.
    """
    if value.startswith(_AUTHORIZATION_PREFIX):
        # Fast path: exactly the SDK's layout.
        access_key, sep1, rest = value[len(_AUTHORIZATION_PREFIX) :].partition(", SignedHeaders=")
        signed_headers, sep2, sig = rest.partition(", Signature=")
        if sep1 and sep2 and "," not in sig:
            return _checked_authorization(access_key, signed_headers, sig.rstrip())
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise MalformedAuthorizationError(f"unsupported algorithm {algorithm[:32]!r}; expected {ALGORITHM!r}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, field_value = part.strip().partition("=")
        if not sep or name not in _AUTHORIZATION_FIELDS:
            raise MalformedAuthorizationError("expected fields Access=, SignedHeaders= and Signature=")
        if name in fields:
            raise MalformedAuthorizationError(f"field {name} appears more than once")
        fields[name] = field_value
    if len(fields) != 3:
        missing = ", ".join(sorted(_AUTHORIZATION_FIELDS - fields.keys()))
        raise MalformedAuthorizationError(f"missing field(s): {missing}")
    return _checked_authorization(fields["Access"], fields["SignedHeaders"], fields["Signature"])


def _checked_authorization(access_key: str, signed_headers: str, sig: str) -> ParsedAuthorization:
    # isprintable() is False for every whitespace character except " ", which is tested separately.
    if not access_key or not access_key.isprintable() or " " in access_key or "," in access_key:
        raise MalformedAuthorizationError("Access must be a non-empty access key without whitespace")
    names = tuple(signed_headers.split(";"))
    if not all(names) or not signed_headers.isprintable() or " " in signed_headers or "," in signed_headers:
        raise MalformedAuthorizationError("SignedHeaders must be ';'-separated non-empty header names")
    if len(sig) != 64 or sig.strip(_HEX_DIGITS):
        raise MalformedAuthorizationError("Signature must be 64 lower-case hex digits")
    return ParsedAuthorization(ALGORITHM, access_key, names, sig)


# --------------------------------------------------------------------------------------------------------------------
# X-Sdk-Date
# --------------------------------------------------------------------------------------------------------------------


def format_sdk_date(moment: datetime) -> str:
    """``moment`` as an ``X-Sdk-Date`` value (``%Y%m%dT%H%M%SZ``); naive datetimes are taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"
    )


def parse_sdk_date(value: str) -> datetime:
    """An ``X-Sdk-Date`` value as an aware UTC datetime, or :class:`MalformedSdkDateError`.

    Stricter than ``strptime`` (which accepts one-digit fields): exactly ``YYYYMMDDTHHMMSSZ``, ASCII digits only.
    """
    if (
        len(value) != 16
        or value[8] != "T"
        or value[15] != "Z"
        or not value.isascii()
        or not value[:8].isdigit()
        or not value[9:15].isdigit()
    ):
        raise MalformedSdkDateError(f"X-Sdk-Date must look like 20261126T120000Z, got {value[:32]!r}")
    try:
        # Safe after the shape check above: fromisoformat reads this basic ISO 8601 form (and "Z" as UTC) in C.
        return datetime.fromisoformat(value)
    except ValueError:
        raise MalformedSdkDateError(f"X-Sdk-Date is not a valid UTC time: {value!r}") from None
