"""Authentication as Huawei's API gateway does it in front of CPH: AK/SK signatures and IAM tokens.

Why it is strict: the mock is how the client and the conformance suite find signing bugs before they meet the real
gateway. So it recomputes the ``SDK-HMAC-SHA256`` signature with :mod:`cph._signing` (the one implementation the
client also uses) over exactly the headers the request names in ``SignedHeaders`` (which must include ``host`` and
``x-sdk-date``; an ``X-Sdk-Content-Sha256`` counts only when signed), refuses an ``X-Sdk-Date`` more than 15 minutes
from its clock, requires the ``X-Security-Token`` of temporary credentials, and locks an AK for 5
minutes once it has failed more than 5 times in a row — all as 401 ``APIGW.0301`` with the gateway's detail after a
colon (``Incorrect IAM authentication information: verify aksk signature fail``). Tokens: unknown → 401
``APIGW.0301``, expired → 401 ``APIGW.0307``. A credential the IAM policy does not allow → 403 ``APIGW.0302``.

Each credential belongs to one project; the app compares it with the path (mismatch → 400 ``CPS.0001``). Nothing
here logs or echoes a secret: details name what is wrong, access keys appear masked.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cph._credentials import mask_access_key
from cph._signing import (
    SigningError,
    canonical_request,
    parse_authorization,
    parse_sdk_date,
    payload_hash,
    signature,
    string_to_sign,
)
from cph.mock._clock import Clock
from cph.mock._config import AkSkCredential, MockConfig, TokenCredential
from cph.mock._responses import ErrorReply

_CONTENT_SHA256 = "x-sdk-content-sha256"
_MUST_BE_SIGNED = frozenset({"host", "x-sdk-date"})
UNAUTHENTICATED = "APIGW.0301"
TOKEN_EXPIRED = "APIGW.0307"  # noqa: S105 - an error code, not a password
NOT_AUTHORIZED = "APIGW.0302"

DETAIL_NO_CREDENTIALS = "x-auth-token not found"
DETAIL_BAD_SIGNATURE = "verify aksk signature fail"
DETAIL_LOCKED = "AK access failed to reach the limit,forbidden."
DETAIL_BAD_TOKEN = "decrypt token fail"  # noqa: S105 - a message, not a password


def _unknown_ak_detail(ak: str) -> str:
    return f"Get secretKey failed,ak:{mask_access_key(ak)},err:ak not exist"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from: the kind of credential, the project it belongs to, and a throttling key."""

    kind: Literal["aksk", "token"]
    project_id: str
    key: str
    """Identifies the credential for throttling (``ak:<AK>`` or ``token:<index>``); never a secret."""


def _principal(kind: Literal["aksk", "token"], credential: AkSkCredential | TokenCredential, key: str) -> Principal:
    """The caller of an authenticated credential, or 403 when its user lacks the API's policy.

    One place for both kinds of credential, because the gateway checks the policy the same way after either proof.
    """
    if not credential.authorized:
        raise ErrorReply(NOT_AUTHORIZED, 403)
    return Principal(kind, credential.project_id, key)


