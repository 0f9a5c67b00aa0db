"""Multi-head attention's value_dim, output_dim and use_bias, dot attention's concat scores,
bilinear upsampling, and layers called with their tensors as keyword arguments."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hybridspec as hs
from hybridspec import SpecError


def graph(block: hs.Block, *shapes: tuple[int, ...]) -> hs.ModelSpec:
    names = ["q", "v", "k"][:len(shapes)]
    return hs.ModelSpec(name="a", inputs={n: hs.InputSpec(shape=s) for n, s in zip(names, shapes, strict=True)},
                        nodes={"att": hs.Node(block=block, from_=tuple(names))},
                        outputs={"att": hs.Output(from_="att")})


@pytest.mark.parametrize(("value_dim", "output_dim", "use_bias"),
                         list(itertools.product([None, 3], [None, 5], [True, False])))
def test_multihead_counts_and_shapes_equal_keras(value_dim, output_dim, use_bias) -> None:
    pytest.importorskip("keras")
    block = hs.Attention(kind="multihead", heads=2, key_dim=4, value_dim=value_dim, output_dim=output_dim,
                         use_bias=use_bias)
    spec = graph(block, (5, 8), (7, 6), (7, 3))
    report = hs.check(spec)
    model = hs.build(spec)
    assert report.params == model.count_params()
    assert report.outputs["att"] == model.output_shape == (None, 5, output_dim or 8)


def test_concat_scores_equal_keras() -> None:
    pytest.importorskip("keras")
    for use_scale in (False, True):
        spec = graph(hs.Attention(score_mode="concat", use_scale=use_scale), (5, 4), (7, 4))
        model = hs.build(spec)
        assert hs.check(spec).params == model.count_params() == 1 + use_scale
        assert model.get_layer("nodes_att_block").score_mode == "concat"


@pytest.mark.parametrize(("fields", "bad"), [
    ({"value_dim": 3}, "value_dim"), ({"output_dim": 3}, "output_dim"), ({"use_bias": False}, "use_bias"),
])
def test_multihead_fields_elsewhere_are_refused(fields, bad) -> None:
    with pytest.raises(SpecError) as err:
        hs.Attention(kind="dot", **fields)
    assert err.value.path == bad and "only multihead" in err.value.message
    with pytest.raises(SpecError, match="only dot attention takes a score mode"):
        hs.Attention(kind="additive", score_mode="concat")


def test_bilinear_upsampling_and_its_2d_rule() -> None:
    keras = pytest.importorskip("keras")
    from hybridspec.importing import from_keras

    def body(shape: tuple[int, ...], block: hs.Block) -> hs.ModelSpec:
        return hs.ModelSpec(name="u", inputs={"x": hs.InputSpec(shape=shape)}, body=block)

    spec = body((4, 4, 2), hs.UpSampling(size=2, interpolation="bilinear"))
    model = hs.build(spec)
    x = np.random.default_rng(0).normal(size=(1, 4, 4, 2)).astype("float32")
    want = keras.layers.UpSampling2D(2, interpolation="bilinear")(x)
    np.testing.assert_allclose(model.predict(x, verbose=0), keras.ops.convert_to_numpy(want), atol=1e-6)
    assert from_keras(model).body == spec.body
    with pytest.raises(SpecError, match="interpolation 'bilinear' needs a 2D input.*UpSampling1D only repeats"):
        hs.check(body((4, 2), hs.UpSampling(size=2, interpolation="bilinear")))


def test_tensors_passed_by_keyword_import_in_their_places() -> None:
    keras = pytest.importorskip("keras")
    from hybridspec.importing import from_keras

    L = keras.layers
    q, v, k = keras.Input((5, 8)), keras.Input((7, 6)), keras.Input((7, 6))
    out = L.MultiHeadAttention(2, 4, value_dim=3, output_shape=5)(q, v, key=k)
    model = keras.Model([q, v, k], L.MultiHeadAttention(1, 2)(query=out, value=out))
    spec = from_keras(model)
    assert hs.check(spec).params == model.count_params()
    first = next(n for n in spec.nodes.values() if len(n.from_) == 3)
    assert first.block == hs.Attention(kind="multihead", heads=2, key_dim=4, value_dim=3, output_dim=5)
    rebuilt = hs.build(spec)
    rebuilt.set_weights(model.get_weights())
    data = [np.random.default_rng(i).normal(size=(2, *t.shape[1:])).astype("float32") for i, t in enumerate(model.inputs)]
    ours = list(rebuilt.predict(data, verbose=0).values())[0]
    np.testing.assert_allclose(ours, model.predict(data, verbose=0), atol=1e-5)
    x = keras.Input((3, 4, 8))
    with pytest.raises(SpecError, match="attends over a rank-4 input"):
        from_keras(keras.Model(x, L.MultiHeadAttention(2, 4, attention_axes=(1, 2))(x, x)))


@pytest.mark.parametrize(("heads", "kv_heads", "use_bias", "use_gate", "inputs"), [
    (4, 2, True, False, 1), (4, 2, False, False, 2), (6, 3, True, True, 3), (3, 1, True, False, 1)])
def test_grouped_query_attention_equals_keras(heads, kv_heads, use_bias, use_gate, inputs) -> None:
    keras = pytest.importorskip("keras")
    from hybridspec.importing import from_keras

    block = hs.Attention(kind="grouped", heads=heads, key_dim=3, kv_heads=kv_heads, use_bias=use_bias,
                         use_gate=use_gate, causal=inputs == 1)
    spec = graph(block, *[(5, 8), (7, 8), (7, 8)][:inputs])
    model = hs.build(spec)
    assert hs.check(spec).params == model.count_params() and model.output_shape == (None, 5, 8)
    assert type(model.get_layer("nodes_att_block")).__name__ in ("GroupQueryAttention", "GroupedQueryAttention")
    imported = from_keras(model)
    assert (imported.body if imported.body is not None else next(iter(imported.nodes.values())).block) == block
    x = keras.Input((5, 8))
    assert from_keras(keras.Model(x, keras.layers.GroupQueryAttention(3, heads, kv_heads)(x, x))).body == \
        hs.Attention(kind="grouped", heads=heads, key_dim=3, kv_heads=kv_heads)


@pytest.mark.parametrize(("fields", "path", "message"), [
    ({"kind": "grouped", "heads": 4, "key_dim": 2}, "kv_heads", "grouped attention needs kv_heads"),
    ({"kind": "grouped", "heads": 3, "key_dim": 2, "kv_heads": 2}, "kv_heads", "must divide heads"),
    ({"kind": "multihead", "heads": 3, "key_dim": 2, "kv_heads": 1}, "kv_heads", "only grouped"),
    ({"kind": "multihead", "heads": 3, "key_dim": 2, "use_gate": True}, "use_gate", "only grouped"),
])
def test_grouped_fields_are_checked(fields, path, message) -> None:
    with pytest.raises(SpecError) as err:
        hs.Attention(**fields)
    assert err.value.path == path and message in err.value.message
    with pytest.raises(SpecError, match="needs query, value and key features equal"):
        hs.check(graph(hs.Attention(kind="grouped", heads=2, key_dim=2, kv_heads=1), (5, 8), (7, 6)))
