"""``loss: ctc``: the static check, label matching, and a conv + bidirectional GRU that learns."""

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.training import plan
from hybridspec.training.data import DataError, Dataset, Split, match

SPEC = """name: ctc_reader
inputs: {x: {shape: [12, 4]}}
body:
  - conv: {filters: 16, kernel_size: 3, padding: same, activation: relu}
  - bidirectional: {layer: {gru: {units: 16, return_sequences: true}}}
  - dense: {units: 4, activation: ACTIVATION}
train: {loss: ctc, batch_size: 16, epochs: 4, validation_split: 0.0, seed: 1, optimizer: {name: adam, learning_rate: 0.01}}
"""


def spec(activation: str = "softmax", extra: str = "") -> hs.ModelSpec:
    return hs.loads(SPEC.replace("ACTIVATION", activation).replace("seed: 1", "seed: 1" + extra))


def sequences(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """1-3 symbols (ids 1-3), each held for 2-3 of 12 steps between blanks; labels padded with 0."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.1, (n, 12, 4)).astype("float32")
    y = np.zeros((n, 3), "int32")
    for i in range(n):
        t = 0
        for j in range(rng.integers(1, 4)):
            symbol, hold = rng.integers(1, 4), rng.integers(2, 4)
            x[i, t:t + hold, symbol] += 1.0
            y[i, j] = symbol
            t += hold + 1
    return x, y


def test_ctc_fits_a_sequence_of_class_scores():
    for activation in ("softmax", "linear"):
        found = plan(spec(activation), hs.check(spec(activation)))["ctc_reader"]
        assert (found.loss, found.metrics, found.from_logits) == ("ctc", (), activation == "linear")
        assert found.target_shape() == (None, None)


@pytest.mark.parametrize("change, words", [
    ("  - global_pool\n  - dense: {units: 4, activation: softmax}\n", "(batch, time, classes)"),
    ("  - dense: {units: 1, activation: softmax}\n", "2 or more classes"),
    ("  - dense: {units: 4, activation: sigmoid}\n", "softmax probabilities or linear logits"),
])
def test_ctc_errors_name_the_train_loss(change, words):
    text = SPEC.replace("  - dense: {units: 4, activation: ACTIVATION}\n", change)
    bad = hs.loads(text)
    with pytest.raises(hs.SpecError, match="train.loss") as caught:
        plan(bad, hs.check(bad))
    assert words in str(caught.value)


def test_ctc_takes_no_metrics():
    bad = spec(extra=", metrics: [mae]")
    with pytest.raises(hs.SpecError, match=r"train.metrics\[0\].*no metrics"):
        plan(bad, hs.check(bad))


def test_labels_are_integer_sequences_of_any_length():
    s = spec()
    plans = plan(s, hs.check(s))
    x, y = sequences(8)
    split = Split({"x": x}, {"y": y})
    matched = match(Dataset("gen", split, split), s, plans)
    assert matched.train.y["ctc_reader"].shape == (8, 3)
    with pytest.raises(DataError, match="integer"):
        match(Dataset("gen", Split({"x": x}, {"y": y.astype("float32")}), split), s, plans)


@pytest.mark.parametrize("activation", ["softmax", pytest.param("linear", marks=pytest.mark.slow)])
def test_conv_bidirectional_model_learns_with_ctc(activation, tmp_path):
    keras = pytest.importorskip("keras")
    from hybridspec.training.run import train

    x, y = sequences(192)
    tx, ty = sequences(32, seed=1)
    data = Dataset("generated", Split({"x": x}, {"y": y}), Split({"x": tx}, {"y": ty}))
    result = train(spec(activation), data, tmp_path, verbose=0, log=lambda _: None)
    losses = result["history"]["loss"]
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.6 * losses[0], losses
    keras.saving.load_model(result["paths"]["model"])  # stock Keras objects only
