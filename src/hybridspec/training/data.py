"""Data sources by name, split into train and test, and matched to a spec's inputs and outputs.

A source is written ``NAME`` or ``NAME:key=value,...``:

- ``digits``: scikit-learn's 8x8 handwritten digits (bundled, no download) as images
  ``(8, 8, 1)`` scaled to [0, 1]; targets are class ids 0-9.
- ``digits-seq``: the same digits as sequences of 8 rows of 8 features, ``(8, 8)``.
- ``adding:length=50,size=5000``: the adding problem. Each step is (value, marker); the target
  ``(1,)`` is the sum of the two marked values (one in each half of the sequence).
- ``copy:length=5,delay=20,size=5000``: the copy-memory task. One-hot tokens
  ``(delay + 2 * length, 10)``: ``length`` symbols, blanks, a delimiter, blanks; the target is
  the class id at every step (blank, then the symbols again at the end).
- ``PATH.npz``: the user's arrays, one per input and output, named after them. A body model's
  single input may also be called ``x`` and its output (named like the model) ``y``; the same
  goes for any spec with one input or one output. The code splits off the test set.

Every source is deterministic given ``seed``. ``match`` checks the arrays against the spec's
static shapes (no TensorFlow) and renames them to the spec's input and output names.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from ..blocks.base import show
from ..specs import ModelSpec
from .check import CTC, SPARSE, OutputPlan

Arrays = dict[str, np.ndarray]


class DataError(ValueError):
    """Data that does not fit the spec (names, shapes or dtypes), or a bad source name."""


@attrs.frozen
class Split:
    """Inputs and targets by name, all with the same number of examples."""

    x: Arrays
    y: Arrays

    def __len__(self) -> int:
        return len(next(iter(self.x.values())))


@attrs.frozen
class Dataset:
    name: str
    train: Split
    test: Split


def digits(seed: int = 0) -> tuple[Arrays, Arrays]:
    """8x8 digit images scaled to [0, 1] and their labels."""
    from sklearn.datasets import load_digits

    found = load_digits()
    images = (found.images / 16.0).astype("float32")[..., None]
    return {"x": images}, {"y": found.target.astype("int32")}


def digits_seq(seed: int = 0) -> tuple[Arrays, Arrays]:
    """The digits as 8 time steps of 8 features."""
    x, y = digits(seed)
    return {"x": x["x"][..., 0]}, y


def adding(length: int = 50, size: int = 5000, seed: int = 0) -> tuple[Arrays, Arrays]:
    """The adding problem: (value, marker) steps; the target is the sum of the marked values."""
    _positive(length=length - 1, size=size)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (size, length))
    rows = np.arange(size)
    first = rng.integers(0, length // 2, size)
    second = rng.integers(length // 2, length, size)
    markers = np.zeros_like(values)
    markers[rows, first] = markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype("float32")
    y = (values[rows, first] + values[rows, second])[:, None].astype("float32")
    return {"x": x}, {"y": y}


def copy(length: int = 5, delay: int = 20, size: int = 5000, seed: int = 0) -> tuple[Arrays, Arrays]:
    """The copy-memory task over 8 symbols (token 0 is blank and 9 the delimiter)."""
    _positive(length=length, delay=delay, size=size)
    rng = np.random.default_rng(seed)
    steps = delay + 2 * length
    symbols = rng.integers(1, 9, (size, length))
    tokens = np.zeros((size, steps), dtype="int32")
    tokens[:, :length] = symbols
    tokens[:, length + delay - 1] = 9
    target = np.zeros((size, steps), dtype="int32")
    target[:, length + delay:] = symbols
    return {"x": np.eye(10, dtype="float32")[tokens]}, {"y": target}


def _positive(**values: int) -> None:
    for key, value in values.items():
        if value < 1:
            raise DataError(f"{key} is too small: got {value}")


SOURCES: dict[str, Callable[..., tuple[Arrays, Arrays]]] = {
    "digits": digits, "digits-seq": digits_seq, "adding": adding, "copy": copy,
}


def npz(path: str) -> tuple[Arrays, Arrays]:
    """All arrays of a .npz file; ``match`` later tells inputs from targets by name."""
    try:
        with np.load(path, allow_pickle=False) as found:
            return {k: found[k] for k in found.files}, {}
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


def parse_source(source: str) -> tuple[str, dict[str, int]]:
    """``adding:length=30,size=1000`` -> ("adding", {"length": 30, "size": 1000})."""
    name, _, rest = source.partition(":")
    if name not in SOURCES:
        raise DataError(f"unknown data source {name!r}; use one of {', '.join(SOURCES)} or a .npz file")
    allowed = [p for p in inspect.signature(SOURCES[name]).parameters if p != "seed"]
    params = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key not in allowed:
            raise DataError(f"{name} takes {', '.join(allowed) or 'no parameters'}; got {key!r}")
        try:
            params[key] = int(value)
        except ValueError:
            raise DataError(f"{name}: {key} must be an integer, got {value!r}") from None
    return name, params


def load_data(source: str, *, seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """A named source or a .npz file, shuffled and split by ``seed``."""
    if source.endswith(".npz") or os.path.sep in source:
        x, y = npz(source)
    else:
        name, params = parse_source(source)
        x, y = SOURCES[name](seed=seed, **params)
    sizes = {k: len(v) for k, v in {**x, **y}.items()}
    if not sizes or len(set(sizes.values())) != 1:
        raise DataError(f"{source}: every array needs the same number of examples, got {sizes}")
    count = next(iter(sizes.values()))
    order = np.random.default_rng(seed).permutation(count)
    cut = count - max(1, round(count * test_fraction))
    if cut < 1:
        raise DataError(f"{source}: {count} examples are too few to split")
    train, test = order[:cut], order[cut:]
    return Dataset(source, _take(x, y, train), _take(x, y, test))


def _take(x: Arrays, y: Arrays, rows: np.ndarray) -> Split:
    return Split({k: v[rows] for k, v in x.items()}, {k: v[rows] for k, v in y.items()})


def _names(spec: ModelSpec, plans: dict[str, OutputPlan]) -> dict[str, tuple[str, ...]]:
    """Each input and output name with the array names it accepts."""
    names: dict[str, tuple[str, ...]] = {
        name: (name, "x") if len(spec.inputs) == 1 else (name,) for name in spec.inputs}
    names.update({name: (name, "y") if len(plans) == 1 else (name,) for name in plans})
    return names


def _find(split: Split, accepted: tuple[str, ...]) -> tuple[str, np.ndarray] | None:
    arrays = {**split.x, **split.y}
    return next(((k, arrays[k]) for k in accepted if k in arrays), None)


def _fits(shape: tuple[Any, ...], wanted: tuple[Any, ...]) -> bool:
    return len(shape) == len(wanted) and all(w is None or w == s for s, w in zip(shape, wanted, strict=True))


def _check(role: str, name: str, key: str, array: np.ndarray, wanted: tuple[Any, ...],
           integer: bool, sparse: bool = False) -> np.ndarray:
    got = tuple(array.shape[1:])
    if sparse and len(got) == len(wanted) + 1 and got[-1] == 1:
        array, got = array[..., 0], got[:-1]
    if not _fits(got, wanted):
        hint = " Add a trailing axis of 1 (x[..., None])." if got + (1,) == tuple(wanted) else ""
        what = "class ids of shape" if sparse else "examples of shape"
        raise DataError(f"{role} '{name}' expects {what} {show(wanted)}, got {show(got)} "
                        f"from array '{key}' of shape {show(array.shape)}.{hint}")
    kind = array.dtype.kind
    if (integer and kind not in "iub") or kind not in "iubf":
        need = "integer" if integer else "numeric"
        why = f" ({SPARSE} takes class ids)" if sparse else ""
        raise DataError(f"{role} '{name}' needs {need} data{why}, got {array.dtype} from array '{key}'")
    return array


def match(data: Dataset, spec: ModelSpec, plans: dict[str, OutputPlan]) -> Dataset:
    """The data renamed to the spec's inputs and outputs, after checking names, shapes, dtypes."""
    names = _names(spec, plans)
    used: set[str] = set()
    splits = []
    for split in (data.train, data.test):
        x, y = {}, {}
        for name, accepted in names.items():
            found = _find(split, accepted)
            role = "input" if name in spec.inputs else "output"
            if found is None:
                have = ", ".join([*split.x, *split.y])
                raise DataError(f"{data.name}: no array for {role} '{name}' (looked for "
                                f"{' or '.join(accepted)}); the data has {have}")
            key, array = found
            used.add(key)
            try:
                if role == "input":
                    inp = spec.inputs[name]
                    integer = inp.dtype.startswith(("int", "bool"))
                    x[name] = _check(role, name, key, array, inp.shape, integer).astype(inp.dtype)
                else:
                    sparse = plans[name].loss == SPARSE
                    integer = sparse or plans[name].loss == CTC
                    y[name] = _check(role, name, key, array, plans[name].target_shape()[1:], integer, sparse)
            except DataError as exc:
                raise DataError(f"{data.name}: {exc}") from None
        splits.append(Split(x, y))
    extra = sorted((set(data.train.x) | set(data.train.y)) - used)
    if extra:
        raise DataError(f"{data.name}: array(s) {', '.join(extra)} match no input or output of "
                        f"'{spec.name}' (inputs: {', '.join(spec.inputs)}; outputs: {', '.join(plans)})")
    return Dataset(data.name, splits[0], splits[1])


__all__ = ["SOURCES", "DataError", "Dataset", "Split", "load_data", "match", "parse_source"]
