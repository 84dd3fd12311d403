"""``python -m benchmarks`` runs :func:`benchmarks.run.main`."""

from benchmarks.run import main

main()
