"""Build the schemathesis schema the suite tests: the project's OpenAPI document, the base configuration in
``schemathesis.toml`` with this run's budget on top, our signer as auth, and the hooks that keep requests
meaningful, safe and reported.

Why the schema is loaded with ``cph.load_spec`` and not from a URL: the document in ``openapi/`` is the single source
of truth, and an installed build carries the same file as package data; the endpoint under test never gets to
describe itself.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import BaseSchema, Case, HookContext, Response
from schemathesis.checks import CheckResult
from schemathesis.config import SchemathesisConfig

import conformance.checks  # noqa: F401 (registers the CPH checks)
from conformance import rules, transient
from conformance import run as run_state
from conformance.checks import CONNECTION_CHECK, CPH_CHECKS, operation_id
from conformance.report import FailureRecord
from conformance.safety import shape
from conformance.settings import OPERATIONS, Settings
from conformance.transport import SigningAuth, text_headers
from cph import load_spec

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def config_data(settings: Settings) -> dict[str, Any]:
    """``schemathesis.toml`` plus the run's options, as the dict schemathesis validates."""
    with CONFIG_FILE.open("rb") as handle:
        base = tomllib.load(handle)
    budget = settings.budget
    overrides: dict[str, Any] = {
        "generation": {"max-examples": budget.max_examples, "no-shrink": not budget.shrink},
        "request-timeout": budget.request_timeout,
        "suppress-health-check": ["too_slow", "filter_too_much", "large_base_example"],
        "phases": {
            "examples": {"enabled": "examples" in settings.phases},
            "coverage": {"enabled": "coverage" in settings.phases},
            "fuzzing": {"enabled": "fuzzing" in settings.phases},
            # Stateful needs links enabled to build the state machine even when only test_stateful is skipped.
            "stateful": {
                "enabled": True,
                "max-steps": budget.stateful_steps,
                "generation": {"max-examples": max(budget.stateful_examples, 1)},
            },
        },
    }
    # CPH checks whose rule is not the profile's are off (see conformance.rules).
    overrides["checks"] = {name: {"enabled": False} for name in CPH_CHECKS if not rules.applies(name, settings.profile)}
    if settings.profile == "provider":
        # The provider document gives IDs, filters and timestamps no format, so "schema-valid" there is not "valid":
        # a documented 400 (CPS.0016 for an empty server ID, CPS.9003 for an empty request_ids, ...) is a legal
        # answer to such a request. Acceptance is still demanded of everything else (no 422, no 405, ...).
        overrides["checks"]["positive_data_acceptance"] = {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
        }
    overrides["seed"] = settings.seed
    if budget.rate_limit:
        overrides["rate-limit"] = budget.rate_limit
    if settings.base_url:
        overrides["base-url"] = settings.base_url
    return _merge(base, overrides)


def build_schema(settings: Settings) -> BaseSchema:
    """The schema object the tests are parametrized with."""
    config = SchemathesisConfig.from_dict(config_data(settings))
    schema: BaseSchema = schemathesis.openapi.from_dict(copy.deepcopy(load_spec(settings.profile)), config=config)
    operations = settings.operations_under_test
    if operations != OPERATIONS:
        schema = schema.include(operation_id=list(operations))
    schema.auth.set_from_requests(SigningAuth())
    return schema


# ------------------------------------------------------------------------------------------------------- hooks
# Global hooks: `before_call` exists only at global scope, and the suite runs in a process of its own.


@schemathesis.hook
def before_call(_context: HookContext, case: Case[Any], _kwargs: dict[str, Any]) -> None:
    """Make the case meaningful and safe (see conformance.safety) right before it is sent, in every phase."""
    run = run_state.active()
    if run is not None and run.target is not None:
        shape(case, run.target, run.jobs)


@schemathesis.hook
def after_call(_context: HookContext, case: Case[Any], _response: Response) -> None:
    run = run_state.active()
    if run is not None:
        run.report.record_call(case.operation.label)
        run.report.record(CONNECTION_CHECK, case.operation.label, None)  # an answer arrived
        if run.progress is not None:
            phase = case.meta.phase.name.value if case.meta is not None else "explicit"
            run.progress.case(operation_id(case) or case.operation.label, phase)
            run.progress.transient(transient.COUNTER.total)


@schemathesis.hook
def after_validate(_context: HookContext, case: Case[Any], response: Response, results: list[CheckResult]) -> None:
    """Feed every check result to the report, with a redacted reproduction for failures."""
    run = run_state.active()
    if run is None:
        return
    redactor = run.redactor
    for result in results:
        failure = None
        if result.failure is not None:
            request = response.request
            body = request.body if isinstance(request.body, bytes | str) else None
            if run.progress is not None:
                run.progress.failure(operation_id(case) or case.operation.label)
            failure = FailureRecord(
                check=result.name,
                operation=case.operation.label,
                title=result.failure.title,
                message=redactor.text(result.failure.message),
                status=response.status_code,
                response=redactor.text(response.content[:2000].decode("utf-8", "replace")),
                curl=redactor.curl(str(request.method), str(request.url), text_headers(request.headers), body),
            )
        run.report.record(result.name, case.operation.label, failure)


__all__ = ["build_schema", "config_data", "operation_id"]
