"""The framework-overhead benchmark: ``python -m benchmarks.overhead [options]`` is
``hybridspec bench overhead [options]``; from Python, ``run("out", quick=True)``."""

from __future__ import annotations

import sys

from hybridspec.bench.cli import main as _main
from hybridspec.bench.overhead import run, write_outputs

__all__ = ["main", "run", "write_outputs"]


def main(argv: list[str] | None = None) -> int:
    return _main(["overhead", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
