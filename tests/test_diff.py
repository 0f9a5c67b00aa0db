"""hybridspec diff: changes by path with shape and parameter deltas, text and JSON."""

import json
import subprocess
import sys

import hybridspec as hs
from hybridspec.cli import main
from hybridspec.graphs.diff import diff

A = """
name: speech
inputs: {features: {shape: [null, 40]}}
body:
  - recurrent_stack: {cell: gru, units: [64, 64], bidirectional: true, return_sequences: true}
  - attention: {kind: additive, pool: true, units: 64}
  - dense: {units: 12, activation: softmax}
train: {optimizer: {name: adam, learning_rate: 0.001}, loss: categorical_crossentropy}
"""
B = (A.replace("units: [64, 64]", "units: [64, 128]").replace("learning_rate: 0.001", "learning_rate: 0.01")
     .replace("activation: softmax}\n", "activation: softmax}\n  - dropout: 0.2\n"))


def test_changes_by_path_with_deltas():
    result = diff(hs.loads(A), hs.loads(B))
    by_path = {c.path: c for c in result.changes}
    layer = by_path["body[0].recurrent_stack[1]"]
    assert layer.status == "changed" and layer.fields == {"layer.units": (64, 128)}
    assert layer.shapes == (((None, None, 128),), ((None, None, 256),))
    assert layer.params[1] - layer.params[0] == 123_648
    assert by_path["body[1]"].fields == {} and by_path["body[1]"].params == (8_320, 16_512)
    assert by_path["body[3]"].status == "added" and by_path["body[3]"].kind == "dropout"
    assert by_path["train"].fields == {"optimizer.learning_rate": (0.001, 0.01)}
    assert by_path["body[2]"].fields == {} and "inputs.features" not in by_path
    assert result.text().splitlines()[-1] == f"total params: {result.a.params:,} -> {result.b.params:,} " \
        f"(+{result.b.params - result.a.params:,})"


def test_same_document_has_no_differences():
    assert diff(hs.loads(A), hs.loads(A)).changes == ()


def test_cli_json_and_exit_code(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(A)
    (tmp_path / "b.yaml").write_text(B)
    assert main(["diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["params"]["delta"] == data["params"]["new"] - data["params"]["old"] > 0
    assert [c["status"] for c in data["changes"]].count("added") == 1
    assert main(["diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "--exit-code"]) == 1
    assert main(["diff", str(tmp_path / "a.yaml"), str(tmp_path / "a.yaml"), "--exit-code"]) == 0
    assert "no differences" in capsys.readouterr().out


def test_diff_never_imports_tensorflow(tmp_path):
    (tmp_path / "a.yaml").write_text(A)
    (tmp_path / "b.yaml").write_text(B)
    code = ("import sys; from hybridspec.cli import main; main(['diff', sys.argv[1], sys.argv[2]]); "
            "heavy = [m for m in ('tensorflow', 'keras', 'numpy', 'sklearn') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")], check=True)
