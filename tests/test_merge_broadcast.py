"""Element-wise merges broadcast as Keras's do (squeeze-and-excitation gates); dropout noise shapes."""

from __future__ import annotations

import pytest

import hybridspec as hs

pytest.importorskip("keras")
from test_properties_checker import agree  # noqa: E402

SE_BLOCK = """
name: se
inputs: {image: {shape: [8, 8, 16]}}
nodes:
  features: {from: image, block: {conv: {filters: 16, kernel_size: 3, padding: same}}}
  squeeze:
    from: features
    block:
    - global_pool: {keepdims: true}
    - dense: {units: 4, activation: relu}
    - dense: {units: 16, activation: sigmoid}
  excite: {from: [features, squeeze], block: {merge: multiply}}
outputs:
  label: {from: excite, block: [global_pool, {dense: 3}]}
"""


def test_a_squeeze_and_excitation_block_checks_like_keras():
    spec = hs.loads(SE_BLOCK)
    report = hs.check(spec)
    assert report["nodes.excite.block"].shape == (None, 8, 8, 16)
    agree(spec, say=lambda _: None)


@pytest.mark.parametrize("mode", ["add", "subtract", "multiply", "average", "maximum", "minimum"])
@pytest.mark.parametrize("a, b, out", [
    ((4, 6), (6,), (None, 4, 6)), ((4, 1), (1, 6), (None, 4, 6)), ((None, 6), (1, 6), (None, None, 6)),
    ((3, 1, 5), (4, 1), (None, 3, 4, 5))])
def test_shapes_broadcast_from_the_last_axis(mode, a, b, out):
    spec = _pair(a, b, hs.Merge(mode=mode, broadcast=a[-1] != b[-1]))
    assert hs.check(spec).outputs["y"] == out
    agree(spec, say=lambda _: None)
    from hybridspec.importing import from_keras

    assert hs.check(from_keras(hs.build(spec))).outputs["y"] == out  # the importer sets broadcast


def _pair(a: tuple, b: tuple, merge: hs.Merge) -> hs.ModelSpec:
    return hs.ModelSpec(name="m", inputs={"a": hs.InputSpec(shape=a), "b": hs.InputSpec(shape=b)},
                        nodes={"m": hs.Node(from_=("a", "b"), block=merge)}, outputs={"y": hs.Output(from_="m")})


def test_shapes_that_do_not_broadcast_are_refused_with_both_shapes():
    with pytest.raises(hs.SpecError, match=r"nodes\.m\.block \(merge\): add needs inputs of one shape, or "
                       r"shapes that broadcast .*\(None, 4, 6\).*\(None, 3, 6\)"):
        hs.check(_pair((4, 6), (3, 6), hs.Merge(mode="add")))


def test_the_features_axis_broadcasts_only_when_asked():
    with pytest.raises(hs.SpecError, match=r"multiply would broadcast the features axis \(1 vs 64\).*"
                       r"Set broadcast: true"):
        hs.check(_pair((5, 1), (5, 64), hs.Merge(mode="multiply")))
    assert hs.check(_pair((5, 1), (5, 64), hs.Merge(mode="multiply", broadcast=True))).outputs["y"] == (None, 5, 64)
    with pytest.raises(hs.SpecError, match="only element-wise modes broadcast"):
        hs.Merge(mode="concat", broadcast=True)


def test_dropout_noise_shape_is_checked_against_the_input():
    body = "[{dropout: {rate: 0.2, noise_shape: %s}}, flatten, {dense: 2}]"
    spec = hs.loads("name: m\ninputs: {x: {shape: [4, 4, 3]}}\nbody: " + body % "[null, 1, 1, 1]")
    agree(spec, say=lambda _: None)
    with pytest.raises(hs.SpecError, match=r"^body\[0\] \(dropout\): noise_shape \[null, 2, 1\] does not fit"):
        hs.check(hs.loads("name: m\ninputs: {x: {shape: [4, 4, 3]}}\nbody: " + body % "[null, 2, 1]"))
