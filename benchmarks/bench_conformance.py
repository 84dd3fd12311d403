"""Conformance: the default run against the embedded mock, side by side with plain ``st run`` on the same spec.

Ours: ``python -m conformance --auth token`` exactly as ``nox -s conformance`` runs it (a subprocess, reports in a
temporary folder; the mock it starts itself), every CPH check on. The peer: schemathesis' own CLI, ``st run`` on the
same strict document against the same mock (started here, same seed and fleet) with the same IAM token, the same
number of examples per operation and its default checks and phases. Both figures are test cases per second and the
time to verdict (wall time from the command's start to its exit, start-up and the job poll included).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._harness import ROOT
from cph.mock import MockConfig, MockServer

STRICT_SPEC = ROOT / "openapi" / "cph.strict.openapi.yaml"
_CASES = re.compile(r"Test cases:\s*\n?\s*([0-9,]+) generated", re.MULTILINE)


def _ours(max_examples: int | None, smoke: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "conformance", "--auth", "token", "--reports-dir", tmp, "--seed", "1"]
        if max_examples is not None:
            args += ["--max-examples", str(max_examples)]
        if smoke:
            args += ["--stateful-examples", "0", "--phases", "examples,fuzzing"]
        started = time.perf_counter()
        # A failing run still measures speed; its verdict is the conformance tests' business, not this one's.
        subprocess.run(args, cwd=ROOT, check=False, capture_output=True)
        seconds = time.perf_counter() - started
        results = json.loads((Path(tmp) / "results.json").read_text(encoding="utf-8"))
    return {"cases": float(results["test_cases"]), "seconds": seconds, "verdict": seconds}


def _st(max_examples: int, smoke: bool) -> dict[str, float]:
    st = Path(sys.executable).with_name("st")
    config = MockConfig.generate(seed=1, job_duration=0.2, fleet_size=20, validate_responses=False)
    with MockServer(config) as mock, tempfile.TemporaryDirectory() as tmp:
        args = [
            str(st), "--no-color", "run", str(STRICT_SPEC), "--url", mock.url, "-H", f"X-Auth-Token: {config.token}",
            "--max-examples", str(max_examples), "--seed", "1", "--report-dir", tmp,
        ]  # fmt: skip
        if smoke:
            args += ["--phases", "examples,fuzzing"]
        started = time.perf_counter()
        completed = subprocess.run(args, cwd=tmp, check=False, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    found = _CASES.search(completed.stdout)
    if found is None:
        msg = f"st run printed no test-case count:\n{completed.stdout[-2000:]}{completed.stderr[-2000:]}"
        raise RuntimeError(msg)
    return {"cases": float(found.group(1).replace(",", "")), "seconds": seconds, "verdict": seconds}


def run(*, smoke: bool) -> dict[str, dict[str, float]]:
    """``{"ours": ..., "st": ...}``: cases, seconds (= time to verdict)."""
    examples = 3 if smoke else 100  # 100: the suite's default for the embedded mock
    return {"ours": _ours(3 if smoke else None, smoke), "st": _st(examples, smoke)}
