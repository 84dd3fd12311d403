"""Clients in other languages, generated from our documents by openapi-generator, compile.

Why: the documents are meant for any generator, not only openapi-python-client. Integer enums without names used to
break them: Go declared ``_1`` twice (``JobStatus`` and ``ServerStatus``), Java and C# got ``NUMBER_1``. The
documents name the constants (``x-enum-varnames``); these tests keep it that way.

One openapi-generator run (``batch``: one JVM, the pinned ``openapi-generator-cli`` of the test extra) makes:

* Go from the provider contract and from the strict document, compiled with ``go build`` (Debian's ``golang-go``;
  the generated module uses only the standard library, so nothing is fetched: ``GOPROXY=off``);
* Go from the strict document with the enum names removed — it must NOT compile (the control: the names are what
  makes Go compile);
* typescript-fetch from the provider contract, compiled with the pinned ``tsc --strict``;
* Java (native library) from the strict document. Java is only generated and its enum constants checked: compiling
  it needs jackson-datatype-jsr310 (every Java HTTP library of the generator uses it), which Debian does not package
  and Maven Central is not reachable from here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = ROOT / "openapi" / "cph.openapi.yaml"
STRICT = ROOT / "openapi" / "cph.strict.openapi.yaml"
TSC = ROOT / "node_modules" / ".bin" / "tsc"
NO_DOCS_OR_TESTS = {"apiTests": "false", "modelTests": "false", "apiDocs": "false", "modelDocs": "false"}

pytestmark = pytest.mark.slow


def generator() -> str:
    """The pinned openapi-generator-cli next to this interpreter (the PyPI package bundles the jar)."""
    found = Path(sys.executable).parent / "openapi-generator-cli"
    if not found.exists() or shutil.which("java") is None:
        pytest.fail("openapi-generator-cli (test extra) and a Java 11+ runtime are required")
    return str(found)


def without_enum_names(spec: Path, dest: Path) -> Path:
    """A copy of ``spec`` whose integer enums carry no ``x-enum-varnames`` (the documents before they had them)."""
    document: dict[str, Any] = yaml.safe_load(spec.read_text(encoding="utf-8"))
    for schema in document["components"]["schemas"].values():
        schema.pop("x-enum-varnames", None)
        schema.pop("x-enum-descriptions", None)
    dest.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every client of this module, generated in one batch run."""
    work = tmp_path_factory.mktemp("cross-language")
    unnamed = without_enum_names(STRICT, work / "unnamed.openapi.yaml")
    jobs: dict[str, dict[str, Any]] = {
        "go-provider": {"generatorName": "go", "inputSpec": str(PROVIDER)},
        "go-strict": {"generatorName": "go", "inputSpec": str(STRICT)},
        "go-unnamed": {"generatorName": "go", "inputSpec": str(unnamed)},
        "typescript-fetch": {"generatorName": "typescript-fetch", "inputSpec": str(PROVIDER)},
        "java": {
            "generatorName": "java",
            "inputSpec": str(STRICT),
            "library": "native",
            "additionalProperties": {"openApiNullable": False, "hideGenerationTimestamp": True},
        },
    }
    configs = []
    for name, job in jobs.items():
        job.setdefault("additionalProperties", {})
        if job["generatorName"] == "go":
            job["additionalProperties"]["packageName"] = "cph"
        job["outputDir"] = str(work / name)
        job["globalProperties"] = NO_DOCS_OR_TESTS
        config = work / f"{name}.yaml"
        config.write_text(yaml.safe_dump(job), encoding="utf-8")
        configs.append(str(config))
    run = subprocess.run(
        [generator(), "batch", "--fail-fast", *configs], cwd=work, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {name: work / name for name in jobs}


def go_build(module: Path) -> subprocess.CompletedProcess[str]:
    go = shutil.which("go")
    if go is None:
        pytest.fail("Go is required (Debian: apt-get install golang-go; .ci/run installs it)")
    env = {
        **os.environ,
        "GOPROXY": "off",  # the generated module needs only the standard library: fetch nothing
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOCACHE": str(module / ".gocache"),
        "GOPATH": str(module / ".gopath"),
    }
    return subprocess.run([go, "build", "./..."], cwd=module, env=env, capture_output=True, text=True, check=False)


def test_go_client_of_the_provider_contract_compiles(clients: dict[str, Path]) -> None:
    build = go_build(clients["go-provider"])
    assert build.returncode == 0, build.stderr


def test_go_client_of_the_strict_document_compiles_with_named_constants(clients: dict[str, Path]) -> None:
    build = go_build(clients["go-strict"])
    assert build.returncode == 0, build.stderr
    job_status = (clients["go-strict"] / "model_job_status.go").read_text(encoding="utf-8")
    server_status = (clients["go-strict"] / "model_server_status.go").read_text(encoding="utf-8")
    assert "RUNNING JobStatus = 1" in job_status
    assert "FAILED JobStatus = -1" in job_status
    assert "NORMAL ServerStatus = 5" in server_status


def test_go_client_without_enum_names_does_not_compile(clients: dict[str, Path]) -> None:
    """The control: without x-enum-varnames both enums declare ``_1`` and Go refuses the package."""
    build = go_build(clients["go-unnamed"])
    assert build.returncode != 0
    assert "redeclared" in build.stderr


def test_typescript_fetch_client_compiles_with_tsc_strict(clients: dict[str, Path]) -> None:
    if not TSC.exists():
        pytest.fail(f"{TSC} is missing: run `npm ci`")
    source = clients["typescript-fetch"]
    build = subprocess.run(
        [
            str(TSC),
            "--strict",
            "--noEmit",
            "--target",
            "es2020",
            "--module",
            "es2020",
            "--moduleResolution",
            "node",
            "--lib",
            "es2020,dom",
            "index.ts",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    job_status = (source / "models" / "JobStatus.ts").read_text(encoding="utf-8")
    assert "RUNNING: 1" in job_status
    assert "FAILED: -1" in job_status


def test_java_client_names_its_integer_enum_constants(clients: dict[str, Path]) -> None:
    models = clients["java"] / "src" / "main" / "java" / "org" / "openapitools" / "client" / "model"
    job_status = (models / "JobStatus.java").read_text(encoding="utf-8")
    server_status = (models / "ServerStatus.java").read_text(encoding="utf-8")
    assert "RUNNING(1)" in job_status
    assert "SHUTTING_DOWN(11)" in server_status
    assert "NUMBER_" not in job_status + server_status
