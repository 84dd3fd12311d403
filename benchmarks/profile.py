"""Where a client's time goes: cProfile of repeated restarts against the mock, summed by layer.

``python -m benchmarks.profile`` prints, for ours and the SDK, 1-ID and 100-ID restarts: the share of profiled time
spent in each layer (our runtime, the generated client, httpx, the HTTP parser, the SDK, waiting in socket calls, …)
and the functions that cost most. ``nox -s bench`` puts the layer table into BENCHMARKS.md, so every figure there
comes with the profile that explains it; ``benchmarks/PROFILES.md`` records what was changed because of them.

Why by layer: a flat cProfile listing of an HTTP client is hundreds of small functions; the question a profile must
answer here is which *component* to replace or fix. cProfile inflates Python-heavy code relative to C and system
calls, so the shares are for comparing layers and runs, not absolute CPU (BENCHMARKS.md has that).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks import bench_client
from benchmarks.bench_mock import server_ids

_LAYERS: tuple[tuple[str, str], ...] = (  # by module path, so a checkout and an installed package read the same
    ("/cph_api/", "generated client (cph_api)"),
    ("<attrs generated methods cph_api.", "generated client (cph_api)"),
    ("/cph/_auth", "ours: signing"),
    ("/cph/_signing", "ours: signing"),
    ("/cph/", "ours: façade, results"),
    ("huaweicloudsdk", "SDK (huaweicloudsdk*)"),
    ("/requests/", "requests"),
    ("/urllib3/", "urllib3"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/h11/", "h11"),
    ("/attr/", "attrs"),
    ("/http/", "http.client / http.cookiejar"),
    ("/email/", "email (header parsing)"),
    ("/urllib/", "urllib"),
)
_WAIT = ("recv", "send", "select", "poll", "accept", "connect")


def layer_of(filename: str, function: str) -> str:
    """The layer a profiled function belongs to."""
    if filename == "~":  # a built-in: socket calls are waiting for the server, the rest is interpreter work
        return "socket calls (mostly waiting)" if any(w in function for w in _WAIT) else "built-ins"
    for marker, layer in _LAYERS:
        if marker in filename:
            return layer
    if "site-packages" in filename:
        return "other packages"
    return "other standard library" if "/lib/python" in filename or filename.startswith("<frozen") else "other"


@dataclass(frozen=True)
class Profile:
    """One profiled scenario: µs of profiled time per call by layer, and the costliest functions."""

    name: str
    calls: int
    layers: list[tuple[str, float, float]]  # (layer, µs per call, share of the total)
    top: list[tuple[str, float]]  # (function, own µs per call)


@contextlib.contextmanager
def _every_thread_profiled() -> Iterator[list[cProfile.Profile]]:
    """One profiler per thread started meanwhile: the blocking client sends each batch from a worker thread (so that
    Ctrl-C never lands mid-request), which a profiler of the calling thread alone would not see."""
    profilers: list[cProfile.Profile] = []
    original = threading.Thread.run

    def run(self: threading.Thread) -> None:
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.runcall(original, self)

    threading.Thread.run = run  # type: ignore[method-assign]
    try:
        yield profilers
    finally:
        threading.Thread.run = original  # type: ignore[method-assign]


def profile(name: str, call: Callable[[], Any], calls: int) -> Profile:
    for _ in range(min(calls, 20)):
        call()  # warm-up: connection, caches
    profiler = cProfile.Profile()
    with _every_thread_profiled() as workers:
        profiler.enable()
        for _ in range(calls):
            call()
        profiler.disable()
    merged = pstats.Stats(profiler)
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = merged.stats  # type: ignore[attr-defined]
    if workers:  # the calling thread only waited for its workers: that wait is the request's time, not client work
        for key in [k for k in stats if k[2] == "<method 'acquire' of '_thread.lock' objects>"]:
            del stats[key]
    for worker in workers:
        merged.add(worker)
    by_layer: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for (filename, line, function), (_, _, tottime, *_rest) in stats.items():
        by_layer[layer_of(filename, function)] += tottime
        short = filename.rsplit("site-packages/", 1)[-1].rsplit("/work/main/", 1)[-1]
        own[f"{short}:{line}({function})"] += tottime
    total = sum(by_layer.values()) or 1.0
    layers = [(layer, t / calls * 1e6, t / total) for layer, t in by_layer.most_common()]
    top = [(fn, t / calls * 1e6) for fn, t in own.most_common(12)]
    return Profile(name, calls, layers, top)


def run(*, smoke: bool) -> list[Profile]:
    """Ours and the SDK, 1-ID and 100-ID restarts, against one mock process."""
    n = 20 if smoke else 400
    out = []
    with bench_client.mock(fleet=200) as url:
        fleet = server_ids(url, 100)
        for size in (1, 100):
            ids = fleet[:size]
            calls = max(n // (10 if size == 100 else 1), 5)
            label = "1 ID" if size == 1 else f"{size} IDs"
            out.append(profile(f"ours, {label}", bench_client.ours(url, ids), calls))
            out.append(profile(f"SDK, {label}", bench_client.sdk(url, ids), calls))
    return out


def markdown(profiles: list[Profile], *, functions: bool = False) -> list[str]:
    lines = []
    for p in profiles:
        lines += [f"**{p.name}** ({p.calls} calls; profiled µs per call by layer)", ""]
        lines += ["| layer | µs/call | share |", "|---|---|---|"]
        # Our own layers always show (a small share is the point of the table); others from half a percent up.
        shown = [row for row in p.layers if row[0].startswith("ours") or row[2] >= 0.005]
        lines += [f"| {layer} | {us:,.0f} | {share:.1%} |" for layer, us, share in shown]
        if functions:
            lines += ["", "| costliest functions (own time) | µs/call |", "|---|---|"]
            lines += [f"| `{fn}` | {us:,.1f} |" for fn, us in p.top]
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="few calls: checks that profiling works")
    args = parser.parse_args()
    print("\n".join(markdown(run(smoke=args.smoke), functions=True)))


if __name__ == "__main__":
    main()
