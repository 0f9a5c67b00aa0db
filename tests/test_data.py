"""Data sources: shapes, dtypes, determinism by seed, and matching arrays to a spec (no Keras)."""

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.training import DataError, load_data, match, plan
from hybridspec.training.data import adding, copy, parse_source

SHAPES = {
    "digits": ((8, 8, 1), "float32", (), "int32", 1797),
    "digits-seq": ((8, 8), "float32", (), "int32", 1797),
    "adding:length=12,size=100": ((12, 2), "float32", (1,), "float32", 100),
    "copy:length=3,delay=6,size=50": ((12, 10), "float32", (12,), "int32", 50),
}


@pytest.mark.parametrize("source", SHAPES)
def test_shapes_dtypes_and_split(source):
    x_shape, x_dtype, y_shape, y_dtype, count = SHAPES[source]
    data = load_data(source, seed=3)
    (x,), (y,) = data.train.x.values(), data.train.y.values()
    assert x.shape[1:] == x_shape and x.dtype == x_dtype
    assert y.shape[1:] == y_shape and y.dtype == y_dtype
    assert len(data.train) + len(data.test) == count
    assert len(data.test) == round(count * 0.2)


@pytest.mark.parametrize("source", SHAPES)
def test_deterministic_by_seed(source):
    a, b, c = load_data(source, seed=1), load_data(source, seed=1), load_data(source, seed=2)
    assert np.array_equal(a.train.x["x"], b.train.x["x"])
    assert np.array_equal(a.test.y["y"], b.test.y["y"])
    assert not np.array_equal(a.train.x["x"], c.train.x["x"])


def test_digits_are_scaled():
    x = load_data("digits").train.x["x"]
    assert x.min() == 0.0 and x.max() == 1.0


def test_adding_target_is_the_sum_of_the_marked_values():
    x, y = adding(length=20, size=64, seed=5)
    values, markers = x["x"][..., 0], x["x"][..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :10].sum(axis=1) == 1)
    np.testing.assert_allclose(y["y"][:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_copy_target_repeats_the_symbols_after_the_delimiter():
    x, y = copy(length=4, delay=5, size=16, seed=0)
    tokens = x["x"].argmax(axis=-1)
    assert np.all(tokens[:, 8] == 9)
    assert np.array_equal(y["y"][:, -4:], tokens[:, :4])
    assert np.all(y["y"][:, :-4] == 0) and np.all(tokens[:, 4:8] == 0)


@pytest.mark.parametrize("source, words", [
    ("mnist", "unknown data source 'mnist'"),
    ("adding:lenght=4", "adding takes length, size; got 'lenght'"),
    ("adding:length=four", "must be an integer"),
    ("adding:length=1", "too small"),
    ("digits:size=5", "takes no parameters"),
])
def test_bad_sources(source, words):
    with pytest.raises(DataError, match=words):
        load_data(source)


def test_parse_source():
    assert parse_source("copy:length=3,delay=7") == ("copy", {"length": 3, "delay": 7})


def _spec(text):
    spec = hs.loads(text)
    return spec, plan(spec, hs.check(spec))


IMAGE = "name: clf\ninputs: {image: {shape: [8, 8, 1]}}\nbody: [flatten, dense: {units: 10, activation: softmax}]\n"
ROWS = "name: rnn\ninputs: {rows: {shape: [null, 8]}}\nbody: [lstm: 4, dense: {units: 10, activation: softmax}]\n"
GRAPH = """name: g
inputs: {image: {shape: [8, 8, 1]}, extra: {shape: [3]}}
nodes:
  f: {from: image, block: flatten}
  both: {from: [f, extra], block: merge}
outputs:
  label: {from: both, block: {dense: {units: 10, activation: softmax}}}
  score: {from: both, block: {dense: 1}}
"""


def test_builtin_sources_match_body_specs():
    data = match(load_data("digits"), *_spec(IMAGE))
    assert list(data.train.x) == ["image"] and list(data.test.y) == ["clf"]
    assert match(load_data("digits-seq"), *_spec(ROWS)).train.x["rows"].shape[1:] == (8, 8)


def test_shape_mismatch_is_explained():
    with pytest.raises(DataError) as err:
        match(load_data("digits-seq"), *_spec(IMAGE))
    message = str(err.value)
    assert message.startswith("digits-seq: input 'image' expects examples of shape (8, 8, 1), got (8, 8)")
    assert "trailing axis" in message


def _npz(tmp_path, **arrays):
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    return str(path)


def test_npz_body_names(tmp_path):
    x, y = np.zeros((10, 8, 8, 1), "float32"), np.arange(10) % 10
    for names in ({"x": x, "y": y}, {"image": x, "clf": y}, {"image": x, "y": y[:, None]}):
        data = match(load_data(_npz(tmp_path, **names)), *_spec(IMAGE))
        assert data.train.y["clf"].shape == (8,) and len(data.test) == 2


def test_npz_graph_names_and_dtype_cast(tmp_path):
    n = 20
    path = _npz(tmp_path, image=np.ones((n, 8, 8, 1), "float64"), extra=np.ones((n, 3), "int64"),
                label=np.zeros(n, "int64"), score=np.zeros((n, 1)))
    data = match(load_data(path), *_spec(GRAPH))
    assert set(data.train.x) == {"image", "extra"} and set(data.train.y) == {"label", "score"}
    assert data.train.x["extra"].dtype == "float32"


@pytest.mark.parametrize("arrays, words", [
    ({"image": (20, 8, 8, 1), "label": (20,), "score": (20, 1)}, "no array for input 'extra'"),
    ({"image": (20, 8, 8, 1), "extra": (20, 3), "label": (20,), "score": (20, 1), "other": (20,)},
     "array(s) other match no input or output"),
    ({"image": (20, 8, 8), "extra": (20, 3), "label": (20,), "score": (20, 1)}, "expects examples of shape"),
    ({"image": (20, 8, 8, 1), "extra": (20, 3), "label": (20, 10), "score": (20, 1)},
     "output 'label' expects class ids of shape ()"),
    ({"image": (20, 8, 8, 1), "extra": (20, 3), "label": (20,), "score": (20,)},
     "output 'score' expects examples of shape (1,)"),
    ({"image": (20, 8, 8, 1), "extra": (20, 3), "label": (19,), "score": (20, 1)}, "same number of examples"),
])
def test_npz_errors(tmp_path, arrays, words):
    path = _npz(tmp_path, **{k: np.zeros(v, "int32" if k == "label" else "float32") for k, v in arrays.items()})
    with pytest.raises(DataError) as err:
        match(load_data(path), *_spec(GRAPH))
    assert words in str(err.value)


def test_sparse_labels_must_be_integers(tmp_path):
    path = _npz(tmp_path, x=np.zeros((10, 8, 8, 1)), y=np.zeros(10, "float32"))
    with pytest.raises(DataError, match="needs integer data .sparse_categorical_crossentropy takes class ids"):
        match(load_data(path), *_spec(IMAGE))


def test_unreadable_npz(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    with pytest.raises(DataError, match="cannot read"):
        load_data(str(bad))
