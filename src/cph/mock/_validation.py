"""Request validation compiled from the OpenAPI document, with spec-named error codes.

Why: the spec is the single source of truth for what a valid request is, so the mock does not restate rules in
code. At start-up every operation's path and query parameters and its JSON body are compiled once into
jsonschema-rs validators. A query value arrives as a string, so it is first coerced to the parameter's schema type
(a non-integer where an integer is expected is a validation failure, not a crash). A failure answers with the
catalog code that the failing part's ``x-cph-error`` extension names (on the parameter, or on the body schema).
A parameter without one gets the gateway's generic 400 ``APIGW.0201``, as the spec's ``info.description`` says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import parse_qsl

import jsonschema_rs

from cph._spec import deref
from cph.mock._responses import ErrorReply
from cph.mock._schemas import compile_schema, iter_operations

GENERIC_PARAMETER_ERROR = "APIGW.0201"
GENERIC_PARAMETER_STATUS = 400
"""For a parameter with neither ``x-cph-error`` nor a fallback: the gateway's 400 "API request error."."""

NOT_JSON = "CPS.9004"
MAX_QUERY_FIELDS = 256
_INTEGER = re.compile(r"-?[0-9]{1,19}\Z")
INTEGER_FORMAT_RANGES: dict[str | None, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    None: (-(2**63), 2**63 - 1),
}
"""OpenAPI's integer formats are value ranges; JSON Schema treats ``format`` as an annotation, so they are
enforced here, read from each parameter's schema."""


@dataclass(frozen=True, slots=True)
class ParameterRule:
    """How to check one path or query parameter."""

    name: str
    location: str
    required: bool
    integer: bool
    default: Any
    validator: jsonschema_rs.Validator
    error: str
    error_status: int | None = None
    """Only needed when the catalog has ``error`` with several statuses (``APIGW.0201``)."""
    integer_range: tuple[int, int] = INTEGER_FORMAT_RANGES[None]

    def coerce(self, raw: str) -> Any:
        """``raw`` converted to the parameter's type and validated, or ErrorReply with the parameter's code."""
        value: Any = raw
        if self.integer:
            if not _INTEGER.match(raw):
                raise self.failure()
            value = int(raw)
            low, high = self.integer_range
            if not low <= value <= high:
                raise self.failure()
        if not self.validator.is_valid(value):
            raise self.failure()
        return value

    def failure(self) -> ErrorReply:
        return ErrorReply(self.error, self.error_status)


