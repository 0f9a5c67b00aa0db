"""docs/blocks.md is current, and every YAML example in it loads."""

import re
from pathlib import Path

import pytest
import yaml

from hybridspec import docgen
from hybridspec.specs import KINDS, loads
from hybridspec.specs.convert import converter, structure_block

PAGE = Path(__file__).parent.parent / "docs" / "blocks.md"
SECTION = re.compile(r"^### (\w+)\n(.*?)(?=^##|\Z)", re.MULTILINE | re.DOTALL)
EXAMPLE = re.compile(r"^```yaml\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_page_is_current():
    assert PAGE.read_text(encoding="utf-8") == docgen.render(), \
        "docs/blocks.md is stale; run: python -m hybridspec.docgen docs/blocks.md"


def examples() -> list[tuple[str, str]]:
    found = [(name, EXAMPLE.findall(body)) for name, body in SECTION.findall(PAGE.read_text(encoding="utf-8"))]
    assert all(len(texts) == 1 for _, texts in found), "each section has one YAML example"
    return [(name, texts[0]) for name, texts in found]


@pytest.mark.parametrize(("name", "text"), examples(), ids=[n for n, _ in examples()])
def test_example_loads(name, text):
    if name in KINDS:
        assert type(structure_block(yaml.safe_load(text))) is KINDS[name]
    elif name == "ModelSpec":
        loads(text)
    else:
        cls = {c.__name__: c for c in docgen.document_classes()}[name]
        assert type(converter.structure(yaml.safe_load(text), cls)) is cls


def test_every_kind_has_a_section():
    assert {n for n, _ in examples()} >= {k for k, c in KINDS.items() if c.__module__.startswith("hybridspec.")}
