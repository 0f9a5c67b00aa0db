"""``bench rnn --backend LIST``: the same configurations on several Keras backends in one run.

Keras picks its backend once per process, so this parent never imports Keras: it starts one
worker (``backend_steps.run_worker``) per backend, each writing a JSON document, and merges
them. PyTorch's own layer (``torch.nn.LSTM``/``GRU``/``RNN``) is measured once, in the torch
worker when torch is listed (interleaved with Keras on torch, the same runtime), else in the
first. Ratios between backends are throughput ratios of medians measured in different
processes, so they cannot cancel drift the way the per-round ratios within one process do.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..backends import BACKENDS
from ..specs.documents import write_atomic
from .backend_steps import PACKAGES
from .flops import config_flops
from .machine import load_average
from .suite import Config, Suite

NATIVE = "torch.nn"
Launch = Callable[[str, list[str], dict[str, str], Path], dict[str, Any]]


def parse_backends(text: str) -> list[str]:
    """``tensorflow,jax`` -> the names, in order, once each; ``all`` -> every backend.
    ValueError names an unknown one."""
    names: list[str] = []
    for raw in text.split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name == "all":
            names += [b for b in BACKENDS if b not in names]
            continue
        if name not in BACKENDS:
            close = difflib.get_close_matches(name, BACKENDS, 1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"--backend: unknown backend {raw.strip()!r}; choose from "
                             f"{', '.join(BACKENDS)} or all (comma-separated).{hint}")
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError(f"--backend: no backend named; choose from {', '.join(BACKENDS)} or all")
    return names


def installed(name: str) -> bool:
    return importlib.util.find_spec(PACKAGES[name]) is not None


def worker_argv(suite_arg: str, filters: list[str], backend: str, path: Path, repeats: int | None,
                device: str, peer: bool) -> list[str]:
    argv = [sys.executable, "-m", "hybridspec.bench", "rnn", "--suite", suite_arg, "--backend", backend,
            "--worker", str(path), "--device", device]
    for f in filters:
        argv += ["--filter", f]
    if repeats:
        argv += ["--repeats", str(repeats)]
    return argv + ([] if peer else ["--no-peer"])


def launch(backend: str, argv: list[str], env: dict[str, str], path: Path, echo: bool = True) -> dict[str, Any]:
    """Run one worker, relaying its progress lines (``echo``); its document, or one with an error."""
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            if echo:
                print(line.rstrip("\n"), flush=True)
        rc = proc.wait()
        err.seek(0)
        tail = err.read()[-2000:]
    doc: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.exists() else {"backend": backend, "results": []}
    if rc != 0:
        doc["error"] = f"worker exited with status {rc}: {tail.strip()[-600:]}"
    return doc


def peer_backend(backends: list[str], wanted: bool) -> str | None:
    if not wanted or not backends or not installed("torch"):
        return None
    return "torch" if "torch" in backends else backends[0]


def run(suite: Suite, suite_arg: str, configs: list[Config], backends: list[str], out_dir: str | Path | None,
        filters: list[str], repeats: int | None = None, device: str = "auto", peer: bool = True,
        plots: bool = True, quiet: bool = False, launcher: Launch | None = None) -> dict[str, Any]:
    """Run every listed (installed) backend's worker in turn and merge their documents."""
    started = time.time()
    launcher = launcher or functools.partial(launch, echo=not quiet)
    say = (lambda text: None) if quiet else (lambda text: print(text, flush=True))
    skipped = {b: f"the {PACKAGES[b]} package is not installed (pip install 'hybridspec[backends]')"
               for b in backends if not installed(b)}
    runnable = [b for b in backends if b not in skipped]
    for name, why in skipped.items():
        print(f"note: skipping backend {name}: {why}", file=sys.stderr, flush=True)
    peer_in = peer_backend(runnable, peer and suite.peer)
    load_start = load_average()
    workers: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="hybridspec-backends-") as tmp:
        for i, name in enumerate(runnable, 1):
            path = Path(tmp) / f"{name}.json"
            argv = worker_argv(suite_arg, filters, name, path, repeats, device, name == peer_in)
            env = {**os.environ, "KERAS_BACKEND": name}
            env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            say(f"== backend {name} ({i}/{len(runnable)}), {len(configs)} configurations"
                + (f", with the {NATIVE} peer" if name == peer_in else "") + " ==")
            t0 = time.time()
            workers[name] = launcher(name, argv, env, path)
            workers[name]["process_s"] = time.time() - t0
            if "error" in workers[name]:
                print(f"error: backend {name}: {workers[name]['error']}", file=sys.stderr, flush=True)
    doc = document(suite, configs, filters, runnable, workers, peer_in, skipped)
    doc.update(started=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)), wall_s=time.time() - started,
               repeats=repeats)
    doc["machine"].update(load_average_at_start=load_start, load_average_at_end=load_average())
    if out_dir is not None:
        write_outputs(doc, Path(out_dir), plots)
    return doc


