"""Make generated requests meaningful and safe before they are sent.

Two jobs, done in schemathesis' ``before_call`` hook (the one place every phase passes through: examples, coverage,
fuzzing and stateful) and, for safety, once more on the final signed bytes:

**Meaningful.** Generated data knows nothing about the account: a random ``project_id`` is always the wrong project
(400 ``CPS.0001``), a random ``job_id`` is never a job, ListJobs without ``request_id`` is refused by design. So a
valid-looking project ID becomes the target's project, ListJobs gets a request ID (one the run created, when there
is one), ShowJob and ListJobs sometimes get a job or request ID the run created, and restart bodies name servers
of the fleet.

**Safe.** On a real account a restart is real. Every 32-hex-character string in a restart body (any method, any
generation mode, anywhere in the body) that is not on the user's allow-list is replaced by an allow-listed server
ID, so the only servers a request can ever restart are the ones the user listed. :func:`guard` re-checks the exact
bytes about to be signed and refuses to sign anything else — the last line of defence if shaping ever misses a
case. The embedded mock keeps a quarter of unknown IDs on purpose: per-job ``CPS.0016`` answers need them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

from conformance.jobs import AcceptedJobs
from conformance.rules import ID32, ID32_ANY_CASE
from conformance.target import Target

RESTART_SUFFIX = "/cloud-phone/servers/batch-restart"
_HEX32_IN_TEXT = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])")


class UnsafeRequestError(RuntimeError):
    """A request would name a server outside the allow-list; it is not sent."""


def _pick(value: str, choices: list[str]) -> str:
    """A deterministic choice (same input, same output — duplicates stay duplicates)."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
    return choices[int.from_bytes(digest[:4], "big") % len(choices)]


def _keep_unknown(value: str, target: Target) -> bool:
    # The mock only: keep about a quarter of unknown IDs, to exercise per-job CPS.0016.
    return target.embedded and hashlib.sha256(value.encode()).digest()[0] < 64


def _coin(value: str) -> bool:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()[1] % 2 == 0


def _shape_restart_value(value: Any, target: Target, allowed: list[str]) -> Any:
    if isinstance(value, str):
        if ID32_ANY_CASE.fullmatch(value):
            if value in target.allowlist or _keep_unknown(value, target):
                return value
            return _pick(value, allowed)
        return _HEX32_IN_TEXT.sub(
            lambda m: m.group(0) if m.group(0) in target.allowlist else _pick(m.group(0), allowed), value
        )
    if isinstance(value, list):
        return [_shape_restart_value(item, target, allowed) for item in value]
    if isinstance(value, dict):
        return {key: _shape_restart_value(item, target, allowed) for key, item in value.items()}
    return value


def is_restart_path(path: str) -> bool:
    return path.rstrip("/").endswith(RESTART_SUFFIX)


def _is_positive(case: Case[Any]) -> bool:
    """Generated and positive. Hand-made cases (explicit tests) are sent as written, bar the safety rules."""
    return case.meta is not None and case.meta.generation.mode.is_positive


def _positive_path(case: Case[Any]) -> bool:
    """Generated, with path parameters generated as valid (the rest of the case may be negative)."""
    meta = case.meta
    return meta is not None and not meta.is_negative_at(ParameterLocation.PATH)


def shape(case: Case[Any], target: Target, jobs: AcceptedJobs) -> None:
    """Adjust ``case`` in place (see the module docstring)."""
    path_parameters = case.path_parameters
    if isinstance(path_parameters, dict):
        project_id = path_parameters.get("project_id")
        # A generated project is never the target's: a well-formed one, or any project of a positive case (the
        # provider document gives project_id no format), becomes the target's. Other projects are sent on purpose
        # by conformance.semantics.other_project.
        if isinstance(project_id, str) and (ID32.fullmatch(project_id) or _positive_path(case)):
            path_parameters["project_id"] = target.project_id
        job_id = path_parameters.get("job_id")
        known_jobs = jobs.job_ids
        if _is_positive(case) and isinstance(job_id, str) and known_jobs and _coin(job_id):
            path_parameters["job_id"] = _pick(job_id, known_jobs)
    if is_restart_path(case.path):
        allowed = sorted(target.allowlist)
        if not allowed:
            msg = "no server may be restarted (empty allow-list); the restart operation should have been excluded"
            raise UnsafeRequestError(msg)
        case.body = _shape_restart_value(case.body, target, allowed)
        _sharpen_too_many_ids(case, allowed)
    elif case.path.endswith("/cloud-phone/jobs") and case.method.upper() == "GET" and _is_positive(case):
        _shape_list_jobs(case, jobs)


def _sharpen_too_many_ids(case: Case[Any], allowed: list[str]) -> None:
    """Make "more than 100 IDs" the *only* thing wrong with the coverage phase's oversized ``server_ids``.

    schemathesis fills the 101 entries with a mix of valid and invalid items, so an endpoint that accepts 101 IDs
    still refuses that body for its invalid items and the fault goes unseen. 101 well-formed, allow-listed IDs
    leave the item count as the one violation.
    """
    meta = case.meta
    if (
        meta is None
        or not isinstance(meta.phase.data, CoveragePhaseData)
        or meta.phase.data.scenario != CoverageScenario.ARRAY_ABOVE_MAX_ITEMS
        or not isinstance(case.body, dict)
    ):
        return
    ids = case.body.get("server_ids")
    if isinstance(ids, list):
        case.body = {**case.body, "server_ids": [allowed[i % len(allowed)] for i in range(len(ids))]}


def _shape_list_jobs(case: Case[Any], jobs: AcceptedJobs) -> None:
    query = case.query if isinstance(case.query, dict) else {}
    known = jobs.request_ids
    if "request_ids" in query or "request_id" in query:
        request_id = query.get("request_id")
        if isinstance(request_id, str) and known and _coin(request_id):
            query["request_id"] = _pick(request_id, known)
        case.query = query
        return
    # Required in practice (documented: one of the two must be given); without one, ListJobs is refused with 400.
    seed = json.dumps(query, sort_keys=True, default=str)
    query["request_id"] = _pick(seed, known) if known else hashlib.sha256(seed.encode()).hexdigest()[:32]
    case.query = query


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON document (keys included): where a server ID can be."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def guard(method: str, url: str, body: bytes, target: Target) -> None:
    """Refuse (raise) a request to the restart path whose body names a server outside the allow-list.

    A JSON body is judged by its parsed string values (a 32-digit *number* names no server, and the text of a
    string with escapes is not what the endpoint reads); anything else by its raw text.
    """
    if target.embedded or not is_restart_path(url.split("?", 1)[0]):
        return
    text = body.decode("utf-8", "replace")
    try:
        texts = list(_strings(json.loads(text)))
    except ValueError:
        texts = [text]
    # Upper-case spellings of an allow-listed ID name the same server, so they are allowed too.
    named = {m.group(0).lower() for part in texts for m in _HEX32_IN_TEXT.finditer(part)}
    outside = sorted(named - target.allowlist - target.probe_ids)
    if outside:
        msg = f"refusing to send {method} {url}: it names server(s) not on the allow-list: {', '.join(outside)}"
        raise UnsafeRequestError(msg)
