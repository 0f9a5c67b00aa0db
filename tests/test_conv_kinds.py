"""conv_transpose, depthwise_conv, cropping, conv_lstm, conv groups and per-side padding against Keras."""

from __future__ import annotations

import inspect
import itertools
import math

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.blocks import IMPLS
from hybridspec.blocks.recurrent import cudnn_blockers, cudnn_status

keras = pytest.importorskip("keras")
L = keras.layers


def model(body: hs.Block, shape: tuple[int | None, ...]) -> hs.ModelSpec:
    return hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=shape)}, body=body)


def keras_facts(layer, shape):
    """Keras's output shape and parameter count for ``layer`` on input ``(None, *shape)``."""
    x = keras.Input(shape)
    y = layer(x)
    return tuple(y.shape), keras.Model(x, y).count_params()


def assert_like_keras(block: hs.Block, layer, shape) -> None:
    report = hs.check(model(block, shape))
    assert (report.outputs["m"], report.params) == keras_facts(layer, shape)


TRANSPOSE = [(n, k, s, p, op) for n, k, s, p in itertools.product((1, 2, 5), (1, 2, 3, 4), (1, 2, 3), ("valid", "same"))
             for op in (None, *range(s))]


@pytest.mark.parametrize("n,k,s,padding,op", TRANSPOSE)
def test_transpose_length_is_keras_formula(n, k, s, padding, op):
    block = hs.ConvTranspose(filters=2, kernel_size=k, strides=s, padding=padding, output_padding=op)
    layer = L.Conv1DTranspose(2, k, strides=s, padding=padding, output_padding=op)
    expected = tuple(layer.compute_output_shape((None, n, 3)))
    try:  # Keras's shape formula can give lengths TensorFlow then refuses to compute
        ran = tuple(layer(np.zeros((1, n, 3), "float32")).shape)
    except Exception:  # noqa: BLE001
        with pytest.raises(hs.SpecError, match="spatial axis 1: with same padding"):
            hs.check(model(block, (n, 3)))
    else:
        assert hs.check(model(block, (n, 3))).outputs["m"] == expected == (None, *ran[1:])


@pytest.mark.parametrize("k,d", [(3, 2), (2, 3), ((3, 1), (2, 1))])
def test_dilated_transpose_shape_and_cpu_warning(k, d):
    block = hs.ConvTranspose(filters=2, kernel_size=k, dilation=d, padding="same")
    report = hs.check(model(block, (5, 4, 3)))
    assert report.outputs["m"] == tuple(L.Conv2DTranspose(2, k, dilation_rate=d, padding="same").compute_output_shape(
        (None, 5, 4, 3)))
    assert "CPU kernel cannot run a dilated transposed convolution" in report.rows[-1].warnings[0]


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_transpose_params_and_runs_per_rank(rank):
    shape = (3,) * rank + (2,)
    block = hs.ConvTranspose(4, 2, 2, "same", 1, use_bias=rank != 2)
    layer = getattr(L, f"Conv{rank}DTranspose")(4, 2, strides=2, padding="same", output_padding=1,
                                                use_bias=rank != 2)
    assert_like_keras(block, layer, shape)
    out = hs.build(model(block, shape))(np.zeros((1, *shape), "float32"))
    assert out.shape[1:] == hs.check(model(block, shape)).outputs["m"][1:]


def test_transpose_output_padding_must_be_below_the_stride():
    with pytest.raises(hs.SpecError, match=r"output_padding 2 of spatial axis 2 must be below its stride 2"):
        hs.check(model(hs.ConvTranspose(filters=2, kernel_size=3, strides=2, output_padding=(1, 2)), (4, 4, 1)))


@pytest.mark.parametrize("rank,k,s,d,dm,padding,bias", [
    (1, 3, 1, 1, 2, "same", True), (1, 2, 2, 1, 1, "valid", False), (2, 3, 1, 2, 3, "valid", True),
    (2, (1, 3), 2, 1, 1, "same", True), (2, 3, 2, 2, 1, "same", False),
])
def test_depthwise_matches_keras(rank, k, s, d, dm, padding, bias):
    shape = (9,) * rank + (4,)
    block = hs.DepthwiseConv(k, s, padding, dm, dilation=d, use_bias=bias, kernel_initializer="zeros")
    layer = getattr(L, f"DepthwiseConv{rank}D")(k, strides=s, padding=padding, depth_multiplier=dm,
                                                dilation_rate=d, use_bias=bias)
    assert_like_keras(block, layer, shape)
    built = hs.build(model(block, shape))
    assert not np.asarray(built.layers[-1].kernel).any()  # kernel_initializer became depthwise_initializer
    assert built(np.ones((1, *shape), "float32")).shape[1:] == hs.check(model(block, shape)).outputs["m"][1:]


