"""Shared benchmark plumbing: repeated measurements, subprocess servers, load generation and machine facts.

Why repetition and ratios: this 2-core machine is noisy, so every figure is the median of several runs (with the
min–max beside it) and every comparison is a ratio of two figures measured side by side in the same run.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOCK_AK = "BENCHAKEXAMPLE0000001"
MOCK_SK = "bench-secret-key-not-a-real-secret"
MOCK_PROJECT = "0123456789abcdef0123456789abcdef"
MOCK_TOKEN = "bench-token-0000000000000000000000"


@dataclass(frozen=True)
class Stats:
    """Median and range of repeated measurements of one quantity."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def fmt(self, digits: int = 0) -> str:
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}–{self.high:,.{digits}f})"


def repeat(measure: Callable[[], float], runs: int) -> Stats:
    """Call ``measure`` ``runs`` times (after one discarded warm-up) and summarise."""
    measure()
    return Stats.of([measure() for _ in range(runs)])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    msg = f"nothing listens on 127.0.0.1:{port} after {timeout} s"
    raise TimeoutError(msg)


@contextlib.contextmanager
def background(cmd: Sequence[str], port: int, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends; wait until it listens on ``port``."""
    proc = subprocess.Popen(
        list(cmd),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: npx's child (Prism's node) must stop with it
    )
    try:
        wait_for_port(port)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def mock_env() -> dict[str, str]:
    """Fixed mock credentials so benchmark clients know them (mock-only values, not secrets)."""
    return {
        "CPH_MOCK_AK": MOCK_AK,
        "CPH_MOCK_SK": MOCK_SK,
        "CPH_MOCK_PROJECT_ID": MOCK_PROJECT,
        "CPH_MOCK_TOKEN": MOCK_TOKEN,
        "CPH_MOCK_SEED": "7",
    }


def mock_command(port: int, fleet_size: int, job_duration: float = 0.0) -> list[str]:
    return [
        sys.executable, "-m", "cph.cli", "mock", "--port", str(port), "--fleet-size", str(fleet_size),
        "--job-duration", str(job_duration),
    ]  # fmt: skip


@dataclass(frozen=True)
class LoadResult:
    """What one ``hey`` run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def hey(url: str, *, seconds: float, concurrency: int, method: str, headers: dict[str, str], body: bytes) -> LoadResult:
    """Drive ``url`` with hey (Debian package) and parse its summary."""
    exe = shutil.which("hey")
    if exe is None:
        msg = "hey is not installed: apt-get install hey"
        raise RuntimeError(msg)
    cmd = [exe, "-z", f"{seconds}s", "-c", str(concurrency), "-m", method, "-disable-compression"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if body:
        cmd += ["-d", body.decode()]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    rps = float(_grab(r"Requests/sec:\s+([\d.]+)", out))
    p50 = float(_grab(r"50%+ in ([\d.]+) secs", out)) * 1000
    p99 = float(_grab(r"99%+ in ([\d.]+) secs", out)) * 1000
    codes = dict(re.findall(r"\[(\d{3})\]\s+(\d+) responses", out))
    non_2xx = sum(int(n) for code, n in codes.items() if not code.startswith("2"))
    return LoadResult(rps, p50, p99, non_2xx)


def _grab(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        msg = f"hey output lacks {pattern!r}:\n{text}"
        raise RuntimeError(msg)
    return match.group(1)


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (all threads)."""
    return time.process_time()


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def versions(*dists: str) -> str:
    found = []
    for dist in dists:
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            found.append(f"{dist} (not installed)")
    return ", ".join(found)
