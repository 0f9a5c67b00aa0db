"""The recurrent microbenchmark suite: ``python -m benchmarks.rnn [options]`` is
``hybridspec bench rnn [options]``; from Python, ``run(load_suite("cpu"), "out")``."""

from __future__ import annotations

import sys

from hybridspec.bench.cli import main as _main
from hybridspec.bench.rnn import Options, run, write_outputs
from hybridspec.bench.suite import Config, Suite, builtin_suites, load_suite, loads_suite

__all__ = ["Config", "Options", "Suite", "builtin_suites", "load_suite", "loads_suite", "main", "run",
           "write_outputs"]


def main(argv: list[str] | None = None) -> int:
    return _main(["rnn", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
