"""Typed exceptions for CPH errors, chosen by the error-code catalog.

Why a hierarchy keyed on the catalog's ``category`` rather than on HTTP status or on codes: callers want to handle
*kinds* of trouble (bad credentials, missing permission, throttling) without knowing that ``APIGW.0307`` and
``APIGW.0301`` are both authentication problems, or that CPH reports its internal error ``CPS.0003`` with HTTP 400.
The catalog (``openapi/error-catalog.yaml``) already says which kind each code is and whether retrying can help, so
this module only maps ``category`` → class; no error code is written down here.

Every instance carries what the SDK's exceptions carry (``status``, ``error_code``, ``error_msg``, ``request_id``)
plus ``retryable`` — the catalog's ``"yes"``, ``"no"`` or ``"unknown-outcome"`` — so retry logic and callers read
one field instead of re-deriving it. ``request_id`` comes from the ``X-Request-Id`` header (what the SDK reads)
and falls back to the body's ``request_id``.

A code the catalog does not know (a newer service, a proxy's HTML page, no body at all) is classified by its HTTP
status: first by what every catalog entry with that status agrees on, then by HTTP semantics, and for
``retryable`` always the most cautious answer — an unknown error is never taken as proof that nothing happened.

Messages never contain credentials: the client passes its secrets to :func:`redact` before text from a response
reaches an exception, in case a gateway echoes an access key back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from cph._catalog import Catalog, CatalogEntry, Retryable, load_catalog

if TYPE_CHECKING:
    from cph._results import RestartResult

__all__ = [
    "AccountError",
    "AuthenticationError",
    "CphError",
    "GatewayError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RequestTooLargeError",
    "ServiceError",
    "ThrottledError",
    "TransportError",
    "UnexpectedResponseError",
    "classify",
    "error_for_category",
    "error_from_response",
    "redact",
]

REDACTED: Final = "<redacted>"


class CphError(Exception):
    """Base class of every error the CPH client raises.

    Attributes:
        status: the HTTP status, or ``None`` when no response arrived.
        error_code: the ``error_code`` as sent (``APIG.`` aliases are kept as sent), or ``None``.
        error_msg: the ``error_msg`` as sent (secrets redacted), or a description of what went wrong.
        request_id: the ``X-Request-Id`` header, else the body's ``request_id``; ``None`` if neither.
        retryable: ``"yes"`` (nothing happened; resending may succeed), ``"no"``, or ``"unknown-outcome"``
            (the request may have been carried out: reconcile before resending anything that changes state).
        category: the catalog category (``"authentication"``, ``"throttling"``, ...), or ``None`` if not from an
            HTTP error response.
        operation: the operationId of the call that failed, if known.
        result: for :meth:`CphClient.restart` stopped by an error that every further batch would meet (bad
            credentials, missing permission, account state), the partial :class:`RestartResult` — one entry per
            requested server, including the batches that were accepted before the error.
    """

    status: int | None
    error_code: str | None
    error_msg: str | None
    request_id: str | None
    retryable: Retryable
    category: str | None
    operation: str | None
    result: RestartResult | None

    def __init__(
        self,
        error_msg: str | None = None,
        *,
        status: int | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        retryable: Retryable = "no",
        category: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.request_id = request_id
        self.retryable = retryable
        self.category = category
        self.operation = operation
        self.result = None
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = " ".join(part for part in (self.error_code, f"(HTTP {self.status})" if self.status else None) if part)
        text = f"{head}: {self.error_msg}" if head and self.error_msg else head or self.error_msg or type(self).__name__
        if self.operation:
            text = f"{self.operation}: {text}"
        if self.request_id:
            text = f"{text} [request_id {self.request_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, error_code={self.error_code!r}, "
            f"error_msg={self.error_msg!r}, request_id={self.request_id!r}, retryable={self.retryable!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The error's fields as JSON-ready data (CLI ``--json`` output)."""
        return {
            "type": type(self).__name__,
            "status": self.status,
            "error_code": self.error_code,
            "error_msg": self.error_msg,
            "request_id": self.request_id,
            "retryable": self.retryable,
            "category": self.category,
        }


class AuthenticationError(CphError):
    """The gateway could not authenticate the request (wrong AK/SK or signature, invalid or expired token)."""


class PermissionDeniedError(CphError):
    """Authenticated, but not allowed: missing IAM policy, unavailable project, wrong project, frozen server."""


class AccountError(CphError):
    """The account's state forbids the request (arrears, frozen, real-name verification missing)."""


class NotFoundError(CphError):
    """The thing asked for does not exist (a job, a server)."""


class InvalidRequestError(CphError):
    """The request itself is wrong; sending it again unchanged cannot help."""


class ThrottledError(CphError):
    """Throttled by the gateway (429). Nothing was done; retry later."""


class RequestTooLargeError(CphError):
    """The body is larger than the gateway accepts (413)."""


class ServiceError(CphError):
    """CPH failed. For a restart the outcome may be unknown: see ``retryable``."""


class GatewayError(CphError):
    """The API gateway failed, could not reach CPH, or has no such API."""


class TransportError(CphError):
    """No HTTP response: the connection failed, timed out or was dropped.

    ``sent`` says whether the request may have reached the server: ``False`` only for failures that happen before
    anything is written (connect errors and timeouts, pool timeouts); then ``retryable`` is ``"yes"``. Otherwise
    ``retryable`` is ``"unknown-outcome"``.
    """

    sent: bool

    def __init__(self, error_msg: str, *, sent: bool, operation: str | None = None) -> None:
        self.sent = sent
        super().__init__(error_msg, retryable="unknown-outcome" if sent else "yes", operation=operation)


