"""Build the single-page HTML API reference (``docs/index.html``) with Redocly, error-code catalog included.

Why a script: the catalog (``openapi/error-catalog.yaml``) is the only place an error code is written down, so the
reference must not carry a hand-typed copy of it. This script renders the catalog as a Markdown table, appends it to
``info.description`` of a *temporary* copy of the spec (Redoc turns its heading into a sidebar entry), and runs
``redocly build-docs`` (pinned in the root ``package.json``) on that copy with the Redoc bundle inlined, so the page
needs no network. ``nox -s docs`` and tests/test_docs.py both call :func:`build`. ``docs/index.html`` is a build
output and is git-ignored.

Usage::

    npm ci                                            # once: the pinned Node tools
    python scripts/build_docs.py [--output docs/index.html]
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "cph.strict.openapi.yaml"  # the provider contract with our decisions, each marked
CATALOG = ROOT / "openapi" / "error-catalog.yaml"
OUTPUT = ROOT / "docs" / "index.html"
TITLE = "CPH RestartCloudPhoneServer API reference"
CATALOG_HEADING = "Error-code catalog"
COLUMNS = ("Code", "HTTP", "Scope", "Message", "Meaning", "Retry", "Operations", "Source")
# Quiet, offline Redocly: no usage telemetry, no "new version" check against the npm registry.
REDOCLY_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


class DocsError(RuntimeError):
    """The reference could not be built; the message says why."""


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _cell(value: object) -> str:
    """``value`` as the text of one Markdown table cell: one line, HTML-escaped, pipes escaped."""
    text = " ".join(str(value).split())
    return html.escape(text, quote=False).replace("|", "\\|")


def _code(value: str) -> str:
    return f"`{value}`" if value else ""


def catalog_markdown(catalog: dict[str, Any]) -> str:
    """The catalog as a Markdown section: a heading, the alias rule and one table row per (code, status) entry."""
    lines = [
        f"## {CATALOG_HEADING}",
        "",
        "Every `error_code` this API sends, generated from `openapi/error-catalog.yaml` (the only place an error code "
        "is defined). *Scope* `request`: a non-2xx error body. *Scope* `job`: one entry of a 200 restart response. "
        "*Retry* `yes`: nothing happened, resending is safe; `no`: resending cannot help; `unknown-outcome`: the "
        "request may have reached CPH, reconcile through the jobs API instead of resending. *Source* `doc`: the "
        "provider's documentation; `doc-analogue`: documented for another CPH API; `ours`: a decision of this "
        "project (the reason follows the meaning).",
        "",
    ]
    aliases = catalog.get("aliases") or []
    if aliases:
        rules = ", ".join(f"`{a['prefix']}NNNN` = `{a['canonical_prefix']}NNNN`" for a in aliases)
        lines += [f"Equivalent prefixes: {rules}.", ""]
    lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for entry in catalog["errors"]:
        meaning = _cell(entry["meaning"])
        if entry.get("why"):
            meaning += f" *Why:* {_cell(entry['why'])}"
        operations = entry["operations"]
        row = (
            _code(_cell(entry["code"])),
            _cell(entry["status"]),
            _cell(entry["scope"]),
            _cell(entry["message"]),
            meaning,
            _cell(entry["retryable"]),
            "all" if "*" in operations else ", ".join(_cell(op) for op in operations),
            _cell(entry["source"]),
        )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def spec_with_catalog(spec: dict[str, Any], catalog: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` whose ``info.description`` ends with the catalog section."""
    result = copy.deepcopy(spec)
    description = str(result["info"].get("description", "")).rstrip()
    result["info"]["description"] = f"{description}\n\n{catalog_markdown(catalog)}"
    return result


def build(output: Path = OUTPUT, spec_path: Path = SPEC, catalog_path: Path = CATALOG) -> Path:
    """Write the reference to ``output`` and return its path. Raises :class:`DocsError` on failure."""
    npx = shutil.which("npx")
    if npx is None:
        msg = "npx is not on PATH: install Node.js 20+ with npm"
        raise DocsError(msg)
    if not (ROOT / "node_modules" / ".bin" / "redocly").exists():
        msg = f"redocly is missing from {ROOT / 'node_modules'}: run `npm ci` in {ROOT}"
        raise DocsError(msg)
    document = spec_with_catalog(_load(spec_path), _load(catalog_path))
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cph-docs-") as tmp:
        source = Path(tmp) / spec_path.name
        with source.open("w", encoding="utf-8") as handle:
            yaml.safe_dump(document, handle, sort_keys=False, allow_unicode=True, width=1_000_000)
        result = subprocess.run(
            [
                npx,
                "--no-install",
                "redocly",
                "build-docs",
                str(source),
                "--output",
                str(output),
                "--title",
                TITLE,
                "--inlineBundle",
                "--openapi.hideReplay",
                "--openapi.layout=stacked",
            ],
            cwd=ROOT,
            env={**os.environ, **REDOCLY_ENV},
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0 or not output.is_file():
        msg = f"redocly build-docs failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        raise DocsError(msg)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML API reference with the error-code catalog.")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="HTML file to write (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        path = build(args.output)
    except DocsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
