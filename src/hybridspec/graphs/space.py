"""The static check of a search space: every combination a tuner could try, judged before any
trial runs (pure Python, no TensorFlow, no NumPy).

A document's search nodes are the space's dimensions, named by their document paths; a node
inside a ``one_of`` branch is active only when that branch is chosen. ``check_space`` walks
the space (every combination when it is small; otherwise all corners of the numeric ranges
plus a seeded random sample), binds each combination into a concrete document, checks it, and
reports the invalid ones with the first failing path and the values that cause the failure.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ..specs import ModelSpec, SpecError
from ..specs.documents import from_data, to_data
from ..specs.errors import join_path
from ..specs.search import OneOf, Search, parse, search_key
from .report import Report
from .static import check

Combo = dict[str, Any]
EXHAUSTIVE_LIMIT = 2_000
SAMPLES = 1_000
SHOWN = 8  # invalid groups listed in the summary


@attrs.frozen
class Dim:
    """One dimension: a search node at ``path``, active when ``parent`` (a one_of path and
    branch index) is chosen, or always when ``parent`` is None."""

    path: str
    node: Search
    parent: tuple[str, int] | None = None

    def values(self) -> tuple[Any, ...]:
        """The values walked: all of a finite node, the two ends of a float range."""
        return self.node.options() or self.node.ends()


def dims(data: Any, path: str = "", parent: tuple[str, int] | None = None) -> list[Dim]:
    """The search nodes in plain document data, in document order."""
    node = parse(data) if search_key(data) else None
    if node is not None:
        found = [Dim(path, node, parent)]
        if isinstance(node, OneOf):
            for i, branch in enumerate(data["one_of"]):
                found += dims(branch, f"{path}.one_of[{i}]", (path, i))
        return found
    if isinstance(data, Mapping):
        return [d for k, v in data.items() for d in dims(v, join_path(path, str(k)), parent)]
    if isinstance(data, list):
        return [d for i, v in enumerate(data) for d in dims(v, f"{path}[{i}]", parent)]
    return []


def bind_data(data: Any, combo: Mapping[str, Any], path: str = "", at: str = "",
              moves: dict[str, str] | None = None) -> Any:
    """The data with every active search node replaced by its value in ``combo``. ``moves``
    collects, for every chosen branch, its concrete path and its path in the search document."""
    key = search_key(data)
    if key is not None:
        if path not in combo:
            raise SpecError(path, f"the search node has no value; give one of {parse(data).to_data()}")  # type: ignore[union-attr]
        if key == "one_of":
            branch = f"{path}.one_of[{combo[path]}]"
            if moves is not None:
                moves[at] = branch
            return bind_data(data["one_of"][combo[path]], combo, branch, at, moves)
        return combo[path]
    if isinstance(data, Mapping):
        return {k: bind_data(v, combo, join_path(path, str(k)), join_path(at, str(k)), moves)
                for k, v in data.items()}
    if isinstance(data, list):
        return [bind_data(v, combo, f"{path}[{i}]", f"{at}[{i}]", moves) for i, v in enumerate(data)]
    return data


def search_path(concrete_path: str, moves: Mapping[str, str]) -> str:
    """A concrete document's path as a path of the search document (inside the chosen branch)."""
    inside = [m for m in moves if concrete_path == m or concrete_path.startswith((m + ".", m + "["))]
    if not inside:
        return concrete_path
    longest = max(inside, key=len)
    return moves[longest] + concrete_path[len(longest):]


def document(spec: ModelSpec | Mapping[str, Any]) -> Any:
    """The plain data of a spec (or the data itself)."""
    return to_data(spec) if isinstance(spec, ModelSpec) else spec


def concrete(spec: ModelSpec | Mapping[str, Any], combo: Mapping[str, Any]) -> ModelSpec:
    """The concrete document for one combination (every search node replaced by its value)."""
    return from_data(bind_data(document(spec), combo))


def active(found: list[Dim], combo: Mapping[str, Any]) -> list[Dim]:
    """The dimensions active under ``combo``'s one_of choices."""
    return [d for d in found if d.parent is None or combo.get(d.parent[0]) == d.parent[1]]


def _walked(d: Dim, ends: bool) -> tuple[Any, ...]:
    return d.values() if isinstance(d.node, OneOf) or not ends else d.node.ends()


def size(found: list[Dim], parent: tuple[str, int] | None = None, ends: bool = False) -> int:
    """How many combinations the walk sees (float ranges count their two ends; with ``ends``
    every dimension counts only its ends)."""
    total = 1
    for d in (d for d in found if d.parent == parent):
        if isinstance(d.node, OneOf):
            total *= sum(size(found, (d.path, i), ends) for i in d.values())
        else:
            total *= len(_walked(d, ends))
    return total


