"""Definitions, repeat and include: loading, errors at the use site, round trip, the walk."""

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st

import hybridspec as hs
from hybridspec.graphs.plot import to_dot
from hybridspec.specs import values
from hybridspec.specs.library import library
from hybridspec.testing import trees
from hybridspec.testing.definitions import models_with_definitions

HEAD = "name: m\ninputs: {x: {shape: [16, 16, 3]}}\n"
DEFINE = """define:
  res_block:
    params: {filters: int, kernel: {type: int, default: 3}}
    block:
      residual:
        body: [{conv: {filters: $filters, kernel_size: $kernel, padding: same}}, batch_norm]
        shortcut: {conv: {filters: $filters, kernel_size: 1}}
  stage:
    params: {widths: [int], tail: {type: block, default: flatten}}
    block:
      - repeat: {for: {w: $widths}, block: [{res_block: {filters: $w}}, pool]}
      - $tail
"""
DOC = HEAD + DEFINE + """body:
  - res_block: {filters: 8}
  - res_block: {filters: 8, kernel: 5}
  - stage: {widths: [8, 16], tail: {global_pool: {mode: avg}}}
  - repeat: {times: 2, block: {dense: 4}}
  - repeat: {times: 3, share: true, block: {dense: 4}}
"""


def error(text: str, folder: Path | None = None) -> hs.SpecError:
    with pytest.raises(hs.SpecError) as err:
        hs.loads(text, folder=folder)
    return err.value


@pytest.fixture(scope="module")
def spec():
    return hs.loads(DOC)


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_round_trip_keeps_definitions_unexpanded(spec, format):
    text = hs.dumps(spec, format)
    assert hs.loads(text, format) == spec
    assert "res_block" in text and "$filters" in text and "repeat" in text


def test_check_expands_at_the_use_site(spec):
    report = hs.check(spec)
    paths = [r.path for r in report.rows]
    assert "body[1].res_block.residual.body[0]" in paths
    assert report["body[1].res_block.residual.body[0]"].shape == (None, 16, 16, 8)
    assert report["body[1]"].kind == "res_block"
    assert report["body[2].stage[0].repeat[1][0].res_block.residual.body[0]"].shape == (None, 8, 8, 16)
    assert report["body[2].stage[1]"].kind == "global_pool"
    assert report["body[3].repeat[1]"].kind == "dense"
    assert report["body[4].repeat"].params == 20  # shared: one layer
    assert report["body[4]"].params == 20
    assert report.outputs == {"m": (None, 4)}
    conv = 5 * 5 * 8 * 8 + 8
    assert report["body[1].res_block.residual.body[0]"].params == conv


def test_build_matches_check_and_names_layers_by_use(spec):
    report = hs.check(spec)
    model = hs.build(spec)
    assert model.count_params() == report.params
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))
    assert "body_1_res_block_residual_body_0" in names
    assert "body_4_repeat" in names and "body_4_repeat_2" not in names
    dense = model.get_layer("body_4_repeat")
    assert len(dense._inbound_nodes) == 3  # one layer applied three times


def test_plot_and_json_see_leaves(spec):
    assert "body[1].res_block.residual.body[0]" in to_dot(spec)
    nodes = hs.check(spec).to_dict()["nodes"]
    assert any(n["path"] == "body[2].stage[0].repeat[0][0].res_block.residual.shortcut" for n in nodes)


@pytest.mark.parametrize(("body", "path", "message"), [
    ("[res_block]", "body[0].res_block", "res_block needs filters (int)"),
    ("[res_block: {filters: 4, filter: 3}]", "body[0].res_block.filter", "unknown argument of res_block. Did you mean 'filters'?"),
    ("[res_block: {filters: four}]", "body[0].res_block.filters", "must be int, got 'four'"),
    ("[res_block: {filters: 0}]", "body[0].res_block.filters",
     "0 (argument filters) does not fit res_block's block.residual.body[0].conv.filters: must be a positive integer"),
    ("[stage: {widths: [4, x]}]", "body[0].stage.widths", "item 1 must be int"),
    ("[stage: {widths: 4}]", "body[0].stage.widths", "must be a list (list[int])"),
    ("[stage: {widths: [4], tail: 3}]", "body[0].stage.tail", "a block is a mapping"),
    ("[{repeat: {for: {f: [4, 0]}, block: {dense: $f}}}]", "body[0].repeat.for.f[1]",
     "0 does not fit block.dense: must be a positive integer"),
    ("[{repeat: {for: {g: [4]}, block: {dense: 3}}}]", "body[0].repeat.for.g", "the block never uses $g"),
    ("[{repeat: {for: {f: [4, 5], g: [1]}, block: {dense: $f}}}]", "body[0].repeat.for", "same length"),
    ("[{repeat: {times: 2, for: {f: [4]}, block: {dense: $f}}}]", "body[0].repeat.times", "not both"),
    ("[{repeat: {block: flatten}}]", "body[0].repeat.times", "needs times or for"),
    ("[{repeat: {for: {f: [4]}, share: true, block: {dense: $f}}}]", "body[0].repeat.share", "times, not for"),
    ("[res_blok: {filters: 4}]", "body[0]", "unknown block kind 'res_blok'. Did you mean 'res_block'?"),
])
def test_use_errors_name_the_use_and_the_field(body, path, message):
    err = error(HEAD + DEFINE + "body: " + body)
    assert err.path == path and message in err.message, str(err)


