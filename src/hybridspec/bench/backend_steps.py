"""One Keras backend's side of ``bench rnn --backend``: what a worker process runs.

Keras reads ``KERAS_BACKEND`` once, on import, so the parent (``compare``) starts one worker per
backend. The worker builds each configuration's model from its spec and times one step the way
Keras runs it on that backend: a ``tf.function`` on TensorFlow (XLA off), ``jax.jit`` of the
model's ``stateless_call`` on JAX, eagerly on PyTorch (Keras's trainers do the same: torch's
``jit_compile="auto"`` means eager). Training steps take the gradient with respect to the input
and every weight and return one scalar that depends on all of them. It also records which of
Keras's backend RNN functions (``backend.lstm`` and the like, the fused or hoisted paths) ran
rather than raising ``NotImplementedError`` into the generic loop.
"""

from __future__ import annotations

import contextlib
import gc
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..specs.documents import write_atomic
from . import torch_peer
from .flops import config_flops
from .machine import describe, load_average, matmul_peak, select_device, version
from .suite import Config, Suite
from .timing import Ratio, Stats, Timed, clock, interleave, plan, warm

PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
FUSED = ("lstm", "gru", "bidirectional_lstm", "bidirectional_gru")


@contextlib.contextmanager
def recording_paths() -> Iterator[set[str]]:
    """The names of Keras's backend RNN functions that returned (not NotImplementedError)
    while the block ran; the layers look them up on ``keras.src.backend`` at call time."""
    from keras.src import backend

    ran: set[str] = set()
    saved = {name: getattr(backend, name) for name in FUSED if hasattr(backend, name)}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            out = fn(*args, **kwargs)
            ran.add(name)
            return out
        return call

    for name, fn in saved.items():
        setattr(backend, name, wrap(name, fn))
    try:
        yield ran
    finally:
        for name, fn in saved.items():
            setattr(backend, name, fn)


def make_call(backend: str, model: Any, x_np: Any, training: bool) -> Callable[[], float]:
    """One synchronized step of ``model`` on ``backend``, returning a float."""
    return {"tensorflow": _tf_call, "jax": _jax_call, "torch": _torch_call}[backend](model, x_np, training)


def _tf_call(model: Any, x_np: Any, training: bool) -> Callable[[], float]:
    import tensorflow as tf

    from .keras_runner import make_step

    step = make_step(lambda x, t: model(x, training=t), list(model.trainable_variables), training, jit=False)
    x = tf.constant(x_np)
    return lambda: float(step(x).numpy())


def _jax_call(model: Any, x_np: Any, training: bool) -> Callable[[], float]:
    import jax
    import jax.numpy as jnp

    trainable = [v.value for v in model.trainable_variables]
    fixed = [v.value for v in model.non_trainable_variables]
    x = jnp.asarray(x_np)

    def loss(x: Any, weights: Any) -> Any:
        y, _ = model.stateless_call(weights, fixed, x, training=training)
        return jnp.sum(y.astype(jnp.float32))

    def train(x: Any, weights: Any) -> Any:
        value, grads = jax.value_and_grad(loss, argnums=(0, 1))(x, weights)
        return value + sum(jnp.sum(g.astype(jnp.float32)) for g in jax.tree_util.tree_leaves(grads))

    step = jax.jit(train if training else loss)
    return lambda: float(step(x, trainable))


def _torch_call(model: Any, x_np: Any, training: bool) -> Callable[[], float]:
    import keras
    import torch

    x = keras.ops.convert_to_tensor(x_np)
    weights = [v.value for v in model.trainable_variables]

    def infer() -> float:
        with torch.no_grad():
            return float(model(x, training=False).float().sum())

    def train() -> float:
        xr = x.detach().clone().requires_grad_(True)
        value = model(xr, training=True).float().sum()
        grads = torch.autograd.grad(value, [xr, *weights])
        return float(value.detach() + sum(g.float().sum() for g in grads))

    return train if training else infer


def matmul_gflops(backend: str, size: int, device: str, repeats: int = 8) -> dict[str, Any]:
    """The float32 square-matmul GFLOP/s of the backend's own library (best and median)."""
    if backend == "tensorflow":
        return dict(matmul_peak(["float32"], size, device, repeats)["float32"])
    import numpy as np

    rng = np.random.default_rng(1)
    a_np, b_np = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
    fn: Any
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        a, b = jnp.asarray(a_np), jnp.asarray(b_np)
        fn = jax.jit(jnp.matmul)  # the sum outside: XLA could fuse a reduction into the product
    else:
        import keras
        import torch

        a, b = keras.ops.convert_to_tensor(a_np), keras.ops.convert_to_tensor(b_np)
        fn = torch.mm
    float(fn(a, b).sum())
    stats = Stats.of([clock(lambda: float(fn(a, b).sum())) for _ in range(repeats)])
    flops = 2 * size ** 3
    return {"size": size, "repeats": repeats, "gflops_best": flops / stats.minimum / 1e9,
            "gflops_median": flops / stats.median / 1e9, "spread": stats.spread}


