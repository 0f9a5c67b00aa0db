"""The Keras side of a configuration: its spec, the model built from it, the hand-written twin,
the timed step functions, and the kernel that actually ran (read from the traced graph)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..blocks.recurrent import cudnn_blockers, cudnn_status
from ..specs import Bidirectional, Chain, InputSpec, Masking, ModelSpec
from ..specs.recurrent import CELLS, Recurrent
from .suite import Config

Forward = Callable[[Any, bool], Any]


def make_data(config: Config, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Random (batch, steps, features) inputs; masked ones are right-padded with zeros, their
    lengths spread evenly between half and all of the steps (none empty), in shuffled order."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((config.batch, config.steps, config.features), dtype=np.float32)
    if not config.masked:
        return x, None
    shortest = max(1, (config.steps + 1) // 2)
    lengths = np.linspace(config.steps, shortest, config.batch).round().astype(np.int64)
    rng.shuffle(lengths)
    for i, n in enumerate(lengths):
        x[i, n:] = 0.0
    return x, lengths


def layer_spec(config: Config, variant: str = "base") -> Recurrent | Bidirectional:
    """The recurrent layer's spec for a variant: ``generic`` sets use_cudnn false,
    ``recurrent_dropout`` 0.1, ``unroll`` true; ``jit`` uses the generic kernel (cuDNN ops
    cannot be XLA-compiled)."""
    kwargs: dict[str, Any] = {"units": config.units, "return_sequences": True,
                              "activation": config.activation}
    if config.dtype != "float32":
        kwargs["dtype"] = config.dtype
    if variant in ("generic", "jit") and config.cell != "simple":
        kwargs["use_cudnn"] = False
    if variant == "recurrent_dropout":
        kwargs["recurrent_dropout"] = 0.1
    if variant == "unroll":
        kwargs["unroll"] = True
    layer = CELLS[config.cell](**kwargs)
    return Bidirectional(layer=layer) if config.bidirectional else layer


def model_spec(config: Config, variant: str = "base") -> ModelSpec:
    """The whole benchmarked model as a hybridspec spec: [masking,] recurrent layer."""
    layer = layer_spec(config, variant)
    body = Chain(blocks=(Masking(), layer)) if config.masked else layer
    name = "".join(ch if ch.isalnum() else "_" for ch in f"{config.name}_{variant}")
    return ModelSpec(name=name if name[0].isalpha() else f"m_{name}",
                     inputs={"x": InputSpec(shape=(config.steps, config.features))}, body=body)


def cudnn_facts(config: Config) -> dict[str, Any]:
    """The checker's static cuDNN rule for the base configuration."""
    layer = layer_spec(config)
    inner = layer.layer if isinstance(layer, Bidirectional) else layer
    status = cudnn_status(inner)
    return {"eligible": status == "cudnn", "status": status,
            "blockers": [fix for _, fix in cudnn_blockers(inner)]}


def hand_written(config: Config) -> tuple[Forward, list[Any]]:
    """The same model written directly in Keras: (forward(x, training), trainable variables)."""
    import keras

    cls = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "simple": keras.layers.SimpleRNN}[config.cell]
    kwargs: dict[str, Any] = {"return_sequences": True, "activation": config.activation}
    if config.dtype != "float32":
        kwargs["dtype"] = config.dtype
    rnn = cls(config.units, **kwargs)
    if config.bidirectional:
        rnn = keras.layers.Bidirectional(rnn)
    masking = keras.layers.Masking(0.0) if config.masked else None

    def forward(x: Any, training: bool) -> Any:
        if masking is None:
            return rnn(x, training=training)
        return rnn(masking(x), mask=masking.compute_mask(x), training=training)

    rnn.build((config.batch, config.steps, config.features))
    return forward, list(rnn.trainable_variables)


def built_model(config: Config, variant: str) -> tuple[Forward, list[Any], ModelSpec]:
    """The model that ``hybridspec.build`` makes from the spec."""
    from .. import build

    spec = model_spec(config, variant)
    model = build(spec)
    return (lambda x, training: model(x, training=training)), list(model.trainable_variables), spec


def make_step(forward: Forward, variables: list[Any], training: bool, jit: bool) -> Any:
    """A tf.function running one step; it returns a scalar that depends on every output (and,
    in training, every gradient), so reading it waits for the whole step, on GPUs too."""
    import tensorflow as tf

    def inference(x: Any) -> Any:
        return tf.reduce_sum(tf.cast(forward(x, False), tf.float32))

    def train(x: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.cast(forward(x, True), tf.float32))
        grads = tape.gradient(loss, [x, *variables])
        return tf.add_n([loss] + [tf.reduce_sum(tf.cast(g, tf.float32)) for g in grads])

    return tf.function(train if training else inference, jit_compile=jit)


def traced_ops(step: Any, x: Any, within: str = "") -> dict[str, int]:
    """Op counts of the traced graph, nested functions (loop bodies) included; with ``within``,
    only the ops of library functions whose name contains it (``while_body``)."""
    graph_def = step.get_concrete_function(x).graph.as_graph_def()
    counts: dict[str, int] = {}
    nodes = [] if within else list(graph_def.node)
    nodes += [n for f in graph_def.library.function if within in f.signature.name for n in f.node_def]
    for node in nodes:
        counts[node.op] = counts.get(node.op, 0) + 1
    return counts


def kernel_of(ops: dict[str, int], device: str) -> str:
    """``cudnn`` if a CudnnRNN op was traced, else ``generic``; on a CPU simply ``cpu``."""
    if device != "gpu":
        return "cpu"
    return "cudnn" if any(op.startswith("CudnnRNN") for op in ops) else "generic"


def graph_facts(ops: dict[str, int]) -> dict[str, Any]:
    return {"cudnn_ops": sorted(op for op in ops if op.startswith("CudnnRNN")),
            "while_loop": any(op in ("While", "StatelessWhile") for op in ops),
            "matmul_ops": sum(n for op, n in ops.items() if "MatMul" in op),
            "ops": sum(ops.values())}
