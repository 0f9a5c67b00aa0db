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
    macs: int = 0
    weight_bytes: int = 0
    activation_bytes: int = 0
    compute_dtype: str = ""  # a leaf's, from its dtype policy
    variable_dtype: str = ""

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def shape(self) -> Shape:
        return self.shapes[0]


def quantity(n: int) -> str:
    """A count for people: ``1.2M``, ``3.4G``; exact below ten thousand."""
    if n < 10_000:
        return str(n)
    if n >= 10**18:  # no float or decimal string of a huge int
        return f"~1e{int(n.bit_length() * 0.30103)}"
    for unit, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return str(n)


def size_of(n: int) -> str:
    """Bytes for people: ``940.0 KiB``, ``1.5 GiB``."""
    if n >= 2**60:
        return f"~2^{n.bit_length() - 1} B"
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} B"


def _dtypes(row: Row) -> str:
    """``float16/float32``: a leaf's compute and weight dtypes (one name when they are equal)."""
    if row.compute_dtype == row.variable_dtype:
        return row.compute_dtype
    return f"{row.compute_dtype}/{row.variable_dtype}"


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


@attrs.frozen
class Report:
    """Static facts about a model: every node's row, the outputs, totals and warnings."""

    name: str
    rows: tuple[Row, ...]
    outputs: dict[str, Shape]
    names: dict[str, str] = attrs.field(factory=dict)  # the user's layer names -> their paths
    macs: int = 0
    activation_bytes: int = 0
    policy: str = "float32"  # the model's dtype policy
    output_leaves: tuple[str, ...] = ()  # the leaves whose layers produce the outputs
    backend: str = "tensorflow"  # the Keras backend the cuDNN column is for

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
    def weight_bytes(self) -> int:
        return sum(r.weight_bytes for r in self.rows if r.leaf)

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

    def resources(self, batch: int = 1) -> dict[str, int]:
        """The model's totals: parameters, weight bytes, and per sample (and for ``batch``
        samples) activation bytes and multiply-adds."""
        return {"params": self.params, "weight_bytes": self.weight_bytes,
                "activation_bytes_per_sample": self.activation_bytes, "macs_per_sample": self.macs,
                "batch": batch, "activation_bytes": batch * self.activation_bytes, "macs": batch * self.macs}

    def to_dict(self, batch: int = 1) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "name": self.name,
            "policy": self.policy,
            "backend": self.backend,
            "output_layers": list(self.output_leaves),
            "outputs": {k: list(v) for k, v in self.outputs.items()},
            "params": {"total": self.params, "trainable": self.trainable, "non_trainable": self.non_trainable},
            "resources": self.resources(batch),
            "nodes": [{"path": r.path, "kind": r.kind, "shapes": [list(s) for s in r.shapes],
                       "dtype": r.dtype, "masked": r.masked, "trainable": r.trainable,
                       "non_trainable": r.non_trainable, "cudnn": r.cudnn or None,
                       "warnings": list(r.warnings), "macs": r.macs, "weight_bytes": r.weight_bytes,
                       "activation_bytes": r.activation_bytes, "compute_dtype": r.compute_dtype or None,
                       "variable_dtype": r.variable_dtype or None} for r in self.rows],
            "warnings": self.warnings,
        }

    @property
    def all_float32(self) -> bool:
        """Whether every layer computes and keeps its weights in float32."""
        return all(r.compute_dtype in ("", "float32") and r.variable_dtype in ("", "float32") for r in self.rows)

    def table(self, batch: int = 1) -> str:
        """A summary like ``model.summary()``: path, kind, output shape, params, cuDNN status,
        multiply-adds per sample (and, unless all is float32, each layer's compute / weight
        dtype); then the totals."""
        dtypes = not self.all_float32
        header = ("path", "kind", "output shape", "params", "mask", "cuDNN", "MACs") + (("dtype",) if dtypes else ())
        lines = [(("  " * r.path.count("[")) + r.path, r.kind, ", ".join(show(s) for s in r.shapes),
                  f"{r.params:,}", "yes" if r.masked else "", r.cudnn, quantity(r.macs))
                 + ((_dtypes(r),) if dtypes else ()) for r in self.rows]
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths[:3]) + "  " + f"{{:>{widths[3]}}}" + "  " + \
            "  ".join(f"{{:<{w}}}" for w in widths[4:])
        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [f'Model "{self.name}"', rule, fmt.format(*header).rstrip(), rule]
        out += [fmt.format(*line).rstrip() for line in lines]
        out += [rule, f"Total params: {self.params:,}", f"Trainable params: {self.trainable:,}",
                f"Non-trainable params: {self.non_trainable:,}",
                f"Weights: {size_of(self.weight_bytes)}",
                f"Activations: {size_of(self.activation_bytes)} per sample"
                + (f", {size_of(batch * self.activation_bytes)} for a batch of {batch}" if batch > 1 else ""),
                f"Multiply-adds: {quantity(self.macs)} per sample"]
        if self.backend != "tensorflow":
            out.append(f"cuDNN: as Keras on the {self.backend} backend would run on a GPU")
        if dtypes:
            out.append(f"Dtype policy: {self.policy}" + (
                f"; outputs computed in float32: {', '.join(self.output_leaves)}"
                if self.policy.startswith("mixed_") else ""))
        out += [f"warning: {w}" for w in self.warnings]
        return "\n".join(out)
