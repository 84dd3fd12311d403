"""Compile the OpenAPI document's schemas into JSON Schema validators.

Why: the spec writes references as ``#/components/schemas/X``, which only resolve inside the whole OpenAPI
document. A validator for one request body or response needs a self-contained JSON Schema, so this module copies
every ``components/schemas`` entry into ``$defs`` and rewrites the references to point there. The mock compiles its
request validators with it once at start-up, and the tests compile response validators with the very same helper,
so both sides read the spec the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from cph._spec import deref

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_COMPONENT_PREFIX = "#/components/schemas/"
_DEFS_PREFIX = "#/$defs/"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _rewrite_refs(node: Any) -> Any:
    """A copy of ``node`` whose ``#/components/schemas/X`` references point at ``#/$defs/X``."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if not value.startswith(_COMPONENT_PREFIX):
                    msg = f"schema reference {value!r} is not under {_COMPONENT_PREFIX}"
                    raise ValueError(msg)
                out[key] = _DEFS_PREFIX + value[len(_COMPONENT_PREFIX) :]
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def bundle_schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A self-contained Draft 2020-12 schema for ``schema`` (a node of ``spec``), with every component in ``$defs``."""
    components = spec.get("components", {}).get("schemas", {})
    bundled = _rewrite_refs(schema)
    if "$ref" in bundled:
        # A bare reference would be a sibling of ``$defs``; keep the root a plain wrapper instead.
        bundled = {"allOf": [bundled]}
    return {
        "$schema": DRAFT_2020_12,
        **bundled,
        "$defs": {name: _rewrite_refs(sub) for name, sub in components.items()},
    }


def compile_schema(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A compiled Draft 2020-12 validator for ``schema`` (formats are annotations, as the draft says)."""
    return jsonschema_rs.Draft202012Validator(bundle_schema(spec, schema))


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path template, lower-case method, path item, operation) for every operation of ``spec``."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item, item[method]


def response_schema(spec: dict[str, Any], operation_id: str, status: int) -> dict[str, Any]:
    """The JSON body schema of ``operation_id``'s response ``status`` (KeyError if the spec has none)."""
    for _path, _method, _item, operation in iter_operations(spec):
        if operation.get("operationId") != operation_id:
            continue
        response = deref(spec, operation["responses"][str(status)])
        schema: dict[str, Any] = response["content"]["application/json"]["schema"]
        return schema
    msg = f"no operation {operation_id!r} in the spec"
    raise KeyError(msg)


def error_response_schema() -> dict[str, Any]:
    """The schema every error body follows, including answers that belong to no operation (unknown path)."""
    return {"$ref": _COMPONENT_PREFIX + "ErrorResponse"}


def compile_response_validators(spec: dict[str, Any]) -> dict[tuple[str, int], jsonschema_rs.Validator]:
    """A validator for every (operationId, status) response the spec declares."""
    validators: dict[tuple[str, int], jsonschema_rs.Validator] = {}
    for _path, _method, _item, operation in iter_operations(spec):
        op_id = operation["operationId"]
        for status in operation.get("responses", {}):
            validators[(op_id, int(status))] = compile_schema(spec, response_schema(spec, op_id, int(status)))
    return validators