def every(found: list[Dim], parent: tuple[str, int] | None = None, ends: bool = False) -> Iterator[Combo]:
    """Every combination of the walked values, one_of branches with their own dimensions."""
    per_dim: list[list[Combo]] = []
    for d in (d for d in found if d.parent == parent):
        if isinstance(d.node, OneOf):
            per_dim.append([{d.path: i, **sub} for i in d.values() for sub in every(found, (d.path, i), ends)])
        else:
            per_dim.append([{d.path: v} for v in _walked(d, ends)])
    for parts in itertools.product(*per_dim):
        yield {k: v for part in parts for k, v in part.items()}


def corners(found: list[Dim], rng: random.Random, limit: int) -> list[Combo]:
    """Every combination of the ends of each dimension (a random subset past ``limit``)."""
    if size(found, ends=True) <= limit:
        return list(every(found, ends=True))
    return [draw(found, rng, ends_only=True) for _ in range(limit)]


def draw(found: list[Dim], rng: random.Random, ends_only: bool = False) -> Combo:
    """One random combination (conditional dimensions only under their chosen branch)."""
    combo: Combo = {}
    for d in found:
        if d.parent is None or combo.get(d.parent[0]) == d.parent[1]:
            combo[d.path] = rng.choice(d.node.ends()) if ends_only else d.node.sample(rng)
    return combo


def key(combo: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, (type(v).__name__, v)) for k, v in combo.items()))


@attrs.frozen
class Outcome:
    """One combination judged: its parameter count, or the first failing path and message."""

    combo: Combo
    params: int | None
    path: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.params is not None


def budget_path(report: Report, max_params: int) -> str:
    """The first layer at which the running parameter total passes the budget."""
    total = 0
    for row in report.rows:
        if row.leaf:
            total += row.params
            if total > max_params:
                return row.path
    return ""


def judge(data: Any, combo: Combo, max_params: int | None = None) -> Outcome:
    """Bind, load and check one combination."""
    moves: dict[str, str] = {}
    try:
        report = check(from_data(bind_data(data, combo, moves=moves)))
    except SpecError as exc:
        return Outcome(combo, None, search_path(exc.path, moves), exc.message)
    if max_params is not None and report.params > max_params:
        return Outcome(combo, None, search_path(budget_path(report, max_params), moves),
                       f"{report.params:,} params is above --max-params {max_params:,}")
    return Outcome(combo, report.params)


@attrs.frozen
class Invalid:
    """A group of invalid combinations with one first failing path and the same causes."""

    path: str
    message: str
    causes: dict[str, Any]
    count: int
    example: Combo

    def line(self) -> str:
        when = ", ".join(f"{k}={_show(v)}" for k, v in self.causes.items())
        return f"{self.path or '(model)'}: {self.message}; when {when} ({self.count:,} combination" + \
            ("s)" if self.count != 1 else ")")


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_show, value)) + "]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


@attrs.frozen
class SpaceReport:
    """What ``check_space`` found: the dimensions, how the space was walked, the invalid
    groups and the parameter range over the valid combinations."""

    name: str
    dims: tuple[Dim, ...]
    size: int
    method: str
    checked: int
    valid: int
    invalid: tuple[Invalid, ...]
    params: tuple[int, int]
    seconds: float
    example: Combo = attrs.field(factory=dict, eq=False)

    @property
    def invalid_count(self) -> int:
        return self.checked - self.valid

    def summary(self) -> str:
        continuous = sum(d.node.options() is None for d in self.dims)
        space = f"{self.size:,} combinations" + (f" ({continuous} float range(s) at their ends)" if continuous else "")
        walk = "every combination" if self.method == "exhaustive" else \
            f"{self.checked:,} sampled (all corners plus random draws)"
        lines = [f"search space: {len(self.dims)} dimension(s), {space}; checked {walk}",
                 f"valid: {self.valid:,} of {self.checked:,}; params {self.params[0]:,} to {self.params[1]:,}"]
        if self.invalid:
            lines.append(f"invalid: {self.invalid_count:,} combination(s)")
            lines += [f"  {g.line()}" for g in self.invalid[:SHOWN]]
            if len(self.invalid) > SHOWN:
                lines.append(f"  ... and {len(self.invalid) - SHOWN} more group(s) (--json lists them all)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "dimensions": [d.path for d in self.dims], "size": self.size,
                "method": self.method, "checked": self.checked, "valid": self.valid,
                "invalid": self.invalid_count, "params": {"min": self.params[0], "max": self.params[1]},
                "groups": [{"path": g.path, "message": g.message, "causes": g.causes, "count": g.count,
                            "example": g.example} for g in self.invalid],
                "seconds": round(self.seconds, 3)}


