"""Plots: DOT text from the walk (boxes, clusters, edges), rendering with and without ``dot``."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hybridspec as hs
from hybridspec.graphs import plot
from hybridspec.graphs.plot import quote, render, to_dot

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.yaml"))
HAS_DOT = shutil.which("dot") is not None


def example(name: str) -> hs.ModelSpec:
    return hs.load(Path(__file__).parents[1] / "examples" / f"{name}.yaml")


def edges_into(dot: str, head: str) -> list[str]:
    return re.findall(rf'^  "([^"]+)" -> {re.escape(quote(head))}', dot, re.M)


def test_quote_escapes_quotes_backslashes_and_newlines():
    assert quote('a "b" \\c\nd') == r'"a \"b\" \\c\nd"'


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_node_of_every_example_is_drawn(path):
    spec = hs.load(path)
    report = hs.check(spec)
    dot = to_dot(spec, report)
    for row in report.rows:
        if row.leaf:
            assert f"{quote(row.path)} [" in dot, row.path
    for name in report.outputs:
        assert edges_into(dot, f"outputs.{name}")
    assert dot.count("{") == dot.count("}")


def test_composites_are_clusters_with_their_paths():
    dot = to_dot(example("inception_resnet_cifar"))
    labels = re.findall(r'subgraph cluster_\d+ \{\n\s+label="([^ ]+)  (\w+)', dot)
    assert labels == [("body[1]", "residual"), ("body[3]", "residual"), ("body[5]", "parallel")]
    video = to_dot(example("video_cnn_lstm"))
    assert 'label="body[0]  time_distributed  (None, None, 1152)' in video


def test_parallel_fans_out_and_residual_adds_body_and_shortcut():
    dot = to_dot(example("inception_resnet_cifar"))
    assert sorted(edges_into(dot, "body[5].parallel.merge")) == [
        "body[5].parallel[0]", "body[5].parallel[1][1]", "body[5].parallel[2][1]"]
    assert sorted(edges_into(dot, "body[1].residual.add")) == ["body[0]", "body[1].residual[1]"]
    assert sorted(edges_into(dot, "body[3].residual.add")) == [
        "body[3].residual.body[1]", "body[3].residual.shortcut"]


def test_graph_refs_shared_nodes_and_initial_states():
    dot = to_dot(example("siamese_multitask"))
    assert "subgraph cluster_" in dot and "nodes.encoder.block  chain" in dot
    assert sorted(edges_into(dot, "nodes.both.block")) == ["nodes.encoder.block[2]", "nodes.encoder_right"]
    assert edges_into(dot, "nodes.encoder_right") == ["inputs.right", "nodes.encoder.block[2]"]
    assert 'label="same weights"' in dot
    seq = to_dot(example("seq2seq_translation"))
    assert '"nodes.encoder.block" -> "nodes.decoder.block" [style="dashed", label="initial_state"]' in seq


def test_cudnn_ineligible_layers_are_orange():
    spec = hs.loads("""
name: slow
inputs: {x: {shape: [null, 8]}}
body: [{lstm: {units: 4, return_sequences: true, recurrent_dropout: 0.1}}, {gru: {units: 4}}]
""")
    dot = to_dot(spec)
    slow = re.search(r'^  "body\[0\]" \[(.*)\];$', dot, re.M)
    fast = re.search(r'^  "body\[1\]" \[(.*)\];$', dot, re.M)
    assert slow and 'fillcolor="orange"' in slow[1] and "cuDNN: no (recurrent_dropout)" in slow[1]
    assert fast and "orange" not in fast[1]


def test_dot_suffix_writes_text(tmp_path):
    out = render(example("mnist_mlp"), tmp_path / "m.dot")
    assert out == tmp_path / "m.dot" and out.read_text().startswith('digraph "mnist_mlp"')
    with pytest.raises(ValueError, match="suffix"):
        render(example("mnist_mlp"), tmp_path / "m.jpg")


def test_without_dot_the_dot_file_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(plot.shutil, "which", lambda name: None)
    out = render(example("mnist_mlp"), tmp_path / "m.svg")
    assert out == tmp_path / "m.dot" and out.exists()
    assert not (tmp_path / "m.svg").exists()


@pytest.mark.skipif(not HAS_DOT, reason="graphviz (dot) is not installed")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_svg_is_rendered(path, tmp_path):
    out = render(hs.load(path), tmp_path / "g.svg")
    assert out == tmp_path / "g.svg" and "<svg" in out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]  # no temporary file left


try:
    from hybridspec.testing import model_specs
except ImportError:  # pragma: no cover
    model_specs = None


@pytest.mark.skipif(model_specs is None, reason="hybridspec.testing is not available")
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(spec=model_specs() if model_specs else st.nothing())
def test_random_valid_specs_draw_every_leaf(spec):
    try:
        report = hs.check(spec)
    except Exception:  # noqa: BLE001 (only specs that pass check can be drawn)
        return
    dot = to_dot(spec, report)
    for row in report.rows:
        if row.leaf:
            assert f"{quote(row.path)} [" in dot
    if HAS_DOT:
        subprocess.run(["dot", "-Tcanon"], input=dot.encode(), check=True, capture_output=True)
