"""Match a request line to an operation of the spec, the way the API gateway does.

Why a hand-written matcher: the route table is the spec's ``paths`` (nothing is restated here), matching must be
cheap on every request, and it must behave like the gateway rather than like a web framework: no API at a path, or
no such method at a known path, is 404 ``APIGW.0101`` (never 405), and nothing is normalised — a trailing slash or
an empty segment is simply not a documented path.

Segments are split on the *raw* path before percent-decoding, so ``..%2F..%2Fetc`` stays a single (odd) project ID
and is refused as a project mismatch instead of being treated as path traversal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cph.mock._responses import ErrorReply
from cph.mock._schemas import iter_operations

API_NOT_FOUND = "APIGW.0101"


@dataclass(frozen=True, slots=True)
class Route:
    """One operation's path template, split into literal segments and ``{parameter}`` placeholders."""

    operation_id: str
    method: str
    template: str
    segments: tuple[tuple[bool, str], ...]
    """``(is_parameter, literal text or parameter name)`` per segment."""

    def match(self, segments: list[str]) -> dict[str, str] | None:
        values: dict[str, str] = {}
        for (is_param, text), segment in zip(self.segments, segments, strict=True):
            if is_param:
                values[text] = segment
            elif segment != text:
                return None
        return values


class Router:
    """All routes of the spec, grouped by segment count for a quick first cut."""

    CACHE_SIZE = 4096

    def __init__(self, spec: dict[str, Any]) -> None:
        self._cache: dict[tuple[str, bytes], tuple[Route, dict[str, str]]] = {}
        self._by_length: dict[int, list[Route]] = {}
        for path, method, _item, operation in iter_operations(spec):
            segments = tuple(
                (part.startswith("{") and part.endswith("}"), part.strip("{}")) for part in path.split("/")[1:]
            )
            route = Route(operation["operationId"], method.upper(), path, segments)
            self._by_length.setdefault(len(segments), []).append(route)

    @property
    def routes(self) -> list[Route]:
        return [route for routes in self._by_length.values() for route in routes]

    def match(self, method: str, raw_path: bytes) -> tuple[Route, dict[str, str]]:
        """The route and decoded path parameters for ``method raw_path``, or ErrorReply 404 ``APIGW.0101``.

        Matches are cached (clients repeat the same few paths); treat the returned dict as read-only.
        """
        key = (method, raw_path)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = self._match(method, raw_path)
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _match(self, method: str, raw_path: bytes) -> tuple[Route, dict[str, str]]:
        if not raw_path.startswith(b"/"):
            raise ErrorReply(API_NOT_FOUND)
        raw_segments = raw_path[1:].split(b"/")
        candidates = self._by_length.get(len(raw_segments))
        if not candidates:
            raise ErrorReply(API_NOT_FOUND)
        segments = [unquote(part.decode("latin-1"), errors="replace") for part in raw_segments]
        for route in candidates:
            if route.method != method:
                continue
            values = route.match(segments)
            if values is not None:
                return route, values
        raise ErrorReply(API_NOT_FOUND)
