"""The benchmark harness: suites, FLOP counts, statistics, and the two benchmarks run on the CPU.

These tests check structure and sanity (positive times, FLOP counts equal to a hand computation,
the static cuDNN verdicts, every output written), never timings."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hybridspec import SpecError, loads
from hybridspec.bench import cli, config_flops, load_suite, loads_suite
from hybridspec.bench.flops import deepbench_flops, step_flops
from hybridspec.bench.keras_runner import (
    cudnn_facts,
    graph_facts,
    kernel_of,
    layer_spec,
    model_spec,
)
from hybridspec.bench.suite import Config, builtin_suites
from hybridspec.bench.timing import Ratio, Stats, Timed, interleave, plan, quantile

PNG = b"\x89PNG\r\n\x1a\n"


# --- pure Python: suites, FLOPs, statistics -----------------------------------------------

def test_importing_and_parsing_never_loads_tensorflow() -> None:
    code = textwrap.dedent("""
        import argparse, sys
        import hybridspec.bench as bench
        from hybridspec.bench import cli, config_flops
        for name in ("smoke", "cpu", "deepbench"):
            suite = bench.load_suite(name)
            [config_flops(c) for c in suite.configs]
        parser = argparse.ArgumentParser()
        cli.add_parser(parser.add_subparsers())
        parser.parse_args(["bench", "rnn", "--suite", "cpu"])
        loaded = [m for m in ("tensorflow", "keras", "torch") if m in sys.modules]
        assert not loaded, loaded
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shipped_suites_load() -> None:
    assert set(builtin_suites()) >= {"smoke", "cpu", "deepbench", "gpu"}
    for name in builtin_suites():
        suite = load_suite(name)
        names = [c.name for c in suite.configs]
        assert names and len(names) == len(set(names))
    deepbench = {c.name: c for c in load_suite("deepbench").configs}
    # a few of DeepBench's problems, by the sizes of its table
    assert deepbench["lstm-h1024-n128-t25-train"].features == 1024
    assert deepbench["gru-h2816-n32-t750-train"].cell == "gru"
    assert deepbench["simple-h2560-n64-t50-train-relu"].activation == "relu"
    assert deepbench["gru-h1024-n4-t1500-infer"].mode == "inference"
    assert sum(c.training for c in deepbench.values()) == 16 + 3 + 3 + 3 + 12 + 1 + 2 + 12 + 4
    cpu = load_suite("cpu")
    assert {c.cell for c in cpu.configs} == {"lstm", "gru", "simple"}
    assert {c.dtype for c in cpu.configs} == {"float32", "mixed_bfloat16"}
    assert any(c.masked for c in cpu.configs) and any(c.bidirectional for c in cpu.configs)


BASE = "name: s\nconfigs:\n"


