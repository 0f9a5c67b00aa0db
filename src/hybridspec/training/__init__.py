"""Training from a spec's ``train:`` section: static checks, data sources, the run and its CLI.

``check`` and ``data`` import neither TensorFlow nor Keras; ``run.train`` imports them when
called. The names below load on first use, so registering the ``train`` command costs
``hybridspec check`` no NumPy import.
"""

from importlib import import_module
from typing import Any

_HOMES = {"OutputPlan": "check", "plan": "check", "DataError": "data", "Dataset": "data",
          "load_data": "data", "match": "data"}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)