def test_depthwise_refuses_rank_3():
    with pytest.raises(hs.SpecError, match=r"needs a rank-3 or 4 input"):
        hs.check(model(hs.DepthwiseConv(kernel_size=3), (4, 4, 4, 2)))


@pytest.mark.parametrize("groups,filters,channels", [(1, 6, 4), (2, 6, 4), (4, 8, 4), (3, 3, 6)])
def test_grouped_conv_params_match_keras(groups, filters, channels):
    block = hs.Conv(filters=filters, kernel_size=3, groups=groups, padding="same")
    assert_like_keras(block, L.Conv2D(filters, 3, groups=groups, padding="same"), (5, 5, channels))


def test_groups_must_divide_filters_and_input_channels():
    with pytest.raises(hs.SpecError, match=r"^groups: filters \(6\) must be divisible by groups \(4\)"):
        hs.Conv(filters=6, kernel_size=3, groups=4)
    with pytest.raises(hs.SpecError) as caught:
        hs.check(model(hs.Conv(filters=6, kernel_size=3, groups=3), (5, 5, 4)))
    assert str(caught.value) == ("body (conv): input channels (4) must be divisible by groups (3), as must "
                                 "filters (6); got (None, 5, 5, 4) from inputs.x")


SIDES = [  # (our value, input shape, Keras's own form of the same value)
    (1, (6, 2), 1), ((2,), (6, 2), 2), (((1, 2),), (6, 2), (1, 2)),
    (1, (6, 5, 2), 1), ((1, 2), (6, 5, 2), (1, 2)), (((1, 0), (2, 2)), (6, 5, 2), ((1, 0), (2, 2))),
    ((1, (0, 2)), (6, 5, 2), (1, (0, 2))), (2, (6, 5, 7, 1), 2), ((1, (0, 1), 2), (6, 5, 7, 1), (1, (0, 1), 2)),
]


@pytest.mark.parametrize("value,shape,keras_value", SIDES)
def test_padding_and_cropping_per_side_match_keras(value, shape, keras_value):
    rank = len(shape) - 1
    assert_like_keras(hs.ZeroPadding(padding=value), getattr(L, f"ZeroPadding{rank}D")(keras_value), shape)
    assert_like_keras(hs.Cropping(value), getattr(L, f"Cropping{rank}D")(keras_value), shape)


def test_per_side_documents_round_trip_and_lists_become_tuples():
    spec = hs.loads("name: m\ninputs: {x: {shape: [6, 6, 1]}}\n"
                    "body: [{cropping: [[1, 0], 2]}, {zero_padding: {padding: [[1, 0], [2, 3]]}}]\n")
    assert spec.body.blocks[0] == hs.Cropping([[1, 0], 2]) == hs.Cropping(((1, 0), 2))
    assert hs.loads(hs.dumps(spec)) == spec
    assert hs.check(spec).outputs["m"] == (None, 6, 7, 1)


def test_cropping_everything_is_an_error():
    with pytest.raises(hs.SpecError) as caught:
        hs.check(model(hs.Chain(blocks=(hs.Dense(units=2), hs.Cropping(((2, 2),)))), (4, 3)))
    assert str(caught.value) == ("body[1] (cropping): cropping 2 + 2 removes all of spatial axis 1 (size 4); "
                                 "crop less; got (None, 4, 2) from body[0]")


def test_a_bad_pair_names_its_place():
    with pytest.raises(hs.SpecError, match=r"^cropping\[1\]"):
        hs.Cropping([1, [1, 2, 3]])
    with pytest.raises(hs.SpecError, match=r"for a 1D input write \[\[1, 2\]\] for \[before, after\]"):
        hs.check(model(hs.ZeroPadding(padding=(1, 2)), (4, 3)))


@pytest.mark.parametrize("rank,k,s,padding,seqs", [
    (1, 3, 1, "valid", False), (1, 2, 2, "same", True), (2, 3, 1, "same", True), (2, (3, 1), 2, "valid", False),
    (3, 2, 1, "same", False),
])
def test_conv_lstm_matches_keras(rank, k, s, padding, seqs):
    shape = (3, *(5,) * rank, 2)
    block = hs.ConvLSTM(4, k, s, padding, return_sequences=seqs)
    layer = getattr(L, f"ConvLSTM{rank}D")(4, k, strides=s, padding=padding, return_sequences=seqs)
    assert_like_keras(block, layer, shape)


def test_conv_lstm_needs_static_spatial_sizes():
    with pytest.raises(hs.SpecError, match="needs known spatial sizes"):
        hs.check(model(hs.ConvLSTM(filters=2, kernel_size=3), (None, None, 6, 1)))
    with pytest.raises(hs.SpecError, match=r"rank 2 needs a rank-5 input"):
        hs.check(model(hs.ConvLSTM(filters=2, kernel_size=3, rank=2), (3, 6, 1)))