@dataclass(slots=True)
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class Gateway:
    """Authenticates requests against the configured credentials; raises :class:`ErrorReply` when it refuses."""

    def __init__(self, config: MockConfig, clock: Clock) -> None:
        self._clock = clock
        self._credentials: dict[str, AkSkCredential] = {c.ak: c for c in config.credentials}
        self._sks = {c.ak: c.sk.encode() for c in config.credentials}
        self._tokens: dict[str, tuple[int, TokenCredential]] = {t.token: (i, t) for i, t in enumerate(config.tokens)}
        self._max_skew = config.gateway.max_clock_skew
        self._lockout_threshold = config.gateway.lockout_threshold
        self._lockout_seconds = config.gateway.lockout_seconds
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def authenticate(
        self, method: str, raw_path: bytes, query_string: bytes, headers: Mapping[str, str], body: bytes
    ) -> Principal:
        """The principal of a request, or ErrorReply 401/403.

        ``headers`` maps lower-case names to values (repeated headers joined with ``", "``), decoded from the wire
        as UTF-8 with ``surrogateescape`` so the signature is computed over the bytes received.
        """
        token = headers.get("x-auth-token")
        if token is not None:
            return self._token(token)
        authorization = headers.get("authorization")
        if authorization is not None:
            return self._aksk(
                authorization, method=method, raw_path=raw_path, query_string=query_string, headers=headers, body=body
            )
        raise ErrorReply(UNAUTHENTICATED, 401, DETAIL_NO_CREDENTIALS)

    # ------------------------------------------------------------------------------------------------ tokens
    def _token(self, token: str) -> Principal:
        found = self._tokens.get(token.strip())
        if found is None:
            raise ErrorReply(UNAUTHENTICATED, 401, DETAIL_BAD_TOKEN)
        index, credential = found
        if credential.expires_at is not None and self._clock() >= credential.expires_at:
            raise ErrorReply(TOKEN_EXPIRED, 401)
        return _principal("token", credential, f"token:{index}")

    # ------------------------------------------------------------------------------------------------ AK/SK
    def _aksk(
        self,
        authorization: str,
        *,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Principal:
        try:
            parsed = parse_authorization(authorization)
        except SigningError:
            raise ErrorReply(UNAUTHENTICATED, 401, f"{DETAIL_BAD_SIGNATURE}, malformed Authorization header") from None
        ak = parsed.access_key
        credential = self._credentials.get(ak)
        if credential is None:
            raise ErrorReply(UNAUTHENTICATED, 401, _unknown_ak_detail(ak))
        now = self._clock()
        self._check_lock(ak, now)
        problem = self._verify(
            credential,
            signed_headers=parsed.signed_headers,
            claimed=parsed.signature,
            method=method,
            raw_path=raw_path,
            query_string=query_string,
            headers=headers,
            body=body,
            now=now,
        )
        if problem is not None:
            self._record_failure(ak, now)
            raise ErrorReply(UNAUTHENTICATED, 401, problem)
        self._record_success(ak)
        return _principal("aksk", credential, f"ak:{ak}")

    def _verify(
        self,
        credential: AkSkCredential,
        *,
        signed_headers: tuple[str, ...],
        claimed: str,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        headers: Mapping[str, str],
        body: bytes,
        now: float,
    ) -> str | None:
        """``None`` if the request is correctly signed and fresh, else the detail to answer with."""
        signed = frozenset(name.lower() for name in signed_headers)
        if not _MUST_BE_SIGNED.issubset(signed):
            # Decision (ours): a signature that does not cover where and when the request goes could be replayed
            # against another host or at any time; the SDK always signs both.
            return f"{DETAIL_BAD_SIGNATURE}, SignedHeaders must include host and x-sdk-date"
        sdk_date = headers.get("x-sdk-date")
        if sdk_date is None:
            return f"{DETAIL_BAD_SIGNATURE}, x-sdk-date not found"
        try:
            signed_at = parse_sdk_date(sdk_date.strip()).timestamp()
        except SigningError:
            return f"{DETAIL_BAD_SIGNATURE}, malformed x-sdk-date"
        if abs(now - signed_at) > self._max_skew:
            return f"{DETAIL_BAD_SIGNATURE}, signing time out of range, time:{sdk_date.strip()}"
        if credential.security_token is not None:
            sent = headers.get("x-security-token")
            if sent is None or not hmac.compare_digest(sent.strip().encode(), credential.security_token.encode()):
                return f"{DETAIL_BAD_SIGNATURE}, invalid x-security-token"
        try:
            canonical = canonical_request(
                method,
                raw_path.decode("ascii", "surrogateescape"),
                query_string,
                headers,
                signed_headers,
                # A declared body hash counts only if it is signed itself: an unsigned one would let anyone swap the
                # body under a valid signature. (Passing {} also spares payload_hash a scan of all headers.)
                payload_hash(body, headers if _CONTENT_SHA256 in signed and _CONTENT_SHA256 in headers else {}),
            )
        except SigningError:
            return DETAIL_BAD_SIGNATURE
        expected = signature(self._sks[credential.ak], string_to_sign(sdk_date.strip(), canonical))
        if not hmac.compare_digest(expected, claimed):
            return DETAIL_BAD_SIGNATURE
        return None

    # ---------------------------------------------------------------------------------------------- lock-out
    def _check_lock(self, ak: str, now: float) -> None:
        with self._lock:
            state = self._failures.get(ak)
            if state is None or not state.locked_until:
                return
            if now < state.locked_until:
                raise ErrorReply(UNAUTHENTICATED, 401, DETAIL_LOCKED)
            del self._failures[ak]  # the lock has expired: start counting afresh

    def _record_failure(self, ak: str, now: float) -> None:
        with self._lock:
            state = self._failures.setdefault(ak, _Failures())
            state.count += 1
            if state.count > self._lockout_threshold:
                state.locked_until = now + self._lockout_seconds

    def _record_success(self, ak: str) -> None:
        if ak in self._failures:
            with self._lock:
                self._failures.pop(ak, None)

    def locked(self, ak: str) -> bool:
        """Whether ``ak`` is locked out now (tests)."""
        with self._lock:
            state = self._failures.get(ak)
            return state is not None and self._clock() < state.locked_until

    def unlock(self, ak: str | None = None) -> None:
        """Forget failures of ``ak`` (every AK if ``None``)."""
        with self._lock:
            if ak is None:
                self._failures.clear()
            else:
                self._failures.pop(ak, None)
