"""Keras models to documents: ``from_keras(model)`` reads the graph layer by layer through the
Keras-coverage table and simplifies it (chains, residuals, branches, shared nodes). Imports
Keras when called."""

from __future__ import annotations

from typing import Any

from ..specs import ModelSpec, SpecError


def from_keras(model: Any, define: bool = True) -> ModelSpec:
    """The shortest document for a functional or built Sequential Keras model; a SpecError
    names the first layer that cannot be imported. ``define`` writes repeated blocks once,
    as definitions with the numbers that differ as parameters."""
    from ..graphs import check
    from .document import to_spec
    from .graph import read
    from .patterns import fold_patterns
    from .repeats import define_repeats
    from .simplify import simplify

    graph = read(model)
    fold_patterns(graph)
    simplify(graph)
    spec = to_spec(model.name, graph, [t._keras_history[0].name for t in model.inputs],
                   _output_names(model), [str(t.dtype) for t in model.inputs])
    if define:
        spec = define_repeats(spec)
    try:
        check(spec)
    except SpecError as exc:
        raise SpecError(exc.path, f"the imported document does not check: {exc.message}", exc.kind) from None
    return spec


def _output_names(model: Any) -> list[str]:
    struct = getattr(model, "_outputs_struct", None)
    keys = {id(v): k for k, v in struct.items()} if isinstance(struct, dict) else {}
    return [keys.get(id(t), t._keras_history[0].name) for t in model.outputs]
