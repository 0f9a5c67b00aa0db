"""Train a spec on a data source and write the results (imports Keras only when called).

``train`` checks the spec, its ``train:`` section and the data statically, builds the model,
compiles and fits it as the section says (defaults when there is none), evaluates it on the
test split and writes into ``out_dir``: ``<name>.keras`` (the best model, written atomically),
``<name>.yaml`` (the spec), ``history.csv`` and ``learning_curve.png``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..graphs import check
from ..graphs.build import build
from ..specs import ModelSpec, TrainSpec, dumps
from ..specs.documents import replacing, write_atomic
from ..specs.train import OptimizerSpec
from .check import SPARSE, OutputPlan, plan
from .data import Dataset, load_data, match

LOSS_CLASSES = {
    "mse": "MeanSquaredError", "mae": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
    "huber": "Huber", "log_cosh": "LogCosh", "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy", SPARSE: "SparseCategoricalCrossentropy",
    "kl_divergence": "KLDivergence", "poisson": "Poisson", "hinge": "Hinge",
    "cosine_similarity": "CosineSimilarity",
}
METRIC_CLASSES = {
    "binary_accuracy": "BinaryAccuracy", "categorical_accuracy": "CategoricalAccuracy",
    "sparse_categorical_accuracy": "SparseCategoricalAccuracy",
    "top_k_categorical_accuracy": "TopKCategoricalAccuracy",
    "sparse_top_k_categorical_accuracy": "SparseTopKCategoricalAccuracy", "auc": "AUC",
    "precision": "Precision", "recall": "Recall", "mae": "MeanAbsoluteError",
    "mse": "MeanSquaredError", "rmse": "RootMeanSquaredError", "mape": "MeanAbsolutePercentageError",
}
OPTIMIZER_CLASSES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adamw": "AdamW",
                     "adadelta": "Adadelta"}


def optimizer(spec: OptimizerSpec) -> Any:
    import keras

    kwargs: dict[str, Any] = {"learning_rate": spec.learning_rate}
    if spec.momentum:
        kwargs["momentum"] = spec.momentum
    for key in ("weight_decay", "clipnorm", "clipvalue"):
        if getattr(spec, key) is not None:
            kwargs[key] = getattr(spec, key)
    return getattr(keras.optimizers, OPTIMIZER_CLASSES[spec.name])(**kwargs)


def loss(out: OutputPlan) -> Any:
    import keras

    cls = getattr(keras.losses, LOSS_CLASSES[out.loss])
    return cls(from_logits=True) if out.from_logits else cls()


def metric(name: str, out: OutputPlan) -> Any:
    """A metric object; ``accuracy`` is the accuracy that suits the output's loss."""
    import keras

    kind = name
    if name == "accuracy":
        kind = {SPARSE: "sparse_categorical_accuracy", "binary_crossentropy": "binary_accuracy"}.get(
            out.loss, "categorical_accuracy")
    kwargs: dict[str, Any] = {"name": name}
    if kind == "binary_accuracy" and out.from_logits:
        kwargs["threshold"] = 0.0
    if kind == "auc":
        kwargs["from_logits"] = out.from_logits
    return getattr(keras.metrics, METRIC_CLASSES[kind])(**kwargs)


def compile_args(spec: ModelSpec, plans: dict[str, OutputPlan]) -> dict[str, Any]:
    """``model.compile`` arguments: per-output dicts for graph models, single values for bodies."""
    train = spec.train or TrainSpec()
    losses = {k: loss(p) for k, p in plans.items()}
    metrics = {k: [metric(m, p) for m in p.metrics] for k, p in plans.items()}
    if spec.body is not None:
        (name,) = plans
        return {"optimizer": optimizer(train.optimizer), "loss": losses[name], "metrics": metrics[name]}
    return {"optimizer": optimizer(train.optimizer), "loss": losses, "metrics": metrics}


