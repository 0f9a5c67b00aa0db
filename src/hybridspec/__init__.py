"""hybridspec: typed, declarative block specs for hybrid Keras 3 models.

``load``, ``check`` and ``json_schema`` never import TensorFlow or Keras; only ``build`` does.
"""

from typing import Any

from .graphs import Report as Report
from .graphs import check as check
from .specs import *  # noqa: F403
from .specs import __all__ as _spec_names

__all__ = [*_spec_names, "Report", "build", "check"]


def build(spec: ModelSpec, strategy: Any = None) -> Any:  # noqa: F405
    """Check ``spec`` and compile it into a plain functional ``keras.Model`` (imports Keras);
    with a tf.distribute ``strategy``, its variables are created in the strategy's scope."""
    import contextlib

    from .graphs.build import build as _build

    with strategy.scope() if strategy is not None else contextlib.nullcontext():
        return _build(spec)
