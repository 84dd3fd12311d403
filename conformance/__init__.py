"""The CPH conformance suite: certifies any RestartCloudPhoneServer endpoint against ``openapi/cph.openapi.yaml``
and ``openapi/error-catalog.yaml`` with schemathesis 4 (examples, coverage, fuzzing and stateful phases; positive
and negative data; built-in checks plus the CPH checks of :mod:`conformance.checks`).

Run ``python -m conformance`` (embedded mock) or ``python -m conformance --base-url URL --project-id ID`` with
credentials in the environment; ``--help`` lists every option under "CPH conformance".
"""

from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parent
