"""Error bodies come from the catalog; request IDs have the spec's format."""

from __future__ import annotations

import json
import re

import pytest

from cph import load_catalog
from cph.mock import ErrorReply
from cph.mock._responses import ErrorRenderer, json_bytes, new_request_id, request_entry

CATALOG = load_catalog()
RENDERER = ErrorRenderer(CATALOG)


def test_request_ids_are_32_hex_and_unique() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


@pytest.mark.parametrize("entry", [e for e in CATALOG if e.scope == "request"], ids=lambda e: f"{e.code}-{e.status}")
def test_every_request_error_renders_with_its_catalog_message(entry: object) -> None:
    status, body = RENDERER.render(ErrorReply(entry.code, entry.status), "r" * 32)  # type: ignore[attr-defined]
    assert status == entry.status  # type: ignore[attr-defined]
    assert json.loads(body) == {"request_id": "r" * 32, "error_code": entry.code, "error_msg": entry.message}  # type: ignore[attr-defined]


def test_detail_is_appended_like_the_gateway() -> None:
    status, body = RENDERER.render(ErrorReply("APIGW.0301", 401, "verify aksk signature fail"), "r" * 32)
    assert status == 401
    assert json.loads(body)["error_msg"] == "Incorrect IAM authentication information: verify aksk signature fail"


def test_request_scope_is_chosen_for_codes_that_also_exist_per_job() -> None:
    assert request_entry(CATALOG, "CPS.0016").status == 400
    assert request_entry(CATALOG, "CPS.0016", 200).scope == "job"
    with pytest.raises(KeyError):
        request_entry(CATALOG, "APIGW.0201")  # several statuses: must be named


def test_json_bytes_is_compact_ascii() -> None:
    assert json_bytes({"a": "ü", "b": [1, None]}) == b'{"a":"\\u00fc","b":[1,null]}'
