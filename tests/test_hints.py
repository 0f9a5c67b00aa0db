"""Hints speak Keras: unknown kinds and keys are matched against Keras's names first."""

import pytest

import hybridspec as hs
from hybridspec.specs.convert import structure_block


def message(doc) -> str:
    with pytest.raises(hs.SpecError) as info:
        structure_block(doc)
    return str(info.value)


@pytest.mark.parametrize(("doc", "expected"), [
    ({"embedding": {"input_dim": 100, "dim": 8}}, "input_dim: unknown key. Keras's input_dim is 'vocab' here."),
    ({"embedding": {"vocab": 100, "output_dim": 8}}, "Keras's output_dim is 'dim' here."),
    ({"pool": {"pool_size": 2}}, "pool.pool_size: unknown key. Keras's pool_size is 'size' here."),
    ({"max_pooling2d": {}}, "unknown block kind 'max_pooling2d'. Keras's MaxPooling2D is 'pool' here."),
    ({"MaxPool2D": {}}, "Keras's MaxPool2D is 'pool' here."),
    ({"Dense": 3}, "unknown block kind 'Dense'. Did you mean 'dense'?"),
    ({"lambda": {}}, "Keras's Lambda has no equivalent: runs user code, which a document must never do"),
    ({"text_vectorization": {}}, "Keras's TextVectorization has no equivalent: string and categorical"),
    ({"frobnicate": {}}, "unknown block kind 'frobnicate'. See docs/keras.md for every Keras layer"),
    ({"activation": "Relu"}, "must be one of linear, relu,"),
    ({"activation": "Relu"}, "Did you mean 'relu'?"),
    ({"lstm": {"units": 4, "return_state": True}},
     "lstm.return_state: unknown key. return_state is set on the graph node, not on the layer: "
     "nodes: {NAME: {from: ..., block: {lstm: ...}, return_state: ...}}."),
    ({"bidirectional": {"layer": {"gru": 4}, "return_sequences": True}},
     "return_sequences is a field of the wrapped layer: move it inside"),
])
def test_keras_names_in_hints(doc, expected):
    assert expected in message(doc)


def test_clipped_relu_suggests_nothing_unrelated():
    assert "Did you mean" not in message({"activation": "clipped_relu"})


def test_dtype_float_suggests_float32():
    with pytest.raises(hs.SpecError, match="Did you mean 'float32'"):
        hs.loads("name: m\ninputs: {x: {shape: [3], dtype: float}}\nbody: [dense: 2]\n")


def test_batch_axis_hint():
    spec = hs.loads("name: m\ninputs: {x: {shape: [32, 100, 16]}}\nbody: [lstm: 8]\n")
    with pytest.raises(hs.SpecError) as info:
        hs.check(spec)
    assert info.value.message.endswith(
        "An input's shape leaves out the batch axis, which is always there: if 32 in inputs.x.shape "
        "[32, 100, 16] is the batch size, write [100, 16]")


def test_residual_hint_mentions_shortcut():
    spec = hs.loads("name: m\ninputs: {x: {shape: [8]}}\nbody: [residual: [dense: 4]]\n")
    with pytest.raises(hs.SpecError, match="needs a shortcut that projects the input"):
        hs.check(spec)


def test_pool_short_form():
    assert structure_block({"pool": 3}) == hs.Pool(size=3)
    assert hs.dumps(hs.ModelSpec(name="m", inputs={"x": (8, 8, 1)}, body=hs.Pool(size=3))).count("pool: 3") == 1


def test_dot_merge_of_different_ranks():
    spec = hs.loads("""
name: m
inputs: {a: {shape: [5]}, b: {shape: [3, 5]}}
nodes: {d: {from: [a, b], block: {merge: {mode: dot, axes: [1, 2]}}}}
outputs: {y: {from: d}}
""")
    assert hs.check(spec).outputs == {"y": (None, 3)}