@pytest.mark.parametrize(("define", "path", "message"), [
    ("{a: {block: [b]}, b: {block: {parallel: [a, flatten]}}}", "define.a", "definitions form a cycle: a -> b -> a"),
    ("{a: {block: [a]}}", "define.a", "cycle: a -> a"),
    ("{a: {params: {u: int}, block: {dense: $v}}}", "define.a.block.dense", "$v is not a parameter"),
    ("{a: {params: {u: integer}, block: flatten}}", "define.a.params.u.type", "parameter type"),
    ("{a: {params: {u: {type: int, default: x}}, block: flatten}}", "define.a.params.u.default", "must be int"),
    ("{dense: {block: flatten}}", "define.dense", "is a built-in kind"),
    ("{a: {block: {dense: {units: 0}}}}", "define.a.block.dense.units", "positive integer"),
    ("{a: {params: {u: int}, block: {dense: $u}}, b: {block: {a: {v: 1}}}}", "define.b.block.a.v", "unknown argument"),
])
def test_definition_errors(define, path, message):
    err = error(HEAD + "body: flatten\ndefine: " + define)
    assert err.path == path and message in err.message, str(err)


def test_unbound_outside_definitions_is_refused_by_check():
    spec = hs.loads(HEAD + "body: [flatten, dense: $n]")
    with pytest.raises(hs.SpecError, match="unbound parameter") as err:
        hs.check(spec)
    assert err.value.path == "body[1].dense"


def test_find_skips_definitions_and_reports_use_arguments():
    spec = hs.loads(HEAD + DEFINE + "body: [res_block: {filters: $f}]")
    assert values.find(spec) == [("body[0].res_block.filters", hs.Param("f"))]
    bound = values.bind(spec, lambda path, u: 8)
    assert hs.check(bound).outputs == {"m": (None, 16, 16, 8)}


def test_python_api(spec):
    res = hs.Definition(params={"units": hs.ParamSpec("int"), "act": hs.ParamSpec("str", "relu")},
                        block=hs.Dense(hs.param("units"), activation=hs.param("act")))
    model = hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(4,))}, define={"wide": res},
                         body=hs.Chain(blocks=(hs.use(res, "wide", units=8),
                                               hs.Repeat(times=2, block=hs.use(res, "wide", units=3)))))
    assert hs.loads(hs.dumps(model)) == model
    assert hs.check(model).params == (4 * 8 + 8) + (8 * 3 + 3) + (3 * 3 + 3)
    with pytest.raises(hs.SpecError, match="wide is used but not defined"):
        hs.dumps(hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=(4,))}, body=hs.use(res, "wide", units=8)))
    with pytest.raises(hs.SpecError, match="does not fit wide's block.dense.units"):
        hs.use(res, "wide", units=-1)


