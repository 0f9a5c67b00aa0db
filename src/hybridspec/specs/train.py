"""The optional ``train:`` section: optimizer, losses, metrics, fitting and callbacks.

Pure data like every spec. ``hybridspec.training.check`` judges it against a model's Report;
``hybridspec.training.run`` turns it into ``model.compile`` and ``model.fit`` arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .errors import SpecError
from .rules import (
    NON_NEGATIVE,
    POSITIVE,
    RATE,
    Bool,
    Either,
    Float,
    Instance,
    Int,
    MapOf,
    Maybe,
    OneOf,
    Text,
    TupleOf,
    field,
)

OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw", "adadelta")
LOSSES = (
    "mse", "mae", "mape", "huber", "log_cosh", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "kl_divergence", "poisson", "hinge", "cosine_similarity",
    "ctc",
)
METRICS = (
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "auc", "precision",
    "recall", "mae", "mse", "rmse", "mape",
)
LOSS = OneOf(*LOSSES)
METRIC_LIST = TupleOf(OneOf(*METRICS))


@attrs.frozen(kw_only=True)
class OptimizerSpec:
    """The optimizer; ``optimizer: sgd`` is short for ``optimizer: {name: sgd}``."""

    name: str = field(OneOf(*OPTIMIZERS), "adam", "optimizer")
    learning_rate: float = field(Float(positive=True), 0.001, "step size")
    momentum: float = field(Float(minimum=0.0, below=1.0), 0.0, "sgd, rmsprop: momentum")
    weight_decay: float | None = field(Maybe(Float(minimum=0.0)), None, "decoupled weight decay")
    clipnorm: float | None = field(Maybe(Float(positive=True)), None, "clip each gradient's norm")
    clipvalue: float | None = field(Maybe(Float(positive=True)), None, "clip gradient values")

    def __attrs_post_init__(self) -> None:
        if self.momentum and self.name not in ("sgd", "rmsprop"):
            raise SpecError("momentum", f"only sgd and rmsprop take momentum, not {self.name}")
        if self.clipnorm is not None and self.clipvalue is not None:
            raise SpecError("clipvalue", "set clipnorm or clipvalue, not both")


@attrs.frozen(kw_only=True)
class EarlyStoppingSpec:
    """Stop when ``monitor`` has not improved for ``patience`` epochs."""

    monitor: str = field(Text(), "val_loss", "quantity watched")
    patience: int = field(NON_NEGATIVE, 5, "epochs without improvement before stopping")
    restore_best_weights: bool = field(Bool(), True, "end with the best epoch's weights")


@attrs.frozen(kw_only=True)
class ReduceOnPlateauSpec:
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving."""

    monitor: str = field(Text(), "val_loss", "quantity watched")
    factor: float = field(Float(positive=True, below=1.0), 0.5, "learning-rate multiplier")
    patience: int = field(NON_NEGATIVE, 2, "epochs without improvement before reducing")
    min_lr: float = field(Float(minimum=0.0), 0.0, "lower bound of the learning rate")


@attrs.frozen(kw_only=True)
class CallbacksSpec:
    """Callbacks run during ``fit``."""

    early_stopping: EarlyStoppingSpec | None = field(
        Maybe(Instance(EarlyStoppingSpec, "early stopping settings such as {patience: 5}")),
        None, "stop when the monitored quantity stalls")
    reduce_on_plateau: ReduceOnPlateauSpec | None = field(
        Maybe(Instance(ReduceOnPlateauSpec, "plateau settings such as {factor: 0.5}")),
        None, "lower the learning rate when the monitored quantity stalls")
    checkpoint: bool = field(Bool(), True, "keep the best model (by val_loss) as the result")
    backup_and_restore: bool = field(Bool(), False, "back up every epoch so an interrupted run resumes")


def _metrics_tuples(value: Any) -> Any:
    """Lists become tuples, also inside a per-output mapping, so specs stay hashable."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, Mapping):
        return {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
    return value


_METRICS_RULE = Maybe(Either(METRIC_LIST, MapOf(METRIC_LIST, 1)))


@attrs.frozen(kw_only=True)
class TrainSpec:
    """How to train the model: optimizer, losses and metrics (one for all outputs or one per
    output name), batch size, epochs, validation split, callbacks, precision and seed."""

    optimizer: OptimizerSpec = field(
        Instance(OptimizerSpec, "an optimizer name or {name, learning_rate, ...}",
                 lambda: {"anyOf": [{"$ref": "#/$defs/OptimizerSpec"}, {"enum": list(OPTIMIZERS)}]}),
        attrs.Factory(OptimizerSpec), "optimizer name or settings")
    loss: str | dict[str, str] | None = field(
        Maybe(Either(LOSS, MapOf(LOSS, 1))), None,
        "one loss, or a mapping of output names to losses (inferred from the outputs if null); "
        "ctc takes integer label sequences right-padded with 0, the blank")
    metrics: tuple[str, ...] | dict[str, tuple[str, ...]] | None = attrs.field(
        default=None, validator=_METRICS_RULE, converter=_metrics_tuples,
        metadata={"rule": _METRICS_RULE,
                  "doc": "metric names, or a mapping of output names to metric names "
                         "(accuracy for classification outputs if null)"})
    batch_size: int = field(POSITIVE, 32, "examples per step")
    epochs: int = field(POSITIVE, 10, "passes over the training data")
    validation_split: float = field(RATE, 0.1, "fraction of the training data held out")
    callbacks: CallbacksSpec = field(Instance(CallbacksSpec, "callback settings"),
                                     attrs.Factory(CallbacksSpec), "callbacks")
    mixed_precision: str | None = field(Maybe(OneOf("mixed_float16", "mixed_bfloat16")), None,
                                        "global mixed-precision policy (float32 if null)")
    seed: int | None = field(Maybe(Int(0, 2**32 - 1)), None, "seed for weights, shuffling and dropout")
    backup: str | int | None = field(
        Maybe(Either(OneOf("epoch"), POSITIVE)), None,
        "back up the training state every epoch (epoch) or every N batches; a killed run, "
        "started again with the same command, resumes from the last backup")

    def __attrs_post_init__(self) -> None:
        monitors = [c.monitor for c in (self.callbacks.early_stopping, self.callbacks.reduce_on_plateau)
                    if c is not None]
        if self.validation_split == 0 and any(m.startswith("val_") for m in monitors):
            raise SpecError("validation_split", "callbacks monitor val_ quantities, so it must be above 0")


def _register_short_optimizer() -> None:
    """Let documents write ``optimizer: adam`` for ``optimizer: {name: adam}``."""
    from .convert import _structure_attrs, converter, unbound_first

    def structure(value: Any, cls: type) -> OptimizerSpec:
        return _structure_attrs({"name": value} if isinstance(value, str) else value, cls)

    converter.register_structure_hook(OptimizerSpec, unbound_first(structure))


_register_short_optimizer()