def neighbours(found: list[Dim], combo: Combo) -> Iterator[tuple[str, Combo]]:
    """Combinations that differ from ``combo`` in one non-one_of dimension."""
    for d in active(found, combo):
        if isinstance(d.node, OneOf):
            continue
        for value in d.values():
            if value != combo[d.path]:
                yield d.path, {**combo, d.path: value}


class Judge:
    """Judges combinations once each (a cache keyed by the combination)."""

    def __init__(self, data: Any, max_params: int | None) -> None:
        self.data, self.max_params = data, max_params
        self.seen: dict[Any, Outcome] = {}

    def __call__(self, combo: Combo) -> Outcome:
        k = key(combo)
        if k not in self.seen:
            self.seen[k] = judge(self.data, combo, self.max_params)
        return self.seen[k]


def causes(found: list[Dim], bad: Outcome, judged: Judge, spare: list[int]) -> dict[str, Any]:
    """The values of ``bad`` that one change away turn valid (or fail elsewhere); all of its
    values when no single change does or the budget of extra checks is spent."""
    out = {}
    for path, other in neighbours(found, bad.combo):
        if key(other) not in judged.seen:
            if spare[0] <= 0:
                return dict(bad.combo)
            spare[0] -= 1
        moved = judged(other)
        if moved.ok or moved.path != bad.path:
            out[path] = bad.combo[path]
    return out or dict(bad.combo)


def check_space(spec: ModelSpec | Mapping[str, Any], *, max_params: int | None = None,
                exhaustive_limit: int = EXHAUSTIVE_LIMIT, samples: int = SAMPLES,
                seed: int = 0) -> SpaceReport:
    """Walk the space of a document with search nodes; a SpecError when no combination is valid."""
    start = time.perf_counter()
    data = document(spec)
    found = dims(data)
    if not found:
        raise SpecError("", "the document has no search nodes; hybridspec check it as it is")
    total = size(found)
    rng = random.Random(seed)
    judged = Judge(data, max_params)
    if total <= exhaustive_limit:
        method, combos = "exhaustive", list(every(found))
    else:
        method = "sampled"
        combos = corners(found, rng, samples // 2)
        combos += [draw(found, rng) for _ in range(samples - len(combos))]
    outcomes = list({key(c): judged(c) for c in combos}.values())
    good = [o.params for o in outcomes if o.params is not None]
    example = next((o.combo for o in outcomes if o.ok), {})
    groups = _groups(found, [o for o in outcomes if not o.ok], judged)
    name = str(data.get("name", "")) if isinstance(data, Mapping) else ""
    if not good:
        first = groups[0]
        raise SpecError(first.path, f"every combination of the search space is invalid "
                        f"({len(outcomes):,} checked); e.g. {first.message} "
                        f"with {', '.join(f'{k}={_show(v)}' for k, v in first.example.items())}")
    return SpaceReport(name, tuple(found), total, method, len(outcomes), len(good), tuple(groups),
                       (min(good), max(good)), time.perf_counter() - start, example)


def checked(spec: ModelSpec, max_params: int | None = None) -> Report | SpaceReport:
    """``check`` a concrete document (refusing it above ``max_params``), or ``check_space``
    a document with search nodes."""
    data = to_data(spec)
    if dims(data):
        return check_space(data, max_params=max_params)
    report = check(spec)
    if max_params is not None and report.params > max_params:
        raise SpecError(budget_path(report, max_params),
                        f"{report.params:,} params is above --max-params {max_params:,}")
    return report


def _groups(found: list[Dim], bad: list[Outcome], judged: Judge) -> list[Invalid]:
    """Invalid outcomes grouped by failing path and causes; an outcome that shows a known
    group's causes joins it without further checks."""
    spare = [max(400, 20 * len(found))]
    groups: list[list[Any]] = []  # [outcome, causes, count]
    for outcome in bad:
        known = next((g for g in groups if g[0].path == outcome.path
                      and all(outcome.combo.get(k) == v for k, v in g[1].items())), None)
        if known is None:
            groups.append([outcome, causes(found, outcome, judged, spare), 1])
        else:
            known[2] += 1
    groups.sort(key=lambda g: -g[2])
    return [Invalid(o.path, o.message, why, n, o.combo) for o, why, n in groups]
