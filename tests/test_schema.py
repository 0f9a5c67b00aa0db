"""The JSON Schema agrees with the loader: it accepts what loads accepts and refuses a sample
of what loads refuses."""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import hybridspec as hs
from hybridspec.specs.defschema import document_schema
from hybridspec.specs.schema import json_schema

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.yaml"))
HEAD = "name: m\ninputs: {x: {shape: [10, 8]}}\n"

VALID = {
    "short forms": HEAD + """body:
  - flatten:
  - masking
  - bidirectional: {lstm: 4}
  - residual: {dense: 8}
  - residual: {body: [dense: 8], shortcut: {dense: 8}}
  - parallel: [flatten, [dense: 3]]
  - parallel: {branches: [flatten, flatten], merge: {mode: concat, axis: 1}}
  - chain: [{dropout: {rate: 0.5, seed: 1}}]
  - time_distributed: {block: {dense: 2}}
""",
    "graph with a head-less output": """name: g
inputs: {a: {shape: [4]}, b: {shape: [4]}}
nodes:
  s: {from: [a, b], block: {merge: {mode: dot, axes: 1, normalize: true}}}
outputs:
  out: {from: s}
""",
}

BAD = {
    "unknown key": HEAD + "body: [dense: {units: 3, activaton: relu}]\n",
    "unknown top-level key": HEAD + "body: flatten\nbodyy: flatten\n",
    "str for int": HEAD + "body: [dense: {units: '3'}]\n",
    "float for int": HEAD + "body: [dense: {units: 2.5}]\n",
    "bool for int": HEAD + "body: [dense: {units: true}]\n",
    "bad enum": HEAD + "body: [dense: {units: 3, activation: rellu}]\n",
    "negative int": HEAD + "body: [conv: {filters: -2, kernel_size: 3}]\n",
    "rate out of range": HEAD + "body: [flatten, dropout: 1.5]\n",
    "int in list out of range": HEAD + "body: [recurrent_stack: {units: [4, 0]}]\n",
    "missing required field": HEAD + "body: [embedding: {vocab: 10}]\n",
    "missing short field": HEAD + "body: [dense]\n",
    "null body of a kind with a required field": HEAD + "body: [dense: null]\n",
    "missing name": "inputs: {x: {shape: [3]}}\nbody: flatten\n",
    "neither body nor nodes": "name: m\ninputs: {x: {shape: [3]}}\n",
    "unknown kind": HEAD + "body: [flatten, dens: 3]\n",
    "two keys in a block": HEAD + "body: [{dense: 3, dropout: 0.1}]\n",
    "empty chain": HEAD + "body: []\n",
    "bad input name": "name: m\ninputs: {1x: {shape: [3]}}\nbody: flatten\n",
    "shape not a list": "name: m\ninputs: {x: {shape: 3}}\nbody: flatten\n",
    "bidirectional over dense": HEAD + "body: [bidirectional: {dense: 3}]\n",
    "bad merge mode": HEAD + "body: [parallel: {branches: [flatten, flatten], merge: cat}]\n",
    "bad reference": "name: m\ninputs: {x: {shape: [3]}}\nnodes: {a: {from: x.y, block: flatten}}\n"
                     "outputs: {o: {from: a}}\n",
    "short form of the wrong type": HEAD + "body: [dense: relu]\n",
    "top level not a mapping": "- flatten\n",
}


@pytest.fixture(scope="module")
def validator():
    return Draft202012Validator(json_schema())


def test_schema_is_valid():
    Draft202012Validator.check_schema(json_schema())


def test_schema_is_exposed():
    assert hs.json_schema() == json_schema()


def test_every_kind_is_described():
    schema = json_schema()
    kinds = schema["$defs"]["Block"]["anyOf"][0]["properties"]
    assert set(kinds) == set(hs.KINDS)
    for name, cls in hs.KINDS.items():
        body = schema["$defs"][cls.__name__]
        assert body["description"], name
        fields = body["anyOf"][0]
        assert fields["additionalProperties"] is False
        assert all(p["description"] for p in fields["properties"].values()), name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_schema_valid(path):
    Draft202012Validator(document_schema(path)).validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_dumped_examples_are_schema_valid(path, fmt):
    text = hs.dumps(hs.load(path), fmt)
    validator = Draft202012Validator(document_schema(path))
    validator.validate(json.loads(text) if fmt == "json" else yaml.safe_load(text))


@pytest.mark.parametrize("text", VALID.values(), ids=list(VALID))
def test_valid_documents_are_schema_valid(text, validator):
    spec = hs.loads(text)
    validator.validate(yaml.safe_load(text))
    validator.validate(yaml.safe_load(hs.dumps(spec)))


@pytest.mark.parametrize("text", BAD.values(), ids=list(BAD))
def test_schema_refuses_what_loads_refuses(text, validator):
    with pytest.raises(hs.SpecError):
        hs.loads(text)
    assert not validator.is_valid(yaml.safe_load(text))
