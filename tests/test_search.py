"""Search nodes in documents and the static check of a search space (no TensorFlow)."""

import json
from pathlib import Path

import pytest

import hybridspec as hs
from hybridspec.cli import main
from hybridspec.graphs.space import check_space, concrete, dims, document, every
from hybridspec.specs.search import Choice, FloatRange, IntRange, OneOf

EXAMPLE = Path(__file__).parents[1] / "examples" / "search" / "digits_search.yaml"

SMALL = """
name: small
inputs: {x: {shape: [8, 8, 1]}}
body:
  - conv: {filters: {choice: [4, 8]}, kernel_size: {choice: [3, 5]}}
  - pool: {size: {int: [2, 5]}}
  - one_of:
      - flatten
      - [{conv: {filters: {int: [4, 12], step: 4}, kernel_size: 3}}, global_pool]
  - dense: {units: 10, activation: softmax}
train:
  optimizer: {name: adam, learning_rate: {float: [1.0e-4, 1.0e-2], log: true}}
  batch_size: {choice: [16, 32]}
"""


def test_search_nodes_load_in_fields_blocks_and_the_train_section():
    spec = hs.loads(SMALL)
    conv, pool, choose, _ = spec.body.blocks
    assert conv.filters == Choice((4, 8)) and pool.size == IntRange(2, 5)
    assert isinstance(choose, OneOf) and len(choose.branches) == 2
    assert spec.train.optimizer.learning_rate == FloatRange(1e-4, 1e-2, log=True)
    assert spec.train.batch_size == Choice((16, 32))


@pytest.mark.parametrize("path", [EXAMPLE, None], ids=["example", "small"])
def test_round_trip_is_exact(path):
    spec = hs.load(path) if path else hs.loads(SMALL)
    assert hs.loads(hs.dumps(spec)) == spec
    assert hs.loads(hs.dumps(spec, "json"), "json") == spec


@pytest.mark.parametrize(("field", "node", "path", "words"), [
    ("units", "{choice: [32, -1]}", "body[0].dense.units.choice[1]", "positive integer"),
    ("units", "{int: [0, 8]}", "body[0].dense.units.int[0]", "positive integer"),
    ("units", "{float: [1.0, 8.0]}", "body[0].dense.units.float[0]", "integer"),
    ("units", "{int: [8, 2]}", "body[0].dense.units.int", "lo <= hi"),
    ("units", "{int: [2, 8], step: 0}", "body[0].dense.units.step", "positive"),
    ("units", "{choice: []}", "body[0].dense.units.choice", "at least one"),
    ("units", "{choice: [8, 8]}", "body[0].dense.units.choice[1]", "repeats"),
    ("units", "{choice: [8], seed: 1}", "body[0].dense.units.seed", "unknown key"),
    ("activation", "{choice: [relu, tanhh]}", "body[0].dense.activation.choice[1]", "tanh"),
])
def test_a_search_range_outside_the_fields_rule_is_a_spec_error_with_its_path(field, node, path, words):
    fields = f"{field}: {node}" if field == "units" else f"units: 2, {field}: {node}"
    doc = f"name: m\ninputs: {{x: {{shape: [4]}}}}\nbody: [{{dense: {{{fields}}}}}]\n"
    with pytest.raises(hs.SpecError) as caught:
        hs.loads(doc)
    assert caught.value.path == path and words in caught.value.message


def test_float_ranges_are_judged_at_both_ends():
    with pytest.raises(hs.SpecError) as caught:
        hs.loads("name: m\ninputs: {x: {shape: [4]}}\nbody: [{dropout: {rate: {float: [0.0, 1.5]}}}]\n")
    assert caught.value.path == "body[0].dropout.rate.float[1]"
    with pytest.raises(hs.SpecError, match="lo > 0"):
        hs.loads("name: m\ninputs: {x: {shape: [4]}}\nbody: [dense: 2]\n"
                 "train: {optimizer: {learning_rate: {float: [0.0, 0.1], log: true}}}\n")


def test_dimensions_are_named_by_document_paths_with_branches_conditional():
    found = dims(document(hs.loads(SMALL)))
    assert [(d.path, d.parent) for d in found] == [
        ("body[0].conv.filters", None), ("body[0].conv.kernel_size", None), ("body[1].pool", None),
        ("body[2]", None), ("body[2].one_of[1][0].conv.filters", ("body[2]", 1)),
        ("train.optimizer.learning_rate", None), ("train.batch_size", None)]
    assert [p for p, _ in hs.specs.values.find(hs.loads(SMALL))] == [d.path for d in found if d.parent is None]


def test_every_combination_counts_branch_dimensions_only_under_their_branch():
    found = dims(document(hs.loads(SMALL)))
    combos = list(every(found))
    # 2 * 2 * 4 pools * (flatten + 3 conv filters) * 2 learning-rate ends * 2 batch sizes
    assert len(combos) == 2 * 2 * 4 * 4 * 2 * 2
    assert all(("body[2].one_of[1][0].conv.filters" in c) == (c["body[2]"] == 1) for c in combos)


def test_a_combination_binds_to_a_concrete_document():
    spec = hs.loads(SMALL)
    combo = {"body[0].conv.filters": 8, "body[0].conv.kernel_size": 3, "body[1].pool": 2,
             "body[2]": 1, "body[2].one_of[1][0].conv.filters": 12,
             "train.optimizer.learning_rate": 0.001, "train.batch_size": 32}
    bound = concrete(spec, combo)
    assert bound.body.blocks[2].blocks[0].filters == 12 and bound.train.batch_size == 32
    assert hs.check(bound).params == hs.check(hs.loads(hs.dumps(bound))).params
    with pytest.raises(hs.SpecError, match="unbound search node"):
        hs.check(spec)


