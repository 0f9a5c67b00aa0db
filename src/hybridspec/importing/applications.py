"""Every keras.applications architecture through ``from_keras``, built offline (weights=None,
no top, a small input): imported with Keras's parameter counts, or the first missing piece.

Run ``python -m hybridspec.importing.applications`` for the table. Imports Keras.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import attrs

SMALLEST = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}  # others take 32


@attrs.frozen
class Outcome:
    name: str
    ok: bool
    detail: str


def architectures() -> list[str]:
    """The model constructors of keras.applications."""
    import keras

    return sorted(n for n in dir(keras.applications) if n[0].isupper() and callable(getattr(keras.applications, n)))


def build(name: str) -> Any:
    import keras

    size = SMALLEST.get(name, 32)
    return getattr(keras.applications, name)(weights=None, include_top=False, input_shape=(size, size, 3))


def sweep_one(name: str) -> Outcome:
    """Import one architecture: equal counts, or what stands in the way."""
    import keras

    from ..graphs import check
    from ..specs import SpecError
    from . import from_keras

    keras.backend.clear_session()
    try:
        model = build(name)
    except Exception as exc:  # noqa: BLE001 (not ours: the architecture does not build offline)
        return Outcome(name, False, f"does not build offline: {exc}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = check(from_keras(model))
    except SpecError as exc:
        if "does not check" in exc.message:
            return Outcome(name, False, f"unsupported use of a kind: {exc}")
        others = [c for c in kindless(model) if c != exc.kind]
        also = f" (no kind either: {', '.join(others)})" if others else ""
        return Outcome(name, False, f"missing {exc.kind or 'piece'}: {exc}{also}")
    ours = (report.trainable, report.non_trainable)
    theirs = (_count(model.trainable_weights), _count(model.non_trainable_weights))
    if ours != theirs:
        return Outcome(name, False, f"parameters differ: ours {ours}, Keras {theirs}")
    return Outcome(name, True, f"{report.params:,} parameters")


def kindless(model: Any) -> list[str]:
    """Classes of the layers in ``model`` (nested ones too) that no kind or hook imports."""
    import keras

    from .layers import IMPORTERS, SPLITS, kind_of

    found: dict[str, None] = {}
    for layer in model._flatten_layers(include_self=False):
        cls = type(layer).__name__
        if not isinstance(layer, keras.Model | keras.layers.InputLayer) and cls not in IMPORTERS | SPLITS \
                and kind_of(cls) is None:
            found.setdefault(cls)
    return list(found)


def _count(weights: list[Any]) -> int:
    import math

    return sum(math.prod(w.shape) for w in weights)


def main(names: list[str]) -> int:
    outcomes = []
    for name in names or architectures():
        outcomes.append(o := sweep_one(name))
        print(f"{o.name:24} {'ok' if o.ok else 'FAIL':5} {o.detail}", flush=True)
    print(f"{sum(o.ok for o in outcomes)} of {len(outcomes)} imported with Keras's parameter counts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
