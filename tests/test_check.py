"""check(): shape errors name the place and both sides; the Report; no TensorFlow needed."""

from __future__ import annotations

import subprocess
import sys

import pytest

import hybridspec as hs


def model(body: str, shape: str = "[64]") -> hs.ModelSpec:
    return hs.loads(f"name: m\ninputs:\n  x: {{shape: {shape}}}\nbody: {body}\n")


def test_rank_error_names_path_kind_shape_and_origin():
    spec = model("{parallel: {branches: [[{dense: 8}], [{dense: 4}, {recurrent_stack: {units: [3]}}]]}}")
    with pytest.raises(hs.SpecError) as caught:
        hs.check(spec)
    err = caught.value
    assert err.path == "body.parallel[1][1].recurrent_stack[0]"
    assert str(err) == ("body.parallel[1][1].recurrent_stack[0] (lstm): needs a rank-3 input (batch, time, "
                        "features); got (None, 4) from body.parallel[1][0]")


def test_merge_error_lists_every_branch():
    spec = model("{parallel: {branches: [{dense: 8}, {dense: 4}], merge: add}}")
    with pytest.raises(hs.SpecError, match=r"^body.parallel.merge \(merge\): add needs inputs of one shape, or shapes "
                       r"that broadcast \(sizes equal or 1, aligned from the last axis\); got \(None, 8\) from body.parallel.branches\[0\], \(None, 4\) from body.parallel.branches\[1\]"):
        hs.check(spec)


def test_shrinking_below_one_names_the_layer():
    spec = model("[{conv: {filters: 4, kernel_size: 3}}, {pool: {size: 4}}, {conv: {filters: 2, kernel_size: 3}}]",
                 "[10, 10, 1]")
    with pytest.raises(hs.SpecError) as caught:
        hs.check(spec)
    assert caught.value.path == "body[2]"
    assert "spatial axis 1 shrinks below 1" in str(caught.value) and "from body[1]" in str(caught.value)


def test_time_distributed_needs_a_time_axis():
    with pytest.raises(hs.SpecError, match=r"^body \(time_distributed\): needs a \(batch, time, ...\) input"):
        hs.check(model("{time_distributed: [{dense: 3}]}"))


def test_cross_attention_dimension_mismatch():
    spec = hs.loads("""
name: m
inputs: {q: {shape: [3, 4]}, v: {shape: [5, 6]}}
nodes: {att: {from: [q, v], block: {attention: {kind: dot}}}}
outputs: {y: {from: att}}
""")
    with pytest.raises(hs.SpecError, match=r"^nodes.att.block \(attention\): dot attention needs query and key "
                       r"features equal; got \(None, 3, 4\) from inputs.q; got \(None, 5, 6\) from inputs.v"):
        hs.check(spec)


def test_report_rows_totals_and_table():
    spec = model("[{dense: {units: 8, activation: relu}}, {batch_norm: {}}, {dense: 2}]")
    report = hs.check(spec)
    assert report["body[0]"].params == 64 * 8 + 8
    assert (report["body[1]"].trainable, report["body[1]"].non_trainable) == (16, 16)
    assert report["body"].params == report.params == 520 + 32 + 18
    assert report.outputs == {"m": (None, 2)}
    table = report.table()
    assert "body[1]" in table and "batch_norm" in table and "Total params: 570" in table
    assert report.to_dict()["params"] == {"total": 570, "trainable": 554, "non_trainable": 16}


def test_masks_flow_from_embeddings_into_recurrent_layers():
    spec = hs.loads("""
name: m
inputs: {ids: {shape: [null], dtype: int32}}
body: [{embedding: {vocab: 50, dim: 8, mask_zero: true}}, {lstm: {units: 4, return_sequences: true}},
       {lstm: 4}]
""")
    report = hs.check(spec)
    assert [report[p].masked for p in ("body[0]", "body[1]", "body[2]")] == [True, True, False]


def test_shared_node_counts_weights_once():
    spec = hs.loads("""
name: siamese
inputs: {a: {shape: [10]}, b: {shape: [10]}}
nodes:
  left: {from: a, block: {dense: 4}}
  right: {from: b, share: left}
  both: {from: [left, right], block: {merge: subtract}}
outputs: {d: {from: both}}
""")
    report = hs.check(spec)
    assert report.params == 44
    assert report["nodes.right"].kind == "share of dense" and report["nodes.right"].params == 0


def test_shared_node_with_other_input_shapes_is_refused():
    spec = hs.loads("""
name: siamese
inputs: {a: {shape: [10]}, b: {shape: [12]}}
nodes:
  left: {from: a, block: {dense: 4}}
  right: {from: b, share: left}
outputs: {d: {from: right}}
""")
    with pytest.raises(hs.SpecError, match="a shared node needs the same input shapes"):
        hs.check(spec)


def test_encoder_decoder_states():
    spec = hs.loads("""
name: s2s
inputs: {src: {shape: [null, 6]}, tgt: {shape: [null, 5]}}
nodes:
  enc: {from: src, block: {lstm: 16}, return_state: true}
  dec: {from: tgt, block: {lstm: {units: 16, return_sequences: true}}, initial_state: [enc.states]}
outputs: {y: {from: dec, block: {dense: 5}}}
""")
    report = hs.check(spec)
    assert report["nodes.enc.block"].shapes == ((None, 16), (None, 16), (None, 16))
    assert report.outputs == {"y": (None, None, 5)}


def test_initial_state_of_the_wrong_size():
    spec = hs.loads("""
name: s2s
inputs: {src: {shape: [null, 6]}, tgt: {shape: [null, 5]}}
nodes:
  enc: {from: src, block: {gru: 8}, return_state: true}
  dec: {from: tgt, block: {lstm: 8}, initial_state: [enc.states]}
outputs: {y: {from: dec}}
""")
    with pytest.raises(hs.SpecError, match=r"^nodes.dec.block \(lstm\): initial_state needs 2 state"):
        hs.check(spec)


@pytest.mark.parametrize("name,shape,out,params", [
    ("vgg16", [224, 224, 3], (None, 7, 7, 512), 14_714_688),
    ("resnet50", [97, 65, 1], (None, 4, 3, 2048), 23_528_320 + 53_120),
    ("mobilenet_v2", [None, None, 3], (None, None, None, 1280), 2_257_984),
    ("efficientnet_b0", [33, 40, 4], (None, 2, 2, 1280), 4_007_836 + 42_025),
])
def test_backbone_static_shapes(name, shape, out, params):
    report = hs.check(model(f"{{backbone: {name}}}", str(shape).replace("None", "null")))
    assert report.outputs["m"] == out and report.params == params


def test_backbone_needs_32_pixels():
    with pytest.raises(hs.SpecError, match="at least 32"):
        hs.check(model("{backbone: vgg16}", "[31, 64, 3]"))


def test_check_imports_no_tensorflow():
    code = ("import sys, hybridspec as hs\n"
            "hs.check(hs.loads('name: m\\ninputs: {x: {shape: [4, 3]}}\\nbody: [{lstm: 2}, {dense: 1}]'))\n"
            "assert not {'tensorflow', 'keras'} & set(sys.modules), 'imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_train_section_is_checked_against_the_outputs():
    spec = model("[{dense: {units: 10, activation: softmax}}]\ntrain: {loss: binary_crossentropy}")
    with pytest.raises(hs.SpecError, match=r"^train.loss: binary_crossentropy does not fit output 'm'"):
        hs.check(spec)
    assert hs.check(model("[{dense: {units: 10, activation: softmax}}]\ntrain: {epochs: 2}")).params == 650
