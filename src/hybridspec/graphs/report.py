"""The Report: what ``check`` found for every node, and its table."""

from __future__ import annotations

from typing import Any

import attrs

from ..blocks.base import Shape, show


@attrs.frozen
class Row:
    """One node: its path, kind, output shapes and parameters (subtree totals for composites)."""

    path: str
    kind: str
    shapes: tuple[Shape, ...]
    dtype: str
    masked: bool
    trainable: int = 0
    non_trainable: int = 0
    leaf: bool = True
    cudnn: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def shape(self) -> Shape:
        return self.shapes[0]


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


@attrs.frozen
class Report:
    """Static facts about a model: every node's row, the outputs, totals and warnings."""

    name: str
    rows: tuple[Row, ...]
    outputs: dict[str, Shape]
    names: dict[str, str] = attrs.field(factory=dict)  # the user's layer names -> their paths

    @property
    def trainable(self) -> int:
        return sum(r.trainable for r in self.rows if r.leaf)

    @property
    def non_trainable(self) -> int:
        return sum(r.non_trainable for r in self.rows if r.leaf)

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def warnings(self) -> list[str]:
        return [f"{r.path} ({r.kind}): {w}" for r in self.rows for w in r.warnings]

    def __getitem__(self, path: str) -> Row:
        for row in self.rows:
            if row.path == path:
                return row
        raise KeyError(path)

    def subtree_params(self, prefix: str) -> tuple[int, int]:
        leaves = [r for r in self.rows if r.leaf and _within(r.path, prefix)]
        return sum(r.trainable for r in leaves), sum(r.non_trainable for r in leaves)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "name": self.name,
            "outputs": {k: list(v) for k, v in self.outputs.items()},
            "params": {"total": self.params, "trainable": self.trainable, "non_trainable": self.non_trainable},
            "nodes": [{"path": r.path, "kind": r.kind, "shapes": [list(s) for s in r.shapes],
                       "dtype": r.dtype, "masked": r.masked, "trainable": r.trainable,
                       "non_trainable": r.non_trainable, "cudnn": r.cudnn or None,
                       "warnings": list(r.warnings)} for r in self.rows],
            "warnings": self.warnings,
        }

    def table(self) -> str:
        """A summary like ``model.summary()``: path, kind, output shape, params, cuDNN status."""
        header = ("path", "kind", "output shape", "params", "mask", "cuDNN")
        lines = [(("  " * r.path.count("[")) + r.path, r.kind, ", ".join(show(s) for s in r.shapes),
                  f"{r.params:,}", "yes" if r.masked else "", r.cudnn)
                 for r in self.rows]
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths[:3]) + "  " + f"{{:>{widths[3]}}}" + "  " + \
            "  ".join(f"{{:<{w}}}" for w in widths[4:])
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [f'Model "{self.name}"', rule, fmt.format(*header).rstrip(), rule]
        out += [fmt.format(*line).rstrip() for line in lines]
        out += [rule, f"Total params: {self.params:,}", f"Trainable params: {self.trainable:,}",
                f"Non-trainable params: {self.non_trainable:,}"]
        out += [f"warning: {w}" for w in self.warnings]
        return "\n".join(out)
