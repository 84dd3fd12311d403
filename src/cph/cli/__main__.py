"""``python -m cph.cli`` — the same as the ``cph`` console script."""

from cph.cli import main

main()
