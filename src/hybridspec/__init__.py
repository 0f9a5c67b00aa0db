"""hybridspec: typed, declarative block specs for hybrid Keras 3 models.

``load``, ``check`` and ``json_schema`` never import TensorFlow or Keras; only ``build`` does.
"""

import os
from typing import Any

from ._methods_cache import cached_methods

with cached_methods():  # attrs's generated methods, compiled once (see _methods_cache.py)
    from .graphs import Report as Report
    from .graphs import check as check
    from .plugins import register_block as register_block
    from .specs import *  # noqa: F403
    from .specs import __all__ as _spec_names

__all__ = [*_spec_names, "Report", "build", "check", "save", "spec_of", "register_block"]


def build(spec: ModelSpec, folder: str | os.PathLike[str] | None = None,  # noqa: F405
          seed: int | None = None, strategy: Any = None, **options: Any) -> Any:
    """Check ``spec`` and compile it into a plain functional ``keras.Model`` (imports Keras);
    files the document names are read from ``folder``, the document's folder (default: the
    current directory); ``seed`` makes the initial weights reproducible, ``max_params`` /
    ``max_bytes`` set the limits, ``policy`` the dtype policy (default: the train section's
    mixed_precision, else Keras's global policy; output layers stay float32 under a mixed one);
    with a tf.distribute ``strategy``, variables are created in its scope."""
    import contextlib

    from .graphs.build import build as _build

    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        return _build(spec, folder, seed, **options)


def from_keras(model: Any) -> ModelSpec:  # noqa: F405
    """The shortest document for a functional or Sequential Keras model (imports Keras)."""
    from .importing import from_keras as _from_keras

    return _from_keras(model)


__all__ += ["from_keras"]


def save(model: Any, path: Any) -> None:
    """Save a model from ``build`` as a ``.keras`` file that carries its document (imports Keras)."""
    from .graphs.provenance import save as _save

    _save(model, path)


def spec_of(model_or_path: Any) -> ModelSpec:  # noqa: F405
    """The spec a model from ``build``, or a ``.keras`` file from ``save``, was built from."""
    from .graphs.provenance import spec_of as _spec_of

    return _spec_of(model_or_path)
