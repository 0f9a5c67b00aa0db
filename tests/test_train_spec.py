"""The train: section: round trips, errors with document paths, schema, and the static loss and
metric checks against a model's Report."""

import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator

import hybridspec as hs
from hybridspec.specs.documents import parse
from hybridspec.specs.train import CallbacksSpec, EarlyStoppingSpec, OptimizerSpec, TrainSpec
from hybridspec.training import plan

BODY = "name: m\ninputs: {x: {shape: [8]}}\nbody: [dense: {units: 10, activation: softmax}]\n"
GRAPH = """name: g
inputs: {image: {shape: [8, 8, 1]}}
nodes:
  f: {from: image, block: flatten}
outputs:
  label: {from: f, block: {dense: {units: 10, activation: softmax}}}
  logits: {from: f, block: {dense: 10}}
  flag: {from: f, block: {dense: {units: 1, activation: sigmoid}}}
  score: {from: f, block: {dense: 1}}
"""

FULL = BODY + """train:
  optimizer: {name: sgd, learning_rate: 0.01, momentum: 0.9, clipnorm: 1.0}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy, sparse_top_k_categorical_accuracy]
  batch_size: 64
  epochs: 3
  validation_split: 0.2
  callbacks:
    early_stopping: {monitor: val_accuracy, patience: 2, restore_best_weights: false}
    reduce_on_plateau: {factor: 0.2, patience: 1}
    checkpoint: false
    backup_and_restore: true
  mixed_precision: mixed_bfloat16
  seed: 7
"""


@pytest.mark.parametrize("text", [
    BODY, FULL, BODY + "train: {}\n", BODY + "train: null\n",
    GRAPH + "train: {loss: {label: sparse_categorical_crossentropy, score: huber}, "
            "metrics: {label: [accuracy], score: [mae, rmse]}}\n",
])
def test_round_trip(text):
    spec = hs.loads(text)
    assert hs.loads(hs.dumps(spec)) == spec
    assert hs.loads(hs.dumps(spec, "json"), "json") == spec


def test_full_section_values():
    train = hs.loads(FULL).train
    assert train.optimizer == OptimizerSpec(name="sgd", learning_rate=0.01, momentum=0.9, clipnorm=1.0)
    assert train.callbacks.early_stopping == EarlyStoppingSpec(monitor="val_accuracy", patience=2,
                                                               restore_best_weights=False)
    assert train.metrics == ("accuracy", "sparse_top_k_categorical_accuracy")
    assert (train.batch_size, train.epochs, train.seed) == (64, 3, 7)


def test_defaults_and_short_optimizer():
    assert hs.loads(BODY + "train: {}\n").train == TrainSpec()
    assert hs.loads(BODY + "train: {optimizer: rmsprop}\n").train.optimizer == OptimizerSpec(name="rmsprop")
    assert "train" not in hs.dumps(hs.loads(BODY))


def test_python_construction_makes_metric_lists_tuples():
    train = TrainSpec(metrics={"label": ["accuracy"]}, callbacks=CallbacksSpec(checkpoint=False))
    assert train.metrics == {"label": ("accuracy",)}
    assert TrainSpec(metrics=["mae"]).metrics == ("mae",)


@pytest.mark.parametrize("train, path, words", [
    ("{optimizer: {learning_rate: -1}}", "train.optimizer.learning_rate", "> 0"),
    ("{optimizer: {name: adm}}", "train.optimizer.name", "Did you mean 'adam'"),
    ("{optimizer: adm}", "train.optimizer.name", "adam"),
    ("{optimizer: 3}", "train.optimizer", "mapping"),
    ("{optimizer: {name: adam, momentum: 0.9}}", "train.optimizer.momentum", "sgd"),
    ("{optimizer: {clipnorm: 1, clipvalue: 1}}", "train.optimizer.clipvalue", "not both"),
    ("{optimizr: adam}", "train.optimizr", "Did you mean 'optimizer'"),
    ("{loss: msee}", "train.loss", "mse"),
    ("{loss: {m: crossentropy}}", "train.loss.m", "must be one of"),
    ("{metrics: [acc]}", "train.metrics[0]", "must be one of"),
    ("{metrics: {m: [accuracy, f1]}}", "train.metrics.m[1]", "must be one of"),
    ("{batch_size: 0}", "train.batch_size", "positive integer"),
    ("{epochs: '3'}", "train.epochs", "positive integer"),
    ("{validation_split: 1.0}", "train.validation_split", "< 1"),
    ("{validation_split: 0, callbacks: {early_stopping: {}}}", "train.validation_split", "val_"),
    ("{callbacks: {early_stopping: {patience: -1}}}", "train.callbacks.early_stopping.patience", "non-negative"),
    ("{callbacks: {reduce_on_plateau: {factor: 2}}}", "train.callbacks.reduce_on_plateau.factor", "< 1"),
    ("{callbacks: {early_stopping: true}}", "train.callbacks.early_stopping", "early stopping"),
    ("{callbacks: {checkpoint: yes please}}", "train.callbacks.checkpoint", "true or false"),
    ("{callbacks: {tensorboard: true}}", "train.callbacks.tensorboard", "unknown key"),
    ("{mixed_precision: float16}", "train.mixed_precision", "mixed_float16"),
    ("{seed: -1}", "train.seed", "an integer in [0, 4294967295]"),
    ("5", "train", "train section"),
])
def test_errors_have_paths(train, path, words):
    with pytest.raises(hs.SpecError) as err:
        hs.loads(BODY + f"train: {train}\n")
    assert err.value.path == path
    assert words in str(err.value)