def test_bidirectional_conv_lstm():
    block = hs.Bidirectional(layer=hs.ConvLSTM(filters=3, kernel_size=3, padding="same", return_sequences=True))
    layer = L.Bidirectional(L.ConvLSTM2D(3, 3, padding="same", return_sequences=True))
    assert_like_keras(block, layer, (2, 6, 6, 1))
    doc = hs.dumps(model(block, (2, 6, 6, 1)))
    assert "bidirectional:\n    conv_lstm:" in doc and hs.loads(doc).body == block
    with pytest.raises(hs.SpecError, match="layer: must be an lstm, gru, simple_rnn or conv_lstm layer"):
        hs.Bidirectional(layer=hs.Conv(filters=2, kernel_size=1))
    with pytest.raises(hs.SpecError, match="layer.go_backwards"):
        hs.Bidirectional(layer=hs.ConvLSTM(filters=2, kernel_size=1, go_backwards=True))


STATES = """
name: frames
inputs: {past: {shape: [3, 8, 2]}, future: {shape: [null, 8, 2]}}
nodes:
  enc: {from: past, block: {conv_lstm: {filters: 4, kernel_size: 3, strides: 2}}, return_state: true}
  dec: {from: future, block: {conv_lstm: {filters: 4, kernel_size: 3, strides: 2, return_sequences: true}},
        initial_state: [enc.states]}
outputs: {y: {from: dec}}
"""


def test_conv_lstm_states_through_graph_nodes():
    spec = hs.loads(STATES)
    report = hs.check(spec)
    enc = next(r for r in report.rows if r.path == "nodes.enc.block")
    assert enc.shapes == ((None, 3, 4), (None, 3, 4), (None, 3, 4))
    assert report.outputs["y"] == (None, None, 3, 4)
    built = hs.build(spec)
    assert built.count_params() == report.params
    out = built({"past": np.zeros((2, 3, 8, 2)), "future": np.zeros((2, 5, 8, 2))})
    assert np.asarray(out["y"]).shape == (2, 5, 3, 4)


def test_conv_lstm_initial_state_shape_is_checked():
    spec = hs.loads(STATES.replace("strides: 2, return_sequences", "return_sequences"))
    with pytest.raises(hs.SpecError, match=r"initial_state needs 2 states \(h, c\) of shape \(None, 6, 4\)"):
        hs.check(spec)


def test_states_need_a_recurrent_layer():
    spec = hs.loads(STATES.replace("{conv_lstm: {filters: 4, kernel_size: 3, strides: 2}}", "{dense: 3}"))
    with pytest.raises(hs.SpecError, match=r"^nodes.enc.return_state: needs the node's block to be one "
                       r"recurrent layer \(lstm, gru, simple_rnn, .*conv_lstm"):
        hs.check(spec)


def test_conv_lstm_never_takes_cudnn():
    layer = hs.ConvLSTM(filters=2, kernel_size=3)
    assert cudnn_status(layer) == "n/a"
    assert cudnn_blockers(layer) == [("kind", "conv_lstm has no cuDNN kernel; it always runs the generic loop")]
    rows = hs.check(model(hs.Bidirectional(layer=layer), (2, 5, 1))).rows
    assert (rows[-1].cudnn, rows[-1].warnings) == ("n/a", ())


def test_positional_fields_follow_keras():
    assert hs.ConvTranspose(8, 3, 2, "same", 1) == hs.ConvTranspose(
        filters=8, kernel_size=3, strides=2, padding="same", output_padding=1)
    assert hs.DepthwiseConv(3, 2, "same", 2).depth_multiplier == 2
    assert hs.ConvLSTM(16, 3, 1, "same").padding == "same"
    assert hs.Cropping(2).cropping == 2


@pytest.mark.parametrize("cls", [hs.ConvTranspose, hs.DepthwiseConv, hs.Cropping, hs.ZeroPadding, hs.ConvLSTM])
def test_keras_coverage_names_real_classes_and_arguments(cls):
    impl = IMPLS[cls]
    assert impl.keras
    for name in impl.keras:
        params = inspect.signature(getattr(L, name)).parameters
        assert set(impl.keras_args) <= set(params)
        assert set(impl.keras_args.values()) <= {a for a in dir(cls) if not a.startswith("_")}
        positional = [p for p in params if p not in ("self", "data_format")]
        assert [impl.keras_args.get(p, p) for p in positional[:len(cls.POSITIONAL)]] == list(cls.POSITIONAL) \
            or cls is hs.ZeroPadding


def test_weight_options_reach_keras():
    block = hs.ConvLSTM(filters=2, kernel_size=3, use_bias=False, kernel_initializer="zeros",
                        kernel_regularizer=hs.Regularizer(l2=0.01), dtype="float64")
    layer = hs.build(model(block, (2, 5, 1))).layers[-1]
    assert not layer.use_bias and layer.dtype == "float64" and not np.asarray(layer.cell.kernel).any()
    assert math.isclose(float(layer.cell.kernel_regularizer.l2), 0.01)
