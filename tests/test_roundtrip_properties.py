"""Round-trip properties of documents over arbitrary valid spec trees."""

import attrs
import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st

from hybridspec.specs import KINDS, ModelSpec, SpecError, dumps, loads
from hybridspec.specs.convert import structure_block, unstructure_block
from hybridspec.testing import blocks, field_values, model_specs

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
