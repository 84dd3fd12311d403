"""``cph conformance``: the conformance suite (``conformance/``, shipped in the same distribution).

Why a thin registration: the command, its options and its run live with the suite (:mod:`conformance.cli`), so that
``cph conformance`` and ``python -m conformance`` are one command. Importing it is cheap; the suite's own
dependencies (pytest, schemathesis: the ``[conformance]`` extra) are imported only when it runs.
"""

from __future__ import annotations

from conformance.cli import CONTEXT, EPILOG, conformance
from cph.cli import app

app.command("conformance", context_settings=CONTEXT, epilog=EPILOG)(conformance)