def document(suite: Suite, configs: list[Config], filters: list[str], backends: list[str],
             workers: dict[str, dict[str, Any]], peer_in: str | None, skipped: dict[str, str]) -> dict[str, Any]:
    """The merged document: per configuration, each backend's figures and the ratios."""
    ok = [b for b in backends if workers.get(b, {}).get("results")]
    machine = dict(next((workers[b]["machine"] for b in ok if "machine" in workers[b]), {}))
    if machine:
        machine["versions"] = {**machine.get("versions", {}),
                               **{b: workers[b].get("version") for b in ok}}
    return {"benchmark": "rnn-backends", "suite": suite.settings(), "filters": list(filters),
            "backends": backends, "base": ok[0] if ok else None, "peer_backend": peer_in,
            "skipped_backends": skipped, "machine": machine,
            "workers": {b: {k: v for k, v in w.items() if k != "results"} for b, w in workers.items()},
            "results": [merged(c, workers, backends, ok[0] if ok else None, peer_in) for c in configs]}


def merged(config: Config, workers: dict[str, dict[str, Any]], backends: list[str], base: str | None,
           peer_in: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {"name": config.name, "config": config.fields(), "flops": config_flops(config),
                           "backends": {}, "native": None}
    for b in backends:
        found = next((r for r in workers.get(b, {}).get("results", []) if r["name"] == config.name), None)
        if found is None:
            row["backends"][b] = {"error": workers.get(b, {}).get("error", "not measured")}
        elif "error" in found:
            row["backends"][b] = {"error": found["error"]}
        else:
            row["backends"][b] = {**found["candidates"]["keras"], "rounds": found["rounds"]}
            if b == peer_in and "torch" in found["candidates"]:
                row["native"] = {**found["candidates"]["torch"], "measured_in": b,
                                 "interleaved_time_ratio": found.get("peer_ratio")}
            elif b == peer_in and "peer_error" in found:
                row["native"] = {"error": found["peer_error"], "measured_in": b}
    row["ratios"] = ratios(row, backends, base)
    return row


def throughput_ratio(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Throughput of ``a`` over ``b`` (b's median time / a's), with the ratio of the quartiles
    on either side as a rough range (the two were measured in different processes)."""
    ta, tb = a["time"], b["time"]
    return {"median": tb["median_s"] / ta["median_s"], "p25": tb["p25_s"] / ta["p75_s"],
            "p75": tb["p75_s"] / ta["p25_s"]}


def ratios(row: dict[str, Any], backends: list[str], base: str | None) -> dict[str, dict[str, Any]]:
    """``jax/tensorflow``-style throughput ratios against the base backend, and ``torch.nn/base``."""
    out: dict[str, dict[str, Any]] = {}
    ref = row["backends"].get(base) if base else None
    if not ref or "error" in ref:
        return out
    for b in backends:
        cand = row["backends"][b]
        if b != base and "error" not in cand:
            out[f"{b}/{base}"] = throughput_ratio(cand, ref)
    if row["native"] and "error" not in row["native"]:
        out[f"{NATIVE}/{base}"] = throughput_ratio(row["native"], ref)
    return out


def write_outputs(doc: dict[str, Any], out: Path, plots: bool = True) -> list[Path]:
    """rnn-<suite>-backends.json, .md and .png."""
    from .markdown import backends_markdown

    out.mkdir(parents=True, exist_ok=True)
    stem = f"rnn-{doc['suite']['name']}-backends"
    written = [out / f"{stem}.json", out / f"{stem}.md"]
    write_atomic(written[0], json.dumps(doc, indent=1, default=str) + "\n")
    write_atomic(written[1], backends_markdown(doc))
    if plots:
        from .plots import backends_plot

        png = backends_plot(doc, out / f"{stem}.png")
        if png is not None:
            written.append(png)
    doc["files"] = [str(p) for p in written]
    return written
