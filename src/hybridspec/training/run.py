"""Train a spec on a data source and write the results (imports Keras only when called).

``train`` checks the spec, its ``train:`` section and the data statically, builds the model,
adapts its ``normalization`` blocks that have no mean and variance to the training data,
compiles and fits it as the section says (defaults when there is none), evaluates it on the
test split and writes into ``out_dir``: ``<name>.keras`` (the best model, written atomically),
``<name>.yaml`` (the spec), ``history.csv`` and ``learning_curve.png``.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..graphs import check
from ..graphs.build import build
from ..graphs.provenance import save
from ..specs import ModelSpec, TrainSpec, dumps
from ..specs.documents import write_atomic
from ..specs.train import OptimizerSpec
from . import ctc
from .adapt import adapt_normalization
from .backup import backup_callback, backup_epoch, best_callback, history_callback, read_history
from .check import CTC, SPARSE, OutputPlan, plan
from .data import Dataset, load_data, match
from .distribute import check_batch, fit_data, worker_dir

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

    if out.loss == CTC:
        return ctc.loss(out)

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


def callbacks(train: TrainSpec, out_dir: Path | None) -> list[Any]:
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
    if out_dir is None:  # nothing written (a tuning trial): no backup, history or best weights
        return found
    every = train.backup or ("epoch" if chosen.backup_and_restore else None)
    if every is not None:
        found.append(backup_callback(out_dir / "backup", every))
    found.append(history_callback(out_dir / "history.csv"))
    if chosen.checkpoint:
        found.append(best_callback("val_loss" if train.validation_split else "loss",
                                   out_dir / "best.weights.h5", out_dir / "history.csv"))
    return found


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
          strategy: Any = None, log: Callable[[str], None] = print,
          folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Train ``spec`` on ``data`` (a Dataset or a source name); return the test metrics, the
    fitted model and the paths written. Everything is written under ``out_dir`` (a worker of
    a multi-worker cluster other than the chief writes into ``out_dir/worker-N``); files the
    document names are read from ``folder``. With a tf.distribute ``strategy``, the model is
    built and compiled in its scope and the batch size is the global batch (across hosts, use
    the strategy ``distribute.strategy_of("multi-worker")`` makes)."""
    settings = spec.train or TrainSpec()
    plans = plan(spec, check(spec, folder))
    dataset = data if isinstance(data, Dataset) else load_data(data, seed=settings.seed or 0)
    dataset = match(dataset, spec, plans)
    out = worker_dir(Path(out_dir))
    out.mkdir(parents=True, exist_ok=True)
    batch = batch_size or settings.batch_size
    if strategy is not None:
        check_batch(batch, strategy)
        log(f"training on {strategy.num_replicas_in_sync} replicas ({type(strategy).__name__}), "
            f"{batch // strategy.num_replicas_in_sync} examples per replica and step")

    import keras

    previous = keras.mixed_precision.global_policy().name
    try:
        keras.mixed_precision.set_global_policy(settings.mixed_precision or "float32")
        if settings.seed is not None:
            keras.utils.set_random_seed(settings.seed)
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            model = build(spec, folder)
            adapt_normalization(model, _arrays(spec, dataset.train.x))
            model.compile(**compile_args(spec, plans))
        if (resumed := backup_epoch(out / "backup")) is not None:
            log(f"resuming from the backup taken after epoch {resumed}")
        across_hosts = type(strategy).__name__ == "MultiWorkerMirroredStrategy"
        model.fit(**fit_data(_arrays(spec, dataset.train.x), _arrays(spec, dataset.train.y), batch,
                             settings.validation_split, settings.seed or 0, across_hosts),
                  epochs=epochs or settings.epochs, callbacks=callbacks(settings, out), verbose=verbose)
        scores = model.evaluate(_arrays(spec, dataset.test.x), _arrays(spec, dataset.test.y),
                                batch_size=batch, verbose=0,
                                return_dict=True)
    finally:
        keras.mixed_precision.set_global_policy(previous)
    paths = {"model": out / f"{spec.name}.keras", "spec": out / f"{spec.name}.yaml",
             "history": out / "history.csv", "curve": out / "learning_curve.png"}
    ctc.make_savable(model, plans)
    save(model, paths["model"])  # with its document inside, atomically
    write_atomic(paths["spec"], dumps(spec))
    history = read_history(paths["history"])  # every epoch, also those before a resume
    plot_history(history, paths["curve"], f"{spec.name} on {dataset.name}")
    scores = {k: float(v) for k, v in scores.items()}
    log("test: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    log(f"saved the model to {paths['model']}, the history and learning curve beside it")
    return {"metrics": scores, "history": history, "model": model, "dataset": dataset,
            "paths": {k: str(v) for k, v in paths.items()}}