@dataclass(frozen=True, slots=True)
class OperationRules:
    """The compiled checks of one operation."""

    operation_id: str
    method: str
    path: str
    path_params: dict[str, ParameterRule]
    query_params: tuple[ParameterRule, ...]
    body_validator: jsonschema_rs.Validator | None
    body_error: str | None

    def check_path(self, values: dict[str, str], skip: frozenset[str] = frozenset()) -> None:
        """Validate the path parameters (except ``skip``), raising ErrorReply on the first failure."""
        for name, rule in self.path_params.items():
            if name not in skip:
                rule.coerce(values[name])

    def parse_query(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """The documented query parameters, coerced and validated, defaults filled in.

        A parameter given more than once fails like an invalid value: the API takes single values, and guessing
        which one the caller meant is worse than saying no. Undocumented parameters are ignored.
        """
        out: dict[str, Any] = {}
        for rule in self.query_params:
            values = query.get(rule.name)
            if values is None:
                if rule.required:
                    raise rule.failure()
                if rule.default is not None:
                    out[rule.name] = rule.default
                continue
            if len(values) != 1:
                raise rule.failure()
            out[rule.name] = rule.coerce(values[0])
        return out

    def error_codes(self) -> set[tuple[str, int | None]]:
        """Every (code, status) these rules can answer with; the app checks them against the catalog at start-up."""
        codes = {(rule.error, rule.error_status) for rule in (*self.path_params.values(), *self.query_params)}
        if self.body_validator is not None:
            codes |= {(self.body_error or NOT_JSON, None), (NOT_JSON, None)}
        return codes

    def check_body(self, body: Any) -> None:
        """Validate a parsed JSON body against the operation's schema."""
        if self.body_validator is not None and not self.body_validator.is_valid(body):
            raise ErrorReply(self.body_error or NOT_JSON)


def _schema_type(spec: dict[str, Any], schema: dict[str, Any]) -> str | None:
    resolved = deref(spec, schema)
    kind = resolved.get("type")
    return kind if isinstance(kind, str) else None


def _parameter_rule(spec: dict[str, Any], parameter: dict[str, Any]) -> ParameterRule:
    parameter = deref(spec, parameter)
    schema = parameter["schema"]
    location = parameter["in"]
    name = parameter["name"]
    error = parameter.get("x-cph-error") or deref(spec, schema).get("x-cph-error")
    status = None
    if error is None:
        error, status = GENERIC_PARAMETER_ERROR, GENERIC_PARAMETER_STATUS
    return ParameterRule(
        name=name,
        location=location,
        required=bool(parameter.get("required", False)),
        integer=_schema_type(spec, schema) == "integer",
        default=deref(spec, schema).get("default"),
        validator=compile_schema(spec, schema),
        error=error,
        error_status=status,
        integer_range=INTEGER_FORMAT_RANGES.get(deref(spec, schema).get("format"), INTEGER_FORMAT_RANGES[None]),
    )


def compile_operations(spec: dict[str, Any]) -> dict[str, OperationRules]:
    """Compile every operation of ``spec`` (keyed by operationId)."""
    rules: dict[str, OperationRules] = {}
    for path, method, item, operation in iter_operations(spec):
        parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
        compiled = [_parameter_rule(spec, p) for p in parameters]
        body_validator = None
        body_error = None
        request_body = deref(spec, operation.get("requestBody", {}))
        media = request_body.get("content", {}).get("application/json")
        if media is not None:
            body_validator = compile_schema(spec, media["schema"])
            body_error = deref(spec, media["schema"]).get("x-cph-error") or NOT_JSON
        rules[operation["operationId"]] = OperationRules(
            operation_id=operation["operationId"],
            method=method.upper(),
            path=path,
            path_params={r.name: r for r in compiled if r.location == "path"},
            query_params=tuple(r for r in compiled if r.location == "query"),
            body_validator=body_validator,
            body_error=body_error,
        )
    return rules


def parse_query_string(query_string: bytes) -> dict[str, list[str]]:
    """Decode ``a=1&b=2`` into lists of values; a malformed query string is the gateway's 400 ``APIGW.0201``.

    ``+`` means a space and percent-escapes must decode to UTF-8, as for any form-encoded query.
    """
    if not query_string:
        return {}
    try:
        text = query_string.decode("ascii")
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_QUERY_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise ErrorReply(GENERIC_PARAMETER_ERROR, GENERIC_PARAMETER_STATUS) from None
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _reject_constant(_name: str) -> NoReturn:
    raise ValueError


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def is_json_media_type(content_type: str | None) -> bool:
    """Whether a Content-Type value is ``application/json`` (any case, optional ``charset=utf-8``)."""
    if content_type == "application/json":
        return True
    if not content_type:
        return False
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "application/json":
        return False
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in {"utf-8", "utf8"}:
            return False
    return True


def parse_json_object(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as a JSON object, or ErrorReply ``CPS.9004`` (not JSON, not UTF-8, not an object, wrong type).

    Non-standard JSON (``NaN``, ``Infinity``), absurd nesting and oversized integers are refused the same way
    instead of surfacing as a parser exception.
    """
    if not is_json_media_type(content_type):
        raise ErrorReply(NOT_JSON)
    try:
        parsed = _DECODER.decode(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ErrorReply(NOT_JSON) from None
    if not isinstance(parsed, dict):
        raise ErrorReply(NOT_JSON)
    return parsed
