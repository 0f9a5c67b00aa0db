"""KerasTuner on a document's search space: names are paths, invalid combinations never built."""

import json

import numpy as np
import pytest

import hybridspec as hs
from hybridspec.cli import main
from hybridspec.graphs.space import check_space, dims, document, judge
from hybridspec.training.data import Dataset, Split

kt = pytest.importorskip("keras_tuner")

from hybridspec.tune import combo_of, hypermodel, tuner  # noqa: E402

SPACE = """
name: tiny_space
inputs: {image: {shape: [8, 8, 1]}}
body:
  - conv: {filters: {choice: [4, 8]}, kernel_size: {choice: [3, 5]}, activation: relu}
  - pool: {size: {int: [2, 5]}}
  - one_of:
      - flatten
      - [{conv: {filters: {int: [4, 8], step: 4}, kernel_size: 3}}, global_pool]
  - dense: {units: 10, activation: softmax}
train:
  optimizer: {name: adam, learning_rate: {float: [1.0e-3, 1.0e-2], log: true}}
  batch_size: {choice: [32, 64]}
  epochs: 1
  validation_split: 0.25
  seed: 0
"""


def tiny_digits(count=240):
    from sklearn.datasets import load_digits

    found = load_digits()
    x = (found.images[:count] / 16.0).astype("float32")[..., None]
    y = found.target[:count].astype("int32")
    half = count * 3 // 4
    return Dataset("digits", Split({"x": x[:half]}, {"y": y[:half]}), Split({"x": x[half:]}, {"y": y[half:]}))


def test_hyperparameter_names_are_document_paths_declared_up_front():
    model = hypermodel(hs.loads(SPACE))
    hp = kt.HyperParameters()
    model.declare_hyperparameters(hp)
    assert [h.name for h in hp.space] == [d.path for d in dims(document(hs.loads(SPACE)))]
    (branch,) = [h for h in hp.space if h.name == "body[2].one_of[1][0].conv.filters"]
    assert [(c.name, c.values) for c in branch.conditions] == [("body[2]", [1])]
    assert hp.get("train.optimizer.learning_rate") == pytest.approx(1e-3)


def test_build_refuses_an_invalid_combination_before_building():
    model = hypermodel(hs.loads(SPACE))
    hp = kt.HyperParameters()
    model.declare_hyperparameters(hp)
    hp.values.update({"body[0].conv.kernel_size": 5, "body[1].pool": 5})
    with pytest.raises(kt.errors.FailedTrialError, match="refused statically: body\\[1\\]"):
        model.build(hp)
    assert model.builds == [] and len(model.rejected) == 1


def test_the_tuner_builds_no_invalid_combination(tmp_path):
    spec = hs.loads(SPACE)
    model = hypermodel(spec)
    assert model.report.invalid_count > 0  # the space has an invalid part, known statically
    search = tuner(model, "random", max_trials=3, directory=str(tmp_path), seed=3, log=lambda _: None)
    data = tiny_digits()
    search.search(data.train.x["x"], data.train.y["y"], epochs=1, verbose=0)
    trials = list(search.oracle.trials.values())
    assert len(trials) == 3 and all(t.status == "COMPLETED" for t in trials)
    assert len(model.builds) == 3 and model.rejected == []
    data_ = document(spec)
    assert all(judge(data_, combo).ok for combo in model.builds)
    assert [combo_of(model.dims, t.hyperparameters.values) for t in trials] == model.builds


def test_hybridspec_tune_writes_the_trials_and_a_best_document_that_builds(tmp_path, capsys):
    (tmp_path / "space.yaml").write_text(SPACE)
    data = tiny_digits()
    np.savez(tmp_path / "digits.npz", x=data.train.x["x"], y=data.train.y["y"])
    out = tmp_path / "out"
    assert main(["tune", str(tmp_path / "space.yaml"), "--data", str(tmp_path / "digits.npz"), "--max-trials", "3",
                 "--epochs", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "search space: 7 dimension(s)" in text and "trial 3: val_accuracy" in text
    rows = json.loads((out / "trials.json").read_text())
    assert len(rows) == 3 and {"trial", "status", "score", "body[2]", "train.batch_size"} <= set(rows[0])
    assert (out / "trials.csv").read_text().count("\n") == 4
    assert (out / "objective.png").read_bytes().startswith(b"\x89PNG")
    best = hs.load(out / "tiny_space.best.yaml")
    assert dims(document(best)) == []
    model = hs.build(best)
    assert model.count_params() == hs.check(best).params
    best_score = max(r["score"] for r in rows)
    assert f"best val_accuracy {best_score:.4f} over 3 trials" in text


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["bayesian", "hyperband"])
def test_other_tuners_build_no_invalid_combination(kind, tmp_path):
    model = hypermodel(hs.loads(SPACE))
    search = tuner(model, kind, max_trials=4, max_epochs=2, directory=str(tmp_path), seed=1,
                   log=lambda _: None)
    data = tiny_digits()
    fit = {} if kind == "hyperband" else {"epochs": 1}
    search.search(data.train.x["x"], data.train.y["y"], verbose=0, **fit)
    assert model.builds and model.rejected == []
    assert all(judge(model.data, combo).ok for combo in model.builds)


def test_report_and_hypermodel_agree_on_the_space():
    report = check_space(hs.loads(SPACE))
    model = hypermodel(hs.loads(SPACE), report=report)
    assert model.report is report and np.isfinite(report.seconds)
