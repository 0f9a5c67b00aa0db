"""Values set at document paths in plain document data (``body[1].dense.units``).

A path may leave out a block's kind (``body[1].units``) and the optimizer of the train
section (``train.learning_rate``); a short form on the way is expanded (``dense: 64`` becomes
``dense: {units: 64}``). Nothing is validated here: loading the result does that.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from .base import KINDS
from .errors import SpecError

PATH = re.compile(r"[A-Za-z_]\w*(\[\d+\]|\.[A-Za-z_]\w*)*")
STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
OPTIMIZER_FIELDS = ("name", "learning_rate", "momentum", "weight_decay", "clipnorm", "clipvalue")


def steps(path: str) -> list[str | int]:
    """``body[1].dense.units`` -> ["body", 1, "dense", "units"]."""
    if not PATH.fullmatch(path):
        raise SpecError(path, "is not a document path such as body[1].dense.units")
    return [int(m.group(2)) if m.group(2) is not None else m.group(1) for m in STEP.finditer(path)]


def _fields(value: Any, kind: str) -> dict[str, Any]:
    """A block body or optimizer written short (``dense: 64``, ``optimizer: adam``) as a mapping."""
    if isinstance(value, Mapping):
        return dict(value)
    if value is None or (isinstance(value, str) and value == kind):
        return {}
    short = "name" if kind == "optimizer" else KINDS[kind].SHORT
    if short is None:
        raise SpecError(kind, f"has no fields to set, got {value!r}")
    return {short: value}


def _step_in(here: Any, step: str | int, route: list[str | int], n: int, path: str) -> tuple[Any, Any]:
    """(container, key) for ``step``, going through a left-out block kind or optimizer."""
    if isinstance(step, int):
        if not isinstance(here, list) or step >= len(here):
            raise SpecError(path, f"has no item [{step}]")
        if isinstance(here[step], str) and here[step] in KINDS:
            here[step] = {here[step]: {}}
        return here, step
    if not isinstance(here, dict):
        raise SpecError(path, f"has no key {step!r} (the value there is {here!r})")
    if step not in here:
        kinds = [k for k in here if k in KINDS]
        if len(here) == 1 and kinds:
            here[kinds[0]] = _fields(here[kinds[0]], kinds[0])
            return _step_in(here[kinds[0]], step, route, n, path)
        if route[:n] == ["train"] and step in OPTIMIZER_FIELDS:
            here["optimizer"] = _fields(here.get("optimizer", {}), "optimizer")
            return here["optimizer"], step
    if n < len(route) - 1 and (step in KINDS or (step == "optimizer" and route[:n] == ["train"])):
        here[step] = _fields(here.get(step), step)
    elif n < len(route) - 1 and step not in here:
        here[step] = {}
    return here, step


def set_path(data: Any, path: str, value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``path``."""
    out = copy.deepcopy(data)
    route = steps(path)
    here = out
    for n, step in enumerate(route):
        container, key = _step_in(here, step, route, n, path)
        if n == len(route) - 1:
            container[key] = value
        else:
            here = container[key]
    return out