def candidate(item: Timed, config: Config, flops: float, peak: float | None) -> dict[str, Any]:
    """A timed candidate's figures, as ``rnn.run_config`` records them."""
    stats = item.stats
    gflops = flops / stats.median / 1e9
    return {"first_call_s": item.first_s, "time": stats.to_dict(), "seq_per_s": config.batch / stats.median,
            "steps_per_s": config.batch * config.steps / stats.median, "gflops": gflops,
            "peak_fraction": gflops / peak if peak else None}


def run_config(config: Config, suite: Suite, backend: str, repeats: int | None, peer: bool,
               device: str, peak: float | None) -> dict[str, Any]:
    """Time the spec-built model on this backend (and PyTorch's layer when ``peer``)."""
    import keras

    from .. import build
    from .keras_runner import make_data, model_spec

    x_np, lengths = make_data(config)
    t0 = time.perf_counter()
    items = [Timed("keras", make_call(backend, build(model_spec(config)), x_np, config.training),
                   group=backend if backend == "torch" else "keras")]
    build_s = time.perf_counter() - t0
    peer_error = None
    if peer:
        try:  # PyTorch may refuse a configuration (oneDNN's bfloat16 LSTM needs AVX512): keep Keras's figures
            step = torch_peer.make_step(config, x_np, lengths, device)
            step()
            items.append(Timed("torch", step, group="torch"))
        except Exception as exc:  # noqa: BLE001
            peer_error = f"{type(exc).__name__}: {exc}"
    with recording_paths() as ran:
        estimate = warm(items, suite.warmup)
    rounds = repeats or plan(estimate, suite.repeats, suite.min_repeats, suite.budget_s)
    interleave(items, rounds)
    flops = config_flops(config)["step"]
    out: dict[str, Any] = {"name": config.name, "config": config.fields(), "rounds": rounds, "build_s": build_s,
                           "candidates": {i.key: candidate(i, config, flops, peak) for i in items}}
    out["candidates"]["keras"]["keras_path"] = sorted(ran)
    if len(items) == 2:
        out["peer_ratio"] = Ratio.of(items[0].times, items[1].times).to_dict()  # time keras / time torch.nn
    if peer_error:
        out["peer_error"] = peer_error
    keras.backend.clear_session()
    gc.collect()
    return out


def run_worker(suite: Suite, configs: list[Config], backend: str, path: str | Path, repeats: int | None,
               device: str, peer: bool) -> dict[str, Any]:
    """Run every configuration on ``backend`` (this process's Keras backend); the JSON document
    at ``path`` is rewritten after each, so a cut-short run keeps what it measured."""
    from ..backends import use

    use(backend)
    started = time.time()
    device = select_device(device)
    machine = describe(device)
    import keras

    if keras.backend.backend() != backend:
        raise RuntimeError(f"Keras runs on {keras.backend.backend()}, not {backend}")
    doc: dict[str, Any] = {"backend": backend, "version": version(PACKAGES[backend]), "keras": keras.__version__,
                           "device": device, "machine": machine, "peer": peer,
                           "omp_wait_policy": torch_peer.wait_policy(), "results": []}
    if backend == "torch" or peer:
        doc["torch_threads"] = torch_peer.threads()
    say(backend, f"matmul peak ({suite.matmul_size}², float32)")
    doc["matmul"] = matmul_gflops(backend, suite.matmul_size, device)
    peak = doc["matmul"]["gflops_best"]
    for config in configs:
        try:
            result = run_config(config, suite, backend, repeats, peer, device, peak)
            t = result["candidates"]["keras"]["time"]
            say(backend, f"{config.name}: {t['median_s'] * 1e3:.3g} ms median of {t['repeats']}"
                + (f", torch.nn {result['candidates']['torch']['time']['median_s'] * 1e3:.3g} ms"
                   if "torch" in result["candidates"] else "")
                + (f"; torch.nn failed: {result['peer_error'][:120]}" if "peer_error" in result else ""))
        except Exception as exc:  # noqa: BLE001 (one failing configuration must not lose the rest)
            result = {"name": config.name, "config": config.fields(), "error": f"{type(exc).__name__}: {exc}"}
            say(backend, f"{config.name}: error {result['error'][:200]}")
        doc["results"].append(result)
        doc.update(wall_s=time.time() - started, load_average_at_end=load_average())
        write_atomic(Path(path), json.dumps(doc, indent=1, default=str) + "\n")
    return doc


def say(backend: str, text: str) -> None:
    print(f"[{backend}] {text}", flush=True)
