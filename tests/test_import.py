"""from_keras on hand-written Keras models and the examples; hybridspec import on .keras files."""

from __future__ import annotations

from pathlib import Path

import pytest

import hybridspec as hs
from hybridspec.cli import main

keras = pytest.importorskip("keras")
from hybridspec.importing import from_keras  # noqa: E402
from test_import_properties import assert_same, layer_classes  # noqa: E402

EXAMPLES = sorted(Path(__file__).parent.parent.glob("examples/*.yaml"))
L = keras.layers


def same_params(model, spec: hs.ModelSpec) -> None:
    report = hs.check(spec)
    assert report.params == model.count_params()
    assert report.non_trainable == sum(int(w.numpy().size) for w in model.non_trainable_weights)


def test_sequential_cnn_is_one_body_chain() -> None:
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(),
        L.Conv2D(16, (3, 3), padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
        L.AveragePooling2D(2), L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax")], name="cnn")
    spec = from_keras(model)
    assert spec.nodes == {} and isinstance(spec.body, hs.Chain)
    kinds = [b.KIND for b in spec.body.blocks]
    assert kinds == ["conv", "pool", "conv", "batch_norm", "activation", "pool", "flatten", "dropout", "dense"]
    assert spec.body.blocks[2] == hs.Conv(filters=16, kernel_size=3, padding="same", use_bias=False)
    assert spec.body.blocks[5] == hs.Pool(mode="avg", size=2)
    same_params(model, spec)


def test_two_inputs_with_a_shared_layer_are_nodes_with_share() -> None:
    a, b = keras.Input((8,), name="left"), keras.Input((8,), name="right")
    encode = L.Dense(4, activation="relu", name="encode")
    joined = L.Concatenate(name="joined")([encode(a), encode(b)])
    model = keras.Model([a, b], {"same": L.Dense(1, activation="sigmoid")(joined)})
    spec = from_keras(model)
    assert spec.body is None
    assert spec.nodes["encode"].block == hs.Dense(units=4, activation="relu")
    assert spec.nodes["encode_2"] == hs.Node(from_="right", share="encode")
    assert spec.nodes["joined"].reads() == ("encode", "encode_2")
    assert spec.outputs["same"] == hs.Output(from_="joined", block=hs.Dense(units=1, activation="sigmoid"))
    same_params(model, spec)


def test_lstm_encoder_decoder_passes_states() -> None:
    src, tgt = keras.Input((7, 3), name="src"), keras.Input((None, 5), name="tgt")
    _, h, c = L.LSTM(16, return_state=True, name="encoder")(src)
    seq = L.LSTM(16, return_sequences=True, name="decoder")(tgt, initial_state=[h, c])
    model = keras.Model([src, tgt], L.Dense(5, activation="softmax", name="next")(seq))
    spec = from_keras(model)
    assert spec.nodes["encoder"] == hs.Node(from_="src", block=hs.LSTM(units=16), return_state=True)
    assert spec.nodes["decoder"].initial_state == ("encoder.states",)
    assert list(spec.outputs) == ["next"] and spec.outputs["next"].from_ == "decoder"
    same_params(model, spec)


def test_states_given_as_one_tensor_or_by_position() -> None:
    x, cond = keras.Input((10, 3), name="x"), keras.Input((5,), name="cond")
    gru = L.GRU(8, name="gru")(x, initial_state=L.Dense(8, activation="tanh", name="init")(cond))
    src, tgt = keras.Input((6, 3), name="src"), keras.Input((5, 3), name="tgt")
    _, h, c = L.LSTM(4, return_state=True, name="enc")(src)
    model = keras.Model([x, cond, src, tgt], [gru, L.LSTM(4, name="dec")(tgt, [h, c])])
    spec = from_keras(model)
    assert spec.nodes["gru"].from_ == "x" and spec.nodes["gru"].initial_state == ("init",)
    assert spec.nodes["dec"].from_ == "tgt" and spec.nodes["dec"].initial_state == ("enc.states",)
    same_params(model, spec)


def test_nested_model_is_a_sub_tree_and_residuals_are_found() -> None:
    block = keras.Sequential([keras.Input((16,)), L.Dense(16, activation="relu"), L.Dense(16)], name="mlp")
    x = keras.Input((16,), name="x")
    h = L.Add()([x, block(x)])
    h = L.Add()([L.Dense(8)(h), L.Dense(8)(h)])
    model = keras.Model(x, L.Dense(2)(L.TimeDistributed(L.Dense(3))(L.RepeatVector(4)(h))))
    spec = from_keras(model)
    assert spec.nodes == {}
    first, second, *_ = spec.body.blocks
    assert first == hs.Residual(body=hs.Chain(blocks=(hs.Dense(units=16, activation="relu"), hs.Dense(units=16))))
    assert second == hs.Residual(body=hs.Dense(units=8), shortcut=hs.Dense(units=8))
    assert spec.body.blocks[3] == hs.TimeDistributed(block=hs.Dense(units=3))
    same_params(model, spec)


def test_bidirectional_attention_and_embedding() -> None:
    x = keras.Input((None,), dtype="int32", name="ids")
    h = L.Embedding(100, 8, mask_zero=True)(x)
    h = L.Bidirectional(L.GRU(6, return_sequences=True), merge_mode="sum")(h)
    h = L.MultiHeadAttention(2, 4)(h, h, use_causal_mask=True)
    model = keras.Model(x, L.GlobalMaxPooling1D()(h))
    spec = from_keras(model)
    assert spec.body.blocks[:3] == (
        hs.Embedding(vocab=100, dim=8, mask_zero=True),
        hs.Bidirectional(layer=hs.GRU(units=6, return_sequences=True), merge_mode="sum"),
        hs.Attention(kind="multihead", heads=2, key_dim=4, causal=True))
    same_params(model, spec)


def _pooling_by_hand(x, units: int, activation: str | None = None, subtract_from=None):
    """Attention pooling written with stock layers as hybridspec builds it (or a variant)."""
    key = L.Dense(units, activation=activation)(x)
    mean = L.GlobalAveragePooling1D(keepdims=True)(key)
    query = L.Subtract()([mean, mean if subtract_from is None else subtract_from(mean)])
    return L.Flatten()(L.AdditiveAttention(use_scale=True)([query, x, key]))


def test_stock_attention_pooling_folds_into_one_block() -> None:
    x = keras.Input((None, 12), name="frames")
    h = L.Masking()(x)
    named = hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(None, 12))},
                         body=hs.Chain(blocks=(hs.Masking(), hs.Attention(name="att", kind="additive", pool=True),
                                               hs.Dense(units=2))))
    for model, pool in [
            (keras.Model(x, L.Dense(2)(_pooling_by_hand(h, 5))),
             hs.Attention(kind="additive", pool=True, units=5)),
            (keras.Model(x, L.Dense(2)(_pooling_by_hand(h, 12))), hs.Attention(kind="additive", pool=True)),
            (hs.build(named), hs.Attention(kind="additive", pool=True))]:  # layer names are not kept
        spec = from_keras(model)
        assert spec.body.blocks[1] == pool
        same_params(model, spec)


