"""``bench rnn --backend LIST``: parsing, the parent's merge and ratios (fake workers, no extra
backend needed), the RESULTS.md blocks, and (slow) a real run on TensorFlow, JAX and PyTorch."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hybridspec.bench import cli, compare, load_suite
from hybridspec.bench.markdown import backends_family_tables, backends_summary_table, family

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def every_backend_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake workers stand in for every backend, installed here or not (``make test`` has only
    TensorFlow); a test that wants one missing patches ``installed`` again."""
    monkeypatch.setattr(compare, "installed", lambda name: True)


def test_parse_backends() -> None:
    assert compare.parse_backends("tensorflow,jax") == ["tensorflow", "jax"]
    assert compare.parse_backends(" JAX , jax,torch") == ["jax", "torch"]
    assert compare.parse_backends("torch,all") == ["torch", "tensorflow", "jax"]
    with pytest.raises(ValueError, match="unknown backend 'jaxx'.*Did you mean 'jax'"):
        compare.parse_backends("tensorflow,jaxx")
    with pytest.raises(ValueError, match="no backend named"):
        compare.parse_backends(" , ")


def test_bad_backend_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rnn", "--suite", "smoke", "--backend", "tensorflow,mxnet"]) == 2
    err = capsys.readouterr().err
    assert "unknown backend 'mxnet'" in err and "tensorflow, jax, torch or all" in err


def timed(median: float) -> dict[str, Any]:
    return {"time": {"repeats": 3, "median_s": median, "min_s": median * 0.9, "max_s": median * 1.2,
                     "p25_s": median * 0.95, "p75_s": median * 1.1, "spread": 0.15},
            "seq_per_s": 4 / median, "steps_per_s": 24 / median, "gflops": 1.0, "peak_fraction": 0.1}


def fake_launcher(medians: dict[str, float], calls: list[tuple[str, list[str], dict[str, str]]]) -> Any:
    """A launcher that records its arguments and returns made-up worker documents: each backend's
    medians are ``medians[backend]`` times the configuration's index + 1; ``broken`` fails."""
    def launch(backend: str, argv: list[str], env: dict[str, str], path: Path) -> dict[str, Any]:
        calls.append((backend, argv, env))
        if backend not in medians:
            return {"backend": backend, "results": [], "error": "worker exited with status 1: boom"}
        results = []
        for i, config in enumerate(load_suite("smoke").configs):
            cands = {"keras": {**timed(medians[backend] * (i + 1)), "keras_path": ["lstm"] if backend == "torch" else []}}
            if "--no-peer" not in argv:
                cands["torch"] = timed(0.5 * (i + 1))
            results.append({"name": config.name, "config": config.fields(), "rounds": 3, "candidates": cands})
        results[-1] = {"name": results[-1]["name"], "config": results[-1]["config"], "error": "ValueError: no"}
        if "torch" in results[1]["candidates"]:  # PyTorch refused one configuration
            del results[1]["candidates"]["torch"]
            results[1]["peer_error"] = "RuntimeError: no primitive"
        machine = {"cpu": "Fake CPU", "cores": 2, "device": "cpu", "versions": {"keras": "3.x"}}
        return {"backend": backend, "version": "1.0", "machine": machine, "matmul": {"gflops_best": 100.0},
                "results": results}
    return launch


def test_merge_and_ratios_from_fake_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(compare, "installed", lambda name: name != "jax")  # jax "missing"
    suite = load_suite("smoke")
    calls: list[Any] = []
    doc = compare.run(suite, "smoke", list(suite.configs), ["tensorflow", "jax", "torch"], tmp_path, [],
                      repeats=3, device="cpu", quiet=True,
                      launcher=fake_launcher({"tensorflow": 2.0, "torch": 1.0}, calls))
    out, err = capsys.readouterr()
    assert out == "" and "note: skipping backend jax: the jax package is not installed" in err
    assert [c[0] for c in calls] == ["tensorflow", "torch"]  # jax skipped, not launched
    assert "jax" in doc["skipped_backends"] and "not installed" in doc["skipped_backends"]["jax"]
    backend, argv, env = calls[1]
    assert env["KERAS_BACKEND"] == "torch" and argv[argv.index("--backend") + 1] == "torch"
    assert "--worker" in argv and argv[argv.index("--repeats") + 1] == "3"
    assert "--no-peer" in calls[0][1] and "--no-peer" not in argv  # torch.nn: once, in the torch worker
    assert doc["base"] == "tensorflow" and doc["peer_backend"] == "torch"
    first = doc["results"][0]
    assert first["backends"]["tensorflow"]["time"]["median_s"] == 2.0
    assert first["ratios"]["torch/tensorflow"]["median"] == pytest.approx(2.0)  # twice the throughput
    assert first["ratios"]["torch.nn/tensorflow"]["median"] == pytest.approx(4.0)
    assert first["ratios"]["torch/tensorflow"]["p25"] == pytest.approx(2.0 * 0.95 / 1.1)
    assert "jax/tensorflow" not in first["ratios"]
    assert set(first["backends"]) == {"tensorflow", "torch"} and doc["backends"] == ["tensorflow", "torch"]
    assert first["native"]["measured_in"] == "torch" and first["backends"]["torch"]["keras_path"] == ["lstm"]
    second = doc["results"][1]
    assert second["native"]["error"].startswith("RuntimeError") and set(second["ratios"]) == {"torch/tensorflow"}
    last = doc["results"][-1]
    assert "error" in last["backends"]["torch"] and last["ratios"] == {}
    saved = json.loads((tmp_path / "rnn-smoke-backends.json").read_text())
    assert saved["results"][1]["ratios"] == doc["results"][1]["ratios"]
    md = (tmp_path / "rnn-smoke-backends.md").read_text()
    assert "| lstm-h8-n4-t6-train | 2000 | 1000 | 500 | 2.00 | 4.00 |" in md
    assert "torch/tensorflow throughput" in md and "skipped: jax" in md
    assert (tmp_path / "rnn-smoke-backends.png").read_bytes().startswith(PNG)


