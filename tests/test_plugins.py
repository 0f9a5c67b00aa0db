"""The plugin API: a kind from register_block or from an installed package's entry point is
loaded, checked, described, plotted, built and drawn by the public strategies."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, event, find, given, settings
from hypothesis import strategies as st

import hybridspec as hs
from hybridspec import plugins
from hybridspec.blocks import Sig
from hybridspec.graphs.plot import to_dot
from hybridspec.testing import trees

PLUGIN_SRC = Path(__file__).parents[1] / "examples" / "plugins" / "hybridspec-se" / "src"
DOC = """
name: se_net
inputs: {image: {shape: [8, 8, 6]}}
body:
  - conv: {filters: 12, kernel_size: 3, padding: same}
  - squeeze_excite: {ratio: 4}
  - global_pool
  - dense: 3
"""


def _install(where: Path, name: str, value: str) -> None:
    """A package as pip leaves it: a dist-info folder with the entry point, on sys.path."""
    info = where / f"{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[hybridspec.blocks]\n{name} = {value}\n")


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The example plugin installed (its source and an entry point on sys.path), undone after."""
    monkeypatch.syspath_prepend(str(PLUGIN_SRC))
    _install(tmp_path, "hybridspec_se", "hybridspec_se:register")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "_discovered", False)
    yield
    plugins.unregister_block("squeeze_excite")
    sys.modules.pop("hybridspec_se", None)


def test_entry_point_kind_loads_checks_and_is_described(installed):
    assert "squeeze_excite" not in hs.KINDS  # nothing read until a document needs it
    spec = hs.loads(DOC)
    assert "squeeze_excite" in hs.KINDS
    report = hs.check(spec)
    se = report["body[1]"]
    assert se.kind == "squeeze_excite" and se.shape == (None, 8, 8, 12)
    assert se.params == (12 * 3 + 3) + (3 * 12 + 12)
    assert se.macs == 2 * 12 * 3 + 8 * 8 * 12
    assert hs.loads(hs.dumps(spec)) == spec
    schema = hs.json_schema()
    assert "squeeze_excite" in schema["$defs"]["Block"]["anyOf"][0]["properties"]
    assert "### squeeze_excite" in plugins.docs()
    assert "squeeze_excite" in to_dot(spec)
    with pytest.raises(hs.SpecError, match=r"body\[1\]\.squeeze_excite\.ratio"):
        hs.loads(DOC.replace("ratio: 4", "ratio: 0"))


def test_entry_point_kind_builds_with_stock_layers(installed, tmp_path):
    keras = pytest.importorskip("keras")
    spec = hs.loads(DOC)
    model = hs.build(spec, seed=1)
    assert model.count_params() == hs.check(spec).params
    assert {type(layer).__module__.split(".")[0] for layer in model.layers} == {"keras"}
    path = tmp_path / "se.keras"
    hs.save(model, path)
    assert keras.saving.load_model(path, safe_mode=True).count_params() == model.count_params()
    assert hs.spec_of(path) == spec


def test_the_public_strategies_draw_the_plugin_kind(installed):
    plugins.discover()
    spec = find(trees.models(), lambda s: "squeeze_excite" in hs.dumps(s),
                settings=settings(max_examples=500, database=None, derandomize=True))
    assert hs.check(spec).params >= 0


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                   HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_models_with_the_plugin_check_like_keras(installed, data):
    keras = pytest.importorskip("keras")
    from hybridspec.graphs.build import KerasInterpreter
    from hybridspec.graphs.walk import Walk

    plugins.discover()
    x = Sig((None, *data.draw(st.sampled_from([(6, 4), (5, 5, 3), (2, 4, 4, 2)]))))
    body = data.draw(trees.chain(x, depth=1, min_len=2, max_len=4))
    spec = hs.ModelSpec(name="m", inputs={"x": hs.InputSpec(shape=x.shape[1:])}, body=body)
    event("with squeeze_excite" if "squeeze_excite" in hs.dumps(spec) else "without")
    report = hs.check(spec)
    keras.backend.clear_session()
    run = KerasInterpreter()
    inputs, outputs = Walk(run).model(spec)
    model = keras.Model(inputs, outputs)
    for row in report.rows:
        if row.path in run.shapes:
            assert list(row.shapes) == run.shapes[row.path], row.path
    assert report.params == model.count_params()


def test_register_block_from_python_with_fallback_macs():
    @attrs.frozen(kw_only=True)
    class Scale(hs.Block):
        """Multiplies by a learned vector."""

    try:
        hs.register_block(Scale, kind="learned_scale", shape=lambda s, ins, at: at.one(ins),
                          params=lambda s, ins: (ins[0].shape[-1] or 0, 0),
                          build=lambda s, name, ins, at: None, lint=lambda s: ("", ("a lint of the spec alone",)))
        report = hs.check(hs.loads("name: m\ninputs: {x: {shape: [5, 4]}}\nbody: [learned_scale]"))
        assert report["body[0]"].params == 4
        assert report.warnings == ["body[0] (learned_scale): a lint of the spec alone"]
        assert report["body[0]"].macs == 4 * 5  # no rule: weights times output positions
    finally:
        plugins.unregister_block("learned_scale")
    with pytest.raises(TypeError, match="attrs class derived from hybridspec.Block"):
        hs.register_block(int, kind="nope", shape=len, build=len)  # type: ignore[arg-type]


def test_a_broken_plugin_warns_and_hybridspec_goes_on(tmp_path, monkeypatch):
    _install(tmp_path, "broken_plugin", "no_such_module_here:register")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "_discovered", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(hs.SpecError, match="unknown block kind 'mystery'"):
            hs.loads("name: m\ninputs: {x: {shape: [3]}}\nbody: {mystery: 1}")
    assert any("broken_plugin" in str(w.message) for w in caught)


def test_checking_built_in_kinds_reads_no_package_metadata():
    example = Path(__file__).parents[1] / "examples" / "mnist_mlp.yaml"
    code = ("import sys\nfrom hybridspec.cli import main\nassert main(['check', sys.argv[1]]) == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith('importlib.metadata')))")
    out = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("[]")


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_strategies_use_the_plugin_strategy(installed, data):
    plugins.discover()
    x = Sig((None, 4, 4, 3))
    block = data.draw(trees.chain(x, depth=1, min_len=4, max_len=4))
    assert trees.out_sig(block, x) is not None