@pytest.mark.parametrize("body, where, message", [
    ("  - {cell: lstm, unit: 8}", "configs[0].unit", "unknown key. Did you mean 'units'?"),
    ("  - {cell: lsmt}", "configs[0].cell", "Did you mean 'lstm'?"),
    ("  - {units: 0}", "configs[0].units", "must be a positive integer"),
    ("  - {dtype: float16}", "configs[0].dtype", "must be one of float32, mixed_float16, mixed_bfloat16"),
    ("  - {variants: [fast]}", "configs[0].variants[0]", "must be one of generic"),
    ("  - {grid: {cells: [lstm]}}", "configs[0].grid.cells", "unknown field"),
    ("  - {grid: {cell: [lstm, lsmt]}}", "configs[0].grid.cell[1]", "Did you mean 'lstm'?"),
    ("  - {grid: {cell: []}}", "configs[0].grid.cell", "a non-empty list"),
    ("  - {grid: {cell: [lstm]}, cell: gru}", "configs[0].grid.cell", "also set outside the grid"),
    ("  - {name: x, grid: {cell: [lstm, gru]}}", "configs[0].name", "cannot have a grid"),
    ("  - {cell: lstm}\n  - {cell: lstm}", "configs[1]", "duplicate configuration name"),
    ("  - {cell: lstm, cell: gru}", "configs[0].cell", "duplicate key: a mapping holds each key once"),
])
def test_suite_validation_names_the_place(body: str, where: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        loads_suite(BASE + body)
    assert info.value.path == where
    assert message in info.value.message


def test_suite_level_rules() -> None:
    with pytest.raises(SpecError, match="anatomy\\[0\\]: unknown configuration"):
        loads_suite("name: s\nanatomy: [nope]\nconfigs: [{cell: lstm}]")
    with pytest.raises(SpecError, match="repeats: must be a positive integer"):
        loads_suite("name: s\nrepeats: 0\nconfigs: [{cell: lstm}]")
    with pytest.raises(SpecError, match="defaults take field values only"):
        loads_suite("name: s\ndefaults: {name: x}\nconfigs: [{cell: lstm}]")
    with pytest.raises(SpecError, match="no suite 'nope'"):
        load_suite("nope")


def test_grid_expands_with_defaults_and_generated_names() -> None:
    suite = loads_suite(BASE.replace("configs:", "defaults: {units: 16, batch: 2}\nconfigs:")
                        + "  - {grid: {cell: [lstm, gru], steps: [3, 5]}, masked: true}\n"
                        + "  - {name: mine, cell: simple, features: 7, dtype: mixed_bfloat16}")
    names = [c.name for c in suite.configs]
    assert names == ["lstm-h16-n2-t3-train-masked", "lstm-h16-n2-t5-train-masked",
                     "gru-h16-n2-t3-train-masked", "gru-h16-n2-t5-train-masked", "mine"]
    mine = suite.configs[-1]
    assert (mine.units, mine.features, mine.batch, mine.steps) == (16, 7, 2, 100)
    assert suite.configs[0].features == 16


def test_filters() -> None:
    suite = load_suite("cpu")
    grus = suite.select(["cell=gru", "mode=training"])
    assert grus and all(c.cell == "gru" and c.training for c in grus)
    assert [c.name for c in suite.select(["lstm-h128-n*-t100-infer"])] == [
        "lstm-h128-n32-t100-infer", "lstm-h128-n1-t100-infer", "lstm-h128-n8-t100-infer",
        "lstm-h128-n128-t100-infer"]
    assert all("masked" in c.name for c in suite.select(["masked"]))
    assert suite.select(["masked=true"]) == suite.select(["masked"])
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        suite.select(["colour=red"])


def test_flops_equal_a_hand_computation() -> None:
    n, t, d, h = 4, 6, 5, 8
    # LSTM: per sequence and step, x@W (D x 4H) and h@U (H x 4H), 2 FLOPs per multiply-add,
    # and 17H elementwise operations (see flops.py for the list)
    lstm = Config(name="x", cell="lstm", units=h, features=d, steps=t, batch=n, mode="training")
    matmul = n * t * (2 * d * 4 * h + 2 * h * 4 * h)
    assert matmul == 19968
    assert config_flops(lstm) == {
        "forward_matmul": 19968, "forward_elementwise": n * t * 17 * h, "forward": 19968 + 3264,
        "backward_matmul": 2 * 19968, "step": 19968 + 3264 + 2 * 19968,
        "deepbench": 3 * 2 * 4 * h * h * n * t}
    gru = Config(name="x", cell="gru", units=h, features=d, steps=t, batch=n, mode="inference")
    assert config_flops(gru)["step"] == n * t * (2 * d * 3 * h + 2 * h * 3 * h + 17 * h) == 18240
    simple = Config(name="x", cell="simple", units=h, features=d, steps=t, batch=n, mode="inference",
                    bidirectional=True)
    assert config_flops(simple)["step"] == 2 * n * t * (2 * d * h + 2 * h * h + 3 * h) == 11136
    assert deepbench_flops(simple) == 2 * 2 * h * h * n * t
    assert step_flops("lstm", d, h, use_bias=False).elementwise == 13 * h


def test_statistics() -> None:
    assert quantile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.5
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.25) == 2.0
    stats = Stats.of([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (stats.median, stats.minimum, stats.maximum, stats.repeats) == (3.0, 1.0, 5.0, 5)
    assert stats.spread == pytest.approx(2.0 / 3.0)
    r = Ratio.of([2.0, 4.0, 3.0], [1.0, 4.0, 2.0])
    assert (r.n, r.median) == (3, 1.5) and r.within_noise is False
    assert Ratio.of([1.0, 1.1, 0.9], [1.0, 1.0, 1.0]).within_noise
    assert plan(0.5, 20, 5, 4.0) == 8
    assert plan(10.0, 20, 5, 4.0) == 5
    assert plan(0.5, 20, 5, None) == 20


def test_interleave_rotates_and_settles_between_runtimes() -> None:
    calls: list[str] = []
    items = [Timed(k, (lambda k=k: calls.append(k)), group=g)
             for k, g in (("a", "tf"), ("b", "tf"), ("p", "torch"))]
    interleave(items, 2)
    # round 0: tf group first (a settles, then a b), torch (p settles, then p); round 1 rotates
    assert calls == ["a", "a", "b", "p", "p", "p", "p", "b", "b", "a"]
    assert all(len(i.times) == 2 and min(i.times) >= 0 for i in items)


def test_variant_specs_and_the_static_cudnn_rule() -> None:
    base = Config(name="c", cell="lstm", units=8, features=4, steps=6, batch=2)
    assert cudnn_facts(base) == {"eligible": True, "status": "cudnn", "blockers": []}
    generic = layer_spec(base, "generic")
    assert generic.use_cudnn is False and cudnn_facts(base)["eligible"]
    assert layer_spec(base, "recurrent_dropout").recurrent_dropout == 0.1
    assert layer_spec(base, "unroll").unroll is True
    assert layer_spec(base, "jit").use_cudnn is False
    relu = Config(name="c", cell="simple", activation="relu")
    assert cudnn_facts(relu)["status"] == "n/a"
    bi_masked = Config(name="c", cell="gru", bidirectional=True, masked=True, dtype="mixed_float16")
    spec = model_spec(bi_masked)
    assert loads(__import__("hybridspec").dumps(spec)) == spec
    assert [type(b).__name__ for b in spec.body.blocks] == ["Masking", "Bidirectional"]
    assert spec.body.blocks[1].layer.dtype == "mixed_float16"


def test_kernel_detection_reads_the_traced_ops() -> None:
    cudnn = {"CudnnRNNV3": 1, "MatMul": 2, "StatelessWhile": 0}
    assert kernel_of(cudnn, "gpu") == "cudnn"
    assert kernel_of({"While": 1, "MatMul": 2}, "gpu") == "generic"
    assert kernel_of(cudnn, "cpu") == "cpu"
    facts = graph_facts({"While": 1, "MatMul": 2, "CudnnRNNBackpropV3": 1})
    assert facts == {"cudnn_ops": ["CudnnRNNBackpropV3"], "while_loop": True, "matmul_ops": 2, "ops": 4}


def test_cli_parsers_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="hybridspec")
    cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["bench", "rnn", "--suite", "cpu", "--filter", "cell=gru", "--repeats", "3"])
    assert args.run is cli.run_rnn and args.filter == ["cell=gru"] and args.repeats == 3
    args = parser.parse_args(["bench", "overhead", "--quick"])
    assert args.run is cli.run_overhead and args.quick
    for sub in ("rnn", "overhead"):
        with pytest.raises(SystemExit):
            parser.parse_args(["bench", sub, "--help"])
        assert "examples:" in capsys.readouterr().out
    assert cli.main(["rnn", "--suite", "cpu", "--filter", "cell=simple", "--list"]) == 0
    assert capsys.readouterr().out.split() == ["simple-h128-n32-t100-infer", "simple-h128-n32-t100-train"]
    assert cli.main(["rnn", "--suite", "nope"]) == 2
    assert cli.main(["rnn", "--suite", "smoke", "--filter", "cell=nothing"]) == 2
    assert cli.main(["overhead", "--parts", "cold,warp"]) == 2


