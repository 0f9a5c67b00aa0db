"""Where a recurrent layer's time goes, measured by taking it apart.

Keras's generic TensorFlow kernel (keras/src/backend/tensorflow/rnn.py with the cell's
``call``) transposes the batch to time-major, unstacks it into a TensorArray and runs a
``tf.while_loop`` whose body multiplies that step's input by the input kernel *and* the state
by the recurrent kernel. A fused kernel (cuDNN, PyTorch's CPU LSTM) instead multiplies all time
steps' inputs by the input kernel in one large GEMM before the loop. Each part below is timed
on its own, interleaved with the others, in the same loop machinery Keras uses:

- ``keras_layer``: the Keras layer itself (generic kernel);
- ``loop_only``: transposes, TensorArray reads and writes, the while loop, no arithmetic;
- ``input_gemm_per_step``: the loop plus the per-step input product (what Keras does);
- ``input_gemm_hoisted``: the same products as one (N*T x D) by (D x G*H) GEMM;
- ``recurrent_gemm``: the loop plus the state products (a dependent chain);
- ``cell_elementwise``: the loop plus the gate arithmetic on precomputed pre-activations;
- ``hoisted_tf``: the whole cell in TensorFlow with the input product hoisted (checked equal
  to the Keras layer's output), the fix measured;
- ``torch_layer``: PyTorch's layer, with the ops its profiler records;
- ``keras_layer_tiny`` / ``torch_layer_tiny``: the same layers with one unit, one feature and
  batch 1 over the same number of steps: what remains is each framework's fixed cost per step.

Differences against ``loop_only`` give each part's own cost. All forward, float32, unmasked,
without XLA; the layer-level candidates are also timed forward and backward.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs

from . import torch_peer
from .keras_runner import make_data
from .suite import Config
from .timing import Ratio, Timed, interleave, plan, warm

GATES = {"lstm": 4, "gru": 3}


def _loop(body: Any, elems: Any, init: tuple[Any, ...], steps: int, out_width: int) -> Any:
    """Keras's loop: time-major TensorArray in, TensorArray out, tf.while_loop in between."""
    import tensorflow as tf

    inputs_ta = tf.TensorArray(elems.dtype, size=steps).unstack(elems)
    outputs_ta = tf.TensorArray(tf.float32, size=steps, element_shape=tf.TensorShape([None, out_width]))

    def step(t: Any, out: Any, *states: Any) -> tuple[Any, ...]:
        y, new = body(inputs_ta.read(t), states)
        return (t + 1, out.write(t, y), *new)

    result = tf.while_loop(lambda t, *_: t < steps, step, (tf.constant(0), outputs_ta, *init),
                           maximum_iterations=steps, parallel_iterations=32, swap_memory=True)
    return result[1].stack()


def _lstm_update(z: Any, c: Any) -> tuple[Any, tuple[Any, ...]]:
    """The LSTM gates on the summed pre-activation ``z``: the new (h, (h, c))."""
    import tensorflow as tf

    i, f, g, o = tf.split(z, 4, axis=1)
    c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
    h = tf.sigmoid(o) * tf.tanh(c)
    return h, (h, c)


