"""cph._catalog: lookup by (code, status), aliases, and message matching."""

from __future__ import annotations

import dataclasses

import pytest

from cph import Catalog, CatalogEntry, load_catalog


def make_entry(code: str = "APIGW.0301", status: int = 401, message: str = "Bad thing.") -> CatalogEntry:
    return CatalogEntry(
        code=code,
        status=status,
        message=message,
        meaning="m",
        category="authentication",
        retryable="no",
        scope="request",
        operations=("*",),
        source="doc",
    )


def test_loads_every_entry_of_the_yaml_file() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 20
    assert catalog.entry("CPS.0016", 400).category == "invalid_request"
    assert catalog.entry("CPS.0016", 200).scope == "job"


def test_a_code_with_several_statuses_needs_the_status() -> None:
    catalog = load_catalog()
    with pytest.raises(KeyError):
        catalog.entry("APIGW.0201")
    assert catalog.entry("APIGW.0201", 413).message == "Request entity too large."


def test_apig_prefix_is_an_alias_of_apigw() -> None:
    catalog = load_catalog()
    assert catalog.canonical_code("APIG.0308") == "APIGW.0308"
    entry = catalog.get("APIG.0308", 429)
    assert entry is not None
    assert entry.code == "APIGW.0308"
    assert catalog.get("APIG.0308", 400) is None


def test_unknown_code_is_none_or_key_error() -> None:
    catalog = Catalog([make_entry()], {})
    assert catalog.get("CPS.4242", 400) is None
    with pytest.raises(KeyError):
        catalog.entry("CPS.4242")


def test_message_with_detail_follows_the_gateway_format() -> None:
    entry = make_entry(message="Incorrect IAM authentication information.")
    assert entry.message_with_detail(None) == "Incorrect IAM authentication information."
    detailed = entry.message_with_detail("verify aksk signature fail")
    assert detailed == "Incorrect IAM authentication information: verify aksk signature fail"
    assert entry.matches_message(detailed)
    assert entry.matches_message(entry.message)
    assert not entry.matches_message("Incorrect IAM authentication")
    assert not entry.matches_message("Something else.")


def test_applies_to_wildcard_and_named_operations() -> None:
    assert make_entry().applies_to("ShowJob")
    named = dataclasses.replace(make_entry(), operations=("ListJobs",))
    assert named.applies_to("ListJobs")
    assert not named.applies_to("ShowJob")