# --- the benchmarks themselves, on the CPU ----------------------------------------------------

@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("bench")
    assert cli.main(["rnn", "--suite", "smoke", "--out", str(out), "--device", "cpu", "--quiet"]) == 0
    return json.loads((out / "rnn-smoke.json").read_text()), out


def test_rnn_smoke_describes_the_machine(smoke: tuple[dict[str, Any], Path]) -> None:
    doc, _ = smoke
    machine = doc["machine"]
    assert machine["device"] == "cpu" and machine["cores"] >= 1 and machine["cpu"]
    assert {"tensorflow", "keras", "cuda", "cudnn", "torch"} <= set(machine["versions"])
    assert doc["peaks"]["float32"]["gflops_best"] > 0
    assert doc["peaks"]["bfloat16"]["gflops_best"] > 0  # the suite has a mixed_bfloat16 configuration


def test_rnn_smoke_results_are_sane(smoke: tuple[dict[str, Any], Path]) -> None:
    doc, _ = smoke
    suite = load_suite("smoke")
    assert [r["name"] for r in doc["results"]] == [c.name for c in suite.configs]
    torch_installed = doc["machine"]["versions"]["torch"] is not None
    for result, config in zip(doc["results"], suite.configs, strict=True):
        assert "error" not in result, result
        assert result["flops"] == config_flops(config)
        assert result["cudnn"] == cudnn_facts(config)
        cands = result["candidates"]
        assert {"spec", "hand"} <= set(cands)
        assert ("torch" in cands) == torch_installed
        for key, cand in cands.items():
            t = cand["time"]
            assert t["repeats"] == result["rounds"] >= suite.min_repeats
            assert 0 < t["min_s"] <= t["median_s"] <= t["max_s"]
            assert cand["seq_per_s"] == pytest.approx(config.batch / t["median_s"])
            assert cand["steps_per_s"] == pytest.approx(config.batch * config.steps / t["median_s"])
            assert cand["gflops"] == pytest.approx(result["flops"]["step"] / t["median_s"] / 1e9)
            assert cand["peak_fraction"] > 0
            assert cand["kernel"] == "cpu"
            if key != "torch":
                assert cand["graph"]["cudnn_ops"] == []
                assert cand["graph"]["while_loop"] == (key != "unroll")
        assert loads(cands["spec"]["spec"]).name.startswith(config.name.replace("-", "_"))
        assert result["ratios"]["overhead"]["spec_vs_hand"]["median"] > 0
        ran = set(cands) - {"spec", "hand", "torch"}
        assert ran | set(result["skipped"]) == set(config.variants)
    simple = doc["results"][3]
    assert simple["cudnn"]["status"] == "n/a" and "generic" in simple["skipped"]
    assert set(doc["results"][1]["ratios"]["speedup"]) == {"jit", "unroll"}
    assert "cudnn_vs_recurrent_dropout" in doc["results"][2]["ratios"]["speedup"]


