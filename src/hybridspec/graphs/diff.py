"""What changed between two documents, node by node by path, on the expanded models.

Both specs are checked; every row of the two reports is matched by path, so a change inside
a definition or a stack shows at every place it lands. Pure Python, like ``check``.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..blocks import Sig
from ..blocks.base import Shape, show
from ..specs import Block, ModelSpec
from ..specs.rules import doc_name
from .report import Report, Row
from .static import StaticInterpreter, check
from .walk import Walk


@attrs.frozen
class Change:
    """One node that differs: ``status`` is added, removed or changed."""

    path: str
    status: str
    kind: str
    fields: dict[str, tuple[Any, Any]]
    shapes: tuple[tuple[Shape, ...], tuple[Shape, ...]]
    params: tuple[int, int]

    def line(self) -> str:
        mark = {"added": "+", "removed": "-", "changed": "~"}[self.status]
        parts = [f"{name}: {_yaml(old)} -> {_yaml(new)}" for name, (old, new) in self.fields.items()]
        old_shape, new_shape = (", ".join(show(s) for s in shapes) for shapes in self.shapes)
        if self.status == "changed":
            if old_shape != new_shape:
                parts.append(f"shape {old_shape} -> {new_shape}")
            if self.params[0] != self.params[1]:
                parts.append(f"params {_delta(*self.params)}")
        else:
            shape = new_shape or old_shape
            parts.append(f"shape {shape}, params {max(self.params):,}")
        return f"{mark} {self.path} ({self.kind}): " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "kind": self.kind,
                "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()},
                "shapes": {"old": [list(s) for s in self.shapes[0]], "new": [list(s) for s in self.shapes[1]]},
                "params": {"old": self.params[0], "new": self.params[1],
                           "delta": self.params[1] - self.params[0]}}


def _yaml(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _delta(old: int, new: int) -> str:
    return f"{old:,} -> {new:,} ({new - old:+,})"


@attrs.frozen
class Diff:
    """The changes from model ``a`` to model ``b`` and their parameter totals."""

    a: Report
    b: Report
    changes: tuple[Change, ...]

    def text(self) -> str:
        head = f"{self.a.name} -> {self.b.name}: "
        if not self.changes:
            return head + f"no differences ({self.a.params:,} params)"
        counts = {s: sum(c.status == s for c in self.changes) for s in ("changed", "added", "removed")}
        lines = [head + ", ".join(f"{n} {s}" for s, n in counts.items() if n)]
        lines += [c.line() for c in self.changes]
        lines.append(f"total params: {_delta(self.a.params, self.b.params)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.name, "b": self.b.name, "changes": [c.to_dict() for c in self.changes],
                "params": {"old": self.a.params, "new": self.b.params,
                           "delta": self.b.params - self.a.params}}


class _Recorder(StaticInterpreter):
    """The static interpreter, also keeping every leaf's fields by path."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, Any]] = {}

    def leaf(self, spec: Block, path: str, ins: list[Sig], states: list[Sig], return_state: bool) -> list[Sig]:
        self.fields.setdefault(path, _flat(_full(spec)))
        return super().leaf(spec, path, ins, states, return_state)


def _full(value: Any) -> Any:
    """Plain data with every field, defaults included, so a diff shows both values."""
    if attrs.has(type(value)):
        return {doc_name(a): _full(getattr(value, a.name)) for a in attrs.fields(type(value))}
    if isinstance(value, tuple | list):
        return [_full(v) for v in value]
    if isinstance(value, dict):
        return {k: _full(v) for k, v in value.items()}
    return value


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one mapping with dotted keys (``optimizer.learning_rate``)."""
    if not isinstance(value, dict) or not value:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, inner in value.items():
        out.update(_flat(inner, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (old.get(k), new.get(k)) for k in {**old, **new} if old.get(k) != new.get(k)}


def _shapes(row: Row | None) -> tuple[Shape, ...]:
    return row.shapes if row else ()


def _snapshot(spec: ModelSpec) -> tuple[Report, dict[str, dict[str, Any]]]:
    recorder = _Recorder()
    Walk(recorder).model(spec)
    return check(spec), recorder.fields


def diff(a: ModelSpec, b: ModelSpec) -> Diff:
    """Compare two models by path: every leaf's fields, every node's shapes and parameters,
    and the train section."""
    (report_a, fields_a), (report_b, fields_b) = _snapshot(a), _snapshot(b)
    rows_a, rows_b = {r.path: r for r in report_a.rows}, {r.path: r for r in report_b.rows}
    changes: list[Change] = []
    for path in [*rows_a, *(p for p in rows_b if p not in rows_a)]:
        old, new = rows_a.get(path), rows_b.get(path)
        shapes, params = (_shapes(old), _shapes(new)), (old.params if old else 0, new.params if new else 0)
        if old is None or new is None:
            if not _inside_added_or_removed(path, changes):
                status = "added" if old is None else "removed"
                changes.append(Change(path, status, (old or new).kind, {}, shapes, params))  # type: ignore[union-attr]
            continue
        fields = {"kind": (old.kind, new.kind)} if old.kind != new.kind else \
            _changed(fields_a.get(path, {}), fields_b.get(path, {}))
        if fields or (new.leaf and (shapes[0] != shapes[1] or params[0] != params[1])):
            changes.append(Change(path, "changed", new.kind, fields, shapes, params))
    train = _changed(_flat(_full(a.train) or {}), _flat(_full(b.train) or {}))
    if train:
        changes.append(Change("train", "changed", "train", train, ((), ()), (0, 0)))
    return Diff(report_a, report_b, tuple(changes))


def _inside_added_or_removed(path: str, changes: list[Change]) -> bool:
    return any(c.status != "changed" and path.startswith((c.path + ".", c.path + "[")) for c in changes)
