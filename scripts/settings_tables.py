"""Write the option tables of README.md and conformance/README.md from the settings declarations.

Why a script: each option is declared once (``cph.mock.MockSettings``, ``cph.cli._settings.RestartSettings``,
``conformance.settings.SuiteOptions``); the
tables between ``<!-- settings:NAME -->`` and ``<!-- /settings:NAME -->`` are rendered from those declarations, so
the documentation cannot drift from the code (tests/test_settings_tables.py fails when it has).

Usage::

    python scripts/settings_tables.py          # rewrite the tables
    python scripts/settings_tables.py --check  # exit 1 if a table differs from its declaration
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "src", ROOT / "generated", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from conformance.settings import SuiteOptions  # noqa: E402 (after the path set-up for a checkout)
from cph.cli._settings import RestartSettings  # noqa: E402
from cph.mock import MockSettings  # noqa: E402
from cph.settings import markdown_table  # noqa: E402

TABLES: dict[str, tuple[Path, type[BaseModel]]] = {
    "mock": (ROOT / "README.md", MockSettings),
    "cli": (ROOT / "README.md", RestartSettings),
    "conformance": (ROOT / "conformance" / "README.md", SuiteOptions),
}


def render(text: str, name: str, model: type[BaseModel]) -> str:
    """``text`` with the table between the ``settings:name`` markers rendered from ``model``."""
    pattern = re.compile(rf"(<!-- settings:{name} -->\n).*?(<!-- /settings:{name} -->)", re.DOTALL)
    if not pattern.search(text):
        msg = f"markers <!-- settings:{name} --> ... <!-- /settings:{name} --> not found"
        raise ValueError(msg)
    return pattern.sub(lambda match: match[1] + markdown_table(model) + match[2], text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report tables that differ")
    args = parser.parse_args(argv)
    stale = []
    for name, (path, model) in TABLES.items():
        text = path.read_text(encoding="utf-8")
        new = render(text, name, model)
        if new != text:
            stale.append(path.relative_to(ROOT).as_posix())
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        sys.stderr.write(f"settings tables out of date in {', '.join(stale)}: run python scripts/settings_tables.py\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
