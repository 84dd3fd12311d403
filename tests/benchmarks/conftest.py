"""The benchmarks live in the checkout (`benchmarks/`), not in the installed package: make them importable."""

from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parents[2]))
