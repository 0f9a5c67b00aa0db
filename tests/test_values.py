"""Values not fixed here: parsing in every position, round trip, find, bind, the check hook."""

import attrs
import pytest

import hybridspec as hs
from hybridspec.specs import Param, Unbound, values
from hybridspec.specs.rules import Int

HEAD = "name: m\ninputs: {x: {shape: [10, 8]}}\n"
DOC = HEAD + """body:
  - dense: $u
  - dense: {units: $u, activation: $act}
  - conv_stack: {filters: [$a, 3], kernel_size: $k}
  - residual: $body
  - $blk
  - attention: {kind: multihead, heads: $h}
train: {optimizer: {name: sgd, learning_rate: $lr}, seed: $s}
"""
VALUES = {"u": 4, "act": "relu", "a": 2, "k": 3, "body": hs.Dense(units=3), "blk": hs.LayerNorm(),
          "h": 2, "lr": 0.1, "s": 1}


def test_params_stand_in_fields_lists_and_blocks():
    spec = hs.loads(DOC)
    assert spec.body.blocks[0] == hs.Dense(units=Param("u"))
    assert spec.body.blocks[2].filters == (Param("a"), 3)
    assert spec.body.blocks[3].body == Param("body")
    assert spec.body.blocks[4] == Param("blk")
    assert spec.train.optimizer.learning_rate == Param("lr")


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_round_trip_is_exact(format):
    spec = hs.loads(DOC)
    assert hs.loads(hs.dumps(spec, format), format) == spec
    assert "dense: $u" in hs.dumps(spec)


def test_find_gives_canonical_paths():
    assert [p for p, _ in values.find(hs.loads(DOC))] == [
        "body[0].dense", "body[1].dense.units", "body[1].dense.activation",
        "body[2].conv_stack.filters[0]", "body[2].conv_stack.kernel_size", "body[3].residual",
        "body[4]", "body[5].attention.heads", "train.optimizer.learning_rate", "train.seed"]


def test_bind_substitutes_and_revalidates():
    doc = DOC.replace("heads: $h", "heads: $h, key_dim: 4")
    bound = values.bind(hs.loads(doc), lambda path, u: VALUES[u.name])
    assert values.find(bound) == []
    assert bound.body.blocks[3].body == hs.Dense(units=3)
    assert hs.check(bound).params > 0


@pytest.mark.parametrize(("value", "path"), [(0, "body[0].dense"), ("a", "body[0].dense")])
def test_a_bound_value_that_breaks_the_rule_names_the_path(value, path):
    spec = hs.loads(HEAD + "body: [{dense: $u}, {dense: {units: $v, activation: relu}}]")
    with pytest.raises(hs.SpecError) as err:
        values.bind(spec, lambda p, u: value if u.name == "u" else 3)
    assert err.value.path == path and "positive integer" in err.value.message
    with pytest.raises(hs.SpecError) as err:
        values.bind(spec, lambda p, u: value if u.name == "v" else 3)
    assert err.value.path == "body[1].dense.units"


def test_cross_field_checks_wait_for_binding():
    spec = hs.loads(HEAD + "body: [attention: {kind: multihead, heads: $h}]")
    with pytest.raises(hs.SpecError, match="needs heads and key_dim") as err:
        values.bind(spec, lambda p, u: 2)
    assert err.value.path == "body[0].attention.key_dim"


def test_check_refuses_unbound_values():
    with pytest.raises(hs.SpecError, match=r"\$u is an unbound parameter") as err:
        hs.check(hs.loads(HEAD + "body: [dense: $u]"))
    assert err.value.path == "body[0].dense"


def test_dollar_strings_are_escaped():
    spec = hs.loads(HEAD + "body: flatten\ntrain: {callbacks: {early_stopping: {monitor: $$loss}}}")
    assert spec.train.callbacks.early_stopping.monitor == "$loss"
    assert "$$loss" in hs.dumps(spec) and hs.loads(hs.dumps(spec)) == spec


@attrs.frozen
class Upto(Unbound):
    """A toy search node ``{upto: n}``: registered through PARSERS like the real ones."""

    n: int

    def problem_under(self, rule):
        return None if rule.problem(self.n) is None else ("", f"upto {self.n} breaks the rule")

    def to_data(self):
        return {"upto": self.n}


def _parse_upto(data):
    return Upto(data["upto"]) if isinstance(data, dict) and set(data) == {"upto"} else None


@pytest.fixture
def upto(monkeypatch):
    monkeypatch.setattr(values, "PARSERS", [*values.PARSERS, _parse_upto])


def test_other_unbound_forms_plug_in(upto):
    spec = hs.loads(HEAD + "body: [{dense: {upto: 8}}, {conv: {filters: {upto: 4}, kernel_size: 3}}]")
    assert spec.body.blocks[0].units == Upto(8)
    assert hs.loads(hs.dumps(spec)) == spec
    assert [p for p, _ in values.find(spec)] == ["body[0].dense", "body[1].conv.filters"]
    with pytest.raises(hs.SpecError, match="upto 0 breaks") as err:
        hs.loads(HEAD + "body: [dense: {units: {upto: 0}, activation: relu}]")
    assert err.value.path == "body[0].dense.units"


def test_rules_delegate_to_the_unbound_value():
    assert Int(1).problem(Param("x")) is None
    assert Int(1).problem(Upto(0)) == ("", "upto 0 breaks the rule")


def test_python_api_accepts_params():
    dense = hs.Dense(Param("u"), activation="relu")
    bound = values.bind(dense, lambda p, u: 5)
    assert bound == hs.Dense(5, activation="relu")
    assert values.find(dense) == [("dense.units", Param("u"))]
