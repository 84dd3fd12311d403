"""Error bodies and request IDs, with every message taken from the error-code catalog.

Why: the catalog (``openapi/error-catalog.yaml``) is the only place an error message is written. The mock never
spells a message itself: a layer that refuses a request raises :class:`ErrorReply` naming a catalog code (and,
where the real gateway adds one, a detail), and :class:`ErrorRenderer` turns that into the body
``{"request_id", "error_code", "error_msg"}``. Request IDs are 32 lower-case hex characters, the format the spec
gives ``X-Request-Id``; the same value goes into the header and the body.
"""

from __future__ import annotations

import json
import random
from typing import Any

from cph._catalog import Catalog, CatalogEntry

JSON_CONTENT_TYPE = b"application/json"


_IDS = random.Random()  # noqa: S311 - request IDs must be unique, not unpredictable; seeded from os.urandom
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def new_request_id() -> str:
    """A fresh request ID: 32 random lower-case hex characters."""
    return f"{_IDS.getrandbits(128):032x}"


def json_text(payload: Any) -> str:
    """Compact JSON text with non-ASCII escaped."""
    return _ENCODER.encode(payload)


def json_bytes(payload: Any) -> bytes:
    """Compact JSON (non-ASCII escaped, so plain ASCII bytes), the way the mock writes every body."""
    return _ENCODER.encode(payload).encode("ascii")


def request_entry(catalog: Catalog, code: str, status: int | None = None) -> CatalogEntry:
    """The catalog entry for a request-level (non-2xx) answer with ``code``.

    ``CPS.0016`` exists both as a request error (400) and as a per-job error (inside a 200); a request-level answer
    always wants the former, so entries of scope ``job`` are skipped unless ``status`` asks for one explicitly.
    """
    if status is not None:
        return catalog.entry(code, status)
    candidates = [entry for entry in catalog if entry.code == code and entry.scope == "request"]
    if len(candidates) != 1:
        msg = f"catalog has {len(candidates)} request-scope entries for {code!r}; name the status"
        raise KeyError(msg)
    return candidates[0]


class ErrorReply(Exception):
    """Raised by any layer of the mock to answer with a catalog error instead of going on.

    ``status`` defaults to the catalog entry's; ``detail`` is appended to the message after a colon, as the real
    gateway does for authentication and throttling failures. ``close`` asks for the connection to be closed after
    the answer (malformed requests, bodies too large or too slow: the rest of the connection cannot be trusted).
    """

    def __init__(self, code: str, status: int | None = None, detail: str | None = None, *, close: bool = False) -> None:
        super().__init__(code if detail is None else f"{code}: {detail}")
        self.code = code
        self.status = status
        self.detail = detail
        self.close = close


class ErrorRenderer:
    """Renders :class:`ErrorReply` values as (status, body) using the catalog's messages.

    Entries are looked up once and cached, so rendering an error costs one ``json.dumps``.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._entries: dict[tuple[str, int | None], CatalogEntry] = {}

    def entry(self, code: str, status: int | None = None) -> CatalogEntry:
        """The catalog entry for ``code`` answered at request level (``status`` picks among several)."""
        key = (code, status)
        found = self._entries.get(key)
        if found is None:
            found = request_entry(self._catalog, code, status)
            self._entries[key] = found
        return found

    def render(self, reply: ErrorReply, request_id: str) -> tuple[int, bytes]:
        """The HTTP status and JSON body for ``reply``."""
        entry = self.entry(reply.code, reply.status)
        body = {
            "request_id": request_id,
            "error_code": entry.code,
            "error_msg": entry.message_with_detail(reply.detail),
        }
        return entry.status, json_bytes(body)
