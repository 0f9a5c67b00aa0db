"""Keras 3 backends: choose TensorFlow, JAX or PyTorch before Keras is imported.

Keras reads ``KERAS_BACKEND`` once, on import; ``use`` sets it for the commands that build or
train (``--backend``), and refuses when Keras is already running on another backend.
"""

from __future__ import annotations

import os
import sys

from .specs import SpecError

BACKENDS = ("tensorflow", "jax", "torch")


def current() -> str:
    """The backend Keras runs on, or will run on when imported (without importing it)."""
    if "keras" in sys.modules:
        return str(sys.modules["keras"].backend.backend())
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def use(name: str | None) -> None:
    """Make ``name`` the Keras backend of this process (None keeps the current one)."""
    if name is None:
        return
    if name not in BACKENDS:
        raise SpecError("backend", f"must be one of {', '.join(BACKENDS)}, got {name!r}")
    if "keras" in sys.modules and current() != name:
        raise SpecError("backend", f"Keras is already running on {current()} in this process; "
                        f"start a new process with KERAS_BACKEND={name}")
    os.environ["KERAS_BACKEND"] = name