def test_the_space_check_reports_invalid_combinations_with_path_and_causes():
    report = check_space(hs.loads(SMALL))
    assert report.method == "exhaustive" and report.checked == report.size == 256
    assert 0 < report.valid < report.checked
    kernel5_pool5 = [g for g in report.invalid if g.path == "body[1]"]
    assert kernel5_pool5 and kernel5_pool5[0].causes == {"body[0].conv.kernel_size": 5, "body[1].pool": 5}
    assert sum(g.count for g in report.invalid) == report.invalid_count
    branch = [g for g in report.invalid if g.path.startswith("body[2].one_of[1]")]
    assert branch and all(g.example["body[2]"] == 1 for g in branch)
    assert report.params[0] < report.params[1]
    assert "invalid:" in report.summary() and "checked every combination" in report.summary()


def test_the_example_document_has_an_invalid_corner():
    report = check_space(hs.load(EXAMPLE))
    assert report.invalid_count == 192 and report.valid == 384
    assert all(g.causes["nodes.pixels.block[0].conv_stack.padding"] == "valid" for g in report.invalid)


def test_a_parameter_budget_makes_large_combinations_invalid():
    free = check_space(hs.loads(SMALL))
    budget = (free.params[0] + free.params[1]) // 2
    report = check_space(hs.loads(SMALL), max_params=budget)
    assert report.params[1] <= budget < free.params[1]
    over = [g for g in report.invalid if "above --max-params" in g.message]
    assert over and all(g.path for g in over)


def test_an_entirely_invalid_space_is_a_spec_error():
    doc = SMALL.replace("{int: [2, 5]}", "{int: [9, 12]}")
    with pytest.raises(hs.SpecError) as caught:
        check_space(hs.loads(doc))
    assert caught.value.path == "body[1]" and "every combination" in caught.value.message


def test_a_large_space_is_sampled_with_all_corners():
    doc = SMALL.replace("{choice: [16, 32]}", "{int: [1, 512]}").replace(
        "units: 10, activation", "units: {int: [10, 4000]}, activation")
    report = check_space(hs.loads(doc), max_params=60_000)
    assert report.method == "sampled" and report.size > 10_000 and report.checked <= 1_000
    # the largest dense only fails near its upper end: the corners find it
    assert any("above --max-params" in g.message for g in report.invalid)
    assert "sampled (all corners plus random draws)" in report.summary()


def test_hybridspec_check_walks_the_space(tmp_path, capsys):
    (tmp_path / "space.yaml").write_text(SMALL)
    assert main(["check", str(tmp_path / "space.yaml")]) == 0
    out = capsys.readouterr().out
    assert "search space: 7 dimension(s), 256 combinations" in out and "body[1]: " in out
    assert main(["check", "--json", "--max-params", "2000", str(tmp_path / "space.yaml")]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["ok"] and result["space"]["method"] == "exhaustive"
    assert result["space"]["params"]["max"] <= 2000
    (tmp_path / "dead.yaml").write_text(SMALL.replace("{int: [2, 5]}", "{int: [9, 12]}"))
    assert main(["check", str(tmp_path / "dead.yaml")]) == 1
    assert "every combination of the search space is invalid" in capsys.readouterr().err


def test_max_params_refuses_a_concrete_document(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text("name: m\ninputs: {x: {shape: [4]}}\nbody: [dense: 8, dense: 2]\n")
    assert main(["check", "--max-params", "100", str(tmp_path / "m.yaml")]) == 0
    assert main(["check", "--max-params", "30", str(tmp_path / "m.yaml")]) == 1
    assert "body[0] (dense): the model needs 58 par" in capsys.readouterr().err


def test_search_nodes_in_a_definitions_use_and_a_repeat_count():
    spec = hs.loads("""
name: defsearch
inputs: {x: {shape: [8, 8, 1]}}
define:
  stage:
    params: {filters: int}
    block: [{conv: {filters: $filters, kernel_size: 3, padding: same}}, {pool: {size: 2}}]
body:
  - stage: {filters: {choice: [8, 16]}}
  - repeat: {times: {int: [1, 4]}, block: {stage: {filters: 8}}}
  - flatten
  - dense: {units: 10, activation: softmax}
""")
    assert hs.loads(hs.dumps(spec)) == spec
    report = check_space(spec)
    assert [d.path for d in report.dims] == ["body[0].stage.filters", "body[1].repeat.times"]
    assert report.valid == 4 and {g.causes["body[1].repeat.times"] for g in report.invalid} == {3, 4}
    assert all(g.path.startswith("body[1].repeat[2]") for g in report.invalid)


def test_checking_a_space_imports_no_heavy_framework(tmp_path):
    import subprocess
    import sys

    (tmp_path / "space.yaml").write_text(SMALL)
    code = ("import sys; from hybridspec.cli import main; assert main(['check', 'space.yaml']) == 0; "
            "heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras', 'keras_tuner', 'sklearn', 'numpy')]; assert not heavy, heavy")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_search_documents_are_schema_valid(fmt):
    import yaml
    from jsonschema import Draft202012Validator

    from hybridspec.specs.schema import json_schema

    text = hs.dumps(hs.load(EXAMPLE), fmt)
    validator = Draft202012Validator(json_schema())
    validator.validate(yaml.safe_load(EXAMPLE.read_text()))
    validator.validate(json.loads(text) if fmt == "json" else yaml.safe_load(text))
    assert not validator.is_valid(yaml.safe_load(SMALL.replace("{int: [2, 5]}", "{int: [2, 5], by: 2}")))
