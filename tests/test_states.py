"""Recurrent states and multi-value nodes: bidirectional return_state, selecting one value of a
node (enc.states.1, enc.0), outputs of states; and TimeDistributed built as by hand."""

from __future__ import annotations

import numpy as np
import pytest
from jsonschema import Draft202012Validator

import hybridspec as hs
from hybridspec.specs.schema import json_schema

keras = pytest.importorskip("keras")

SEQ2SEQ = """
name: s2s
inputs: {src: {shape: [5, 3]}, tgt: {shape: [4, 2]}}
nodes:
  enc: {from: src, block: {bidirectional: {layer: {CELL: 6}, merge_mode: MODE}}, return_state: true}
  dec: {from: tgt, block: {CELL: {units: 6, return_sequences: true}}, initial_state: [STATES]}
outputs:
  y: {from: dec, block: {dense: 2}}
  h: {from: enc.states.0}
  out: {from: OUT}
"""


def _doc(cell: str, mode: str, states: str, out: str = "enc") -> str:
    return SEQ2SEQ.replace("CELL", cell).replace("MODE", mode).replace("STATES", states).replace("OUT", out)


@pytest.mark.parametrize(("cell", "mode", "states", "out"), [
    ("lstm", "concat", "enc.states.2, enc.states.3", "enc"),  # the backward layer's h and c
    ("gru", "sum", "enc.states.1", "enc"),
    ("lstm", "none", "enc.states.0, enc.states.1", "enc.1"),  # one half of a merge_mode none pair
])
def test_bidirectional_return_state_and_selected_values_agree_with_keras(cell, mode, states, out):
    spec = hs.loads(_doc(cell, mode, states, out))
    report = hs.check(spec)
    model = hs.build(spec)
    got = model({"src": np.zeros((2, 5, 3), "float32"), "tgt": np.zeros((2, 4, 2), "float32")})
    assert {k: (None, *v.shape[1:]) for k, v in got.items()} == report.outputs
    assert model.count_params() == report.params


def test_a_bidirectional_node_starts_from_forward_then_backward_states():
    doc = _doc("gru", "sum", "enc.states.1").replace(
        "  dec:", "  both: {from: tgt, block: {bidirectional: {gru: 6}}, initial_state: [enc.states]}\n  dec:")
    spec = hs.loads(doc.replace("out: {from: enc}", "out: {from: both}"))
    assert hs.check(spec).outputs["out"] == (None, 12)
    assert hs.build(spec).count_params() == hs.check(spec).params
    with pytest.raises(hs.SpecError, match=r"initial_state needs 2 states \(forward, then backward\)"):
        hs.check(hs.loads(doc.replace("initial_state: [enc.states]", "initial_state: [enc.states.0]")))


def test_states_come_forward_then_backward_in_keras_order():
    spec = hs.loads(_doc("lstm", "concat", "enc.states.2, enc.states.3").replace(
        "out: {from: enc}", "c_bw: {from: enc.states.3}"))
    model = hs.build(spec)
    src = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    got = model({"src": src, "tgt": np.zeros((2, 4, 2), "float32")})
    layer = model.get_layer("nodes_enc_block")
    _, h_fw, c_fw, h_bw, c_bw = layer(src)  # Keras's own order
    assert np.allclose(got["h"], h_fw) and np.allclose(got["c_bw"], c_bw)


def test_a_selection_beyond_what_a_node_yields_lists_what_it_yields():
    with pytest.raises(hs.SpecError) as err:
        hs.check(hs.loads(_doc("lstm", "concat", "enc.states.2, enc.states.3").replace("enc.states.0}", "enc.states.4}")))
    assert str(err.value) == ("outputs.h.from: 'enc.states.4' selects no value: enc.states yields 4 states "
                              "(enc.states.0, enc.states.1, enc.states.2, enc.states.3)")
    with pytest.raises(hs.SpecError) as err:
        hs.check(hs.loads(_doc("gru", "none", "enc.states.0", "enc.2")))
    assert str(err.value) == "outputs.out.from: 'enc.2' selects no value: enc yields 2 values (enc.0, enc.1)"


def test_an_output_reads_states_or_says_to_select_one():
    ok = hs.check(hs.loads(_doc("gru", "concat", "enc.states.0", "enc.states.1")))
    assert ok.outputs["out"] == (None, 6)
    with pytest.raises(hs.SpecError, match=r"outputs\.out\.from: 'enc\.states' yields 2 values "
                                           r"\(enc\.states\.0, enc\.states\.1\); an output is one value"):
        hs.check(hs.loads(_doc("gru", "concat", "enc.states.0", "enc.states")))
    merged = _doc("gru", "concat", "enc.states.0", "enc.states").replace(
        "out: {from: enc.states}", "out: {from: enc.states, block: {merge: concat}}")
    assert hs.check(hs.loads(merged)).outputs["out"] == (None, 12)


def test_selection_needs_return_state_and_the_syntax_is_in_the_schema():
    with pytest.raises(hs.SpecError, match="'enc.states.1' needs node 'enc' to set return_state: true"):
        hs.loads(_doc("gru", "sum", "enc.states.1").replace(", return_state: true", ""))
    field = json_schema()["$defs"]["Output"]["properties"]["from"]
    validator = Draft202012Validator(next(a for a in field["anyOf"] if "pattern" in a))
    for good in ["enc", "enc.1", "enc.states", "enc.states.12"]:
        assert validator.is_valid(good), good
    for bad in ["enc.states[1]", "enc.x", "enc.states.1.2", "1enc"]:
        assert not validator.is_valid(bad), bad
    for bad in ["enc.x", "enc.states.1.2", "enc.-1"]:
        with pytest.raises(hs.SpecError, match="must be a node name, name.N, name.states or name.states.N"):
            hs.Output(from_=bad)


def test_time_distributed_wraps_one_layer_directly_and_a_sub_tree_in_a_model():
    spec = hs.loads("""
name: v
inputs: {x: {shape: [3, 8, 8, 1]}}
body:
  - {time_distributed: {conv: {filters: 4, kernel_size: 3}}}
  - {time_distributed: [{conv: {filters: 2, kernel_size: 3}}, flatten]}
  - {time_distributed: {block: {dense: 3}, name: td}}
""")
    model = hs.build(spec)
    wrapped = [(layer.name, type(layer.layer).__name__) for layer in model.layers[1:]]
    assert wrapped == [("body_0", "Conv2D"), ("body_1", "Functional"), ("td", "Dense")]
    assert model.count_params() == hs.check(spec).params


def test_time_distributed_over_a_layer_taking_a_list_builds_a_sub_model():
    spec = hs.loads("name: m\ninputs: {x: {shape: [2, 2, 1]}}\nbody: {time_distributed: {attention: {}}}")
    model = hs.build(spec)
    assert type(model.layers[1].layer).__name__ == "Functional"
    assert model(np.zeros((1, 2, 2, 1), "float32")).shape == (1, 2, 2, 1)
