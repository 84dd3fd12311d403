"""The suite ships in the wheel: built from this checkout, unpacked into an empty folder, ``python -m conformance``
runs from any directory with nothing of the checkout on the path — the packaged spec, catalog, pytest and
schemathesis configuration included — and ``cph conformance`` is the same command."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conformance_testkit import REPO_ROOT, clean_environment

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), "."],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(out.glob("cph_openapi-*.whl"))
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def _environment(site: Path) -> dict[str, str]:
    env = clean_environment()
    env["PYTHONPATH"] = str(site)  # the unpacked wheel, not the checkout (dependencies from this interpreter)
    return env


def test_the_wheel_carries_the_suite(unpacked: Path) -> None:
    for name in (
        "__main__.py",
        "cli.py",
        "pytest.ini",
        "schemathesis.toml",
        "test_conformance.py",
        "test_semantics.py",
    ):
        assert (unpacked / "conformance" / name).is_file(), name
    assert (unpacked / "cph" / "cli" / "_conformance.py").is_file()
    entry_points = next(unpacked.glob("cph_openapi-*.dist-info")) / "entry_points.txt"
    assert "cph = cph.cli:main" in entry_points.read_text()


def test_the_packaged_suite_runs_from_any_directory(unpacked: Path, tmp_path: Path) -> None:
    env = _environment(unpacked)
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "--dry-run", "--max-examples", "1", "--reports-dir", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "DRY RUN: nothing sent" in (tmp_path / "summary.txt").read_text()
    assert str(REPO_ROOT) not in (tmp_path / "dry-run.sh").read_text()
    helped = subprocess.run(
        [sys.executable, "-c", "from cph.cli import main; main()", "conformance", "--help"],
        cwd=tmp_path,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr
    assert "--base-url" in helped.stdout
    where = subprocess.run(
        [sys.executable, "-c", "import conformance; print(conformance.SUITE_DIR)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(unpacked / "conformance")
