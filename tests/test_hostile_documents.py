"""Hostile documents: limits, YAML 1.2 numbers, merge keys, encodings, names. Each refusal is a
SpecError whose path and message are quoted here."""

import json
import signal
import tracemalloc
from contextlib import contextmanager

import pytest

import hybridspec as hs
from hybridspec import Limits
from hybridspec.specs.documents import from_data, parse

HEAD = "name: m\ninputs: {x: {shape: [10, 8]}}\n"


def error(text: str | bytes, path: str, fmt: str = "yaml", limits: Limits | None = None) -> str:
    """The message of the SpecError loading ``text`` raises, which must be at ``path``."""
    with pytest.raises(hs.SpecError) as info:
        hs.loads(text, fmt, **({"limits": limits} if limits else {}))
    assert info.value.path == path, str(info.value)
    return info.value.message


@contextmanager
def bounded(seconds: int = 5, megabytes: int = 64):
    """Fail (rather than hang) past ``seconds``; fail past ``megabytes`` of peak allocation."""
    def expired(signum, frame):
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert peak < megabytes * 2**20, f"peak allocation {peak / 2**20:.0f} MiB"


# YAML 1.2 numbers


def test_exponent_without_a_dot_is_a_number():
    spec = hs.loads(HEAD + "body: [layer_norm: {epsilon: 1e-6}]\n")
    assert spec.body.blocks[0].epsilon == 1e-6


@pytest.mark.parametrize("text, value", [("0o17", 15), ("0x1F", 31), ("-.inf", float("-inf")),
                                         ("+.5", 0.5), ("1.", 1.0), ("yes", "yes"), ("~", None)])
def test_yaml_1_2_core_scalars(text, value):
    assert parse(f"a: {text}\n") == {"a": value}


def test_leading_zero_is_refused_as_ambiguous():
    message = error(HEAD + "body: [dense: {units: 010}]\n", "body[0].dense.units")
    assert message == ("010 is ambiguous: YAML 1.1 reads a leading zero as octal (8), YAML 1.2 as "
                       "decimal (10). Write 10, or 0o10 for octal, or quote it ('010') for text")


def test_sexagesimal_is_refused():
    message = error(HEAD + "body: [dense: {units: 1:20}]\n", "body[0].dense.units")
    assert message == ("1:20 is not a number in YAML 1.2 (YAML 1.1 reads it as 80, in base 60). "
                       "Write the number in decimal without underscores or colons, or quote it "
                       "('1:20') for text")


def test_underscores_are_refused():
    message = error(HEAD + "body: [dense: {units: 1_000}]\n", "body[0].dense.units")
    assert message.startswith("1_000 is not a number in YAML 1.2 (YAML 1.1 reads it as 1000). ")


def test_quoted_numbers_stay_text():
    assert parse("a: '010'\nb: !!str 1:20\n") == {"a": "010", "b": "1:20"}


# Merge keys


def test_merge_key_copies_a_mapping_and_explicit_keys_win():
    text = HEAD + ("base: &b {units: 8, activation: relu}\n"
                   "body: [dense: {<<: *b, units: 4}]\n")
    data = parse(text)
    data.pop("base")
    spec = from_data(data)
    assert (spec.body.blocks[0].units, spec.body.blocks[0].activation) == (4, "relu")


def test_merge_of_several_mappings_earlier_wins():
    assert parse("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc: {<<: [*a, *b]}\n")["c"] == {"x": 1, "y": 2}


def test_merge_of_a_list_is_refused():
    assert error("a: {<<: [1, 2]}\n", "a.<<") == ("a merge key takes a mapping or a list of mappings "
                                                 "(such as <<: *base); got [1, 2]")


def test_merge_bomb_is_refused_quickly():
    lines = ["a0: &a0 {k: [x, x, x, x, x, x, x, x]}"]
    lines += [f"a{i}: &a{i} {{<<: *a{i - 1}, " + ", ".join(f"k{j}: *a{i - 1}" for j in range(8)) + "}"
              for i in range(1, 12)]
    with bounded():
        message = error("\n".join(lines) + "\n", "a5.k0")
    assert message == "the document has more than 250,000 nodes (aliases and merge keys count as what they expand to)"


