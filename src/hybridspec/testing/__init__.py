"""Hypothesis strategies for spec trees, public so users can property-test their own specs.

Needs the ``hypothesis`` package (a dev dependency of hybridspec).
"""

from .documents import blocks as blocks
from .documents import field_values as field_values
from .documents import instances as instances
from .documents import model_specs as model_specs
from .documents import names as names

__all__ = ["blocks", "field_values", "instances", "model_specs", "names"]
