"""Composition: the walk, its static and Keras interpreters, and the Report."""

from .report import Report as Report
from .report import Row as Row
from .static import check as check