# Aliases, size, depth, nodes


def billion_laughs(levels: int = 12) -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_in_bounded_time_and_memory():
    with bounded():
        message = error(billion_laughs(), "f[2]")
    assert message.startswith("the document has more than 250,000 nodes")


def test_aliases_count_what_they_expand_to():
    small = Limits(max_nodes=30)
    parse(billion_laughs(2), limits=Limits(max_nodes=200))
    with pytest.raises(hs.SpecError, match="more than 30 nodes"):
        parse(billion_laughs(2), limits=small)


def test_an_alias_inside_its_own_anchor_is_refused():
    assert error("a: &a [1, *a]\n", "a[1]") == ("the alias *a refers to no anchor before it (an "
                                                "alias cannot sit inside the node it names)")


@pytest.mark.parametrize("depth", [101, 100_000])
def test_deep_nesting_is_refused(depth):
    """Beyond 1000 levels libyaml itself stops; JSON's parser stops at Python's recursion limit."""
    for text, fmt in (("[" * depth + "]" * depth, "yaml"), ('{"a": ' * depth + "1" + "}" * depth, "json")):
        with bounded():
            with pytest.raises(hs.SpecError) as info:
                hs.loads(text, fmt)
        assert info.value.message in ("nested more than 100 levels deep",
                                      "invalid YAML at line 1, column 1001: exceeded maximum nesting depth")


def test_depth_error_names_the_path():
    assert error("a: [[[1]]]\n", "a[0][0]", limits=Limits(max_depth=3)) == "nested more than 3 levels deep"


def test_document_size_is_checked_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * 2000 + b"\n" + HEAD.encode() + b"body: flatten\n")
    with pytest.raises(hs.SpecError) as info:
        hs.load(path, limits=Limits(max_bytes=1000))
    assert str(info.value) == f"the document is {path.stat().st_size:,} bytes, above the limit of 1,000 bytes"
    assert hs.load(path).name == "m"


def test_huge_strings_are_refused():
    assert error(HEAD + f"body: [dense: {{units: '{'x' * 5000}'}}]\n", "body[0].dense.units") == \
        "a string of 5,000 characters is longer than the limit of 4,096"


# Numbers too large, NaN, infinity


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_5000_digit_integer_is_a_spec_error(fmt):
    digits = "9" * 5000
    text = HEAD + f"body: [dense: {{units: {digits}}}]\n" if fmt == "yaml" else json.dumps(
        {"name": "m", "inputs": {"x": {"shape": [3]}}, "body": [{"dense": {"units": 1}}]}).replace(
        '"units": 1', f'"units": {digits}')
    assert error(text, "body[0].dense.units", fmt) == "an integer of 5,000 digits is too large (at most 30 digits)"


def test_integer_too_large_for_its_field():
    assert error(HEAD + "body: [dense: {units: 9223372036854775808}]\n", "body[0].dense.units") == \
        "is too large for any field (beyond a 64-bit integer); got 9223372036854775808"
    text = HEAD + "body: flatten\ntrain: {seed: 4294967296}\n"
    assert error(text, "train.seed") == "must be an integer in [0, 4294967295], got 4294967296"


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_are_refused(value):
    message = error(HEAD + f"body: [layer_norm: {{epsilon: {value}}}]\n", "body[0].layer_norm.epsilon")
    assert message.startswith("must be a number > 0, got ")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999"])
def test_json_nan_and_infinity_are_refused(value):
    text = '{"name": "m", "inputs": {"x": {"shape": [3]}}, "body": {"dropout": VALUE}}'.replace("VALUE", value)
    assert error(text, "body.dropout", "json").startswith("must be a number >= 0.0 and < 1.0, got ")


# Encodings


