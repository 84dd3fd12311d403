"""Sessions: ``tests`` (the test command), ``conformance`` (the main job), ``lint``, ``generate``, ``docs``, ``bench``.

Every session installs what it needs into its own virtualenv, so a machine with only Python and pip can run them.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

SPEC = "openapi/cph.openapi.yaml"  # the provider contract
STRICT_SPEC = "openapi/cph.strict.openapi.yaml"  # the same with openapi/decisions.overlay.yaml applied
DOCUMENTS = (SPEC, STRICT_SPEC)
PYTHON = os.environ.get("CPH_NOX_PYTHON")  # default: the interpreter nox runs on


def npm_ci(session: nox.Session, why: str) -> None:
    """Install the Node tools pinned by package-lock.json (Spectral, Redocly, Prism, openapi-typescript, tsc)."""
    npm = shutil.which("npm")
    if npm is None:
        session.error(f"npm is required: {why}")
    session.run(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", external=True)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite against an installed (non-editable) build of the project."""
    session.install(".[test]")
    npm_ci(session, "the TypeScript-client and docs tests use the pinned Node tools")
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict, and four OpenAPI checkers (openapi-spec-validator, openapi-generator validate, Spectral,
    Redocly) on both documents, the provider contract and the strict one: zero findings."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("openapi-spec-validator", *DOCUMENTS)
    if shutil.which("java") is None:
        session.error("java is required for openapi-generator validate (JDK/JRE 11+)")
    for document in DOCUMENTS:
        session.run("openapi-generator-cli", "validate", "-i", document)  # the pinned PyPI package bundles the jar
    npm_ci(session, "Spectral and Redocly run on Node.js 20+")
    session.run(
        "npx", "--no-install", "spectral", "lint", "--ruleset", "openapi/spectral.yaml",
        "--fail-severity=hint", *DOCUMENTS, external=True,
    )  # fmt: skip
    session.run("npx", "--no-install", "redocly", "lint", "--config", "redocly.yaml", external=True)  # both apis


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the single-page HTML API reference, error-code catalog included, into ``docs/index.html`` (Redocly)."""
    session.install("pyyaml>=6.0")
    npm_ci(session, "Redocly runs on Node.js 20+")
    session.run("python", "scripts/build_docs.py", *session.posargs)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate the strict document (the overlay applied by openapi-format, pinned in package.json) and
    ``generated/`` (openapi-python-client, pinned)."""
    session.install("openapi-python-client==0.29.1", "ruff==0.17.6")
    npm_ci(session, "openapi-format applies the decisions overlay")
    session.run("python", "scripts/generate_client.py")


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """The main job: run the conformance suite (``conformance/``) against the embedded mock, or any endpoint.

    ``nox -s conformance`` starts the mock on 127.0.0.1 and certifies it (about a minute). Options after ``--`` go
    to ``python -m conformance``: ``--deep`` (long soak), ``--seed N``, ``--dry-run``, and for a real endpoint
    ``--base-url URL --project-id ID --server-id ID...`` with credentials in ``CPH_CONFORMANCE_*`` or the SDK's
    ``HUAWEICLOUD_SDK_*`` variables. Reports (summary, Markdown, JUnit XML, JSON) go to ``reports/conformance/``.
    """
    session.install(".[conformance]")
    session.run("python", "-m", "conformance", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks against the peers (official SDK, raw httpx, Prism); rewrites BENCHMARKS.md. Needs hey (Debian)."""
    session.install(".[test]")
    if shutil.which("hey") is None:
        session.error("bench needs hey (apt-get install hey)")
    npm_ci(session, "Prism is the benchmark's peer")
    session.run("python", "-m", "benchmarks", *session.posargs)
