"""Keep secrets out of every output: terminal, Markdown, JUnit, JSON and dry-run listings.

Two layers, because one can fail silently:

1. **By header name.** ``Authorization`` keeps what helps debugging — algorithm, masked access key, the signed
   header names — and loses the signature; ``X-Auth-Token`` and ``X-Security-Token`` are replaced entirely.
2. **By value.** Every text written anywhere goes through :meth:`Redactor.text`, which replaces the run's actual
   secret values (SK, token, security token) wherever they appear — in a response body echoing a header, an
   exception message, a URL.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

from cph import mask_access_key

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"x-auth-token", "x-security-token", "x-subject-token", "cookie", "set-cookie"})
_ACCESS = re.compile(r"Access=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=[0-9A-Za-z]+")


def redact_authorization(value: str) -> str:
    """``SDK-HMAC-SHA256 Access=AKEX****, SignedHeaders=a;b, Signature=<redacted>``; other schemes: fully."""
    if not value.startswith("SDK-"):
        return REDACTED
    masked = _ACCESS.sub(lambda m: f"Access={mask_access_key(m.group(1))}", value)
    return _SIGNATURE.sub(f"Signature={REDACTED}", masked)


class Redactor:
    """Redacts headers by name and the run's secret values anywhere in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, *secrets: str) -> None:
        """Also redact these values from now on."""
        self._secrets = sorted({*self._secrets, *(s for s in secrets if s and len(s) >= 4)}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """``value`` with every known secret replaced."""
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def header(self, name: str, value: str) -> str:
        """The value of header ``name`` as it may be shown."""
        lowered = name.lower()
        if lowered == "authorization":
            return redact_authorization(value)
        if lowered in SECRET_HEADERS:
            return REDACTED
        return self.text(value)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: self.header(name, value) for name, value in headers.items()}

    def curl(self, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None) -> str:
        """A ``curl`` command line for the request, secrets redacted (signatures must be recomputed to replay)."""
        parts = ["curl", "-X", method.upper()]
        for name, value in self.headers(headers).items():
            if name.lower() in {"content-length", "accept-encoding", "connection"}:
                continue  # curl sets these itself
            parts += ["-H", f"{name}: {value}"]
        if body:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            parts += ["--data-raw", self.text(text)]
        parts.append(self.text(url))
        return shlex.join(parts)
