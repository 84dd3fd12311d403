"""Collect every check outcome of a run and write the summary, JUnit XML, Markdown and JSON reports.

Why our own collector instead of schemathesis' report writers: the question a reader has is "which rule did the
endpoint break, how often, and how do I reproduce it" — per check, across operations and phases, including the
checks that run outside schemathesis' per-response loop (the job poll) and errors that are not check failures.
schemathesis' ``after_validate`` hook hands us every check result; the rest is recorded directly. Each distinct
failure (check, operation, title) is kept once with its first reproduction and an occurrence count.

Every text written goes through the run's :class:`~conformance.redact.Redactor`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.redact import Redactor
from conformance.rules import Profile, rule

# Built-in checks that are enabled (every built-in check that could apply is) but cannot fail on this API: they
# report "passed" for every response, so the summary says "vacuous" and why.
VACUOUS: dict[str, str] = {
    "use_after_free": "the API has no DELETE",
    "ensure_resource_availability": "restart answers 200 without Location, so nothing counts as created; "
    "cph_jobs_terminate follows the created jobs instead",
    "allow_header_conformance": "judges only OPTIONS answers that carry Allow",
}

# Why a check that ran zero times is not a gap.
INERT_NOTES: dict[str, str] = {
    "cph_unsupported_method": "runs on coverage cases and test_unsupported_method",
    "cph_jobs_terminate": "needs an accepted restart job",
    "cph_jobs_listed": "needs an accepted restart job",
    "cph_server_jobs": "needs a 200 restart answer",
    "cph_job_entries": "needs a 200 restart answer",
    "cph_job_ids_unique": "needs a 200 restart answer",
}


def _result(name: str, stats: CheckStats) -> tuple[str, str]:
    """(result word, note) for the summary tables."""
    if stats.failed:
        return "FAILED", ""
    if name in VACUOUS:
        return "vacuous", VACUOUS[name]
    if stats.passed:
        return "passed", ""
    return "n/a", INERT_NOTES.get(name, "never applied")


CHECK_DESCRIPTIONS: dict[str, str] = {
    "not_a_server_error": "no 5xx answer (built-in)",
    "status_code_conformance": "status documented for the operation (built-in)",
    "content_type_conformance": "Content-Type documented (built-in)",
    "response_schema_conformance": "body matches the response schema (built-in)",
    "response_headers_conformance": "documented headers present and valid, e.g. X-Request-Id (built-in)",
    "negative_data_rejection": "schema-violating requests rejected (built-in)",
    "positive_data_acceptance": "schema-valid requests accepted (built-in)",
    "missing_required_header": "missing required header rejected (built-in)",
    "ignored_auth": "no or invalid credentials rejected with 401/403 (built-in)",
    "use_after_free": "deleted resources stay gone (built-in)",
    "ensure_resource_availability": "created resources are readable (built-in)",
    "allow_header_conformance": "Allow header matches the spec (built-in)",
    "cph_unsupported_method": "undeclared method -> 404 APIGW.0101, not 405 (CPH; replaces unsupported_method)",
    "cph_request_id": "X-Request-Id present and equal to body request_id (CPH)",
    "cph_error_catalog": "every error_code (request, per job, failed job) is in the catalog with its HTTP status "
    "and message (CPH)",
    "cph_server_jobs": "one job per distinct requested server, none for others, in request order (CPH)",
    "cph_job_entries": "accepted: job_id and no error fields; rejected: both error fields, no job_id (CPH)",
    "cph_job_ids_unique": "job IDs never repeat across restart responses (CPH)",
    "cph_jobs_terminate": "every accepted job reaches status 2 or -1 via ShowJob within the budget (CPH)",
    "cph_jobs_listed": "ListJobs by request_id lists every accepted job of that request (CPH)",
    "cph_transient": "a documented transient answer (429 APIGW.0308, 502, 503) did not persist through the resends "
    "(CPH)",
    "cph_connection": "every request got a complete answer: no connection closed or reset mid-exchange (CPH)",
}


@dataclass(slots=True)
class FailureRecord:
    """One distinct failure, with the first reproduction seen."""

    check: str
    operation: str
    title: str
    message: str
    status: int | None
    response: str
    curl: str
    occurrences: int = 1
    rule: str = ""
    """The profile and the rule broken, contract or decision, with its source (filled in by the collector)."""


@dataclass(slots=True)
class CheckStats:
    passed: int = 0
    failed: int = 0
    operations: dict[str, list[int]] = field(default_factory=dict)
    """operation label -> [passed, failed]"""

    def add(self, operation: str, ok: bool) -> None:
        counts = self.operations.setdefault(operation, [0, 0])
        if ok:
            self.passed += 1
            counts[0] += 1
        else:
            self.failed += 1
            counts[1] += 1


@dataclass(slots=True)
class TestOutcome:
    nodeid: str
    outcome: str
    duration: float
    message: str


class ReportCollector:
    """Thread-safe sink for outcomes; :meth:`write` turns them into files."""

    def __init__(
        self,
        redactor: Redactor,
        enabled_checks: Iterable[str] = (),
        *,
        dry_run: bool = False,
        profile: Profile = "strict",
    ) -> None:
        self.redactor = redactor
        self.profile: Profile = profile
        self.dry_run_mode = dry_run
        self.transient: dict[int, int] = {}
        """Transient answers resent, by HTTP status (set at the end of the run)."""
        self._lock = threading.Lock()
        self.checks: dict[str, CheckStats] = {name: CheckStats() for name in enabled_checks}
        self.failures: dict[tuple[str, str, str], FailureRecord] = {}
        self.tests: list[TestOutcome] = []
        self.calls = 0
        self.calls_by_operation: dict[str, int] = {}
        self.dry_run: list[tuple[str, str]] = []
        self.notes: list[str] = []
        self.started = time.monotonic()
        self.finished: float | None = None

    # ----------------------------------------------------------------------------------------------- recording
    def record_call(self, operation: str) -> None:
        with self._lock:
            self.calls += 1
            self.calls_by_operation[operation] = self.calls_by_operation.get(operation, 0) + 1

    def record(self, check: str, operation: str, failure: FailureRecord | None) -> None:
        """One execution of ``check`` on ``operation``: passed when ``failure`` is None."""
        with self._lock:
            self.checks.setdefault(check, CheckStats()).add(operation, failure is None)
            if failure is None:
                return
            key = (check, operation, failure.title)
            existing = self.failures.get(key)
            if existing is None:
                failure.rule = failure.rule or rule(check).describe(self.profile)
                self.failures[key] = failure
            else:
                existing.occurrences += 1

    def record_enabled(self, check: str) -> None:
        """List ``check`` in the report even if it never runs (then with its reason, from INERT_NOTES)."""
        with self._lock:
            self.checks.setdefault(check, CheckStats())

    def record_test(self, outcome: TestOutcome) -> None:
        with self._lock:
            self.tests.append(outcome)

    def record_dry_run(self, operation: str, curl: str) -> None:
        with self._lock:
            self.dry_run.append((operation, curl))

    def note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    # ----------------------------------------------------------------------------------------------- results
    @property
    def failed(self) -> bool:
        return bool(self.failures) or any(t.outcome in {"failed", "error"} for t in self.tests)

    @property
    def elapsed(self) -> float:
        end = self.finished if self.finished is not None else time.monotonic()
        return end - self.started

    def broken_tests(self) -> list[TestOutcome]:
        return [t for t in self.tests if t.outcome in {"failed", "error"}]

    def summary_lines(self, header: list[str]) -> list[str]:
        """The readable summary: one line per check with pass/fail counts, then every failure in brief."""
        if self.dry_run_mode:
            return self._dry_run_summary(header)
        elapsed = self.elapsed
        rate = self.calls / elapsed if elapsed > 0 else 0.0
        lines = [*header, f"test cases sent: {self.calls} in {elapsed:.1f} s ({rate:.1f} cases/s)"]
        if self.transient:
            resent = ", ".join(f"{count} x HTTP {status}" for status, count in sorted(self.transient.items()))
            lines.append(f"transient answers resent with backoff (not failures unless they persisted): {resent}")
        lines.append("")
        width = max((len(name) for name in self.checks), default=10)
        lines.append(f"{'check':<{width}}  {'result':<7}  {'passed':>7}  {'failed':>6}")
        for name in sorted(self.checks, key=_check_order):
            stats = self.checks[name]
            result, note = _result(name, stats)
            suffix = f"  ({note})" if note else ""
            lines.append(f"{name:<{width}}  {result:<7}  {stats.passed:>7}  {stats.failed:>6}{suffix}")
        broken = self.broken_tests()
        lines.append("")
        lines.append(
            f"pytest: {sum(t.outcome == 'passed' for t in self.tests)} passed, "
            f"{sum(t.outcome == 'failed' for t in self.tests)} failed, "
            f"{sum(t.outcome == 'error' for t in self.tests)} errors, "
            f"{sum(t.outcome == 'skipped' for t in self.tests)} skipped"
        )
        total = len(self.failures) + len(broken)
        if total:
            lines.append("")
            lines.append(
                f"{total} distinct failure(s): {len(self.failures)} broken rule(s), {len(broken)} failed test(s)"
            )
            for failure in self.failures.values():
                kind = rule(failure.check).kind
                lines.append(
                    f"  - [{failure.check}] {failure.operation}: {failure.title} (x{failure.occurrences}; "
                    f"{'contract' if kind == 'contract' else 'our decision'}, profile {self.profile})"
                )
            for test in broken:
                lines.append(f"  - [pytest {test.outcome}] {test.nodeid}: {_first_line(test.message)}")
        lines.append("")
        lines.append(f"verdict: {'FAILED' if self.failed else 'PASSED'}")
        for note in self.notes:
            lines.append(f"note: {note}")
        return [self.redactor.text(line) for line in lines]

    def _dry_run_summary(self, header: list[str]) -> list[str]:
        lines = [
            *header,
            f"DRY RUN: nothing sent, nothing checked; {len(self.dry_run)} request(s) written as curl lines "
            "(dry-run.sh)",
        ]
        broken = self.broken_tests()
        if broken:
            lines.append(f"{len(broken)} request(s) could not be built:")
            lines += [f"  - [pytest {t.outcome}] {t.nodeid}: {_first_line(t.message)}" for t in broken]
        lines += [f"note: {note}" for note in self.notes]
        return [self.redactor.text(line) for line in lines]

    # ----------------------------------------------------------------------------------------------- writing
    def write(self, directory: Path, header: list[str], meta: dict[str, Any]) -> dict[str, Path]:
        """Write summary.txt, report.md, junit.xml, results.json (and dry-run.sh) into ``directory``."""
        self.finished = time.monotonic() if self.finished is None else self.finished
        directory.mkdir(parents=True, exist_ok=True)
        paths = {
            "summary": directory / "summary.txt",
            "markdown": directory / "report.md",
            "junit": directory / "junit.xml",
            "json": directory / "results.json",
        }
        paths["summary"].write_text("\n".join(self.summary_lines(header)) + "\n", encoding="utf-8")
        paths["markdown"].write_text(self.redactor.text(self._markdown(header, meta)), encoding="utf-8")
        paths["junit"].write_bytes(self._junit())
        paths["json"].write_text(self.redactor.text(json.dumps(self._json(meta), indent=2)) + "\n", encoding="utf-8")
        if self.dry_run:
            paths["dry_run"] = directory / "dry-run.sh"
            body = "".join(f"# {operation}\n{curl}\n" for operation, curl in self.dry_run)
            paths["dry_run"].write_text(self.redactor.text(body), encoding="utf-8")
        return paths

    def _json(self, meta: dict[str, Any]) -> dict[str, Any]:
        return {
            **meta,
            "passed": None if self.dry_run_mode else not self.failed,
            "transient_resent": {str(status): count for status, count in sorted(self.transient.items())},
            "elapsed_seconds": round(self.elapsed, 3),
            "test_cases": self.calls,
            "test_cases_by_operation": self.calls_by_operation,
            "checks": {
                name: {"passed": s.passed, "failed": s.failed, "operations": s.operations}
                for name, s in sorted(self.checks.items())
            },
            "failures": [asdict(f) for f in self.failures.values()],
            "tests": [asdict(t) for t in self.tests],
            "dry_run_requests": len(self.dry_run),
            "notes": self.notes,
        }

    def _markdown(self, header: list[str], meta: dict[str, Any]) -> str:
        elapsed = self.elapsed
        rate = self.calls / elapsed if elapsed > 0 else 0.0
        verdict = "DRY RUN (nothing sent)" if self.dry_run_mode else ("FAILED" if self.failed else "PASSED")
        out = [f"# CPH conformance report — {verdict}", ""]
        out += [f"- {line}" for line in header]
        if self.dry_run_mode:
            out += [f"- nothing was sent: {len(self.dry_run)} request(s) are listed in `dry-run.sh`", ""]
            out += ["## Run", "", "```json", json.dumps(meta, indent=2), "```", ""]
            return "\n".join(out)
        out += [f"- test cases sent: {self.calls} in {elapsed:.1f} s ({rate:.1f} cases/s)", ""]
        out += ["## Checks", "", "| check | what it verifies | passed | failed | result |", "|---|---|---:|---:|---|"]
        for name in sorted(self.checks, key=_check_order):
            stats = self.checks[name]
            result, note = _result(name, stats)
            result = "**FAILED**" if result == "FAILED" else result
            if note:
                result += f" ({note})"
            what = CHECK_DESCRIPTIONS.get(name, "")
            out.append(f"| `{name}` | {what} | {stats.passed} | {stats.failed} | {result} |")
        out += ["", "## Failures", ""]
        if not self.failures:
            out.append("None.")
        for index, failure in enumerate(self.failures.values(), 1):
            out += [
                f"### {index}. `{failure.check}` — {failure.operation}",
                "",
                f"**{failure.title}** (seen {failure.occurrences}x)",
                "",
                f"Rule: {failure.rule}",
            ]
            out += _block("text", failure.message)
            if failure.status is not None:
                out += ["", f"Response: HTTP {failure.status}"]
                out += _block("json", failure.response)
            if failure.curl:
                out += [
                    "",
                    "Reproduce (signature redacted — re-sign, or rerun with the same `--seed`):",
                    "",
                    "```bash",
                    failure.curl,
                    "```",
                ]
            out.append("")
        broken = [t for t in self.tests if t.outcome in {"failed", "error"}]
        if broken:
            out += ["## Test errors", ""]
            for test in broken:
                out += [f"### `{test.nodeid}` ({test.outcome})", *_block("text", test.message[-4000:]), ""]
        if self.notes:
            out += ["## Notes", ""] + [f"- {note}" for note in self.notes] + [""]
        out += ["## Run", "", "```json", json.dumps(meta, indent=2), "```", ""]
        return "\n".join(out)

    def _junit(self) -> bytes:
        root = ET.Element("testsuites", name="cph-conformance", time=f"{self.elapsed:.3f}")
        for name in sorted(self.checks, key=_check_order):
            stats = self.checks[name]
            suite = ET.SubElement(
                root, "testsuite", name=name, tests=str(len(stats.operations)), failures="0", errors="0"
            )
            failed = 0
            for operation, (passed, failures) in sorted(stats.operations.items()):
                case = ET.SubElement(suite, "testcase", classname=name, name=operation)
                ET.SubElement(case, "system-out").text = f"{passed} passed, {failures} failed"
                if failures:
                    failed += 1
                    for record in self.failures.values():
                        if record.check == name and record.operation == operation:
                            element = ET.SubElement(case, "failure", message=self.redactor.text(record.title))
                            element.text = self.redactor.text(f"{record.message}\n\n{record.curl}")
            suite.set("failures", str(failed))
        if self.tests:
            suite = ET.SubElement(root, "testsuite", name="pytest", tests=str(len(self.tests)))
            for test in self.tests:
                case = ET.SubElement(
                    suite, "testcase", classname="pytest", name=test.nodeid, time=f"{test.duration:.3f}"
                )
                if test.outcome == "failed":
                    ET.SubElement(
                        case, "failure", message=self.redactor.text(_first_line(test.message))
                    ).text = self.redactor.text(test.message)
                elif test.outcome == "error":
                    ET.SubElement(
                        case, "error", message=self.redactor.text(_first_line(test.message))
                    ).text = self.redactor.text(test.message)
                elif test.outcome == "skipped":
                    ET.SubElement(case, "skipped", message=self.redactor.text(_first_line(test.message)))
        xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return xml


def _block(language: str, text: str) -> list[str]:
    """A fenced block of ``text`` — or nothing at all when there is no text (no empty blocks in report.md)."""
    text = text.strip()
    return ["", f"```{language}", text, "```"] if text else []


def _check_order(name: str) -> tuple[int, str]:
    return (1 if name.startswith("cph_") else 0, name)


_HEADLINE = re.compile(r"(Schemathesis found .*|[A-Za-z]*(Error|Failed|Exception)\b: .*|stateful scenario .*)")


def _first_line(text: str) -> str:
    """The most telling line of a failure report (not the traceback's first line)."""
    for line in text.splitlines():
        found = _HEADLINE.search(line)
        if found:
            return found.group(0).strip()[:200]
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