def best_weights(monitor: str) -> Any:
    """A callback keeping the weights of the epoch with the lowest ``monitor`` (in memory)."""
    import keras

    class BestWeights(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.best, self.weights, self.epoch = float("inf"), None, -1

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            value = (logs or {}).get(monitor)
            if value is not None and value < self.best:
                self.best, self.weights, self.epoch = value, self.model.get_weights(), epoch

        def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
            if self.weights is not None:
                self.model.set_weights(self.weights)

    return BestWeights()


def callbacks(train: TrainSpec, out_dir: Path) -> list[Any]:
    import keras

    found: list[Any] = []
    chosen = train.callbacks
    if chosen.early_stopping:
        es = chosen.early_stopping
        found.append(keras.callbacks.EarlyStopping(monitor=es.monitor, patience=es.patience,
                                                   restore_best_weights=es.restore_best_weights))
    if chosen.reduce_on_plateau:
        rp = chosen.reduce_on_plateau
        found.append(keras.callbacks.ReduceLROnPlateau(monitor=rp.monitor, factor=rp.factor,
                                                       patience=rp.patience, min_lr=rp.min_lr))
    if chosen.backup_and_restore:
        found.append(keras.callbacks.BackupAndRestore(str(out_dir / "backup")))
    if chosen.checkpoint:
        found.append(best_weights("val_loss" if train.validation_split else "loss"))
    return found


def save_model(model: Any, path: Path) -> None:
    """``model.save`` to a temporary ``.keras`` file beside ``path``, then rename it into place."""
    with replacing(path, ".keras") as tmp:
        model.save(tmp)


def write_history(history: dict[str, list[float]], path: Path) -> None:
    keys = list(history)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for epoch, row in enumerate(zip(*(history[k] for k in keys), strict=True), start=1):
        writer.writerow([epoch, *(f"{float(v):.6g}" for v in row)])
    write_atomic(path, text.getvalue())


def plot_history(history: dict[str, list[float]], path: Path, title: str) -> None:
    """One panel per quantity (loss, each metric), training and validation curves."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [k for k in history if not k.startswith("val_") and k != "learning_rate"]
    fig = Figure(figsize=(4.5 * len(names), 3.4), layout="constrained")
    FigureCanvasAgg(fig)
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names, strict=True):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker=".", label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker=".", label="validation")
        ax.set(title=name, xlabel="epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    write_atomic(path, buffer.getvalue())


def _arrays(spec: ModelSpec, arrays: dict[str, Any]) -> Any:
    """A body model takes and gives single arrays; a graph model dicts by name."""
    return next(iter(arrays.values())) if spec.body is not None else arrays


def train(spec: ModelSpec, data: Dataset | str, out_dir: str | os.PathLike[str], *,
          epochs: int | None = None, batch_size: int | None = None, verbose: int = 1,
          log: Callable[[str], None] = print, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Train ``spec`` on ``data`` (a Dataset or a source name); return the test metrics, the
    fitted model and the paths written. Everything is written under ``out_dir``; files the
    document names are read from ``folder``."""
    settings = spec.train or TrainSpec()
    plans = plan(spec, check(spec, folder))
    dataset = data if isinstance(data, Dataset) else load_data(data, seed=settings.seed or 0)
    dataset = match(dataset, spec, plans)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    import keras

    previous = keras.mixed_precision.global_policy().name
    try:
        keras.mixed_precision.set_global_policy(settings.mixed_precision or "float32")
        if settings.seed is not None:
            keras.utils.set_random_seed(settings.seed)
        model = build(spec, folder)
        model.compile(**compile_args(spec, plans))
        fitted = model.fit(
            _arrays(spec, dataset.train.x), _arrays(spec, dataset.train.y),
            batch_size=batch_size or settings.batch_size, epochs=epochs or settings.epochs,
            validation_split=settings.validation_split, callbacks=callbacks(settings, out),
            verbose=verbose)
        scores = model.evaluate(_arrays(spec, dataset.test.x), _arrays(spec, dataset.test.y),
                                batch_size=batch_size or settings.batch_size, verbose=0,
                                return_dict=True)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    paths = {"model": out / f"{spec.name}.keras", "spec": out / f"{spec.name}.yaml",
             "history": out / "history.csv", "curve": out / "learning_curve.png"}
    save_model(model, paths["model"])
    write_atomic(paths["spec"], dumps(spec))
    history = {k: [float(v) for v in vs] for k, vs in fitted.history.items()}
    write_history(history, paths["history"])
    plot_history(history, paths["curve"], f"{spec.name} on {dataset.name}")
    scores = {k: float(v) for k, v in scores.items()}
    log("test: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    log(f"saved the model to {paths['model']}, the history and learning curve beside it")
    return {"metrics": scores, "history": history, "model": model, "dataset": dataset,
            "paths": {k: str(v) for k, v in paths.items()}}
