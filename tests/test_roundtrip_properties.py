"""Round-trip properties of documents over arbitrary valid spec trees."""

import tempfile
from pathlib import Path

import attrs
import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st

from hybridspec.specs import KINDS, ModelSpec, SpecError, dumps, loads
from hybridspec.specs.convert import structure_block, unstructure_block, unstructure_fields
from hybridspec.testing import blocks, field_values, model_specs
from hybridspec.testing.definitions import models_with_definitions

FORMATS = ["yaml", "json"]


def load_back(text: str, format: str) -> ModelSpec:
    """``loads``, failing with the document when it rejects what ``dumps`` wrote."""
    note(f"document ({format}):\n{text}")
    try:
        return loads(text, format)
    except SpecError as err:
        pytest.fail(f"loads rejected a document written by dumps: {err}")


@pytest.mark.parametrize("format", FORMATS)
@given(spec=model_specs())
def test_loads_inverts_dumps(spec, format):
    assert load_back(dumps(spec, format), format) == spec


@pytest.mark.parametrize("format", FORMATS)
@given(spec=model_specs())
def test_dumps_is_canonical(spec, format):
    text = dumps(spec, format)
    assert dumps(load_back(text, format), format) == text


@given(block=blocks(max_depth=3))
def test_block_short_form_structures_back(block):
    data = unstructure_block(block)
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
    note(f"block:\n{text}")
    assert structure_block(data) == block
    assert structure_block(yaml.safe_load(text)) == block


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=max(10, settings().max_examples // 10))  # one test per kind
@given(data=st.data())
def test_each_kind_and_field_is_generated(kind, data):
    cls = KINDS[kind]
    assert type(data.draw(blocks(kinds=[kind]), label=kind)) is cls  # rarely rejected
    for a in attrs.fields(cls):
        rule = a.metadata["rule"]
        value = data.draw(field_values(rule, max_depth=1), label=a.name)
        assert rule.problem(value) is None


@pytest.mark.parametrize("format", FORMATS)
@settings(max_examples=max(10, settings().max_examples // 4))
@given(spec=models_with_definitions())
def test_definitions_and_repeats_round_trip(spec, format):
    text = dumps(spec, format)
    assert load_back(text, format) == spec
    assert dumps(load_back(text, format), format) == text


@settings(max_examples=max(10, settings().max_examples // 4))
@given(spec=models_with_definitions(), data=st.data())
def test_included_definitions_round_trip(spec, data):
    """Any dependency-closed part of the definitions moves to an included file."""
    names = list(spec.define)
    moved = names[:data.draw(st.integers(0, len(names)), label="moved")]
    library = {"define": {n: unstructure_fields(spec.define[n]) for n in moved}}
    own = attrs.evolve(spec, include=("lib/common.yaml",), define={n: spec.define[n] for n in names if n not in moved})
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "lib").mkdir()
        (Path(folder) / "lib" / "common.yaml").write_text(yaml.safe_dump(library))
        text = dumps(own)
        note(f"document:\n{text}\nlibrary:\n{yaml.safe_dump(library)}")
        assert loads(text, folder=folder) == own
