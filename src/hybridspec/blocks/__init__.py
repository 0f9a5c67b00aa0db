"""Block implementations: each module registers shape rules, parameter counts and builders."""

from . import (  # noqa: F401  (registration)
    attention,
    augment,
    backbone,
    conv,
    convolutional,
    core,
    merge,
    preprocessing,
    recurrent,
    stock,
)
from .base import IMPLS as IMPLS
from .base import At as At
from .base import Impl as Impl
from .base import Sig as Sig
from .base import implements as implements
