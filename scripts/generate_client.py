"""Regenerate the Python client in ``generated/`` from the OpenAPI document.

Why a script rather than one shell line: the golden-record test (tests/test_generated_client.py) must generate
exactly the way ``nox -s generate`` does, into a temporary folder, and compare the whole tree. Both call
:func:`generate`. The generator runs in a clean temporary folder so that neither this repository's ruff
configuration nor stale files can change its output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "cph.openapi.yaml"
CONFIG = ROOT / "openapi" / "generator-config.yaml"
PACKAGE = "cph_api"
GENERATED = ROOT / "generated" / PACKAGE
IGNORED = shutil.ignore_patterns(".ruff_cache", "__pycache__")


def generate(dest: Path) -> None:
    """Run openapi-python-client on the spec and put the package at ``dest`` (replacing it)."""
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / PACKAGE
        subprocess.run(
            [
                str(Path(bindir) / "openapi-python-client"),
                "generate",
                "--path",
                str(SPEC),
                "--config",
                str(CONFIG),
                "--meta",
                "none",
                "--output-path",
                str(out),
                "--fail-on-warning",
            ],
            check=True,
            env=env,
            cwd=tmp,
            capture_output=True,
        )
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(out, dest, ignore=IGNORED)


if __name__ == "__main__":
    generate(GENERATED)
    print(f"generated {GENERATED.relative_to(ROOT)}")
