"""``python -m conformance [options] [pytest options]``: run the suite.

Why pytest in-process with the suite's own ini file: the suite is a pytest suite (the option parsing, fixtures and
schemathesis' pytest plugin all live there); this entry point only pins its configuration and directory, so the
same command works from any working directory and never picks up the project's own pytest settings.
"""

from __future__ import annotations

import sys

import pytest

from conformance import SUITE_DIR


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    return int(pytest.main(["-c", str(SUITE_DIR / "pytest.ini"), "--rootdir", str(SUITE_DIR), *args, str(SUITE_DIR)]))


if __name__ == "__main__":
    sys.exit(main())
