"""Resource limits, judged on the Report before anything is allocated.

``check`` and ``build`` refuse a model over ``max_params`` parameters or ``max_bytes`` bytes of
weights; a limit of None turns that check off. Other checkers (search spaces) call ``refuse``
with their own figures so every limit error reads the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..specs import SpecError

if TYPE_CHECKING:
    from .report import Report

MAX_PARAMS = 2_000_000_000
MAX_BYTES = 16 * 2**30
Limit = int | float | None
UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def figure(n: int | float) -> str:
    """A figure in a message: exact with separators, or ~1eN when it is huge."""
    if n >= 10**15:
        return f"~1e{int(int(n).bit_length() * 0.30103)}"
    return f"{int(n):,}"


def refuse(what: str, value: int, limit: Limit, option: str, path: str, kind: str, share: int) -> None:
    """Raise the SpecError of a figure over its limit: the node at ``path`` contributes the
    largest ``share`` of ``value``; ``option`` names the Python keyword (``max_params``)."""
    if limit is None or value <= limit:
        return
    flag = "--" + option.replace("_", "-")
    raise SpecError(path, f"the model needs {figure(value)} {what}, over the limit of {figure(limit)} "
                    f"({option}); this node has the most: {figure(share)}. Make it smaller or raise the limit "
                    f"({flag} on the command line, {option}= in Python)", kind)


def enforce(report: Report, *, max_params: Limit = MAX_PARAMS, max_bytes: Limit = MAX_BYTES) -> None:
    """Refuse a report whose parameters or weight bytes exceed the limits."""
    leaves = [r for r in report.rows if r.leaf]
    if not leaves:
        return
    top = max(leaves, key=lambda r: r.params)
    refuse("parameters", report.params, max_params, "max_params", top.path, top.kind, top.params)
    top = max(leaves, key=lambda r: r.weight_bytes)
    refuse("bytes of weights", report.weight_bytes, max_bytes, "max_bytes", top.path, top.kind,
           top.weight_bytes)


def parse_limit(text: str) -> float | None:
    """A limit from the command line: ``2e9``, ``500M``, ``16GiB``, or ``none``."""
    match = re.fullmatch(r"\s*([0-9.]+(?:e[0-9]+)?)\s*([a-z]*)\s*", text.lower())
    if text.strip().lower() == "none":
        return None
    if not match or match.group(2) not in UNITS:
        raise ValueError(f"a limit is a number such as 2e9, 500M or 16GiB, or none; got {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]
