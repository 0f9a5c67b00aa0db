"""``hybridspec bench rnn``: the recurrent microbenchmark suite.

For every configuration the model is built from a hybridspec spec (``hybridspec.build``) and
also written by hand in Keras; both, each applicable variant, and optionally PyTorch's layer are
timed in interleaved rounds (see ``timing``). The result records the checker's static cuDNN
verdict and the kernel that actually ran, time statistics, throughput, GFLOP/s from the exact
FLOP count, the fraction of the matmul peak measured in the same run, and pairwise ratios.
"""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path
from typing import Any

import attrs

from ..specs import dumps
from ..specs.documents import write_atomic
from . import torch_peer
from .flops import config_flops
from .keras_runner import (
    built_model,
    cudnn_facts,
    graph_facts,
    hand_written,
    kernel_of,
    make_data,
    make_step,
    traced_ops,
)
from .machine import (
    POLICY_DTYPE,
    describe,
    load_average,
    matmul_peak,
    peak_dtypes,
    select_device,
    tf_device,
)
from .suite import Config, Suite
from .timing import Ratio, Timed, interleave, plan, warm


@attrs.frozen
class Options:
    """How to run: device, repetition override, peer and output switches."""

    device: str = "auto"
    repeats: int | None = None
    peer: bool = True
    anatomy: bool = True
    plots: bool = True
    quiet: bool = False


def applicable(config: Config, variant: str, suite: Suite, cudnn: dict[str, Any]) -> str | None:
    """None if ``variant`` applies to ``config``, else why not."""
    if variant in ("generic", "recurrent_dropout") and not cudnn["eligible"]:
        return "the base configuration is not cuDNN-eligible, so it already runs the generic kernel"
    if variant == "unroll" and config.steps > suite.unroll_max_steps:
        return f"unroll applies to sequences of at most {suite.unroll_max_steps} steps"
    return None


def _keras_item(key: str, forward: Any, variables: list[Any], x: Any, config: Config, jit: bool,
                device: str) -> tuple[Timed, dict[str, Any]]:
    step = make_step(forward, variables, config.training, jit)
    t0 = time.perf_counter()
    ops = traced_ops(step, x)
    info = {"trace_s": time.perf_counter() - t0, "kernel": kernel_of(ops, device),
            "graph": graph_facts(ops), "jit_compile": jit}
    return Timed(key, lambda: step(x).numpy()), info


def _candidates(config: Config, suite: Suite, device: str, peer: bool, x_np: Any,
                lengths: Any) -> tuple[list[Timed], dict[str, dict[str, Any]], dict[str, str], dict[str, Any]]:
    import tensorflow as tf

    items: list[Timed] = []
    infos: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    errors: dict[str, str] = {}
    x = tf.constant(x_np)
    cudnn = cudnn_facts(config)
    for variant in ("base", *config.variants):
        why = None if variant == "base" else applicable(config, variant, suite, cudnn)
        if why:
            skipped[variant] = why
            continue
        key = "spec" if variant == "base" else variant
        t0 = time.perf_counter()
        forward, variables, spec = built_model(config, variant)
        build_s = time.perf_counter() - t0
        item, info = _keras_item(key, forward, variables, x, config, variant == "jit", device)
        infos[key] = {"impl": "keras (hybridspec.build)", "variant": variant, "build_s": build_s,
                      "spec": dumps(spec), **info}
        items.append(item)
        if variant == "base":
            forward, variables = hand_written(config)
            item, info = _keras_item("hand", forward, variables, x, config, False, device)
            infos["hand"] = {"impl": "keras (hand-written layer)", "variant": "base", **info}
            items.append(item)
    if peer:
        try:
            step = torch_peer.make_step(config, x_np, lengths, device)
            items.append(Timed("torch", step, group="torch"))
            infos["torch"] = {"impl": f"torch.nn.{ {'lstm': 'LSTM', 'gru': 'GRU', 'simple': 'RNN'}[config.cell]}",
                              "variant": "base", "kernel": "cpu" if device == "cpu" else "cuda",
                              "threads": torch_peer.threads()}
        except Exception as exc:  # noqa: BLE001 (the peer is optional; record why it failed)
            errors["torch"] = f"{type(exc).__name__}: {exc}"
    return items, infos, skipped, {"errors": errors, "cudnn": cudnn}


