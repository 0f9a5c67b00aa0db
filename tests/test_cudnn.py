"""The static cuDNN rule against Keras's own eligibility helpers."""

from __future__ import annotations

import itertools

import pytest

import hybridspec as hs
from hybridspec.blocks.recurrent import cudnn_blockers, cudnn_status

keras = pytest.importorskip("keras")
rnn = pytest.importorskip("keras.src.backend.tensorflow.rnn")

CASES = list(itertools.product(["tanh", "relu"], ["sigmoid", "hard_sigmoid"], [False, True], [True, False]))


def _keras_says(layer: hs.LSTM | hs.GRU) -> bool:
    """Keras's argument check (the GPU-availability half of cudnn_ok aside) and the layer's own gates."""
    args = dict(activation=keras.activations.get(layer.activation),
                recurrent_activation=keras.activations.get(layer.recurrent_activation),
                unroll=layer.unroll, use_bias=layer.use_bias)
    if isinstance(layer, hs.GRU):
        ok = rnn._do_gru_arguments_support_cudnn(reset_after=layer.reset_after, **args)
    else:
        ok = rnn._do_lstm_arguments_support_cudnn(**args)
    return bool(ok) and not layer.recurrent_dropout and layer.use_cudnn is not False


@pytest.mark.parametrize("activation,recurrent_activation,unroll,use_bias", CASES)
@pytest.mark.parametrize("recurrent_dropout", [0.0, 0.2])
@pytest.mark.parametrize("use_cudnn", ["auto", False])
def test_lstm_rule_matches_keras(activation, recurrent_activation, unroll, use_bias, recurrent_dropout, use_cudnn):
    layer = hs.LSTM(units=4, activation=activation, recurrent_activation=recurrent_activation, unroll=unroll,
                    use_bias=use_bias, recurrent_dropout=recurrent_dropout, use_cudnn=use_cudnn)
    assert (cudnn_status(layer) == "cudnn") == _keras_says(layer)


@pytest.mark.parametrize("activation,recurrent_activation,unroll,use_bias", CASES)
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_rule_matches_keras(activation, recurrent_activation, unroll, use_bias, reset_after):
    layer = hs.GRU(units=4, activation=activation, recurrent_activation=recurrent_activation, unroll=unroll,
                   use_bias=use_bias, reset_after=reset_after)
    assert (cudnn_status(layer) == "cudnn") == _keras_says(layer)


def test_keras_layers_still_gate_cudnn_on_these_fields():
    """If Keras renames or drops these gates, the static rule must be revisited."""
    import inspect

    source = inspect.getsource(keras.layers.LSTM)
    assert "recurrent_dropout" in source and "use_cudnn" in source and "cudnn_ok" in source
    assert "reset_after" in inspect.signature(rnn.cudnn_ok).parameters


def _lstm_model(**fields) -> hs.ModelSpec:
    return hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(5, 3))}, body=hs.LSTM(units=4, **fields))


def test_warning_names_the_field_and_the_fix():
    report = hs.check(_lstm_model(recurrent_dropout=0.25, unroll=True))
    (warning,) = report.warnings
    assert warning.startswith("body (lstm): falls off the cuDNN fast path")
    assert "recurrent_dropout: 0.0" in warning and "unroll: false" in warning
    assert report["body"].cudnn == "generic: recurrent_dropout, unroll"


def test_use_cudnn_true_on_an_ineligible_layer_is_a_spec_error():
    with pytest.raises(hs.SpecError, match=r"^body \(lstm\): use_cudnn is true .*activation: tanh"):
        hs.check(_lstm_model(use_cudnn=True, activation="relu"))
    assert hs.check(_lstm_model(use_cudnn=True))["body"].cudnn == "cudnn"


def test_simple_rnn_has_no_cudnn_kernel():
    assert cudnn_status(hs.SimpleRNN(units=3)) == "n/a"
    assert cudnn_blockers(hs.SimpleRNN(units=3))


def _masked_model(cell: str, backend: str) -> hs.Report:
    doc = (f"name: m\ninputs: {{x: {{shape: [null], dtype: int32}}}}\nbody: [{{embedding: {{vocab: 9, dim: 4, "
           f"mask_zero: true}}}}, {{{cell}: 8}}]\n")
    return hs.check(hs.loads(doc), backend=backend)


@pytest.mark.parametrize("backend, lstm, gru", [
    ("tensorflow", "cudnn", "cudnn"), ("jax", "generic: mask", "generic: kind"),
    ("torch", "generic: mask", "generic: mask")])
def test_each_backend_takes_cudnn_for_its_cells_and_masks(backend, lstm, gru):
    """TensorFlow takes cuDNN with a right-padded mask; JAX and PyTorch only without one, JAX only for LSTM."""
    assert (_masked_model("lstm", backend)["body[1]"].cudnn, _masked_model("gru", backend)["body[1]"].cudnn) == (lstm, gru)
    unmasked = cudnn_status(hs.LSTM(units=4), backend), cudnn_status(hs.GRU(units=4), backend)
    assert unmasked == ("cudnn", "generic: kind" if backend == "jax" else "cudnn")
    report = _masked_model("gru", backend)
    assert ("cuDNN: as Keras on the" in report.table()) == (backend != "tensorflow")
    assert all("falls off the cuDNN fast path" in w for w in report.warnings)


def test_a_bidirectional_layer_is_judged_by_its_layer_on_each_backend():
    spec = hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(5, 3))},
                        body=hs.Bidirectional(layer=hs.GRU(units=4)))
    assert [hs.check(spec, backend=b)["body"].cudnn for b in ("tensorflow", "jax", "torch")] == \
        ["cudnn", "generic: kind", "cudnn"]
    with pytest.raises(hs.SpecError, match="^backend: must be one of"):
        hs.check(spec, backend="theano")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("activation,recurrent_activation,unroll,use_bias", CASES)
def test_jax_and_torch_rules_match_keras(backend, activation, recurrent_activation, unroll, use_bias, monkeypatch):
    """The argument half of each backend's cudnn_ok (its GPU check made true), for LSTM and GRU;
    JAX's gru has no cuDNN call at all."""
    module = pytest.importorskip(f"keras.src.backend.{backend}.rnn")
    gpu = "_is_gpu_available" if backend == "jax" else "_is_cuda_cudnn_available"
    monkeypatch.setattr(module, gpu, lambda: True)
    args = dict(activation=keras.activations.get(activation),
                recurrent_activation=keras.activations.get(recurrent_activation), unroll=unroll, use_bias=use_bias)
    fields = dict(activation=activation, recurrent_activation=recurrent_activation, unroll=unroll, use_bias=use_bias)
    assert (cudnn_status(hs.LSTM(units=4, **fields), backend) == "cudnn") == bool(module.cudnn_ok(**args))
    gru_says = backend == "torch" and bool(module.cudnn_ok(**args))
    assert (cudnn_status(hs.GRU(units=4, **fields), backend) == "cudnn") == gru_says


@pytest.mark.slow
def test_jax_has_no_cudnn_gru_and_neither_backend_takes_a_mask():
    import inspect

    jax_rnn = pytest.importorskip("keras.src.backend.jax.rnn")
    torch_rnn = pytest.importorskip("keras.src.backend.torch.rnn")
    assert "cudnn" not in inspect.getsource(jax_rnn.gru).lower()
    for function in (jax_rnn.lstm, jax_rnn.gru, torch_rnn.lstm, torch_rnn.gru):
        source = inspect.getsource(function)
        assert "if mask is not None" in source or "mask is not None" in source, function
