"""Every benchmark runs at a tiny size and writes a complete BENCHMARKS.md (correctness only, no speed assertion)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
@pytest.mark.slow
def test_every_benchmark_runs_and_the_report_has_every_section(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = out.read_text(encoding="utf-8")
    for heading in (
        "## 1. Client calls",
        "## 2. Fleet restart",
        "## 2b. Throttled fleet restart",
        "## 3. Mock server under load",
        "## 4. Signing",
        "## 5. Conformance suite",
        "## 6. Where the client's time goes",
    ):
        assert heading in report
    assert "| ours |" in report
    assert "| prism |" in report
    assert "cases/s" in report
    assert "| ours: signing |" in report
    assert "| SDK (huaweicloudsdk*) |" in report
    assert "cph-openapi (not installed)" not in report
