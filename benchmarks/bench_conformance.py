"""Conformance: test cases per second of the default conformance run against the embedded mock.

Runs ``python -m conformance`` exactly as ``nox -s conformance`` does (in a subprocess, reports in a temporary
folder) and reads the number of cases it sent from its ``results.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import ROOT


def run(*, smoke: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "conformance", "--reports-dir", tmp, "-q", "-p", "no:cacheprovider"]
        if smoke:
            args += ["--max-examples", "3", "--stateful-examples", "0", "--phases", "examples,fuzzing"]
        t0 = time.perf_counter()
        # A failing run still measures speed; its verdict is the conformance tests' business, not this one's.
        subprocess.run(args, cwd=ROOT, check=False, capture_output=True)
        seconds = time.perf_counter() - t0
        results = json.loads((Path(tmp) / "results.json").read_text(encoding="utf-8"))
    return {"cases": float(results["test_cases"]), "seconds": seconds}
