"""Benchmarks: the recurrent microbenchmark suite (``bench rnn``) and the framework-overhead
benchmark (``bench overhead``).

Importing this package, loading a suite and counting FLOPs never import TensorFlow, Keras or
PyTorch; only running a benchmark does. The modules:

- ``suite``: configurations as data, loaded from YAML with strict validation;
- ``flops``: the exact FLOP count of each cell, and DeepBench's convention;
- ``timing``: repetition statistics and the interleaved runner that cancels machine drift;
- ``machine``: the machine description and the measured matmul peak;
- ``keras_runner`` / ``torch_peer``: the timed steps on each framework;
- ``anatomy``: where a recurrent layer's time goes (measured by taking it apart);
- ``rnn`` / ``overhead``: the two benchmarks; ``display``, ``plots``, ``markdown``: output;
- ``cli``: ``add_parser(subparsers)`` registers ``hybridspec bench``.
"""

from typing import Any

_EXPORTS = {"Config": "suite", "Suite": "suite", "load_suite": "suite", "loads_suite": "suite",
            "Flops": "flops", "config_flops": "flops"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Exports load on first use, so that ``hybridspec --help`` and ``hybridspec check`` (whose
    parser registers ``bench``) pay nothing for this package."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
