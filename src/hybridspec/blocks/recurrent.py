"""Recurrent layers: shapes, parameters, Keras builders, and the cuDNN eligibility rule."""

from __future__ import annotations

from typing import Any

from ..specs import GRU, LSTM, Bidirectional, ConvLSTM, SimpleRNN, SpecError
from ..specs.recurrent import Recurrent, RecurrentLayer
from .base import IMPLS, At, Sig, implements, same
from .keras_args import compute_dtype, weight_args

GATES = {LSTM: 4, GRU: 3, SimpleRNN: 1}


CUDNN_CELLS = {"tensorflow": (LSTM, GRU), "jax": (LSTM,), "torch": (LSTM, GRU)}


def cudnn_blockers(spec: RecurrentLayer, backend: str = "tensorflow", masked: bool = False) -> list[tuple[str, str]]:
    """Why a layer would not run the cuDNN kernel on a GPU under the Keras ``backend``, as
    (field, fix) pairs; [] if it would. ``masked``: whether a Keras mask reaches the layer.

    Keras 3 (layers/rnn/lstm.py, gru.py, backend/*/rnn.py) takes the cuDNN path when activation
    is tanh, recurrent_activation sigmoid, recurrent_dropout 0, unroll false, use_bias true, for
    GRU reset_after true, and use_cudnn is not false. On TensorFlow a mask must be right-padded
    with no fully masked sequence (checked at run time); JAX and PyTorch take cuDNN only without
    a mask, and JAX has no cuDNN GRU (it runs a fused scan)."""
    if isinstance(spec, SimpleRNN):
        return [("cell", "use lstm or gru; simple_rnn has no cuDNN kernel")]
    if not isinstance(spec, LSTM | GRU):
        return [("kind", f"{spec.KIND} has no cuDNN kernel; it always runs the generic loop")]
    if not isinstance(spec, CUDNN_CELLS[backend]):
        return [("kind", f"Keras on {backend} has no cuDNN {spec.KIND} kernel; use lstm (or another backend)")]
    wanted = [("activation", "tanh"), ("recurrent_activation", "sigmoid"), ("recurrent_dropout", 0.0),
              ("unroll", False), ("use_bias", True), ("use_cudnn", "auto")]
    if isinstance(spec, GRU):
        wanted.append(("reset_after", True))
    out = []
    for name, good in wanted:
        value = getattr(spec, name)
        if name == "use_cudnn" and value is not False:
            continue
        if value != good:
            out.append((name, f"set {name}: {_yaml(good)} (it is {_yaml(value)})"))
    if masked and backend != "tensorflow":
        out.append(("mask", f"Keras on {backend} takes cuDNN only without a mask: drop the masking "
                    "(mask_zero, masking) or use the tensorflow backend"))
    return out