def test_a_failing_worker_keeps_the_others(tmp_path: Path) -> None:
    suite = load_suite("smoke")
    calls: list[Any] = []
    doc = compare.run(suite, "smoke", list(suite.configs[:2]), ["jax", "tensorflow"], None, [], peer=False,
                      launcher=fake_launcher({"tensorflow": 1.0}, calls))
    assert doc["base"] == "tensorflow"  # the first backend that produced figures
    assert all("boom" in r["backends"]["jax"]["error"] for r in doc["results"])
    assert all(r["ratios"] == {} and r["native"] is None for r in doc["results"])
    assert "lstm-h8-n4-t6-train" in backends_family_tables(doc)


def test_families_and_summary() -> None:
    assert family({"cell": "gru", "bidirectional": True, "masked": True, "dtype": "float32"}) == \
        "GRU, Bidirectional, masked"
    rows = [{"name": n, "config": {"cell": "lstm", "bidirectional": False, "masked": False, "dtype": "float32"},
             "ratios": {"jax/tensorflow": {"median": m}}} for n, m in (("a", 2.0), ("b", 8.0))]
    text = backends_summary_table({"results": rows})
    assert "| LSTM | 2 | 4.00 (2.00–8.00) |" in text


def test_the_parent_never_imports_keras(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys
        from hybridspec.bench import compare, load_suite
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_bench_backends import fake_launcher
        suite = load_suite("smoke")
        compare.run(suite, "smoke", list(suite.configs), ["tensorflow", "jax"], {str(tmp_path)!r}, [],
                    launcher=fake_launcher({{"tensorflow": 1.0, "jax": 1.0}}, []))
        loaded = [m for m in ("keras", "tensorflow", "jax", "torch") if m in sys.modules]
        assert not loaded, loaded
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


def test_update_results_fills_the_backend_blocks(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "update_results.py"
    module_spec = importlib.util.spec_from_file_location("update_results", path)
    assert module_spec is not None and module_spec.loader is not None
    update_results = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(update_results)
    suite = load_suite("smoke")
    compare.run(suite, "smoke", list(suite.configs), ["tensorflow", "jax"], tmp_path / "r", [], plots=False,
                launcher=fake_launcher({"tensorflow": 1.0, "jax": 0.5}, []))
    doc = tmp_path / "RESULTS.md"
    blocks = "".join(f"<!-- bench:{n} -->\nold\n<!-- /bench:{n} -->\n" for n in update_results.BACKEND_BLOCKS)
    doc.write_text("intro\n" + blocks)
    log = update_results.update(tmp_path / "r", doc, tmp_path / "figures", suite="smoke")
    text = doc.read_text()
    assert "old" not in text and "updated backends-summary" in log
    assert "--backend tensorflow,jax" in text and "| LSTM | 2 | 2.00 (2.00–2.00) |" in text


@pytest.mark.slow
def test_smoke_suite_on_every_backend(tmp_path: Path) -> None:
    for package in ("jax", "torch"):
        pytest.importorskip(package)
    assert cli.main(["rnn", "--suite", "smoke", "--backend", "tensorflow,jax,torch", "--repeats", "2",
                     "--device", "cpu", "--out", str(tmp_path), "--quiet"]) == 0
    doc = json.loads((tmp_path / "rnn-smoke-backends.json").read_text())
    suite = load_suite("smoke")
    assert [r["name"] for r in doc["results"]] == [c.name for c in suite.configs]
    assert doc["peer_backend"] == "torch" and not doc["skipped_backends"]
    assert set(doc["machine"]["versions"]) >= {"tensorflow", "jax", "torch", "keras"}
    for r in doc["results"]:
        for b in ("tensorflow", "jax", "torch"):
            cand = r["backends"][b]
            assert "error" not in cand, (b, cand)
            assert cand["rounds"] == 2 and 0 < cand["time"]["min_s"] <= cand["time"]["median_s"]
        t = {b: r["backends"][b]["time"]["median_s"] for b in ("tensorflow", "jax", "torch")}
        assert r["ratios"]["jax/tensorflow"]["median"] == pytest.approx(t["tensorflow"] / t["jax"])
        assert r["ratios"]["torch/tensorflow"]["median"] == pytest.approx(t["tensorflow"] / t["torch"])
        assert r["native"]["measured_in"] == "torch"
        assert r["ratios"]["torch.nn/tensorflow"]["median"] == pytest.approx(
            t["tensorflow"] / r["native"]["time"]["median_s"])
    paths = {b: doc["results"][0]["backends"][b]["keras_path"] for b in ("tensorflow", "jax", "torch")}
    assert paths == {"tensorflow": [], "jax": [], "torch": ["lstm"]}  # unmasked LSTM on a CPU
    assert (tmp_path / "rnn-smoke-backends.png").read_bytes().startswith(PNG)
    assert "## Summary" in (tmp_path / "rnn-smoke-backends.md").read_text()
