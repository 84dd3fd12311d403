"""The error-code catalog as typed, queryable entries.

Why: ``openapi/error-catalog.yaml`` is the only place an error code is written down. The mock answers with its
messages, the client picks exception classes by its ``category``, and the conformance suite checks codes against it.
All of them go through :class:`Catalog` so that none keeps a second list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal

from cph._spec import load_catalog_data

Retryable = Literal["yes", "no", "unknown-outcome"]
Scope = Literal["request", "job"]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One (code, status) row of the catalog."""

    code: str
    status: int
    message: str
    meaning: str
    category: str
    retryable: Retryable
    scope: Scope
    operations: tuple[str, ...]
    source: str
    why: str | None = None
    ref: str | None = None
    """For ``doc`` entries: where the provider documents the code."""

    def applies_to(self, operation_id: str) -> bool:
        """Whether this error is documented for ``operation_id``."""
        return "*" in self.operations or operation_id in self.operations

    def message_with_detail(self, detail: str | None) -> str:
        """The message, with gateway-style detail after a colon (``"<message>: <detail>"``) when given."""
        if not detail:
            return self.message
        return f"{self.message.rstrip('.')}: {detail}"

    def matches_message(self, error_msg: str) -> bool:
        """Whether ``error_msg`` is this entry's message, bare or with detail appended after a colon."""
        return error_msg == self.message or error_msg.startswith(self.message.rstrip(".") + ": ")


class Catalog:
    """All catalog entries, indexed by ``(code, status)`` and by code."""

    def __init__(self, entries: list[CatalogEntry], aliases: dict[str, str]) -> None:
        self._entries = entries
        self._aliases = aliases
        self._by_key = {(e.code, e.status): e for e in entries}
        self._by_code: dict[str, list[CatalogEntry]] = {}
        for entry in entries:
            self._by_code.setdefault(entry.code, []).append(entry)

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def canonical_code(self, code: str) -> str:
        """Map an alias prefix (``APIG.0301``) to the catalog's (``APIGW.0301``)."""
        for prefix, canonical in self._aliases.items():
            if code.startswith(prefix):
                return canonical + code[len(prefix) :]
        return code

    def get(self, code: str, status: int) -> CatalogEntry | None:
        """The entry for ``code`` (aliases accepted) sent with HTTP ``status``, if any."""
        return self._by_key.get((self.canonical_code(code), status))

    def entry(self, code: str, status: int | None = None) -> CatalogEntry:
        """The entry for ``code``; ``status`` picks among codes that occur with several statuses.

        Raises KeyError for a code the catalog does not define — a programming error in the caller.
        """
        candidates = self._by_code.get(self.canonical_code(code), [])
        if status is not None:
            candidates = [e for e in candidates if e.status == status]
        if len(candidates) != 1:
            msg = f"catalog has {len(candidates)} entries for {code!r} with status {status}"
            raise KeyError(msg)
        return candidates[0]

    def codes(self) -> set[str]:
        """Every code the catalog defines."""
        return set(self._by_code)


@cache
def load_catalog() -> Catalog:
    """The catalog from ``openapi/error-catalog.yaml`` (cached)."""
    data = load_catalog_data()
    entries = [
        CatalogEntry(
            code=row["code"],
            status=int(row["status"]),
            message=row["message"],
            meaning=" ".join(str(row["meaning"]).split()),
            category=row["category"],
            retryable=row["retryable"],
            scope=row["scope"],
            operations=tuple(row["operations"]),
            source=row["source"],
            why=" ".join(str(row["why"]).split()) if row.get("why") else None,
            ref=row.get("ref"),
        )
        for row in data["errors"]
    ]
    aliases = {a["prefix"]: a["canonical_prefix"] for a in data.get("aliases", [])}
    return Catalog(entries, aliases)