@pytest.mark.parametrize("variant", [{"activation": "tanh"}, {"subtract_from": L.Activation("relu")}])
def test_a_pattern_that_differs_in_any_layer_stays_stock_layers(variant) -> None:
    x = keras.Input((None, 12))
    model = keras.Model(x, L.Dense(2)(_pooling_by_hand(x, 5, **variant)))
    spec = from_keras(model)
    assert "pool: true" not in hs.dumps(spec)
    same_params(model, spec)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_round_trip(path: Path) -> None:
    spec = hs.load(path)
    keras.backend.clear_session()
    model = hs.build(spec)
    imported = from_keras(model)
    assert_same(spec, imported)
    assert sorted(layer_classes(hs.build(imported))) == sorted(layer_classes(model))


def test_unsupported_layer_names_layer_class_and_docs() -> None:
    model = keras.Sequential([keras.Input((4, 4, 3)), L.Conv2D(2, 1, name="ok"),
                              L.SpectralNormalization(L.Conv2D(2, 1), name="spectral")])
    with pytest.raises(hs.SpecError, match=r"spectral \(SpectralNormalization\): cannot be imported.*docs/keras.md"):
        from_keras(model)
    grouped = keras.Sequential([keras.Input((4, 4, 4)), L.Conv2D(4, 1, groups=2, name="grouped")])
    assert hs.check(from_keras(grouped)).params == grouped.count_params()


