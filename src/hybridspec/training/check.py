"""Static checks of the ``train:`` section against a model's Report (no TensorFlow).

``plan(spec, report)`` resolves, for every output, the loss (given or inferred from the
output's shape and final activation), whether that loss reads logits, and the metrics; it
raises a SpecError at ``train.loss.<output>`` (or ``train.loss``) when a loss cannot fit.
"""

from __future__ import annotations

import attrs

from ..blocks.base import Shape, show
from ..graphs.report import Report
from ..specs import Activation, Block, Chain, ModelSpec, SpecError, TrainSpec
from ..specs.model import parse_ref
from ..specs.rules import closest

SPARSE = "sparse_categorical_crossentropy"
CTC = "ctc"
CATEGORICAL = (SPARSE, "categorical_crossentropy", "kl_divergence")
CLASSIFICATION = (*CATEGORICAL, "binary_crossentropy")
NEEDS_CLASSES = ("categorical_accuracy", "sparse_categorical_accuracy",
                 "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy")
# Blocks that leave the previous block's activation in place, looking backwards from an output.
TRANSPARENT = ("dropout", "spatial_dropout", "flatten", "reshape", "permute", "masking",
               "identity", "activity_regularization", "gaussian_noise", "gaussian_dropout", "alpha_dropout")


@attrs.frozen
class OutputPlan:
    """How one output is trained: ``activation`` is its final activation (None when unknown)."""

    name: str
    shape: Shape
    activation: str | None
    loss: str
    from_logits: bool
    metrics: tuple[str, ...]

    def target_shape(self) -> Shape:
        """The per-batch target shape the loss expects (class ids for the sparse loss, padded
        label sequences of any length for ctc)."""
        if self.loss == CTC:
            return (self.shape[0], None)
        return self.shape[:-1] if self.loss == SPARSE else self.shape


def final_activation(spec: ModelSpec, output: str) -> str | None:
    """The activation applied last on an output ("linear" for none), or None when unknown."""
    if spec.body is not None:
        return _activation(spec.body)
    out = spec.outputs[output]
    if out.block is not None:
        found = _activation(out.block)
        if found != "":
            return found
    name, states, _ = parse_ref(out.from_)
    node = spec.nodes.get(name)
    if node is None or states:
        return None
    block = spec.nodes[node.share].block if node.share else node.block
    return _activation(block) if block is not None else None


def _activation(block: Block) -> str | None:
    """As ``final_activation``; "" means the block is transparent (look further back)."""
    if isinstance(block, Chain):
        for item in reversed(block.blocks):
            found = _activation(item)
            if found != "":
                return found
        return ""
    if block.KIND in TRANSPARENT:
        return ""
    if isinstance(block, Activation):
        return block.name
    if block.KIND in ("dense", "conv", "separable_conv"):
        return getattr(block, "activation", None) or "linear"
    return None


def infer_loss(shape: Shape, activation: str | None) -> str:
    """softmax: sparse categorical crossentropy; sigmoid: binary crossentropy; otherwise mse."""
    if activation == "softmax" and (shape[-1] or 0) > 1:
        return SPARSE
    if activation == "sigmoid":
        return "binary_crossentropy"
    return "mse"


def _loss_problem(loss: str, shape: Shape, activation: str | None) -> str | None:
    classes = shape[-1]
    if loss == CTC:
        return ctc_problem(shape, activation)
    if loss in CATEGORICAL:
        if classes is None or classes < 2:
            return f"needs a last axis of 2 or more classes, got output shape {show(shape)}"
        wanted = ("softmax",) if loss == "kl_divergence" else ("softmax", "linear")
        if activation is not None and activation not in wanted:
            return (f"needs {' or '.join(wanted)} (logits) on the output, got {activation}; "
                    "end the output with a softmax dense layer")
    if loss == "binary_crossentropy" and activation not in (None, "sigmoid", "linear"):
        hint = "; with one class per example use sparse_categorical_crossentropy" if activation == "softmax" else ""
        return f"needs sigmoid probabilities or linear logits, got {activation}{hint}"
    return None


def ctc_problem(shape: Shape, activation: str | None) -> str | None:
    """CTC reads (batch, time, classes) scores, class 0 being the blank."""
    if len(shape) != 3 or (shape[-1] or 0) < 2:
        return f"needs (batch, time, classes) scores with 2 or more classes (0 is the blank), got {show(shape)}"
    if activation not in (None, "softmax", "linear"):
        return f"needs softmax probabilities or linear logits, got {activation}"
    return None


def _metric_problem(metric: str, loss: str, shape: Shape) -> str | None:
    if loss == CTC:
        return "ctc outputs take no metrics (they compare targets and outputs of one shape)"
    if metric == "accuracy" and loss not in CLASSIFICATION:
        return f"accuracy needs a classification loss, got {loss}"
    if metric in NEEDS_CLASSES and (shape[-1] or 0) < 2:
        return f"{metric} needs a last axis of 2 or more classes, got output shape {show(shape)}"
    return None


def _per_output(value: object, names: list[str], key: str) -> dict[str, object]:
    """A per-output mapping's entries; unknown output names are errors."""
    if not isinstance(value, dict):
        return {name: value for name in names}
    for name in value:
        if name not in names:
            raise SpecError(f"train.{key}.{name}", f"unknown output '{name}'.{closest(name, names)} "
                            f"Outputs: {', '.join(names)}")
    return dict(value)


def plan(spec: ModelSpec, report: Report) -> dict[str, OutputPlan]:
    """Every output's loss and metrics, checked against its static shape."""
    train = spec.train or TrainSpec()
    names = list(report.outputs)
    losses = _per_output(train.loss, names, "loss")
    metrics = _per_output(train.metrics, names, "metrics")
    plans = {}
    for name, shape in report.outputs.items():
        activation = final_activation(spec, name)
        loss = losses.get(name)
        if not isinstance(loss, str):
            loss = infer_loss(shape, activation)
        problem = _loss_problem(loss, shape, activation)
        if problem:
            path = f"train.loss.{name}" if isinstance(train.loss, dict) else "train.loss"
            raise SpecError(path, f"{loss} does not fit output '{name}': {problem}")
        chosen = metrics.get(name)
        if not isinstance(chosen, tuple):
            chosen = ("accuracy",) if loss in CLASSIFICATION else ("mae",) if loss not in ("mae", CTC) else ()
        for i, metric in enumerate(chosen):
            problem = _metric_problem(metric, loss, shape)
            if problem:
                where = f"train.metrics.{name}" if isinstance(train.metrics, dict) else "train.metrics"
                raise SpecError(f"{where}[{i}]", f"does not fit output '{name}': {problem}")
        from_logits = loss in ("binary_crossentropy", *CATEGORICAL) and activation == "linear"
        from_logits = from_logits or (loss == CTC and activation != "softmax")
        plans[name] = OutputPlan(name, shape, activation, loss, from_logits, chosen)
    return plans


__all__ = ["OutputPlan", "final_activation", "infer_loss", "plan"]
