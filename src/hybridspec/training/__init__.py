"""Training from a spec's ``train:`` section: static checks, data sources, the run and its CLI.

``check`` and ``data`` import neither TensorFlow nor Keras; ``run.train`` imports them when
called.
"""

from .check import OutputPlan as OutputPlan
from .check import plan as plan
from .data import DataError as DataError
from .data import Dataset as Dataset
from .data import load_data as load_data
from .data import match as match

__all__ = ["DataError", "Dataset", "OutputPlan", "load_data", "match", "plan"]