def test_latin1_file_names_the_byte_offset(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + "# café\nbody: flatten\n").encode("latin-1"))
    with pytest.raises(hs.SpecError) as info:
        hs.load(path)
    offset = len(HEAD) + len("# caf")
    assert str(info.value) == (f"not UTF-8 text: byte b'\\xe9' at offset {offset} cannot be decoded. "
                               "Save the file as UTF-8")


def test_utf16_is_refused_and_utf8_bom_is_accepted():
    assert error((HEAD + "body: flatten\n").encode("utf-16"), "").startswith("not UTF-8 text: byte b'\\xff' at offset 0")
    assert hs.loads(b"\xef\xbb\xbf" + (HEAD + "body: flatten\n").encode()).name == "m"


def test_a_lone_surrogate_is_refused():
    assert error(HEAD + "body: \ud800\n", "").startswith("not UTF-8 text: character '\\ud800' at offset ")


# Keys, tags, documents


def test_keys_must_be_strings():
    assert error(HEAD + "body: [dense: {1: 2}]\n", "body[0].dense") == \
        "a key must be a string; got 1. Quote it if it is a name"
    assert error("? [a]\n: 1\n", "") == "a key must be a string, not a mapping or list"


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/name:os.system",
                                 "!!python/object/new:subprocess.Popen", "!!binary", "!custom"])
def test_object_tags_are_refused(tag):
    message = error(HEAD + f"body: {tag} [ls]\n", "body")
    assert message.endswith("is refused: documents are plain data, and nothing in them constructs "
                            "objects or runs code")


def test_duplicate_keys_in_json():
    text = '{"name": "m", "inputs": {"x": {"shape": [3]}}, "body": {"dense": {"units": 2, "units": 3}}}'
    assert error(text, "body.dense.units", "json") == "duplicate key: a mapping holds each key once"


def test_one_document_per_file():
    assert error(HEAD + "body: flatten\n---\n" + HEAD, "") == \
        "a file holds one document; found a second (after ---)"


# Names and file-name fields


@pytest.mark.parametrize("name", ["../evil", "a/b", "a\\b", "a.b", "a b", "", "é"])
def test_names_keep_a_safe_character_set(name):
    message = error(f"name: {json.dumps(name)}\ninputs: {{x: {{shape: [3]}}}}\nbody: flatten\n", "name")
    assert message == f"must be a name of letters, digits and underscores, not starting with a digit, got {name!r}"


def test_long_names_are_refused():
    assert error(f"name: {'n' * 101}\ninputs: {{x: {{shape: [3]}}}}\nbody: flatten\n", "name") == \
        "is too long for a name (101 characters, at most 100)"


def test_node_names_are_checked_like_names():
    text = "name: m\ninputs: {x: {shape: [3]}}\nnodes: {'../a': {from: x, block: flatten}}\noutputs: {o: {from: x}}\n"
    assert error(text, "nodes") == ("key '../a' must be a name of letters, digits and underscores, "
                                    "not starting with a digit")


@pytest.mark.parametrize("path", ["/etc/passwd", "../weights.h5", "a/../../b.h5", "C:/w.h5", "\\\\host\\w.h5"])
def test_weights_paths_stay_inside_the_folder(path):
    text = f"name: m\ninputs: {{x: {{shape: [32, 32, 3]}}}}\nbody: {{backbone: {{name: vgg16, weights: {json.dumps(path)}}}}}\n"
    assert error(text, "body.backbone.weights").startswith(
        f"must be a relative file path without '..', such as weights/vgg16.h5, got {path!r}")


# Unused inputs


def test_an_input_no_output_depends_on_is_a_warning():
    spec = hs.loads("name: m\ninputs: {x: {shape: [3]}, extra: {shape: [4]}, y: {shape: [2]}}\n"
                    "nodes: {a: {from: x, block: {dense: 2}}, lost: {from: y, block: {dense: 2}}}\n"
                    "outputs: {o: {from: a}}\n")
    warnings = hs.check(spec).warnings
    assert [w for w in warnings if w.startswith("inputs.")] == [
        f"inputs.{n} (input): no output depends on this input; remove it or read it from a node"
        for n in ("extra", "y")]
