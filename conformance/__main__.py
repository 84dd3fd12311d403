"""``python -m conformance [options] [-- pytest options]``: see :mod:`conformance.cli`."""

from conformance.cli import main

main()
