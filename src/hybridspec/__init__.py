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


def build(spec: ModelSpec, folder: str | os.PathLike[str] | None = None) -> Any:  # noqa: F405
    """Check ``spec`` and compile it into a plain functional ``keras.Model`` (imports Keras);
    files the document names are read from ``folder``, the document's folder (default: the
    current directory)."""
    from .graphs.build import build as _build

    return _build(spec, folder)