def test_schema_describes_the_train_section():
    validator = Draft202012Validator(hs.json_schema())
    assert not list(validator.iter_errors(parse(FULL)))
    assert not list(validator.iter_errors(parse(BODY + "train: {optimizer: adamw}\n")))
    for bad in ("{optimizer: adm}", "{optimizr: adam}", "{epochs: 0}", "{metrics: {m: [f1]}}"):
        assert list(validator.iter_errors(parse(BODY + f"train: {bad}\n"))), bad


def _plan(text):
    spec = hs.loads(text)
    return plan(spec, hs.check(spec))


def test_inferred_losses_and_metrics():
    plans = _plan(GRAPH)
    assert plans["label"].loss == "sparse_categorical_crossentropy"
    assert plans["label"].metrics == ("accuracy",)
    assert plans["label"].target_shape() == (None,)
    assert plans["flag"].loss == "binary_crossentropy"
    assert (plans["logits"].loss, plans["logits"].metrics) == ("mse", ("mae",))
    assert plans["score"].target_shape() == (None, 1)
    assert _plan(BODY)["m"].loss == "sparse_categorical_crossentropy"


def test_linear_outputs_train_on_logits():
    plans = _plan(GRAPH + "train: {loss: {logits: categorical_crossentropy, score: binary_crossentropy}}\n")
    assert plans["logits"].from_logits and plans["score"].from_logits
    assert not plans["label"].from_logits


def test_activation_seen_through_dropout_and_shared_nodes():
    spec = hs.loads("""name: s
inputs: {a: {shape: [4]}}
nodes:
  head: {from: a, block: [{dense: {units: 3, activation: softmax}}, {dropout: 0.1}]}
  twin: {from: a, share: head}
outputs: {p: {from: twin}}
""")
    assert plan(spec, hs.check(spec))["p"].activation == "softmax"


@pytest.mark.parametrize("train, path, words", [
    ("{loss: {labl: mse}}", "train.loss.labl", "Did you mean 'label'"),
    ("{metrics: {scor: [mae]}}", "train.metrics.scor", "unknown output"),
    ("{loss: {score: sparse_categorical_crossentropy}}", "train.loss.score", "2 or more classes"),
    ("{loss: {flag: categorical_crossentropy}}", "train.loss.flag", "2 or more classes"),
    ("{loss: {label: binary_crossentropy}}", "train.loss.label", "sparse_categorical_crossentropy"),
    ("{loss: {logits: kl_divergence}}", "train.loss.logits", "softmax"),
    ("{loss: sparse_categorical_crossentropy}", "train.loss", "output 'flag'"),
    ("{metrics: {score: [accuracy]}}", "train.metrics.score[0]", "classification loss"),
    ("{metrics: {flag: [mae, categorical_accuracy]}}", "train.metrics.flag[1]", "2 or more classes"),
])
def test_static_loss_and_metric_errors(train, path, words):
    with pytest.raises(hs.SpecError) as err:
        _plan(GRAPH + f"train: {train}\n")
    assert err.value.path == path
    assert words in str(err.value)


def test_body_model_loss_mapping_uses_the_model_name():
    assert _plan(BODY + "train: {loss: {m: categorical_crossentropy}}\n")["m"].loss == "categorical_crossentropy"
    with pytest.raises(hs.SpecError, match="Outputs: m"):
        _plan(BODY + "train: {loss: {y: mse}}\n")


NO_TF = """
import sys
import hybridspec as hs
import hybridspec.demo, hybridspec.training.cli
from hybridspec.training import load_data, match, plan
spec = hs.loads("name: m\\ninputs: {x: {shape: [8, 2]}}\\nbody: [flatten, dense: 1]\\ntrain: {loss: mae}")
match(load_data("adding:length=8,size=20"), spec, plan(spec, hs.check(spec)))
assert "tensorflow" not in sys.modules and "keras" not in sys.modules
"""


def test_checks_and_data_import_no_tensorflow():
    subprocess.run([sys.executable, "-c", NO_TF], check=True)