class UnexpectedResponseError(CphError):
    """A response this client cannot read: an undocumented status, or a body that does not match the spec."""


_CLASS_BY_CATEGORY: Final[dict[str, type[CphError]]] = {
    "authentication": AuthenticationError,
    "permission": PermissionDeniedError,
    "account": AccountError,
    "not_found": NotFoundError,
    "invalid_request": InvalidRequestError,
    "throttling": ThrottledError,
    "too_large": RequestTooLargeError,
    "service": ServiceError,
    "gateway": GatewayError,
}
"""The catalog's categories (its vocabulary, documented in its header) and their exception classes."""

_CATEGORY_BY_HTTP_STATUS: Final[dict[int, str]] = {
    401: "authentication",
    403: "permission",
    404: "not_found",
    413: "too_large",
    429: "throttling",
}
"""HTTP semantics, used only when the catalog has no entry for the code and its entries for the status disagree."""

_CAUTION: Final[dict[str, int]] = {"yes": 0, "no": 1, "unknown-outcome": 2}
"""Order of caution: claiming "nothing happened, resend" (yes) is riskier than "nothing happened, do not resend"
(no), which is riskier than "it may have happened" (unknown-outcome)."""


def error_for_category(category: str | None) -> type[CphError]:
    """The exception class for a catalog ``category`` (:class:`CphError` for ``None`` or an unknown category)."""
    if category is None:
        return CphError
    return _CLASS_BY_CATEGORY.get(category, CphError)


def _most_cautious(*values: Retryable) -> Retryable:
    return max(values, key=_CAUTION.__getitem__)


def _entries_for_status(catalog: Catalog, status: int) -> list[CatalogEntry]:
    return [entry for entry in catalog if entry.status == status and entry.scope == "request"]


def _status_category(catalog: Catalog, status: int) -> str:
    categories = {entry.category for entry in _entries_for_status(catalog, status)}
    if len(categories) == 1:
        return categories.pop()
    if status in _CATEGORY_BY_HTTP_STATUS:
        return _CATEGORY_BY_HTTP_STATUS[status]
    return "service" if status >= 500 else "invalid_request"


def _status_retryable(catalog: Catalog, status: int) -> Retryable:
    values = {entry.retryable for entry in _entries_for_status(catalog, status)}
    if len(values) == 1:
        return values.pop()
    if values:
        return _most_cautious(*values)
    # Not a status the catalog knows: a 5xx may have been carried out, a 4xx was refused; anything else
    # (an undocumented 2xx or 3xx) may have been carried out too.
    return "no" if 400 <= status < 500 else "unknown-outcome"


def classify(code: str | None, status: int, catalog: Catalog | None = None) -> tuple[str, Retryable]:
    """``(category, retryable)`` for an error ``code`` sent with HTTP ``status``.

    The catalog entry for ``(code, status)`` decides when there is one (``APIG.`` aliases included). A code the
    catalog lists with only one status is recognised under another status too, but then ``retryable`` is the more
    cautious of the entry's and the status's. Anything else is classified by its status (see the module docstring).
    """
    catalog = catalog or load_catalog()
    if code:
        entry = catalog.get(code, status)
        if entry is not None:
            return entry.category, entry.retryable
        try:
            entry = catalog.entry(code)
        except KeyError:
            entry = None
        if entry is not None:
            return entry.category, _most_cautious(entry.retryable, _status_retryable(catalog, status))
    return _status_category(catalog, status), _status_retryable(catalog, status)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every occurrence of a (non-empty) secret replaced by ``<redacted>``.

    Why: text from a response is shown to users and logged; a gateway that echoes an access key or token back must
    not make this client leak it.
    """
    for secret in secrets:
        if secret and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _body_fields(content: bytes) -> tuple[str | None, str | None, str | None]:
    """``(error_code, error_msg, request_id)`` from an error body, tolerating the shapes the SDK tolerates.

    Why tolerant: the gateway and proxies in front of it do not always send ``ErrorResponse``; the SDK tries
    ``error_code``/``error_msg``, then ``errorCode``/``errorMsg``, then ``code``/``message``, and falls back to the
    raw text as the message. We do the same, so a non-JSON 502 page still yields a typed, retryable error.
    """
    try:
        data: Any = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, Mapping):
        text = content.decode("utf-8", "replace").strip()
        return None, (text[:500] or None), None
    request_id = data.get("request_id") if isinstance(data.get("request_id"), str) else None
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        code, msg = data.get(code_key), data.get(msg_key)
        if isinstance(code, str) and isinstance(msg, str):
            return code, msg, request_id
    for value in data.values():
        if isinstance(value, Mapping):
            code, msg, _ = _body_fields(json.dumps(value).encode())
            if code is not None:
                return code, msg, request_id
    return None, None, request_id


def error_from_response(
    status: int,
    content: bytes,
    headers: Mapping[str, str],
    *,
    operation: str | None = None,
    secrets: Iterable[str | None] = (),
    catalog: Catalog | None = None,
) -> CphError:
    """The typed exception for an error response (any status other than the operation's success status)."""
    code, msg, body_request_id = _body_fields(content)
    request_id = headers.get("x-request-id") or body_request_id
    if msg is not None:
        msg = redact(msg, secrets)
    if status < 400:
        # An undocumented non-error status: the request reached the service, and we cannot tell what it did.
        return UnexpectedResponseError(
            msg or f"undocumented HTTP status {status}",
            status=status,
            error_code=code,
            request_id=request_id,
            retryable="unknown-outcome",
            operation=operation,
        )
    category, retryable = classify(code, status, catalog)
    return error_for_category(category)(
        msg,
        status=status,
        error_code=code,
        request_id=request_id,
        retryable=retryable,
        category=category,
        operation=operation,
    )
