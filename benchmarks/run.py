"""Run every benchmark and write BENCHMARKS.md from scratch (``nox -s bench``; ``--smoke`` for a tiny correctness run).

Targets come from the benchmark issue; each table says whether it is met and by how much it is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from pathlib import Path

import cph
from benchmarks import bench_client, bench_conformance, bench_fleet, bench_mock, bench_signing, profile
from benchmarks._harness import ROOT, LoadResult, Stats, machine, versions


def verdict(ok: bool, text: str) -> str:
    return f"**met** ({text})" if ok else f"**missed** ({text}; why, and what was tried: benchmarks/PROFILES.md)"


def load_stats(results: list[LoadResult], field: str) -> Stats:
    return Stats.of([getattr(r, field) for r in results])


def client_section(data: dict[str, dict[str, Stats]]) -> list[str]:
    lines = ["## 1. Client calls (AK/SK signing on, same mock process)", ""]
    for size in ("1 ID", "100 IDs"):
        row = data[size]
        lines += [
            f"### Restart with {size}",
            "",
            "| client | calls/s median (min–max) | CPU µs/call median (min–max) |",
        ]
        lines += ["|---|---|---|"]
        for peer in ("ours", "sdk", "raw httpx"):
            lines.append(f"| {peer} | {row[f'{peer} calls/s'].fmt()} | {row[f'{peer} CPU µs/call'].fmt()} |")
        ours, sdk, raw = (row[f"{p} calls/s"].median for p in ("ours", "sdk", "raw httpx"))
        ours_cpu, sdk_cpu = row["ours CPU µs/call"].median, row["sdk CPU µs/call"].median
        lines += [
            "",
            f"- ours / SDK calls/s = {ours / sdk:.2f}× — target ≥ 1.8×: {verdict(ours / sdk >= 1.8, f'{ours / sdk:.2f}×')}",
            f"- ours / raw httpx = {ours / raw:.2f} (reported only: the 0.85 target is retired, see PROFILES.md, Retired)",
            f"- CPU per call ours / SDK = {ours_cpu / sdk_cpu:.2f} (reported only: the ⅓ target is retired)",
            "",
        ]
    lines += ["### Async client, 1 ID per call, several calls in flight", "", "| concurrency | calls/s |", "|---|---|"]
    lines += [f"| {k.split()[1]} | {v.fmt()} |" for k, v in data["async, 1 ID"].items()]
    return [*lines, ""]


def fleet_section(data: dict[int, dict[str, Stats]]) -> list[str]:
    lines = ["## 2. Fleet restart and wait until every job is terminal", ""]
    lines += ["| IDs | ours s | SDK plain way s | floor s | SDK / ours | ours / floor |", "|---|---|---|---|---|---|"]
    for size, row in data.items():
        ours, floor = row["ours s"].median, row["floor s"].median
        sdk = row.get("sdk s")
        sdk_text = sdk.fmt(2) if sdk else "not run (≈ linear: 10× the 10,000 figure)"
        ratio = f"{sdk.median / ours:.1f}×" if sdk else "–"
        lines.append(f"| {size:,} | {row['ours s'].fmt(2)} | {sdk_text} | {row['floor s'].fmt(2)} | {ratio} | "
                     f"{ours / floor:.2f} |")  # fmt: skip
    if 10_000 in data and "sdk s" in data[10_000]:
        row = data[10_000]
        speedup = row["sdk s"].median / row["ours s"].median
        to_floor = row["ours s"].median / row["floor s"].median
        lines += [
            "",
            f"- at 10,000 IDs ours is {speedup:.1f}× the SDK — target ≥ 20×: {verdict(speedup >= 20, f'{speedup:.1f}×')}",
            f"- at 10,000 IDs ours / floor = {to_floor:.2f} — target ≤ 2: {verdict(to_floor <= 2, f'{to_floor:.2f}')}",
        ]
    sizes = sorted(data)
    if len(sizes) >= 2:
        per_id = [data[s]["ours s"].median / s * 1e6 for s in sizes]
        lines.append("- cost per ID (µs): " + ", ".join(f"{s:,}: {p:.0f}" for s, p in zip(sizes, per_id, strict=True)))
    return [*lines, ""]


def throttled_section(runs: list[bench_fleet.ThrottledRun]) -> list[str]:
    lines = [
        f"## 2b. Throttled fleet restart + wait (gateway limit per user, restart jobs of {runs[0].job_seconds:g} s)"
        if runs
        else "## 2b. Throttled fleet restart + wait",
        "",
        "Each run against a fresh `cph mock --rate-limit R` process. Minimum (the issue's definition): one restart per",
        "100 servers at the limit, the job time, then one poll round at the limit — ListJobs pages hold 100 jobs, so a",
        "round over N jobs is ⌈N/100⌉ calls. Floor: what no client can beat — every one of those calls at the limit,",
        "and the last restart's jobs ended (polls of earlier requests may overlap the job time). Calls and 429s counted",
        "per HTTP exchange on the client side (a counting httpx transport for ours; for the SDK, urllib3's request",
        "method, so the 429s urllib3 retries inside one SDK call count too). The SDK is used the plain way: batches",
        "one after another (it never retries a POST), then ListJobs per request ID every 2 s.",
        "",
        "| servers | limit | client | wall s | min s | wall / min | floor s | calls | min calls | calls / min | 429s "
        "| terminal | calls by operation |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for run in runs:
        wall, calls = run.wall / run.min_wall, run.calls / run.min_calls
        terminal = run.terminal / run.servers
        lines.append(
            f"| {run.servers:,} | {run.rate:g}/s | {run.peer} | {run.wall:.1f} | {run.min_wall:.1f} | {wall:.2f}× | "
            f"{run.floor_wall:.1f} | "
            f"{run.calls:,} | {run.min_calls:,} | {calls:.2f}× | {run.throttled_share:.1%} | {terminal:.1%} | "
            f"{run.breakdown()} |"
        )
        if run.peer == "ours":
            share = run.throttled_share
            checks = [
                (f"wall {wall:.2f}× the minimum", "≤ 1.15×", wall <= 1.15),
                (f"calls {calls:.2f}× the minimum", "≤ 1.1×", calls <= 1.1),
                (f"429s {share:.1%} of calls", "≤ 5 %", share <= 0.05),
                (f"terminal outcomes {terminal:.1%}", "100 %", run.terminal == run.servers),
            ]
            verdicts = "; ".join(
                f"{what} — target {target}: **{'met' if ok else 'missed'}**" for what, target, ok in checks
            )
            notes.append(f"- ours, {run.servers:,} servers at {run.rate:g}/s ({run.breakdown()}): {verdicts}")
    return [*lines, "", *notes, ""]


def mock_section(data: dict[str, dict[str, list[LoadResult]]]) -> list[str]:
    lines = ["## 3. Mock server under load (hey, same concurrency, separate processes)", ""]
    lines += ["Ours on uvicorn's stock httptools protocol with signature check, validation and state on.", ""]
    lines += ["| body | server | req/s | p50 ms | p99 ms | non-2xx |", "|---|---|---|---|---|---|"]
    notes = []
    for body, row in data.items():
        for peer in ("ours", "prism"):
            rs = row[peer]
            lines.append(
                f"| {body} | {peer} | {load_stats(rs, 'rps').fmt()} | {load_stats(rs, 'p50_ms').fmt(1)} | "
                f"{load_stats(rs, 'p99_ms').fmt(1)} | {sum(r.non_2xx for r in rs)} |"
            )
        rps = load_stats(row["ours"], "rps").median / load_stats(row["prism"], "rps").median
        p99 = load_stats(row["ours"], "p99_ms").median / load_stats(row["prism"], "p99_ms").median
        notes.append(f"- {body}: req/s ours / Prism = {rps:.1f}× — target ≥ 3×: {verdict(rps >= 3, f'{rps:.1f}×')}; "
                     f"p99 ours / Prism = {p99:.2f} — target ≤ ⅓: {verdict(p99 <= 1 / 3, f'{p99:.2f}')}")  # fmt: skip
    return [*lines, "", *notes, ""]


def signing_section(data: dict[str, Stats]) -> list[str]:
    ratio = data["sdk"].median / data["ours"].median
    return [
        "## 4. Signing one batch-restart request",
        "",
        "| signer | µs per signature |",
        "|---|---|",
        f"| ours (`AkSkAuth.sign` on an httpx.Request) | {data['ours'].fmt(1)} |",
        f"| official SDK (`Signer.sign` on an SdkRequest) | {data['sdk'].fmt(1)} |",
        "",
        f"- SDK time / ours = {ratio:.2f} (above 1: ours is faster)",
        "",
    ]


def conformance_section(data: dict[str, dict[str, float]]) -> list[str]:
    ours, st = data["ours"], data["st"]
    ours_rate, st_rate = ours["cases"] / ours["seconds"], st["cases"] / st["seconds"]
    return [
        "## 5. Conformance suite, default run against the embedded mock",
        "",
        "Ours: `python -m conformance --auth token` (strict profile, every CPH check and the job poll). Peer: plain",
        "`st run` on the same strict document, same mock, same token and examples per operation, its default checks.",
        "",
        "| run | test cases | time to verdict | cases/s |",
        "|---|---:|---:|---:|",
        f"| ours | {ours['cases']:,.0f} | {ours['seconds']:.1f} s | **{ours_rate:.0f}** |",
        f"| `st run` | {st['cases']:,.0f} | {st['seconds']:.1f} s | {st_rate:.0f} |",
        "",
        f"- ours / `st run` per case = {ours_rate / st_rate:.2f} (at least 1: ours is at least as fast per case)",
        "",
    ]


def profile_section(profiles: list[profile.Profile]) -> list[str]:
    return [
        "## 6. Where the client's time goes (cProfile, by layer)",
        "",
        "Measured in this run by `python -m benchmarks.profile` (which also lists the costliest functions). cProfile",
        "inflates Python code relative to C and system calls: compare layers and peers, not absolute CPU. What was",
        "changed because of these profiles, with before and after figures, is in `benchmarks/PROFILES.md`.",
        "",
        *profile.markdown(profiles),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that every benchmark works")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    sections = [
        *client_section(bench_client.run(smoke=args.smoke)),
        *fleet_section(bench_fleet.run(smoke=args.smoke)),
        *throttled_section(bench_fleet.run_throttled(smoke=args.smoke)),
        *mock_section(bench_mock.run(smoke=args.smoke)),
        *signing_section(bench_signing.run(smoke=args.smoke)),
        *conformance_section(bench_conformance.run(smoke=args.smoke)),
        *profile_section(profile.run(smoke=args.smoke)),
    ]
    header = [
        "# Benchmarks",
        "",
        "Written by `nox -s bench` (do not edit by hand). Figures are medians of repeated runs with (min–max); every",
        "comparison is a ratio of figures measured side by side in the same run, since absolute numbers on a shared",
        "2-core machine mean little.",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{' (smoke run: sizes too small to mean anything)' if args.smoke else ''}",
        f"- machine: {machine()}",
        f"- versions: cph-openapi {cph.__version__}, "
        f"{versions('httpx', 'httptools', 'uvicorn', 'huaweicloudsdkcph', 'huaweicloudsdkcore', 'schemathesis')}, "
        "Prism 5.16.0 (npm), hey (Debian)",
        f"- command: `{shlex.join(['python', '-m', 'benchmarks', *sys.argv[1:]])}`",
        "",
    ]
    footer = [f"Total benchmark time: {time.perf_counter() - started:.0f} s.", ""]
    args.out.write_text("\n".join([*header, *sections, *footer]), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
