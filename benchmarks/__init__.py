"""Benchmarks against the peers: run ``nox -s bench`` (writes BENCHMARKS.md) or ``python -m benchmarks --smoke``."""
