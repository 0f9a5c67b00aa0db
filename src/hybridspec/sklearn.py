"""scikit-learn estimators for documents, on Keras 3's own wrappers (keras.wrappers).

``SpecClassifier(spec, **{"body[1].units": 64})``: any document path is an estimator
parameter, so ``GridSearchCV(SpecClassifier(spec), {"body[1].dense.units": [32, 64],
"train.learning_rate": [1e-3, 1e-2]})`` searches the document. A path that holds a search node
binds it; every search node must be bound by a parameter before ``fit``. Rows of ``X`` are
the document's single input, flattened (they are reshaped to the input's shape; an input of
shape ``[null]`` takes as many features as ``X`` has); the train section gives the
optimizer, loss, epochs and batch size. Importing this module imports Keras and scikit-learn.
"""

from __future__ import annotations

import math
from typing import Any

from keras.wrappers import SKLearnClassifier, SKLearnRegressor
from sklearn.base import BaseEstimator

from .specs import ModelSpec, SpecError, load
from .specs.documents import from_data


def is_path(name: str) -> bool:
    """Whether an estimator parameter names a document path (it has a dot or an index)."""
    return "." in name or "[" in name


def bind(spec: ModelSpec | str, values: dict[str, Any]) -> ModelSpec:
    """The document with ``values`` set at their paths and its search nodes bound by them."""
    from .graphs.space import bind_data, dims, document
    from .specs.paths import set_path

    data = document(load(spec) if isinstance(spec, str) else spec)
    searched = {d.path for d in dims(data)}
    combo = {k: v for k, v in values.items() if k in searched}
    for path, value in values.items():
        if path not in searched:
            data = set_path(data, path, value)
    return from_data(bind_data(data, combo))


class _SpecModel:
    """What the classifier and the regressor share: parameters that are paths, the model."""

    def __init__(self, spec: ModelSpec | str, *, epochs: int | None = None,
                 batch_size: int | None = None, verbose: int = 0, **paths: Any) -> None:
        self.spec = spec
        self.epochs = epochs
        self.batch_size = batch_size
        self.verbose = verbose
        for path, value in paths.items():
            setattr(self, path, value)

    def _paths(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if is_path(k)}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {**BaseEstimator.get_params(self, deep), **self._paths()}  # type: ignore[arg-type]

    def set_params(self, **params: Any) -> Any:
        for path in [k for k in params if is_path(k)]:
            setattr(self, path, params.pop(path))
        return BaseEstimator.set_params(self, **params)  # type: ignore[arg-type]

    def __sklearn_clone__(self) -> Any:
        return BaseEstimator.__sklearn_clone__(self)  # type: ignore[arg-type]

    def _raw(self, X: Any) -> Any:
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return self.model_.predict(validate_data(self, X, reset=False), verbose=self.verbose)  # type: ignore[attr-defined]

    def predict(self, X: Any) -> Any:
        return self._reverse_process_target(self._raw(X))  # type: ignore[attr-defined]

    def document(self) -> ModelSpec:
        """The concrete document this estimator fits (its path parameters applied)."""
        return bind(self.spec, self._paths())

    @property
    def fit_kwargs(self) -> dict[str, Any]:
        train = self.document().train
        return {"epochs": self.epochs or (train.epochs if train else 10),
                "batch_size": self.batch_size or (train.batch_size if train else 32),
                "verbose": self.verbose}

    def _get_model(self, X: Any, y: Any) -> Any:
        import keras

        from .graphs import check
        from .graphs.build import build
        from .training.check import SPARSE, plan
        from .training.run import compile_args

        spec = self.document()
        if len(spec.inputs) != 1:
            raise SpecError("inputs", f"a scikit-learn estimator has one input X, the document has {len(spec.inputs)}")
        ((name, inp),) = spec.inputs.items()
        if inp.shape == (None,):  # shape [null]: as many features as X has
            spec = bind(spec, {f"inputs.{name}.shape": [X.shape[1]]})
        plans = plan(spec, check(spec))
        if len(plans) != 1:
            raise SpecError("outputs", f"a scikit-learn estimator has one target y, the document has {len(plans)} outputs")
        ((out, p),) = plans.items()
        classes = len(getattr(self, "classes_", ()))
        if isinstance(self, SpecClassifier) and p.shape[-1] != classes and not (classes == 2 and p.shape[-1] == 1):
            raise SpecError(f"outputs.{out}" if spec.nodes else "body", f"gives {p.shape[-1]} class scores, "
                            f"but y has {classes} classes ({list(self.classes_)})")  # type: ignore[attr-defined]
        if isinstance(self, SpecClassifier) and p.loss == SPARSE:  # the wrapper one-hot encodes y
            import attrs

            plans = {out: attrs.evolve(p, loss="categorical_crossentropy")}
        (shape,) = [i.shape for i in spec.inputs.values()]
        if None in shape or math.prod(shape) != X.shape[1]:  # type: ignore[arg-type]
            raise SpecError("inputs", f"rows of X have {X.shape[1]} features; the input's shape "
                            f"{list(shape)} needs {math.prod(s or 0 for s in shape)}")
        if spec.train is not None and spec.train.seed is not None:
            keras.utils.set_random_seed(spec.train.seed)
        inner = build(spec)
        flat = keras.Input((X.shape[1],), name="x")
        result = inner(keras.layers.Reshape(shape)(flat) if len(shape) > 1 else flat)
        model = keras.Model(flat, next(iter(result.values())) if isinstance(result, dict) else result,
                            name=spec.name)
        args = compile_args(spec, plans)
        model.compile(**{k: next(iter(v.values())) if isinstance(v, dict) else v for k, v in args.items()})
        return model


class SpecClassifier(_SpecModel, SKLearnClassifier):
    """A scikit-learn classifier that fits a document (parameters: document paths)."""

    def decision_function(self, X: Any) -> Any:
        return self._raw(X)


class SpecRegressor(_SpecModel, SKLearnRegressor):
    """A scikit-learn regressor that fits a document (parameters: document paths)."""

    def fit(self, X: Any, y: Any, **kwargs: Any) -> Any:
        import numpy as np

        self.flat_target_ = np.ndim(y) == 1
        return super().fit(X, y, **kwargs)

    def predict(self, X: Any) -> Any:
        out = super().predict(X)
        return out.reshape(-1) if getattr(self, "flat_target_", False) and out.ndim == 2 and out.shape[1] == 1 else out
