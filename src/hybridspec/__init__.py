"""hybridspec: typed, declarative block specs for hybrid Keras 3 models.

``load``, ``check`` and ``json_schema`` never import TensorFlow or Keras; only ``build`` does.
"""

import os
from typing import Any

from .graphs import Report as Report
from .graphs import check as check
from .specs import *  # noqa: F403
from .specs import __all__ as _spec_names

__all__ = [*_spec_names, "Report", "build", "check"]


def build(spec: ModelSpec, folder: str | os.PathLike[str] | None = None,  # noqa: F405
          strategy: Any = None) -> Any:
    """Check ``spec`` and compile it into a plain functional ``keras.Model`` (imports Keras);
    files the document names are read from ``folder``, the document's folder (default: the
    current directory); with a tf.distribute ``strategy``, variables are created in its scope."""
    import contextlib

    from .graphs.build import build as _build

    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        return _build(spec, folder)


def from_keras(model: Any) -> ModelSpec:  # noqa: F405
    """The shortest document for a functional or Sequential Keras model (imports Keras)."""
    from .importing import from_keras as _from_keras

    return _from_keras(model)


__all__ += ["from_keras"]
