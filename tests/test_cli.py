"""The hybridspec command: exit codes, text and JSON output, files written, no TensorFlow."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hybridspec.cli import main

GOOD = """
name: tiny
inputs: {x: {shape: [null, 8]}}
body:
  - lstm: {units: 4, recurrent_dropout: 0.1}   # works, but not with cuDNN
  - dense: {units: 2, activation: softmax}
"""
BAD = """
name: broken
inputs: {x: {shape: [8]}}
body:
  - dense: {units: 4}
  - lstm: {units: 4}
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(BAD)
    return tmp_path


def test_check_ok_prints_params_and_outputs_and_warns_on_stderr(files, capsys):
    assert main(["check", "good.yaml"]) == 0
    out, err = capsys.readouterr()
    assert out == "ok good.yaml: 218 params, outputs tiny (None, 2)\n"
    assert err.startswith("warning: good.yaml: body[0] (lstm): falls off the cuDNN fast path")


def test_check_invalid_spec_exits_1_with_a_path(files, capsys):
    assert main(["check", "good.yaml", "bad.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("ok good.yaml")
    assert "error: bad.yaml: body[1] (lstm): " in err


@pytest.mark.parametrize("argv", [[], ["check"], ["frobnicate"], ["check", "missing.yaml"],
                                  ["build", "good.yaml", "-o", "model.h5"],
                                  ["plot", "good.yaml", "-o", "graph.jpg"], ["summary", "--bogus", "good.yaml"]])
def test_usage_errors_exit_2(files, argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "summary", "build", "plot", "schema"])
def test_help_has_examples(command, capsys):
    assert main([command, "--help"]) == 0
    assert "examples:\n  hybridspec " in capsys.readouterr().out


def test_check_json_lists_every_file(files, capsys):
    assert main(["check", "--json", "good.yaml", "bad.yaml"]) == 1
    out, err = capsys.readouterr()
    good, bad = json.loads(out)
    assert err == ""
    assert good.pop("warnings")[0].startswith("body[0] (lstm): falls off the cuDNN fast path")
    assert good.pop("resources")["params"] == 218
    assert good == {"file": "good.yaml", "ok": True, "error": None, "params": 218,
                    "outputs": {"tiny": [None, 2]}}
    assert bad["ok"] is False and bad["params"] is None
    assert bad["error"]["path"] == "body[1]" and bad["error"]["kind"] == "lstm"
    assert bad["error"]["message"]


def test_summary_text_and_json(files, capsys):
    assert main(["summary", "good.yaml"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith('Model "tiny"') and "body[0]" in out and "warning" not in out
    assert "warning: good.yaml: body[0] (lstm)" in err
    assert main(["summary", "--json", "good.yaml", "bad.yaml"]) == 1
    good, bad = json.loads(capsys.readouterr().out)
    assert good["file"] == "good.yaml" and good["params"]["total"] == 218
    assert [n["path"] for n in good["nodes"]] == ["inputs.x", "body", "body[0]", "body[1]"]
    assert bad["error"]["path"] == "body[1]"


def test_schema_prints_json(capsys):
    assert main(["schema"]) == 0
    assert "$schema" in json.loads(capsys.readouterr().out)


def test_plot_writes_a_picture_or_dot_text(files, capsys):
    assert main(["plot", "good.yaml", "-o", "g.svg"]) == 0
    assert (files / "g.svg").exists() or (files / "g.dot").exists()
    assert main(["plot", "bad.yaml"]) == 1


def test_build_saves_a_keras_file(files, capsys):
    assert main(["build", "good.yaml", "-o", "tiny.keras"]) == 0
    assert capsys.readouterr().out == "wrote tiny.keras: 218 params\n"
    assert (files / "tiny.keras").stat().st_size > 0
    assert sorted(p.name for p in files.iterdir()) == ["bad.yaml", "good.yaml", "tiny.keras"]


def test_python_m_hybridspec_subprocess(files):
    run = subprocess.run([sys.executable, "-m", "hybridspec", "check", "good.yaml"],
                         capture_output=True, text=True, cwd=files)
    assert run.returncode == 0 and run.stdout.startswith("ok good.yaml")
    run = subprocess.run([sys.executable, "-m", "hybridspec", "check", "bad.yaml"],
                         capture_output=True, text=True, cwd=files)
    assert run.returncode == 1 and "error: bad.yaml: body[1] (lstm)" in run.stderr


def test_check_summary_and_plot_do_not_import_tensorflow(files):
    code = ("import sys; from hybridspec.cli import main; "
            "main(['check', 'good.yaml']); main(['summary', '--json', 'good.yaml']); "
            "main(['plot', 'good.yaml', '-o', 'g.dot']); main(['schema']); "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')]; "
            "assert not heavy, heavy")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=files)
    assert run.returncode == 0, run.stderr


def test_pre_commit_hook_matches_spec_documents_only():
    (hook,) = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "hybridspec-check" and hook["entry"] == "hybridspec check"
    files = re.compile(hook["files"])
    for name in ["specs/cnn.yaml", "ml/specs/lstm.yml", "models/video.hybridspec.yaml", "a.hs.json"]:
        assert files.search(name), name
    for name in [".pre-commit-config.yaml", "specs/README.md", "config/train.yaml", "hs.yaml"]:
        assert not files.search(name), name
