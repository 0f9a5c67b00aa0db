"""Fuzzing as a property: any document, valid or mutated or random, either loads to a spec whose
check succeeds or raises SpecError: never another exception, never a hang, bounded memory.

The shipped examples and generated valid documents are mutated (keys dropped, duplicated,
renamed and retyped; values swapped between fields; lists nested and un-nested; the text
truncated; bytes flipped), and arbitrary JSON-like values, text and bytes are fed in. Under the
thorough profile the cheap tests run many times the profile's examples (see ``fuzz``).
"""

import json
import resource
import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import hybridspec as hs
from hybridspec.specs.documents import from_data, to_data
from hybridspec.testing import model_specs

EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.yaml"))
SEEDS = [yaml.safe_load(p.read_text()) for p in EXAMPLES]
THOROUGH = settings.default.max_examples >= 2000


def fuzz(thorough_scale: float, scale: float = 1) -> settings:
    """``scale`` times the profile's examples; under the thorough profile, ``thorough_scale``
    times (more for the cheap tests, so that a thorough run tries over 100,000 documents)."""
    n = settings.default.max_examples
    return settings(max_examples=max(int(n * (thorough_scale if THOROUGH else scale)), 1),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SECONDS, MEGABYTES = 5, 256


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux reports KiB


@contextmanager
def bounded():
    """A hang becomes a failure after SECONDS (an alarm, not a timing assertion), and one
    document may raise the process's peak memory by at most MEGABYTES (tracemalloc, as in
    test_hostile_documents, would slow every example down)."""
    def expired(signum, frame):
        raise AssertionError(f"one document ran for more than {SECONDS} s")

    before = peak_mib()
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak_mib() - before < MEGABYTES, f"peak memory grew by {peak_mib() - before} MiB"


def outcome(load: Any, *args: Any) -> hs.ModelSpec | None:
    """The checked spec, or None when it was refused with a SpecError; anything else fails."""
    with bounded():
        try:
            spec = load(*args)
            hs.check(spec)
        except hs.SpecError as err:
            assert str(err), "a SpecError with no message"
            return None
    return spec


# Mutations of plain data


def places(data: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in ``data``, outermost first."""
    found, todo = [], [data]
    while todo:
        node = todo.pop(0)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            found.append((node, key))
            todo.append(value)
    return found


def holds(node: Any, target: Any) -> bool:
    """Whether ``target`` is ``node`` or inside it."""
    return node is target or any(holds(child, target) for child in (
        node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()))


OTHER_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2**40), st.sampled_from([0, -1, 2**63, 10**30, 1e-6]),
    st.floats(), st.text(max_size=12), st.sampled_from(["relu", "lstm", "x", "x.states", "010", "../a"]),
    st.lists(st.integers(0, 64), max_size=4), st.dictionaries(st.text(max_size=6), st.integers(), max_size=2))


@st.composite
def mutated(draw: st.DrawFn, data: Any) -> Any:
    """``data`` (a copy) after one to four mutations."""
    data = json.loads(json.dumps(data))
    for _ in range(draw(st.integers(1, 4))):
        spots = places(data)
        if not spots:
            break
        parent, key = spots[draw(st.integers(0, len(spots) - 1))]
        op = draw(st.sampled_from(["drop", "duplicate", "rename", "retype", "swap", "nest", "unnest"]))
        value = parent[key]
        if op == "drop":
            del parent[key]
        elif op == "duplicate":
            if isinstance(parent, list):
                parent.insert(key, json.loads(json.dumps(value)))
            else:
                parent[draw(st.text(max_size=8))] = value
        elif op == "rename" and isinstance(parent, dict):
            neighbours = [k for p, k in spots if isinstance(p, dict) and isinstance(k, str)]
            parent[draw(st.sampled_from(neighbours) | st.text(max_size=8))] = parent.pop(key)
        elif op == "retype":
            parent[key] = draw(OTHER_VALUES)
        elif op == "swap":
            other_parent, other_key = spots[draw(st.integers(0, len(spots) - 1))]
            other = other_parent[other_key]
            if not holds(value, other_parent) and not holds(other, parent):  # no cycles
                parent[key], other_parent[other_key] = other, value
        elif op == "nest":
            parent[key] = [value]
        elif op == "unnest" and isinstance(value, list | dict) and value:
            parent[key] = value[0] if isinstance(value, list) else next(iter(value.values()))
    return data


valid_data = st.sampled_from(SEEDS)
"""The shipped examples. Generated documents are mutated in their own test, with the profile's
number of examples: generating them is many times slower than mutating."""


@fuzz(4)
@given(data=valid_data.flatmap(mutated))
def test_mutated_data_loads_or_is_refused(data):
    note(repr(data))
    outcome(from_data, data)


@fuzz(0.5, scale=0.5)
@given(data=model_specs(max_depth=1).map(to_data).flatmap(mutated))
def test_mutated_generated_data_loads_or_is_refused(data):
    note(repr(data))
    outcome(from_data, data)


@fuzz(4)
@given(data=valid_data.flatmap(mutated), format=st.sampled_from(["yaml", "json"]))
def test_mutated_documents_load_or_are_refused(data, format):
    text = json.dumps(data) if format == "json" else yaml.safe_dump(data, sort_keys=False)
    note(text)
    outcome(hs.loads, text, format)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[bytes, str]:
    """A valid document's bytes, truncated or with bytes flipped."""
    format = draw(st.sampled_from(["yaml", "json"]))
    data = draw(valid_data)
    text = (json.dumps(data) if format == "json" else hs.dumps(from_data(data))).encode()
    if draw(st.booleans()):
        text = text[:draw(st.integers(0, len(text)))]
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        text = text[:i] + bytes([draw(st.integers(0, 255))]) + text[i + 1:]
    return text, format


@fuzz(4)
@given(document=damaged())
def test_truncated_and_flipped_documents_load_or_are_refused(document):
    note(repr(document))
    outcome(hs.loads, *document)


# Arbitrary values and text

JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30)


@fuzz(10)
@given(value=JSON_LIKE, where=st.sampled_from(["", "body", "inputs", "nodes", "train", "block"]))
def test_arbitrary_values_load_or_are_refused(value, where):
    head = {"name": "m", "inputs": {"x": {"shape": [4, 3]}}}
    data = value if not where else {**head, "body": {"dense": 2}, where: value} if where != "block" \
        else {**head, "body": [{"lstm": value}]}
    note(repr(data))
    outcome(from_data, data)
    if where != "block":
        outcome(hs.loads, json.dumps(data), "json")


@fuzz(30)
@given(text=st.text() | st.binary().map(bytes), format=st.sampled_from(["yaml", "json"]))
def test_arbitrary_text_loads_or_is_refused(text, format):
    outcome(hs.loads, text, format)


# Check agrees with build, on a small sample


@settings(max_examples=max(settings.default.max_examples // 10, 5), deadline=None)
@given(data=st.sampled_from([s for s in SEEDS if s["name"] in ("mnist_mlp", "imdb_sentiment", "siamese_multitask")])
       .flatmap(mutated))
def test_a_mutated_document_that_checks_builds(data):
    spec = outcome(from_data, data)
    if spec is None or hs.check(spec).params > 2_000_000:
        return
    note(hs.dumps(spec))
    from hybridspec.graphs.build import build

    assert build(spec).count_params() == hs.check(spec).params


def test_the_seeds_are_valid():
    assert len(SEEDS) >= 5
    for seed in SEEDS:
        assert outcome(from_data, seed) is not None