def test_rnn_smoke_anatomy_and_outputs(smoke: tuple[dict[str, Any], Path]) -> None:
    doc, out = smoke
    assert [a["config"]["cell"] for a in doc["anatomy"]] == ["lstm", "gru"]
    for anatomy in doc["anatomy"]:
        assert "error" not in anatomy, anatomy
        assert anatomy["hoisted_matches_keras"] is True
        assert anatomy["keras_loop_matmuls_per_step"] == 2  # the input and the recurrent product
        assert {"keras_layer", "loop_only", "input_gemm_per_step", "input_gemm_hoisted", "recurrent_gemm",
                "cell_elementwise", "hoisted_tf", "keras_layer_train", "hoisted_tf_train"} <= set(anatomy["parts"])
        assert all(p["median_s"] > 0 for p in anatomy["parts"].values())
    assert (out / "rnn-smoke.md").read_text().startswith("# bench rnn --suite smoke")
    for name in ("cudnn-speedup", "variants"):
        assert (out / f"rnn-smoke-{name}.png").read_bytes().startswith(PNG)


def test_overhead_quick(tmp_path: Path, smoke: tuple[dict[str, Any], Path]) -> None:
    assert cli.main(["overhead", "--quick", "--out", str(tmp_path), "--quiet"]) == 0
    doc = json.loads((tmp_path / "overhead.json").read_text())
    (case,) = doc["cold"]["cases"]
    assert "body[2] (lstm)" in case["errors"]["library"] and "ndim=3" in case["errors"]["keras"]
    assert all(case[k]["median_s"] > 0 for k in ("library", "keras"))
    for case in doc["inprocess"]["cases"]:
        assert case["hybridspec_error"] and case["keras_error"]
        assert 0 < case["check"]["median_s"] and 0 < case["keras"]["median_s"]
    assert {e["name"] for e in doc["examples"]} >= {"mnist_mlp", "imdb_sentiment"}
    assert [s["nodes"] for s in doc["scaling"]] == [10, 100, 1000] * 2
    assert all(s["check_us_per_node"] > 0 for s in doc["scaling"])
    for b in doc["build"]:
        assert b["params"] > 0 and b["built"]["median_s"] > 0 and b["hand"]["median_s"] > 0
    (train,) = doc["train"]
    assert train["same_weights"] and train["ratio"]["n"] == 3
    md = (tmp_path / "overhead.md").read_text()
    assert "## Targets" in md and "(d) train step" in md
    assert (tmp_path / "overhead-check-scaling.png").read_bytes().startswith(PNG)


