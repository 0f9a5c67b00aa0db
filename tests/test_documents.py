"""Loading errors: each kind of mistake gives a SpecError whose path is where it is."""

import subprocess
import sys

import pytest

import hybridspec as hs

HEAD = "name: m\ninputs: {x: {shape: [10, 8]}}\n"
GRAPH = "name: m\ninputs: {x: {shape: [3]}}\n"


def error(text: str, fmt: str = "yaml", path: str = "") -> hs.SpecError:
    """The SpecError loading ``text`` raises; it must be at ``path`` and start with it."""
    with pytest.raises(hs.SpecError) as info:
        hs.loads(text, fmt)
    err = info.value
    assert err.path == path
    assert str(err).startswith(path) and str(err).endswith(err.message)
    return err


def test_unknown_key_suggests_the_closest():
    err = error(HEAD + "body:\n  - dense: {units: 3, activaton: relu}\n", path="body[0].dense.activaton")
    assert err.message == "unknown key. Did you mean 'activation'?"


@pytest.mark.parametrize("value", ["2.0", "true", "'3'"], ids=["float", "bool", "str"])
def test_wrong_type_where_an_int_belongs(value):
    err = error(HEAD + f"body: [dense: {{units: {value}}}]\n", path="body[0].dense.units")
    assert err.message.startswith("must be a positive integer, got ")


def test_out_of_range():
    err = error(HEAD + "body: [flatten, dropout: 1.5]\n", path="body[1].dropout")
    assert err.message == "must be a number >= 0.0 and < 1.0, got 1.5"


def test_out_of_range_in_a_list():
    text = HEAD + "body:\n  - flatten\n  - dense: 3\n  - recurrent_stack: {units: [4, -1]}\n"
    err = error(text, path="body[2].recurrent_stack.units[1]")
    assert err.message == "must be a positive integer, got -1"


def test_missing_required_field():
    err = error(HEAD + "body: [embedding: {vocab: 10}]\n", path="body[0].embedding.dim")
    assert err.message == "is required"


def test_unknown_node_reference():
    text = GRAPH + "nodes:\n  a: {from: y, block: {dense: 2}}\noutputs:\n  o: {from: a}\n"
    err = error(text, path="nodes.a.from")
    assert err.message.startswith("unknown node 'y'")


def test_cycle():
    text = GRAPH + ("nodes:\n  a: {from: [x, b], block: merge}\n  b: {from: a, block: {dense: 2}}\n"
                    "outputs:\n  o: {from: b}\n")
    err = error(text, path="nodes.a")
    assert err.message == "the graph has a cycle: a -> b -> a"


def test_unknown_block_kind():
    err = error(HEAD + "body: [flatten, dens: 3]\n", path="body[1]")
    assert err.message == "unknown block kind 'dens'. Did you mean 'dense'?"


def test_two_keys_in_a_block():
    err = error(HEAD + "body: [{dense: 3, dropout: 0.1}]\n", path="body[0]")
    assert err.message.endswith("got keys dense, dropout")


def test_yaml_syntax_error():
    err = error(HEAD + "body: [flatten\n")
    assert err.message.startswith("invalid YAML at line 4")


def test_json_syntax_error():
    err = error('{"name": "m",}', "json")
    assert err.message.startswith("invalid JSON at line 1")


def test_python_tag_is_refused(tmp_path):
    marker = tmp_path / "ran"
    err = error(HEAD + f'body: !!python/object/apply:os.system ["touch {marker}"]\n', path="body")
    assert err.message == ("the tag !!python/object/apply:os.system is refused: documents are plain "
                           "data, and nothing in them constructs objects or runs code")
    assert not marker.exists()


def test_duplicate_key():
    err = error(HEAD + "body: [flatten]\nbody: [flatten]\n", path="body")
    assert err.message == "duplicate key: a mapping holds each key once"


@pytest.mark.parametrize("text", ["- flatten\n", "just text\n", "null\n"])
def test_top_level_not_a_mapping(text):
    assert error(text).message.startswith("a document must be a mapping")


def test_no_tensorflow_or_keras_import():
    code = (
        "import sys, hybridspec\n"
        "spec = hybridspec.loads('name: m\\ninputs: {x: {shape: [4]}}\\nbody: {dense: 2}\\n')\n"
        "hybridspec.dumps(spec); hybridspec.json_schema()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