def run_config(config: Config, suite: Suite, options: Options, device: str,
               peaks: dict[str, Any], status: Any = None) -> dict[str, Any]:
    """Time one configuration with all its candidates; return its result record."""
    import keras
    import tensorflow as tf

    def say(text: str) -> None:
        if status is not None:
            status(f"{config.name}: {text}")

    x_np, lengths = make_data(config)
    peer = options.peer and suite.peer and torch_peer.available()
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    with tf.device(tf_device(device)):
        say("building and tracing")
        items, infos, skipped, extra = _candidates(config, suite, device, peer, x_np, lengths)
        phases["build_and_trace_s"] = time.perf_counter() - t0
        say("warming up")
        estimate = warm(items, suite.warmup)
        phases["warmup_s"] = time.perf_counter() - t0 - phases["build_and_trace_s"]
        rounds = options.repeats or plan(estimate, suite.repeats, suite.min_repeats, suite.budget_s)
        say(f"timing {rounds} rounds of {len(items)} candidates")
        interleave(items, rounds)
        phases["timing_s"] = time.perf_counter() - t0 - phases["build_and_trace_s"] - phases["warmup_s"]
    flops = config_flops(config)
    peak = peaks.get(POLICY_DTYPE[config.dtype], {}).get("gflops_best")
    by = {item.key: item for item in items}
    candidates = {}
    for key, item in by.items():
        stats = item.stats
        gflops = flops["step"] / stats.median / 1e9
        candidates[key] = {**infos[key], "first_call_s": item.first_s, "time": stats.to_dict(),
                           "seq_per_s": config.batch / stats.median,
                           "steps_per_s": config.batch * config.steps / stats.median,
                           "gflops": gflops, "peak_fraction": gflops / peak if peak else None,
                           "deepbench_tflops": flops["deepbench"] / stats.median / 1e12}
    keras.backend.clear_session()
    gc.collect()
    return {"name": config.name, "config": config.fields(), "cudnn": extra["cudnn"], "flops": flops,
            "rounds": rounds, "candidates": candidates, "ratios": ratios(by),
            "skipped": skipped, "errors": extra["errors"], "phases": phases}


def ratios(by: dict[str, Timed]) -> dict[str, dict[str, Any]]:
    """Pairwise per-round ratios: overhead (spec/hand), peer (Keras/PyTorch), and speed-ups."""
    out: dict[str, dict[str, Any]] = {"overhead": {}, "peer": {}, "speedup": {}}
    spec = by["spec"].times
    if "hand" in by:
        out["overhead"]["spec_vs_hand"] = Ratio.of(spec, by["hand"].times).to_dict()
    if "torch" in by:
        out["peer"]["keras_vs_torch"] = Ratio.of(spec, by["torch"].times).to_dict()
        out["peer"]["hand_vs_torch"] = Ratio.of(by["hand"].times, by["torch"].times).to_dict()
    # speed-up of the base over a forced-generic variant: how much cuDNN (or its absence) buys
    for key, name in (("generic", "cudnn_vs_generic"), ("recurrent_dropout", "cudnn_vs_recurrent_dropout")):
        if key in by:
            out["speedup"][name] = Ratio.of(by[key].times, spec).to_dict()
    for key in ("jit", "unroll"):
        if key in by:
            out["speedup"][key] = Ratio.of(spec, by[key].times).to_dict()
    return out