def test_cli_import_writes_the_document(tmp_path: Path, capsys) -> None:
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, activation="relu")], name="tiny")
    saved = tmp_path / "tiny.keras"
    model.save(saved)
    assert main(["import", str(saved), "-o", str(tmp_path / "tiny.yaml")]) == 0
    spec = hs.load(tmp_path / "tiny.yaml")
    assert spec.body == hs.Dense(units=2, activation="relu")
    assert main(["import", str(saved)]) == 0
    assert "dense: {units: 2, activation: relu}" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "missing.keras")]) == 2


def test_cli_import_refuses_lambda_layers(tmp_path: Path, capsys) -> None:
    x = keras.Input((3,))
    model = keras.Model(x, L.Lambda(lambda t: t * 2)(x))
    model.save(tmp_path / "lambda.keras")
    assert main(["import", str(tmp_path / "lambda.keras"), "-o", str(tmp_path / "out.yaml")]) == 1
    assert "cannot load the Keras model" in capsys.readouterr().err
    assert not (tmp_path / "out.yaml").exists()


def test_repeated_blocks_become_one_definition() -> None:
    x = keras.Input((8, 8, 3), name="image")
    h = x
    for filters, strides in ((8, 1), (16, 2), (32, 2)):
        y = L.Conv2D(filters, 3, strides=strides, padding="same", activation="relu")(h)
        y = L.Conv2D(filters, 3, padding="same")(y)
        h = L.Add()([y, L.Conv2D(filters, 1, strides=strides)(h)])
    model = keras.Model(x, L.GlobalAveragePooling2D()(h))
    spec = from_keras(model)
    (name,) = spec.define
    uses = [b for b in spec.body.blocks if isinstance(b, hs.Use)]
    assert [u.args for u in uses] == [{"filters": 8, "strides": 1}, {"filters": 16, "strides": 2},
                                      {"filters": 32, "strides": 2}]
    assert set(spec.define[name].params) == {"filters", "strides"}
    assert hs.loads(hs.dumps(spec)) == spec
    same_params(model, spec)
    flat = from_keras(model, define=False)
    assert not flat.define and hs.check(flat).params == hs.check(spec).params


def test_a_model_without_inputs_is_refused() -> None:
    with pytest.raises(hs.SpecError, match="no known inputs"):
        from_keras(keras.Sequential([L.Dense(2)], name="unbuilt"))


def test_random_crop_and_its_centre_crop_fold_back() -> None:
    spec = hs.loads("name: m\ninputs: {x: {shape: [8, 8, 3]}}\n"
                    "body: [{random_crop: {height: 5, width: 4}}, global_pool, {dense: 2}]\n")
    model = hs.build(spec)
    assert "CenterCrop" in layer_classes(model)
    crop, *rest = from_keras(model).body.blocks
    assert (type(crop), crop.height, crop.width, tuple(rest)) == (hs.RandomCrop, 5, 4, spec.body.blocks[1:])


def test_a_failure_inside_the_importer_names_the_layer(monkeypatch) -> None:
    from hybridspec.importing import layers

    def broken(ctx):
        raise RuntimeError("surprise")

    monkeypatch.setitem(layers.IMPORTERS, "Dense", broken)
    x = keras.Input((4,))
    with pytest.raises(hs.SpecError) as err:
        from_keras(keras.Model(x, L.Dense(2, name="head")(x)))
    assert err.value.path == "head" and "the importer failed on it (RuntimeError: surprise)" in err.value.message
