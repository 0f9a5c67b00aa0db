"""The project's benchmarks, importable from here as well as through ``hybridspec bench``.

- ``benchmarks.rnn``: the recurrent microbenchmark suite (``hybridspec.bench.rnn``);
- ``benchmarks.overhead``: the framework-overhead benchmark (``hybridspec.bench.overhead``);
- ``benchmarks.update_results``: renders RESULTS.md's tables and copies its figures from the
  JSON that the two benchmarks write.

Run them as ``python -m benchmarks.rnn --suite cpu --out benchmarks/results`` (the same options
as ``hybridspec bench rnn``), or call ``run`` from Python.
"""
