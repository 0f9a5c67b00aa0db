"""Tuning with KerasTuner: a ``HyperModel`` whose space is the document's search nodes.

``hypermodel(spec)`` checks the space statically first (``graphs.space``), then declares one
hyperparameter per search node, named by its document path, up front (conditional ones in
the scope of their ``one_of`` branch). The oracles of ``tuner`` only propose combinations the
static check accepts, and ``build`` refuses any other (``FailedTrialError``) before a layer
is made, so no trial ever builds an invalid model. keras_tuner and Keras load on first use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import attrs

from .graphs import check
from .graphs.space import Combo, Dim, Judge, SpaceReport, check_space, concrete, dims, document, key
from .specs import ModelSpec, SpecError, TrainSpec
from .specs.search import Choice, FloatRange, IntRange, OneOf

TUNERS = ("random", "bayesian", "hyperband")
TRIES = 200  # random draws an oracle makes to find a valid combination


def _coded(d: Dim) -> bool:
    """Whether a choice's values go to KerasTuner as indices (mixed types or null)."""
    if not isinstance(d.node, Choice):
        return False
    kinds = {type(v) for v in d.node.values}
    return len(kinds) != 1 or not kinds <= {int, float, str, bool}


def declare(hp: Any, found: list[Dim]) -> None:
    """One hyperparameter per dimension, in the conditional scopes of its branches."""
    by_path = {d.path: d for d in found}
    for d in found:
        with contextlib.ExitStack() as scopes:
            chain, parent = [], d.parent
            while parent is not None:
                chain.append(parent)
                parent = by_path[parent[0]].parent
            for path, index in reversed(chain):
                scopes.enter_context(hp.conditional_scope(path, [index]))
            _declare_one(hp, d)


def _declare_one(hp: Any, d: Dim) -> None:
    node = d.node
    if isinstance(node, OneOf | Choice):
        values = list(range(len(node.options()))) if isinstance(node, OneOf) or _coded(d) else list(node.values)
        hp.Choice(d.path, values, ordered=False)
    elif isinstance(node, IntRange):
        hp.Int(d.path, node.lo, node.hi, step=node.step) if node.hi > node.lo else hp.Fixed(d.path, node.lo)
    elif isinstance(node, FloatRange):
        hp.Float(d.path, float(node.lo), float(node.hi), sampling="log" if node.log else "linear")


def combo_of(found: list[Dim], values: Mapping[str, Any]) -> Combo:
    """A combination from KerasTuner values (inactive and tuner/ entries left out)."""
    combo: Combo = {}
    for d in found:
        if (d.parent is None or combo.get(d.parent[0]) == d.parent[1]) and d.path in values:
            value = values[d.path]
            combo[d.path] = d.node.values[value] if _coded(d) else value  # type: ignore[attr-defined]
    return combo


def objective(spec: ModelSpec) -> tuple[str, str]:
    """(name, direction): validation accuracy for a one-output classifier, else validation loss."""
    from .training.check import plan

    plans = plan(spec, check(spec))
    split = (spec.train or TrainSpec()).validation_split
    prefix = "val_" if split else ""
    if len(plans) == 1:
        (only,) = plans.values()
        if "accuracy" in only.metrics:
            return f"{prefix}accuracy", "max"
    return f"{prefix}loss", "min"


@cache
def _classes() -> tuple[type, Callable[[type], type], Callable[[type], type]]:
    """The HyperModel class and the factories of guarded oracles and tuners (imports keras_tuner)."""
    import keras_tuner as kt

    class SpecHyperModel(kt.HyperModel):
        """Builds and fits the concrete document of each trial's combination."""

        def __init__(self, spec: ModelSpec | Mapping[str, Any], max_params: int | None = None,
                     report: SpaceReport | None = None) -> None:
            self.data = document(spec)
            super().__init__(name=str(self.data.get("name", "hybridspec")))
            self.dims = dims(self.data)
            self.report = report or check_space(self.data, max_params=max_params)
            self.judge = Judge(self.data, max_params)
            self.builds: list[Combo] = []
            self.rejected: list[Combo] = []

        def declare_hyperparameters(self, hp: Any) -> None:
            declare(hp, self.dims)

        def valid(self, values: Mapping[str, Any]) -> bool:
            return self.judge(combo_of(self.dims, values)).ok

        def concrete(self, values: Mapping[str, Any]) -> ModelSpec:
            """The concrete document (every search node replaced by its value) for ``values``."""
            return concrete(self.data, combo_of(self.dims, values))

        def build(self, hp: Any) -> Any:
            import keras

            from .graphs.build import build
            from .training.check import plan
            from .training.run import compile_args

            combo = combo_of(self.dims, hp.values)
            outcome = self.judge(combo)
            if not outcome.ok:
                self.rejected.append(combo)
                raise kt.errors.FailedTrialError(f"refused statically: {outcome.path}: {outcome.message}")
            spec = concrete(self.data, combo)
            if spec.train is not None and spec.train.seed is not None:
                keras.utils.set_random_seed(spec.train.seed)
            model = build(spec)
            model.compile(**compile_args(spec, plan(spec, check(spec))))
            self.builds.append(combo)
            return model

        def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
            from .training.run import callbacks

            settings = self.concrete(hp.values).train or TrainSpec()
            kwargs.setdefault("batch_size", settings.batch_size)
            kwargs.setdefault("epochs", settings.epochs)
            if "validation_data" not in kwargs:
                kwargs.setdefault("validation_split", settings.validation_split)
            quiet = attrs.evolve(settings.callbacks, backup_and_restore=False)
            own = callbacks(attrs.evolve(settings, callbacks=quiet), None)
            kwargs["callbacks"] = [*kwargs.get("callbacks", []), *own]
            return model.fit(*args, **kwargs)

    def guarded(oracle_cls: type) -> type:
        class Guarded(oracle_cls):  # type: ignore[misc,valid-type]
            """Proposes only combinations that ``self.valid`` accepts."""

            valid: Callable[[Mapping[str, Any]], bool]

            def _random_values(self) -> dict[str, Any] | None:
                for _ in range(TRIES):
                    values = super()._random_values()
                    if values is None or self.valid(values):
                        return values
                return None

            def populate_space(self, trial_id: str) -> dict[str, Any]:
                result = super().populate_space(trial_id)
                values = result.get("values")
                if values and not self.valid(values):
                    fresh = self._random_values()
                    if fresh is None:
                        return {"status": "STOPPED", "values": None}
                    tags = {k: v for k, v in values.items() if k.startswith("tuner/")}
                    result = {**result, "values": {**fresh, **tags}}
                return result

        Guarded.__name__ = f"Guarded{oracle_cls.__name__}"
        return Guarded

    def tuner_class(base: type) -> type:
        class SpecTuner(base):  # type: ignore[misc,valid-type]
            """A tuner whose space is declared, never discovered by building models."""

            def __init__(self, oracle: Any, hypermodel: Any, log: Callable[[str], None] = print,
                         **kwargs: Any) -> None:
                kt.Tuner.__init__(self, oracle=oracle, hypermodel=hypermodel, **kwargs)
                self.log = log

            def _populate_initial_space(self) -> None:
                hp = self.oracle.get_space()
                self.hypermodel.declare_hyperparameters(hp)
                self.oracle.update_space(hp)

            def _configure_tensorboard_dir(self, callbacks: list[Any], *args: Any) -> None:
                # KerasTuner imports tensorboard here even when no TensorBoard callback is used
                if any(type(c).__name__ == "TensorBoard" for c in callbacks):
                    super()._configure_tensorboard_dir(callbacks, *args)

            def on_trial_end(self, trial: Any) -> None:
                super().on_trial_end(trial)
                self.log(progress(self, trial))

        SpecTuner.__name__ = f"Spec{base.__name__}"
        return SpecTuner

    return SpecHyperModel, guarded, tuner_class