def _cell(cell: str, units: int, recurrent: Any, rec_bias: Any) -> Any:
    """The cell's step on a precomputed input pre-activation ``zx`` (bias included)."""
    import tensorflow as tf

    def lstm(zx: Any, states: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        h, c = states
        return _lstm_update(zx + tf.matmul(h, recurrent), c)

    def gru(zx: Any, states: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        (h,) = states
        xz, xr, xh = tf.split(zx, 3, axis=1)
        rz, rr, rh = tf.split(tf.matmul(h, recurrent) + rec_bias, 3, axis=1)
        z = tf.sigmoid(xz + rz)
        r = tf.sigmoid(xr + rr)
        hh = tf.tanh(xh + r * rh)
        h = z * h + (1 - z) * hh
        return h, (h,)

    return lstm if cell == "lstm" else gru


def _gates_only(cell: str) -> Any:
    import tensorflow as tf

    def lstm(z: Any, states: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        return _lstm_update(z, states[1])

    def gru(z: Any, states: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
        (h,) = states
        xz, xr, xh = tf.split(z, 3, axis=1)
        zg = tf.sigmoid(xz + h)
        r = tf.sigmoid(xr + h)
        hh = tf.tanh(xh + r * h)
        h = zg * h + (1 - zg) * hh
        return h, (h,)

    return lstm if cell == "lstm" else gru


@attrs.frozen
class Parts:
    """The Keras layer's weights and the shapes, shared by every part. The bias is sliced where
    it is used, inside the traced functions, so that gradients reach the variable."""

    config: Config
    kernel: Any
    recurrent: Any
    bias: Any

    @property
    def in_bias(self) -> Any:
        return self.bias[0] if self.config.cell == "gru" else self.bias

    @property
    def rec_bias(self) -> Any:
        import tensorflow as tf

        return self.bias[1] if self.config.cell == "gru" else tf.zeros((4 * self.config.units,))

    @property
    def states(self) -> int:
        return 2 if self.config.cell == "lstm" else 1

    def zeros(self) -> tuple[Any, ...]:
        import tensorflow as tf

        return tuple(tf.zeros((self.config.batch, self.config.units)) for _ in range(self.states))


def _parts(layer: Any, config: Config) -> Parts:
    return Parts(config, layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias)


def _functions(p: Parts, layer: Any) -> dict[str, Any]:
    """The forward functions of every part, (x) -> scalar."""
    import tensorflow as tf

    c = p.config
    n, t, d, h, g = c.batch, c.steps, c.features, c.units, GATES[c.cell]

    def tm(x: Any) -> Any:
        return tf.transpose(x, (1, 0, 2))

    def loop_only(x: Any) -> Any:
        return _loop(lambda xt, s: (xt[:, :h], s), tm(x), (), t, h)

    def input_per_step(x: Any) -> Any:
        return _loop(lambda xt, s: (tf.matmul(xt, p.kernel) + p.in_bias, s), tm(x), (), t, g * h)

    def recurrent_gemm(x: Any) -> Any:
        def body(xt: Any, s: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
            hn = tf.matmul(s[0], p.recurrent)[:, :h]
            return hn, (hn,)
        return _loop(body, tm(x), p.zeros()[:1], t, h)

    zx = tf.random.normal((t, n, g * h), seed=3)

    def elementwise(x: Any) -> Any:
        return _loop(_gates_only(c.cell), zx, p.zeros(), t, h)

    def hoisted_gemm(x: Any) -> Any:
        return tf.matmul(tf.reshape(x, (n * t, d)), p.kernel) + p.in_bias

    fns = {"keras_layer": lambda x: layer(x, training=False), "loop_only": loop_only,
           "input_gemm_per_step": input_per_step, "input_gemm_hoisted": hoisted_gemm,
           "recurrent_gemm": recurrent_gemm, "cell_elementwise": elementwise,
           "hoisted_tf": lambda x: _hoisted_out(p, x)}
    return {k: tf.function(lambda x, f=f: tf.reduce_sum(tf.cast(f(x), tf.float32))) for k, f in fns.items()}


def _numpy(fn: Any, x: Any) -> Any:
    return fn(x).numpy()


def _train_fn(forward: Any, variables: list[Any]) -> Any:
    import tensorflow as tf

    @tf.function
    def step(x: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(forward(x))
        grads = tape.gradient(loss, [x, *variables])
        return tf.add_n([loss] + [tf.reduce_sum(gr) for gr in grads])

    return step


def run_anatomy(config: Config, device: str, repeats: int, min_repeats: int, warmup: int,
                budget_s: float, peer: bool) -> dict[str, Any]:
    """Time every part of ``config``'s layer; return times, shares and the checks made."""
    import keras
    import tensorflow as tf

    from .keras_runner import traced_ops
    from .machine import tf_device

    config = attrs.evolve(config, masked=False, dtype="float32", bidirectional=False)
    x_np, _ = make_data(config)
    cls = keras.layers.LSTM if config.cell == "lstm" else keras.layers.GRU
    with tf.device(tf_device(device)):
        x = tf.constant(x_np)
        layer = cls(config.units, return_sequences=True, use_cudnn=False)
        layer.build(x.shape)
        p = _parts(layer, config)
        fns = _functions(p, layer)
        same = bool(tf.reduce_all(tf.abs(layer(x) - _hoisted_out(p, x)) < 1e-4))
        items = [Timed(k, functools.partial(_numpy, f, x)) for k, f in fns.items()]
        variables = [p.kernel, p.recurrent, p.bias]
        train = {"keras_layer_train": _train_fn(lambda v: layer(v, training=True), variables),
                 "hoisted_tf_train": _train_fn(lambda v: _hoisted_out(p, v), variables)}
        items += [Timed(k, functools.partial(_numpy, f, x)) for k, f in train.items()]
        tiny = attrs.evolve(config, batch=1, features=1, units=1)
        x_tiny_np, _ = make_data(tiny)
        x_tiny = tf.constant(x_tiny_np)
        tiny_layer = cls(1, return_sequences=True, use_cudnn=False)
        tiny_fn = tf.function(lambda v: tf.reduce_sum(tiny_layer(v, training=False)))
        items.append(Timed("keras_layer_tiny", functools.partial(_numpy, tiny_fn, x_tiny)))
        loop_matmuls = _loop_matmuls(traced_ops(fns["keras_layer"], x, within="while_body"))
        profile: list[dict[str, Any]] = []
        if peer and torch_peer.available():
            for mode in ("inference", "training"):
                cfg = attrs.evolve(config, mode=mode)
                step = torch_peer.make_step(cfg, x_np, None, device)
                items.append(Timed("torch_layer" + ("_train" if mode == "training" else ""), step, "torch"))
                if mode == "inference":
                    profile = torch_peer.op_profile(step)
                    items.append(Timed("torch_layer_tiny", torch_peer.make_step(
                        attrs.evolve(tiny, mode=mode), x_tiny_np, None, device), "torch"))
        rounds = plan(warm(items, warmup), repeats, min_repeats, budget_s)
        interleave(items, rounds)
    by = {item.key: item for item in items}
    base = by["keras_layer"].stats.median
    loop = by["loop_only"].stats.median
    out: dict[str, Any] = {
        "config": config.fields(), "rounds": rounds, "device": device,
        "hoisted_matches_keras": same, "keras_loop_matmuls_per_step": loop_matmuls,
        "torch_matmul_profile": profile,
        "parts": {k: {**item.stats.to_dict(), "share_of_keras": item.stats.median / base}
                  for k, item in by.items()},
        "own_cost_ms": {
            "loop_machinery": loop * 1e3,
            "input_gemm_per_step": (by["input_gemm_per_step"].stats.median - loop) * 1e3,
            "input_gemm_hoisted": by["input_gemm_hoisted"].stats.median * 1e3,
            "recurrent_gemm": (by["recurrent_gemm"].stats.median - loop) * 1e3,
            "cell_elementwise": (by["cell_elementwise"].stats.median - loop) * 1e3,
        },
        "ratios": {"keras_vs_hoisted_tf": Ratio.of(by["keras_layer"].times, by["hoisted_tf"].times).to_dict(),
                   "keras_vs_hoisted_tf_train": Ratio.of(by["keras_layer_train"].times,
                                                         by["hoisted_tf_train"].times).to_dict()},
    }
    for suffix in ("", "_train"):
        if "torch_layer" + suffix in by:
            out["ratios"]["keras_vs_torch" + suffix] = Ratio.of(
                by["keras_layer" + suffix].times, by["torch_layer" + suffix].times).to_dict()
            out["ratios"]["hoisted_tf_vs_torch" + suffix] = Ratio.of(
                by["hoisted_tf" + suffix].times, by["torch_layer" + suffix].times).to_dict()
    return out


def _hoisted_out(p: Parts, x: Any) -> Any:
    import tensorflow as tf

    c = p.config
    n, t, d, h, g = c.batch, c.steps, c.features, c.units, GATES[c.cell]
    x_tm = tf.reshape(tf.transpose(x, (1, 0, 2)), (t * n, d))  # time-major first, as Keras does
    zx = tf.reshape(tf.matmul(x_tm, p.kernel) + p.in_bias, (t, n, g * h))
    out = _loop(_cell(c.cell, h, p.recurrent, p.rec_bias), zx, p.zeros(), t, h)
    return tf.transpose(out, (1, 0, 2))


def _loop_matmuls(ops: dict[str, int]) -> int:
    """MatMul ops in the body of the traced Keras layer's while loop: one per step each."""
    return sum(n for op, n in ops.items() if op in ("MatMul", "BatchMatMulV2", "_MklMatMul"))