def _yaml(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def cudnn_status(spec: RecurrentLayer, backend: str = "tensorflow", masked: bool = False) -> str:
    """'cudnn', 'generic' (with a reason) or 'n/a' for a layer without a cuDNN kernel (simple_rnn,
    conv_lstm; ``cudnn_blockers`` says why)."""
    if not isinstance(spec, LSTM | GRU):
        return "n/a"
    blockers = cudnn_blockers(spec, backend, masked)
    return "cudnn" if not blockers else "generic: " + ", ".join(name for name, _ in blockers)


def cudnn_lint(spec: RecurrentLayer | Bidirectional, ins: list[Sig], at: At) -> tuple[str, tuple[str, ...]]:
    """The report's cuDNN status on the report's backend and, off the fast path, a warning
    naming the fixes."""
    layer = spec.layer if isinstance(spec, Bidirectional) else spec
    masked = bool(ins) and ins[0].masked
    status = cudnn_status(layer, at.backend, masked)
    if not status.startswith("generic"):
        return status, ()
    fixes = "; ".join(fix for _, fix in cudnn_blockers(layer, at.backend, masked))
    return status, (f"falls off the cuDNN fast path on GPUs: {fixes}",)


def _cell_shape(spec: Recurrent, ins: list[Sig], at: At) -> Sig | list[Sig]:
    x = at.one(ins)
    at.rank(x, 3, what="(batch, time, features)")
    if x.shape[-1] is None:
        raise at.fail("needs known features (last axis)", x)
    blockers = cudnn_blockers(spec)
    if getattr(spec, "use_cudnn", "auto") is True and blockers:
        raise at.fail("use_cudnn is true but the layer cannot run cuDNN: "
                      + "; ".join(fix for _, fix in blockers))
    units, dtype = spec.units, compute_dtype(spec)
    out = same(x, x.shape[:2] + (units,) if spec.return_sequences else (x.shape[0], units),
               dtype=dtype, masked=x.masked and spec.return_sequences)
    n_states = 2 if isinstance(spec, LSTM) else 1
    if at.initial_state:
        states = at.initial_state
        if len(states) != n_states or any(s.shape[1:] != (units,) for s in states):
            raise at.fail(f"initial_state needs {n_states} state(s) of shape (None, {units}); got "
                          + ", ".join(f"{s.shape} from {s.source}" for s in states))
    if at.return_state:
        return [out] + [Sig((x.shape[0], units), dtype) for _ in range(n_states)]
    return out


def _cell_params(spec: Recurrent, ins: list[Sig]) -> tuple[int, int]:
    d, u, gates = ins[0].shape[-1] or 0, spec.units, GATES[type(spec)]
    bias = 0
    if spec.use_bias:
        bias = gates * u * (2 if isinstance(spec, GRU) and spec.reset_after else 1)
    return gates * u * (d + u) + bias, 0


def keras_cell_layer(spec: Recurrent, name: str, at: At, return_state: bool = False) -> Any:
    import keras

    if getattr(spec, "use_cudnn", "auto") is True and not _gpu_visible():
        raise SpecError(at.path, "use_cudnn is true but no GPU is visible, so Keras cannot run the "
                        "cuDNN kernel; use auto to fall back to the generic kernel", at.kind)

    cls = {LSTM: keras.layers.LSTM, GRU: keras.layers.GRU, SimpleRNN: keras.layers.SimpleRNN}[type(spec)]
    kwargs: dict[str, Any] = dict(
        activation=spec.activation, dropout=spec.dropout, recurrent_dropout=spec.recurrent_dropout,
        return_sequences=spec.return_sequences, return_state=return_state,
        go_backwards=spec.go_backwards, unroll=spec.unroll, name=name, **weight_args(spec))
    if not isinstance(spec, SimpleRNN):
        kwargs.update(recurrent_activation=spec.recurrent_activation,  # type: ignore[attr-defined]
                      use_cudnn=spec.use_cudnn)  # type: ignore[attr-defined]
    if isinstance(spec, GRU):
        kwargs["reset_after"] = spec.reset_after
    if isinstance(spec, LSTM):
        kwargs["unit_forget_bias"] = spec.unit_forget_bias
    return cls(spec.units, **kwargs)


def _gpu_visible() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def _call_cell(spec: Recurrent, layer: Any, xs: list[Any], at: At) -> Any:
    return layer(xs[0], initial_state=list(xs[1:])) if len(xs) > 1 else layer(xs[0])


for _cls in (LSTM, GRU, SimpleRNN):
    implements(_cls, shape=_cell_shape, params=_cell_params, call=_call_cell, lint=cudnn_lint,
               build=lambda spec, name, ins, at: keras_cell_layer(spec, name, at, at.return_state),
               keras=(_cls.__name__,))


def _bidirectional_shape(spec: Bidirectional, ins: list[Sig], at: At) -> Sig | list[Sig]:
    """The merged output (two with merge_mode none), then with return_state the forward layer's
    final states and the backward layer's, as Keras orders them: [h_fw, c_fw, h_bw, c_bw]."""
    n = 2 if isinstance(spec.layer, LSTM | ConvLSTM) else 1
    if at.initial_state and len(at.initial_state) != 2 * n:
        raise at.fail(f"initial_state needs {2 * n} states (forward, then backward); got "
                      + ", ".join(f"{s.shape} from {s.source}" for s in at.initial_state))
    halves = [at.initial_state[:n], at.initial_state[n:]]
    shape = IMPLS[type(spec.layer)].shape
    fw, bw = (shape(spec.layer, ins, At(at.path, at.kind, half, at.return_state)) for half in halves)
    inner, states = (fw[0], fw[1:] + bw[1:]) if isinstance(fw, list) and isinstance(bw, list) else (fw, [])
    assert isinstance(inner, Sig)
    if spec.merge_mode == "none":
        return [inner, inner, *states]
    if spec.merge_mode == "concat":
        inner = same(inner, inner.shape[:-1] + (2 * (inner.shape[-1] or 0),))
    return [inner, *states] if states else inner


def _bidirectional_build(spec: Bidirectional, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    mode = None if spec.merge_mode == "none" else spec.merge_mode
    layer = IMPLS[type(spec.layer)].build(spec.layer, f"{name}_layer", ins, At(at.path, at.kind, (), at.return_state))
    return keras.layers.Bidirectional(layer, merge_mode=mode, name=name)


implements(Bidirectional, shape=_bidirectional_shape, build=_bidirectional_build, lint=cudnn_lint, call=_call_cell,
           params=lambda s, ins: (2 * IMPLS[type(s.layer)].params(s.layer, ins)[0], 0), keras=("Bidirectional",))