def hypermodel(spec: ModelSpec | Mapping[str, Any], *, max_params: int | None = None,
               report: SpaceReport | None = None) -> Any:
    """A ``keras_tuner.HyperModel`` for a document with search nodes (checked statically first;
    a SpecError when no combination is valid)."""
    return _classes()[0](spec, max_params, report)


def tuner(model: Any, kind: str = "random", *, max_trials: int = 10, objective_: tuple[str, str] | None = None,
          directory: str = "tuning", max_epochs: int = 10, seed: int | None = None,
          log: Callable[[str], None] = print, **kwargs: Any) -> Any:
    """A KerasTuner tuner (random, bayesian or hyperband) over ``model``, a ``hypermodel(...)``,
    whose oracle proposes only valid combinations."""
    import keras_tuner as kt

    if kind not in TUNERS:
        raise ValueError(f"tuner must be one of {', '.join(TUNERS)}, got {kind!r}")
    _, guarded, tuner_class = _classes()
    name, direction = objective_ or objective(concrete(model.data, model.report.example))
    goal = kt.Objective(name, direction)
    oracles = {"random": (kt.oracles.RandomSearchOracle, kt.Tuner, {"max_trials": max_trials}),
               "bayesian": (kt.oracles.BayesianOptimizationOracle, kt.Tuner, {"max_trials": max_trials}),
               "hyperband": (kt.oracles.HyperbandOracle, kt.Hyperband, {"max_epochs": max_epochs})}
    oracle_cls, base, extra = oracles[kind]
    oracle = guarded(oracle_cls)(objective=goal, seed=seed, **extra)
    oracle.valid = model.valid
    return tuner_class(base)(oracle, model, log=log, directory=directory,
                             project_name=model.name, overwrite=True, **kwargs)


def progress(tuner: Any, trial: Any) -> str:
    """One line per finished trial: number, score, best so far and the chosen values."""
    trials = list(tuner.oracle.trials.values())
    scores = [t.score for t in trials if t.score is not None]
    best = (max if tuner.oracle.objective.direction == "max" else min)(scores) if scores else None
    shown = ", ".join(f"{k}={_short(v)}" for k, v in combo_of(tuner.hypermodel.dims, trial.hyperparameters.values).items())
    score = "failed" if trial.score is None else f"{trial.score:.4f}"
    best_text = "" if best is None else f" (best {best:.4f})"
    return f"trial {len(trials)}: {tuner.oracle.objective.name} {score}{best_text}  {shown}"


def _short(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(_short, value)) + "]"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def trial_rows(tuner: Any) -> list[dict[str, Any]]:
    """The trial table: id, status, score and every dimension's value (None when inactive)."""
    model = tuner.hypermodel
    rows = []
    for trial in tuner.oracle.trials.values():
        combo = combo_of(model.dims, trial.hyperparameters.values)
        outcome = model.judge.seen.get(key(combo))
        rows.append({"trial": trial.trial_id, "status": trial.status, "score": trial.score,
                     "params": outcome.params if outcome else None,
                     **{d.path: _listed(combo.get(d.path)) for d in model.dims}})
    return rows


def _listed(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def best_document(tuner: Any) -> ModelSpec:
    """The concrete document of the best trial."""
    (best,) = tuner.oracle.get_best_trials(1) or [None]
    if best is None:
        raise SpecError("", "no trial completed, so there is no best document")
    return tuner.hypermodel.concrete(best.hyperparameters.values)
