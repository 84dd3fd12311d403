"""Which rule each check enforces, where the rule comes from, and in which profile it applies.

Why written down per check: a certificate is only as honest as its rules. The ``provider`` profile judges an
endpoint by what Huawei documents (the provider document, the doc-sourced catalog rows, the signing guide); the
``strict`` profile adds our decisions (the strict document made by the overlay, codes we chose, orders we promise).
A report's every failure names its profile, whether the broken rule is the provider's contract or our decision, and
the source — so a real CPH failing a ``strict``-only rule is visibly a disagreement with us, not with Huawei.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cph import load_spec

ID32 = re.compile(load_spec("strict")["components"]["schemas"]["Id32"]["pattern"])
"""Our ID format (a decision, the strict document's ``Id32``): read from the document, never written here. Use
``fullmatch``."""
ID32_ANY_CASE = re.compile(ID32.pattern, re.IGNORECASE)

Profile = Literal["provider", "strict"]
Kind = Literal["contract", "decision"]

SPEC = "the OpenAPI document"
PROVIDER_DOC = "openapi/cph.openapi.yaml"
STRICT_DOC = "openapi/cph.strict.openapi.yaml"
OVERLAY = "openapi/decisions.overlay.yaml"
SIGNING = "Huawei API signing guide (support.huaweicloud.com devg-apisign): X-Sdk-Date within 15 min; body hashed"
LIST_JOBS_DOC = "CPH API ListJobs (cph_api_0400 family): request_id / request_ids (at most 20), offset, limit"
SERVERS_DOC = "CPH API ListCloudPhoneServers: offset, limit, count = total matching"
JOBS_DOC = "CPH API ShowJob/ListJobs: status 1 running, 2 succeeded, -1 failed; failed jobs carry error_code/error_msg"
RESTART_DOC = "CPH API RestartCloudPhoneServer: jobs[] with one entry (job_id or error) per requested server"
GATEWAY_DOC = "Huawei API Gateway error codes (APIGW.0308 429, APIGW.0613 503, APIGW.0201 502: retryable)"


@dataclass(frozen=True, slots=True)
class Rule:
    """A check's rule: ``profile`` is the weakest profile it belongs to (``provider`` rules apply in both)."""

    profile: Profile
    kind: Kind
    source: str
    text: str

    def applies(self, profile: Profile) -> bool:
        return self.profile == "provider" or profile == "strict"

    def describe(self, profile: Profile) -> str:
        """One line for a failure: profile, contract or decision, the rule, its source."""
        if self.source == SPEC:  # a built-in check judges against the profile's whole document
            if profile == "provider":
                return f"profile provider: breaks the provider's contract — {self.text} (source: {PROVIDER_DOC})"
            return (
                f"profile strict: breaks the strict document (the provider's contract plus our decisions) — "
                f"{self.text} (source: {STRICT_DOC}; a rule marked Decision (ours) there comes from {OVERLAY})"
            )
        what = "the provider's contract" if self.kind == "contract" else "our decision"
        return f"profile {profile}: breaks {what} — {self.text} (source: {self.source})"


def _contract(text: str, source: str) -> Rule:
    return Rule("provider", "contract", source, text)


def _decision(text: str, source: str) -> Rule:
    return Rule("strict", "decision", source, text)


_BUILT_IN = "answers match the profile's document (schemathesis built-in check)"

RULES: dict[str, Rule] = {
    # schemathesis' built-in checks judge against the profile's document, so they are contract in either profile
    **{
        name: _contract(_BUILT_IN, SPEC)
        for name in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
            "response_headers_conformance",
            "negative_data_rejection",
            "positive_data_acceptance",
            "missing_required_header",
            "ignored_auth",
            "use_after_free",
            "ensure_resource_availability",
            "allow_header_conformance",
        )
    },
    "cph_transient": _contract("a documented transient answer does not persist through resends", GATEWAY_DOC),
    "cph_connection": _contract("every request gets a complete HTTP answer", "HTTP/1.1 (RFC 9112)"),
    "cph_error_catalog": _contract(
        "an error code the provider documents comes with its documented HTTP status and message",
        "openapi/error-catalog.yaml rows with source doc",
    ),
    "cph_error_catalog_strict": _decision(
        "every error code is in the catalog, with its status and message, for this operation",
        "openapi/error-catalog.yaml (doc-analogue and ours rows too)",
    ),
    "cph_server_jobs": _contract("one entry per requested server and none for any other server", RESTART_DOC),
    "cph_server_jobs_order": _decision(
        "entries in first-occurrence order, duplicates answered once", "strict document (decision: duplicates)"
    ),
    "cph_job_entries": _decision(
        "an accepted entry has a 32-hex job_id and no error fields; a rejected one both error fields",
        "strict document (dependentSchemas, Id32)",
    ),
    "cph_job_ids_unique": _contract("a job ID identifies one job", JOBS_DOC),
    "cph_request_id": _decision(
        "exactly one X-Request-Id on every answer, equal to the body's request_id", "strict document (decision)"
    ),
    "cph_unsupported_method": _decision(
        "an undeclared method is answered like an unknown API: 404 APIGW.0101", "strict document (ApiNotFound)"
    ),
    "cph_jobs_terminate": _contract("every accepted job ends (status 2 or -1)", JOBS_DOC),
    "cph_jobs_listed": _contract("ListJobs by a restart's request_id lists its accepted jobs", LIST_JOBS_DOC),
    "cph_list_filter": _contract("request_id / request_ids list exactly the jobs of those requests", LIST_JOBS_DOC),
    "cph_list_pagination": _contract(
        "offset/limit pages are at most limit long, disjoint, and together the whole list",
        f"{LIST_JOBS_DOC}; {SERVERS_DOC}",
    ),
    "cph_list_count": _decision("ListJobs count is the total number of matching jobs", "strict document (count)"),
    "cph_list_maximum": _contract("at most 20 request IDs: 20 are accepted, 21 refused with a 4xx", LIST_JOBS_DOC),
    "cph_job_lifecycle": _contract(
        "a job's status stays terminal once ended, and a failed job carries error_code and error_msg", JOBS_DOC
    ),
    "cph_job_times": _decision(
        "end_time is empty while a job runs and set once it has ended", "strict document (Job.end_time)"
    ),
    "cph_job_agreement": _contract(
        "ShowJob and ListJobs report a job with the job_id and server_id its restart answered", JOBS_DOC
    ),
    "cph_busy_server": _decision(
        "a server whose restart is still running is refused per job with CPS.9001", "openapi/error-catalog.yaml (ours)"
    ),
    "cph_other_project": _decision(
        "a project other than the credentials' is refused with 400 CPS.0001", "openapi/error-catalog.yaml"
    ),
    "cph_other_project_refused": _contract("a project other than the credentials' is refused with a 4xx", SIGNING),
    "cph_server_id_format": _decision(
        "an upper-case or unknown server ID is refused (400 CPS.0016, or per job CPS.0016)",
        "strict document (Id32 pattern) and catalog",
    ),
    "cph_auth_date": _contract("a signature with X-Sdk-Date more than 15 minutes off is refused with 401", SIGNING),
    "cph_auth_payload": _contract("a body that does not match the signed payload hash is refused with 401", SIGNING),
    "cph_auth_lockout": _contract(
        "after more than 5 consecutive failed signatures the AK is locked (401, 'AK access failed to reach the limit')",
        "Huawei APIG FAQ apig-faq-0003",
    ),
}


def rule(check: str) -> Rule:
    """The rule of ``check`` (a check without an entry is a contract check of the document)."""
    return RULES.get(check, _contract(_BUILT_IN, SPEC))


def applies(check: str, profile: Profile) -> bool:
    return rule(check).applies(profile)