def test_update_results_fills_the_marked_blocks(tmp_path: Path, smoke: tuple[dict[str, Any], Path]) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "update_results.py"
    module_spec = importlib.util.spec_from_file_location("update_results", path)
    assert module_spec is not None and module_spec.loader is not None
    update_results = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(update_results)
    _, out = smoke
    doc = tmp_path / "RESULTS.md"
    doc.write_text("intro\n<!-- bench:rnn-results -->\nold\n<!-- /bench:rnn-results -->\nprose\n"
                   "<!-- bench:rnn-anatomy -->\n<!-- /bench:rnn-anatomy -->\n")
    log = update_results.update(out, doc, tmp_path / "figures", suite="smoke")
    text = doc.read_text()
    assert "old" not in text and "| lstm-h8-n4-t6-train | cpu | yes |" in text
    assert text.startswith("intro\n") and "\nprose\n" in text and "**GRU N=4 T=6" in text
    assert "updated rnn-results" in log and any(line.startswith("skipped overhead.json") for line in log)
    assert (tmp_path / "figures" / "rnn-smoke-variants.png").exists()


def test_gpu_suite_covers_the_cudnn_path() -> None:
    """make bench-gpu's suite: each eligible layer also forced generic, mixed precision, and an
    ineligible layer; the Makefile target is the smoke-tested command with the gpu suite."""
    configs = load_suite("gpu").configs
    assert all("generic" in c.variants for c in configs)
    assert {c.dtype for c in configs} >= {"float32", "mixed_float16"}
    assert {c.mode for c in configs} == {"training", "inference"}
    assert any("recurrent_dropout" in c.variants for c in configs)
    makefile = (Path(__file__).parents[1] / "Makefile").read_text()
    assert "hybridspec bench rnn --suite $(SUITE) --device $(DEVICE) --no-peer" in makefile
    assert "--device $(DEVICE) --backend $(BACKENDS) --filter mode=inference" in makefile
    assert load_suite("gpu").select(["mode=inference"])


@pytest.mark.slow
def test_bench_gpu_target_runs_on_cpu(tmp_path: Path) -> None:
    """``make bench-gpu`` unchanged but for the device and suite: both of its runs write their
    figures (TensorFlow's variants, then every backend)."""
    root = Path(__file__).parents[1]
    subprocess.run(["make", "-s", "-C", str(root), "bench-gpu", "DEVICE=cpu", "SUITE=smoke",
                    f"GPU_OUT={tmp_path}"], check=True, timeout=600)
    variants = json.loads((tmp_path / "rnn-smoke.json").read_text())
    assert variants["machine"]["device"] == "cpu" and len(variants["results"]) == 4
    backends = json.loads((tmp_path / "rnn-smoke-backends.json").read_text())
    inference = [c.name for c in load_suite("smoke").configs if c.mode == "inference"]
    assert [r["name"] for r in backends["results"]] == inference
    assert backends["backends"] == ["tensorflow", "jax", "torch"]
