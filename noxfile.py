"""Sessions: ``nox -s tests`` (the test command), ``lint``, ``generate``, ``conformance`` (the main job), ``bench``.

Every session installs what it needs into its own virtualenv, so a machine with only Python and pip can run them.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

SPEC = "openapi/cph.openapi.yaml"
PYTHON = os.environ.get("CPH_NOX_PYTHON")  # default: the interpreter nox runs on


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite against an installed (non-editable) build of the project."""
    session.install(".[test]")
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict, and three OpenAPI linters (openapi-spec-validator, Spectral, Redocly): zero findings."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("openapi-spec-validator", SPEC)
    npm = shutil.which("npm")
    if npm is None:
        session.error("npm is required for Spectral and Redocly (Node.js 20+)")
    session.run(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", external=True)
    session.run(
        "npx", "--no-install", "spectral", "lint", "--ruleset", "openapi/spectral.yaml",
        "--fail-severity=hint", SPEC, external=True,
    )  # fmt: skip
    session.run("npx", "--no-install", "redocly", "lint", "--config", "redocly.yaml", external=True)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate ``generated/`` from the spec (openapi-python-client, pinned)."""
    session.install("openapi-python-client==0.29.1", "ruff==0.17.6")
    session.run("python", "scripts/generate_client.py")