def run(suite: Suite, out_dir: str | Path | None, filters: list[str] | tuple[str, ...] = (),
        options: Options = Options()) -> dict[str, Any]:
    """Run the selected configurations; write JSON, Markdown tables and plots under ``out_dir``."""
    from .display import Display

    configs = suite.select(filters)
    if not configs:
        raise ValueError(f"no configuration of suite {suite.name!r} matches {list(filters)}")
    started = time.time()
    device = select_device(options.device)
    machine = describe(device)
    machine["torch_omp_wait_policy"] = torch_peer.wait_policy()
    warning = busy_warning(machine)
    phases = {"startup_s": time.time() - started}
    results: list[dict[str, Any]] = []
    anatomy_names = [n for n in suite.anatomy if any(c.name == n for c in configs)] if options.anatomy else []
    title = f"hybridspec bench rnn --suite {suite.name} ({device}, {len(configs)} configurations)"
    with Display(title, len(configs) + len(anatomy_names), options.quiet) as display:
        if warning:
            display.note(f"warning: {warning}")
        display.status("measuring the matmul peak")
        size = suite.gpu_matmul_size if device == "gpu" else suite.matmul_size
        t0 = time.perf_counter()
        peaks = matmul_peak(peak_dtypes({c.dtype for c in configs}, device), size, device)
        phases["peak_s"] = time.perf_counter() - t0
        for config in configs:
            try:
                result = run_config(config, suite, options, device, peaks, display.status)
            except Exception as exc:  # noqa: BLE001 (one failing configuration must not lose the rest)
                result = {"name": config.name, "config": config.fields(), "error": f"{type(exc).__name__}: {exc}"}
            results.append(result)
            display.add(result)
            if out_dir is not None:  # keep what is done if a long run is cut short
                write_json(document(suite, filters, started, machine, peaks, results, [], phases, warning),
                           Path(out_dir))
        anatomies = []
        t0 = time.perf_counter()
        for name in anatomy_names:
            from .anatomy import run_anatomy

            display.status(f"anatomy of {name}")
            config = next(c for c in configs if c.name == name)
            try:
                anatomies.append(run_anatomy(config, device, options.repeats or suite.repeats,
                                             suite.min_repeats, suite.warmup, suite.budget_s,
                                             options.peer and suite.peer))
            except Exception as exc:  # noqa: BLE001 (keep the suite's results)
                anatomies.append({"config": config.fields(), "error": f"{type(exc).__name__}: {exc}"})
                display.note(f"anatomy of {name} failed: {anatomies[-1]['error']}")
            if display.progress is not None:
                display.progress.advance(display.task)
        phases["anatomy_s"] = time.perf_counter() - t0
    doc = document(suite, filters, started, machine, peaks, results, anatomies, phases, warning)
    if out_dir is not None:
        write_outputs(doc, Path(out_dir), options.plots)
    return doc


def busy_warning(machine: dict[str, Any]) -> str | None:
    """A warning when other processes keep the cores busy: timings then mean little, PyTorch's
    least (its OpenMP threads spin, see torch_peer.wait_policy)."""
    load = machine.get("load_average_at_start")
    cores = machine.get("usable_cores") or machine.get("cores") or 1
    if load and load[0] > 0.5 * cores:
        return (f"the machine is busy (load average {load[0]:.1f} on {cores} cores); timings will be "
                "noisy and PyTorch's may be many times too slow")
    return None


def document(suite: Suite, filters: Any, started: float, machine: dict[str, Any], peaks: dict[str, Any],
            results: list[dict[str, Any]], anatomies: list[dict[str, Any]], phases: dict[str, float],
            warning: str | None) -> dict[str, Any]:
    """The result document (also written after every configuration)."""
    return {"benchmark": "rnn", "suite": suite.settings(), "filters": list(filters),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "wall_s": time.time() - started, "phases": phases, "warning": warning,
            "machine": {**machine, "load_average_at_end": load_average()},
            "peaks": peaks, "results": results, "anatomy": anatomies}


def write_json(doc: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"rnn-{doc['suite']['name']}.json"
    write_atomic(path, json.dumps(doc, indent=1, default=str) + "\n")
    return path


def write_outputs(doc: dict[str, Any], out: Path, plots: bool = True) -> list[Path]:
    """rnn-<suite>.json, rnn-<suite>.md and the PNG plots."""
    from .markdown import rnn_markdown

    stem = f"rnn-{doc['suite']['name']}"
    written = [write_json(doc, out), out / f"{stem}.md"]
    write_atomic(written[1], rnn_markdown(doc))
    if plots:
        from .plots import rnn_plots

        written += rnn_plots(doc, out, stem)
    doc.setdefault("files", [str(p) for p in written])
    return written
