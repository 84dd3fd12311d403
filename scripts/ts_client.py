"""Build the TypeScript example client (``clients/typescript``) from the OpenAPI document.

Two steps, both with the Node tools pinned in the root ``package.json`` (``npm ci`` installs them):

1. openapi-typescript writes ``src/schema.d.ts`` from the provider contract (``openapi/cph.openapi.yaml`` unless
   ``--spec``): a client must work with what Huawei documents, where every response field is optional, so
   ``restart.ts`` checks each one (it also compiles against ``openapi/cph.strict.openapi.yaml``);
2. ``tsc --strict`` compiles ``src/`` into ``build/``: ``restart.js`` (the example program, AK/SK-signed or with a
   token), ``sign-vectors.js`` (runs the signing conformance kit through ``signing.ts``), ``signing.js``, ``auth.js``.

Why generate at build time rather than commit ``schema.d.ts``: a spec change must flow straight into the compiler, so
that a change that breaks the TypeScript program fails its test (tests/test_typescript_client.py) instead of passing
against stale types. ``schema.d.ts`` and ``build/`` are therefore git-ignored.

``--workdir DIR`` builds a copy of the project in ``DIR`` (its ``node_modules`` is a symlink to the repository's),
leaving the checkout untouched; the test does this in a temporary folder. Without it the build happens in place.

Usage::

    npm ci                                     # once: the pinned Node tools
    python scripts/ts_client.py [--spec PATH] [--workdir DIR]
    export CPH_ENDPOINT=http://127.0.0.1:8080 HUAWEICLOUD_SDK_PROJECT_ID=...   # e.g. from `cph mock --port 8080`
    export HUAWEICLOUD_SDK_AK=... HUAWEICLOUD_SDK_SK=...                        # or CPH_AUTH_TOKEN=...
    node clients/typescript/build/restart.js --list           # read-only: normal servers' IDs
    node clients/typescript/build/restart.js SERVER_ID ...    # restarts only the IDs given
    node clients/typescript/build/sign-vectors.js tests/data/signing-vectors.json
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "cph.openapi.yaml"
PROJECT = ROOT / "clients" / "typescript"
NODE_MODULES = ROOT / "node_modules"
PROJECT_FILES = ("package.json", "tsconfig.json", "redocly.yaml")
SCHEMA = Path("src") / "schema.d.ts"
ENTRY = Path("build") / "restart.js"
TOOLS = ("openapi-typescript", "tsc")


class BuildError(RuntimeError):
    """A build step failed; the message carries the tool's output."""


def check_node() -> list[str]:
    """Return the problems that keep the Node toolchain from running (empty when it is ready)."""
    problems = [
        f"`{tool}` is not on PATH (install Node.js 20+ with npm)" for tool in ("node", "npx") if not shutil.which(tool)
    ]
    missing = [tool for tool in TOOLS if not (NODE_MODULES / ".bin" / tool).exists()]
    if missing:
        problems.append(f"{', '.join(missing)} missing from {NODE_MODULES}: run `npm ci` in {ROOT}")
    return problems


def _run(step: str, args: list[str], cwd: Path) -> None:
    npx = shutil.which("npx")
    if npx is None:  # check_node() reports it; keep the type checker and a direct caller honest
        msg = "npx is not on PATH (install Node.js 20+ with npm)"
        raise BuildError(msg)
    result = subprocess.run([npx, "--no-install", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        msg = f"{step} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        raise BuildError(msg)


def prepare(workdir: Path) -> None:
    """Copy the project's sources into ``workdir`` and link the repository's ``node_modules`` there."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(PROJECT / name, workdir / name)
    src = workdir / "src"
    src.mkdir(exist_ok=True)
    for source in (PROJECT / "src").glob("*.ts"):
        if not source.name.endswith(".d.ts"):
            shutil.copy2(source, src / source.name)
    link = workdir / "node_modules"
    if not link.exists():
        link.symlink_to(NODE_MODULES, target_is_directory=True)


def build(workdir: Path = PROJECT, spec: Path = SPEC) -> Path:
    """Generate ``schema.d.ts`` from ``spec``, compile with ``tsc --strict`` and return the program's ``.js`` path.

    Raises :class:`BuildError` when Node is missing, the generator fails or the program does not compile.
    """
    problems = check_node()
    if problems:
        raise BuildError("; ".join(problems))
    workdir = workdir.resolve()
    if workdir != PROJECT.resolve():
        prepare(workdir)
    # Never compile against types from an earlier spec.
    (workdir / SCHEMA).unlink(missing_ok=True)
    shutil.rmtree(workdir / "build", ignore_errors=True)
    _run(
        "openapi-typescript",
        [
            "openapi-typescript",
            str(spec.resolve()),
            "--redocly",
            str(workdir / "redocly.yaml"),
            "--output",
            str(workdir / SCHEMA),
        ],
        cwd=ROOT,
    )
    _run("tsc", ["tsc", "--project", str(workdir / "tsconfig.json"), "--strict", "--pretty", "false"], cwd=ROOT)
    entry = workdir / ENTRY
    if not entry.is_file():
        msg = f"tsc reported success but {entry} is missing"
        raise BuildError(msg)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=SPEC, help="OpenAPI document (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=PROJECT, help="build here (default: in place, %(default)s)")
    args = parser.parse_args(argv)
    try:
        entry = build(args.workdir, args.spec)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(entry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