LIBRARY = """define:
  double:
    params: {units: int}
    block: [{dense: $units}, {dense: $units}]
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def test_include_reads_definitions_relative_to_the_document(tmp_path):
    write(tmp_path, {"blocks/common.yaml": "include: [more/extra.yaml]\n" + LIBRARY,
                     "blocks/more/extra.yaml": "define:\n  head: {block: {dense: 2}}\n",
                     "model.yaml": "include: [blocks/common.yaml]\n" + HEAD +
                     "body: [flatten, {double: {units: 4}}, head]\n"})
    spec = hs.load(tmp_path / "model.yaml")
    assert hs.check(spec).outputs == {"m": (None, 2)}
    text = hs.dumps(spec)
    assert "include:" in text and "define" not in text
    assert hs.loads(text, folder=tmp_path) == spec
    assert set(library(tmp_path / "model.yaml")) == {"double", "head"}


@pytest.mark.parametrize(("files", "include", "message"), [
    ({}, "../x.yaml", "no '..'"),
    ({}, "/etc/x.yaml", "relative path"),
    ({}, "https://example.com/x.yaml", "relative path"),
    ({}, "blocks/none.yaml", "cannot read the included file"),
    ({}, "x.txt", "relative path to a .yaml"),
    ({"a.yaml": "include: [b.yaml]\n", "b.yaml": "include: [a.yaml]\n"}, "a.yaml", "includes form a cycle"),
    ({"a.yaml": "name: x\n"}, "a.yaml", "holds only define and include"),
    ({"a.yaml": LIBRARY, "b.yaml": LIBRARY}, "a.yaml, b.yaml", "double is defined twice"),
    ({"a.yaml": "define: {dense: {block: flatten}}\n"}, "a.yaml", "is a built-in kind"),
    ({"a.yaml": "define: {a: {block: {dense: 0}}}\n"}, "a.yaml", "got 0 (in a.yaml)"),
])
def test_include_refusals(tmp_path, files, include, message):
    write(tmp_path, files)
    err = error(f"include: [{include}]\n" + HEAD + "body: flatten\n", tmp_path)
    assert message in err.message, str(err)


def test_include_depth_is_limited(tmp_path):
    write(tmp_path, {f"l{i}.yaml": f"include: [l{i + 1}.yaml]\n" for i in range(12)} | {"l12.yaml": LIBRARY})
    assert "deeper than 8" in error("include: [l0.yaml]\n" + HEAD + "body: flatten\n", tmp_path).message


def test_a_diamond_include_is_one_definition(tmp_path):
    write(tmp_path, {"lib.yaml": LIBRARY, "a.yaml": "include: [lib.yaml]\n", "b.yaml": "include: [lib.yaml]\n"})
    spec = hs.loads("include: [a.yaml, b.yaml]\n" + HEAD + "body: [flatten, double: {units: 2}]\n", folder=tmp_path)
    assert hs.check(spec).params == (768 * 2 + 2) + (2 * 2 + 2)


def test_include_cannot_escape_through_a_link(tmp_path):
    outside = tmp_path / "outside"
    write(outside, {"lib.yaml": LIBRARY})
    (tmp_path / "doc").mkdir()
    (tmp_path / "doc" / "lib.yaml").symlink_to(outside / "lib.yaml")
    assert "leaves the document's folder" in error("include: [lib.yaml]\n" + HEAD + "body: flatten\n",
                                                   tmp_path / "doc").message


def test_document_schema_knows_the_definitions(tmp_path, capsys):
    from jsonschema import Draft202012Validator

    from hybridspec.cli import main
    from hybridspec.specs.defschema import document_schema

    write(tmp_path, {"blocks/common.yaml": LIBRARY,
                     "model.yaml": "include: [blocks/common.yaml]\n" + DOC + "  - double: {units: 2}\n"})
    schema = document_schema(tmp_path / "model.yaml")
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    data = yaml.safe_load((tmp_path / "model.yaml").read_text())
    validator.validate(data)
    validator.validate(yaml.safe_load(hs.dumps(hs.load(tmp_path / "model.yaml"))))
    data["body"][0]["res_block"]["filterz"] = 3
    assert not validator.is_valid(data)
    assert not Draft202012Validator(hs.json_schema()).is_valid(yaml.safe_load(DOC))  # res_block is unknown there
    assert main(["schema", str(tmp_path / "model.yaml")]) == 0
    assert json.loads(capsys.readouterr().out) == schema


@settings(max_examples=max(10, settings().max_examples // 2))
@given(data=st.data())
def test_a_tree_rewritten_with_definitions_checks_the_same(data):
    """Definitions and one-copy repeats expand to the very layers they were made from."""
    spec = data.draw(trees.models(), label="tree")
    rewritten = data.draw(models_with_definitions(models=st.just(spec)), label="rewritten")
    note(hs.dumps(rewritten))
    before, after = hs.check(spec), hs.check(rewritten)
    assert (after.params, after.trainable, after.outputs) == (before.params, before.trainable, before.outputs)
    leaves = [(r.kind, r.shapes, r.params) for r in before.rows if r.leaf]
    assert [(r.kind, r.shapes, r.params) for r in after.rows if r.leaf] == leaves


@settings(max_examples=5)
@given(data=st.data())
def test_a_rewritten_tree_builds_the_same_keras_layers(data):
    import keras

    spec = data.draw(trees.models(), label="tree")
    rewritten = data.draw(models_with_definitions(models=st.just(spec)), label="rewritten")
    keras.backend.clear_session()
    before, after = hs.build(spec), hs.build(rewritten)
    assert [type(x).__name__ for x in after.layers] == [type(x).__name__ for x in before.layers]
    assert after.count_params() == before.count_params() == hs.check(rewritten).params


def test_a_parameter_standing_for_a_sub_object_binds_from_document_data():
    """``merge: $how`` takes a merge's short form; a merge whose mode is a parameter is written as
    a mapping (``merge: $how`` would stand for the whole merge)."""
    doc = """
name: m
inputs: {x: {shape: [6]}}
define:
  pair:
    params: {how: {type: str, default: concat}}
    block:
      parallel:
        branches: [{dense: 3}, {dense: 3}]
        merge: $how
body: [pair, {pair: {how: add}}]
"""
    spec = hs.loads(doc)
    report = hs.check(spec)
    assert report["body[0].pair.parallel.merge"].shape == (None, 6)
    assert report["body[1].pair.parallel.merge"].shape == (None, 3)
    assert hs.loads(hs.dumps(spec)) == spec
    by_mode = hs.loads(doc.replace("merge: $how", "merge: {mode: $how}"))
    assert "merge: {mode: $how}" in hs.dumps(by_mode) and hs.loads(hs.dumps(by_mode)) == by_mode
    assert by_mode != spec and hs.check(by_mode).params == report.params
