"""Markdown tables from benchmark results (written beside the JSON, and into RESULTS.md)."""

from __future__ import annotations

from typing import Any

COLD_TARGET = 40  # times faster than Keras's cold discovery of the same error


def table(header: list[str], rows: list[list[str]], right_from: int = 1) -> str:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def ms(seconds: float) -> str:
    value = seconds * 1e3
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def us(seconds: float) -> str:
    value = seconds * 1e6
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def ratio(r: dict[str, Any] | None) -> str:
    if not r:
        return ""
    return f"{r['median']:.2f} [{r['p25']:.2f}–{r['p75']:.2f}]"


def si(x: float) -> str:
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def machine_line(machine: dict[str, Any]) -> str:
    v = machine["versions"]
    gpus = ", ".join(f"{g['name']} (driver {g.get('driver', '?')})" for g in machine["gpus"]) or "none"
    parts = [f"CPU {machine['cpu']} ({machine['cores']} cores)", f"GPU {gpus}",
             f"device {machine['device']}", f"TensorFlow {v['tensorflow']}", f"Keras {v['keras']}"]
    if v.get("torch"):
        parts.append(f"PyTorch {v['torch']}")
    if v.get("cuda"):
        parts.append(f"TensorFlow built for CUDA {v['cuda']}, cuDNN {v['cudnn']}")
    start, end = machine.get("load_average_at_start"), machine.get("load_average_at_end")
    if start and end:
        parts.append(f"load average {start[0]:.1f} at start, {end[0]:.1f} at end")
    return "; ".join(parts) + "."


def rnn_results_table(doc: dict[str, Any]) -> str:
    header = ["configuration", "kernel", "cuDNN-eligible", "median ms", "min ms", "spread", "reps",
              "seq/s", "steps/s", "GFLOP/s", "% of peak", "spec / hand-written"]
    rows = []
    for r in doc["results"]:
        if "error" in r:
            rows.append([r["name"], "error: " + r["error"][:80]] + [""] * (len(header) - 2))
            continue
        c = r["candidates"]["spec"]
        t = c["time"]
        eligible = "n/a" if r["cudnn"]["status"] == "n/a" else ("yes" if r["cudnn"]["eligible"] else "no")
        rows.append([r["name"], c["kernel"], eligible, ms(t["median_s"]), ms(t["min_s"]),
                     f"{t['spread'] * 100:.0f}%", str(t["repeats"]), si(c["seq_per_s"]), si(c["steps_per_s"]),
                     f"{c['gflops']:.3g}", f"{c['peak_fraction'] * 100:.0f}%" if c["peak_fraction"] else "",
                     ratio(r["ratios"]["overhead"].get("spec_vs_hand"))])
    return table(header, rows, right_from=3)


def rnn_peer_table(doc: dict[str, Any]) -> str:
    rows = []
    for r in doc["results"]:
        if "error" in r or "torch" not in r.get("candidates", {}):
            continue
        k, p = r["candidates"]["spec"], r["candidates"]["torch"]
        rows.append([r["name"], ms(k["time"]["median_s"]), ms(p["time"]["median_s"]),
                     f"{k['gflops']:.3g}", f"{p['gflops']:.3g}",
                     f"{p['peak_fraction'] * 100:.0f}%" if p["peak_fraction"] else "",
                     ratio(r["ratios"]["peer"].get("keras_vs_torch"))])
    if not rows:
        return "(PyTorch was not installed or the peer was switched off.)\n"
    return table(["configuration", "Keras ms", "PyTorch ms", "Keras GFLOP/s", "PyTorch GFLOP/s",
                  "PyTorch % of peak", "Keras / PyTorch"], rows)


def rnn_variant_table(doc: dict[str, Any]) -> str:
    rows = []
    names = {"cudnn_vs_generic": "base vs use_cudnn: false", "cudnn_vs_recurrent_dropout":
             "base vs recurrent_dropout", "jit": "jit_compile", "unroll": "unroll"}
    for r in doc["results"]:
        for key, value in r.get("ratios", {}).get("speedup", {}).items():
            variant = {"cudnn_vs_generic": "generic", "cudnn_vs_recurrent_dropout": "recurrent_dropout"}.get(key, key)
            cand = r["candidates"][variant]
            rows.append([r["name"], names[key], cand["kernel"] + ("" if not cand["graph"]["while_loop"] else
                                                                   " (while loop)"),
                         ms(cand["time"]["median_s"]), ratio(value)])
    if not rows:
        return "(no variants ran)\n"
    return table(["configuration", "variant", "variant kernel", "variant ms", "speed-up of base (×)"], rows, 3)


def peaks_line(doc: dict[str, Any]) -> str:
    return "; ".join(f"{d} {p['size']}² matmul: best {p['gflops_best']:.0f} GFLOP/s, median "
                     f"{p['gflops_median']:.0f}" for d, p in doc["peaks"].items()) + "."


def anatomy_tables(doc: dict[str, Any]) -> str:
    out = []
    labels = {"keras_layer": "Keras layer (generic kernel)", "loop_only": "loop machinery only",
              "input_gemm_per_step": "loop + per-step input GEMM", "input_gemm_hoisted":
              "input GEMM hoisted (one GEMM)", "recurrent_gemm": "loop + recurrent GEMM",
              "cell_elementwise": "loop + gate arithmetic", "hoisted_tf": "TF cell, input GEMM hoisted",
              "torch_layer": "PyTorch layer", "keras_layer_train": "Keras layer, forward+backward",
              "hoisted_tf_train": "TF cell hoisted, forward+backward",
              "torch_layer_train": "PyTorch layer, forward+backward",
              "keras_layer_tiny": "Keras layer, 1 unit, batch 1 (fixed cost)",
              "torch_layer_tiny": "PyTorch layer, 1 unit, batch 1 (fixed cost)"}
    for a in doc.get("anatomy", []):
        c = a["config"]
        out.append(f"**{c['cell'].upper()} N={c['batch']} T={c['steps']} D={c['features']} H={c['units']}** "
                   f"({a['rounds']} rounds; hoisted output equals Keras's: {a['hoisted_matches_keras']}; "
                   f"MatMul ops in the traced Keras layer: {a['keras_loop_matmuls_per_step']})\n")
        rows = [[labels.get(k, k), ms(p["median_s"]), f"{p['spread'] * 100:.0f}%",
                 f"{p['share_of_keras'] * 100:.0f}%"] for k, p in a["parts"].items()]
        out.append(table(["part", "median ms", "spread", "of Keras layer"], rows))
        own = a["own_cost_ms"]
        out.append("\nOwn cost (minus the loop machinery), ms: " + ", ".join(
            f"{k.replace('_', ' ')} {v:.3g}" for k, v in own.items()) + ".\n")
        out.append("Ratios: " + "; ".join(f"{k.replace('_', ' ')} {ratio(v)}" for k, v in a["ratios"].items()) + ".\n")
        if a.get("torch_matmul_profile"):
            prof = "; ".join(f"{p['op']} {p['shapes']} ×{p['calls']}" for p in a["torch_matmul_profile"][:4])
            out.append(f"PyTorch's costliest ops in one forward call (profiler): {prof}.\n")
    return "\n".join(out) if out else "(no anatomy ran)\n"


def rnn_markdown(doc: dict[str, Any]) -> str:
    parts = [f"# bench rnn --suite {doc['suite']['name']}\n", machine_line(doc["machine"]) + "\n",
             "Matmul peak: " + peaks_line(doc) + "\n", "## Results (model built from the spec)\n",
             rnn_results_table(doc), "\n## Keras vs PyTorch\n", rnn_peer_table(doc),
             "\n## Variants\n", rnn_variant_table(doc), "\n## Anatomy\n", anatomy_tables(doc)]
    return "\n".join(parts)


# --- overhead ------------------------------------------------------------------------------

def overhead_cold_table(doc: dict[str, Any]) -> str:
    rows = []
    cold = doc["cold"]
    for case in cold["cases"]:
        for key in ("cli", "library"):
            if key in case:
                s = case["speedup"][key]
                rows.append([case["name"], cold["commands"][key], ms(case[key]["median_s"]),
                             ms(case["keras"]["median_s"]),
                             f"{s['median']:.1f}× [{s['p25']:.1f}–{s['p75']:.1f}]",
                             "yes" if s["median"] >= COLD_TARGET else "no", str(case[key]["repeats"])])
    base = cold["python_startup"]
    rows.append(["(interpreter start)", "python -c pass", ms(base["median_s"]), "", "", "", str(base["repeats"])])
    out = table(["error case", "hybridspec command", "hybridspec ms", "plain Keras ms", "Keras / hybridspec",
                 f"≥ {COLD_TARGET}×", "reps"], rows, right_from=2)
    for module, prof in cold.get("imports", {}).items():
        top = ", ".join(f"{k} {v:.0f}" for k, v in prof["self_ms_by_package"].items())
        out += (f"\nImports of `{module}` in a fresh process: {prof['total_ms']:.0f} ms; self time by "
                f"package (ms): {top}.\n")
    return out


def overhead_inprocess_table(doc: dict[str, Any]) -> str:
    rows = [[c["name"], us(c["check"]["median_s"]), us(c["load_check"]["median_s"]),
             ms(c["keras"]["median_s"]), f"{c['speedup']['median']:.0f}×"] for c in doc["inprocess"]["cases"]]
    return table(["error case", "check µs", "loads + check µs", "plain Keras ms", "Keras / check"], rows)


def overhead_examples_table(doc: dict[str, Any]) -> str:
    rows = [[e["name"], str(e["nodes"]), us(e["check"]["median_s"]), us(e["loads"]["median_s"]),
             "yes" if e["check"]["median_s"] < 2e-3 else "no"] for e in doc["examples"]]
    return table(["example spec", "report rows", "check µs", "loads µs", "< 2 ms"], rows)


def overhead_scaling_table(doc: dict[str, Any]) -> str:
    rows = []
    for s in doc["scaling"]:
        rows.append([s["shape"], f"{s['nodes']:,}", ms(s["check"]["median_s"]),
                     f"{s['check_us_per_node']:.1f}", str(s["check"]["repeats"]), f"{s['spec_us_per_node']:.1f}",
                     f"{s['yaml_loads_us_per_node']:.0f}" if "yaml_loads_us_per_node" in s else ""])
    return table(["form", "nodes", "check ms", "check µs/node", "reps", "construct µs/node (once)",
                  "YAML loads µs/node (once)"], rows, 1)


def overhead_build_table(doc: dict[str, Any]) -> str:
    rows = []
    for b in doc["build"]:
        rows.append([b["name"], str(b["layers"]), f"{b['params']:,}", ms(b["built"]["median_s"]),
                     ms(b["hand"]["median_s"]), ratio(b["ratio"]), ms(b["check"]["median_s"]),
                     "yes" if b["ratio"]["median"] <= 1.10 else "no"])
    return table(["spec", "layers", "params", "hybridspec.build ms", "hand-written ms", "build / hand",
                  "of which check ms", "within 10%"], rows)


def overhead_train_table(doc: dict[str, Any]) -> str:
    rows = []
    for t in doc["train"]:
        rows.append([t["name"], str(t["batch"]), ms(t["built"]["median_s"]), ms(t["hand"]["median_s"]),
                     ratio(t["ratio"]), "yes" if t["ratio"]["within_noise"] else "no", str(t["ratio"]["n"])])
    return table(["spec", "batch", "built ms/step", "hand-written ms/step", "built / hand [IQR]",
                  "1.0 within IQR", "rounds"], rows)


OVERHEAD_SECTIONS = (
    ("cold", "(a) cold process: hybridspec check vs plain Keras, same shape error", overhead_cold_table),
    ("inprocess", "(a) in-process", overhead_inprocess_table),
    ("examples", "example specs: in-process check", overhead_examples_table),
    ("scaling", "(b) check time against spec size", overhead_scaling_table),
    ("build", "(c) build vs hand-written Keras", overhead_build_table),
    ("train", "(d) train step: built vs hand-written", overhead_train_table),
)


def overhead_markdown(doc: dict[str, Any]) -> str:
    parts = ["# bench overhead\n", machine_line(doc["machine"]) + "\n", "## Targets\n", targets_table(doc)]
    for key, title, render in OVERHEAD_SECTIONS:
        if key in doc:
            parts += [f"## {title}\n", render(doc)]
    return "\n".join(parts)


def targets_table(doc: dict[str, Any]) -> str:
    """The overhead targets, each with its measured figure and whether it is met."""
    rows = []
    if "cold" in doc:
        for key, label in (("cli", "`hybridspec check` CLI"), ("library", "`import hybridspec; check`")):
            sp = [c["speedup"][key]["median"] for c in doc["cold"]["cases"] if key in c["speedup"]]
            if sp:
                rows.append([f"cold {label} ≥ {COLD_TARGET}× faster than plain Keras's cold discovery",
                             ", ".join(f"{s:.1f}×" for s in sp), "yes" if min(sp) >= COLD_TARGET else "no"])
    if "examples" in doc and doc["examples"]:
        worst = max(doc["examples"], key=lambda e: e["check"]["median_s"])
        rows.append(["in-process check < 2 ms for each example spec",
                     f"slowest {worst['name']}: {us(worst['check']['median_s'])} µs",
                     "yes" if worst["check"]["median_s"] < 2e-3 else "no"])
    if "scaling" in doc:
        biggest = max(s["nodes"] for s in doc["scaling"])
        for s in (s for s in doc["scaling"] if s["nodes"] == biggest):
            rows.append([f"check < 50 µs per node at {biggest:,} nodes ({s['shape']})",
                         f"{s['check_us_per_node']:.1f} µs/node", "yes" if s["check_us_per_node"] < 50 else "no"])
            total = (s["check_us_per_node"] + s["yaml_loads_us_per_node"]) * biggest / 1e6
            if s["shape"] == "chain body":  # the figure: a chain document
                rows.append([f"loads + check < 0.5 s at {biggest:,} nodes ({s['shape']})",
                             f"{total:.2f} s", "yes" if total < 0.5 else "no"])
    if "build" in doc:
        rs = [b["ratio"]["median"] for b in doc["build"]]
        rows.append(["build within 10% of hand-written Keras",
                     ", ".join(f"{b['name']} {b['ratio']['median']:.2f}" for b in doc["build"]),
                     "yes" if max(rs) <= 1.10 else "no"])
    if "train" in doc:
        rows.append(["train step of built vs hand-written within noise",
                     ", ".join(f"{t['name']} {ratio(t['ratio'])}" for t in doc["train"]),
                     "yes" if all(t["ratio"]["within_noise"] for t in doc["train"]) else "no"])
    return table(["target", "measured (median ratio [IQR])", "met"], rows, right_from=3)


# --- bench rnn --backend ---------------------------------------------------------------------

NATIVE_NAME = "torch.nn"  # PyTorch's own layers (compare.NATIVE)


def family(config: dict[str, Any]) -> str:
    """A configuration's family: its cell with Bidirectional, masking and a mixed policy."""
    parts = [{"lstm": "LSTM", "gru": "GRU", "simple": "SimpleRNN"}[config["cell"]]]
    if config["bidirectional"]:
        parts.append("Bidirectional")
    if config["masked"]:
        parts.append("masked")
    if config["dtype"] != "float32":
        parts.append(config["dtype"])
    return ", ".join(parts)


def families(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in doc["results"]:
        out.setdefault(family(r["config"]), []).append(r)
    return out


def ratio_keys(doc: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    for r in doc["results"]:
        keys += [k for k in r["ratios"] if k not in keys]
    return keys


def _cell_ms(cand: dict[str, Any] | None) -> str:
    if cand is None:
        return ""
    return "error" if "error" in cand else ms(cand["time"]["median_s"])


def backends_family_tables(doc: dict[str, Any]) -> str:
    """A table per family: median ms on each backend and PyTorch's layer, throughput ratios."""
    keys = ratio_keys(doc)
    native = any(r["native"] for r in doc["results"])
    header = (["configuration"] + [f"{b} ms" for b in doc["backends"]] + (["torch.nn ms"] if native else [])
              + [f"{k} (×)" for k in keys])
    out = []
    for name, rows in families(doc).items():
        body = [[r["name"]] + [_cell_ms(r["backends"].get(b)) for b in doc["backends"]]
                + ([_cell_ms(r["native"])] if native else [])
                + [f"{r['ratios'][k]['median']:.2f}" if k in r["ratios"] else "" for k in keys] for r in rows]
        out.append(f"**{name}**\n\n" + table(header, body))
    return "\n".join(out) if out else "(no configuration ran)\n"


def geomean(values: list[float]) -> float:
    import math

    return math.exp(sum(math.log(v) for v in values) / len(values))


def backends_summary_table(doc: dict[str, Any]) -> str:
    """Per family, the geometric mean (and range) of each throughput ratio."""
    keys = ratio_keys(doc)
    rows = []
    for name, members in families(doc).items():
        cells = []
        for k in keys:
            vals = [r["ratios"][k]["median"] for r in members if k in r["ratios"]]
            cells.append(f"{geomean(vals):.2f} ({min(vals):.2f}–{max(vals):.2f})" if vals else "")
        rows.append([name, str(len(members)), *cells])
    if not rows or not keys:
        return "(fewer than two backends produced figures)\n"
    return table(["family", "configs", *[f"{k} throughput" for k in keys]], rows)


PATH_LABELS = {"lstm": "backend.lstm", "gru": "backend.gru", "bidirectional_lstm": "backend.bidirectional_lstm",
               "bidirectional_gru": "backend.bidirectional_gru"}


def _path_label(cand: dict[str, Any]) -> str:
    return " + ".join(PATH_LABELS[p] for p in cand.get("keras_path", [])) or "generic loop (backend.rnn)"


def backends_path_table(doc: dict[str, Any]) -> str:
    """Which of Keras's backend RNN functions ran on each backend (else its generic loop)."""
    rows = []
    for b in doc["backends"]:
        paths: dict[str, dict[str, set[str]]] = {}
        counts: dict[str, int] = {}
        for r in doc["results"]:
            cand = r["backends"].get(b, {})
            if "error" not in cand:
                label = _path_label(cand)
                paths.setdefault(label, {}).setdefault(family(r["config"]), set()).add(r["config"]["mode"])
                counts[label] = counts.get(label, 0) + 1
        for label, where in paths.items():
            kinds = "; ".join(f"{f} ({', '.join(sorted(modes))})" for f, modes in sorted(where.items()))
            rows.append([b, label, kinds, str(counts[label])])
    return table(["backend", "Keras path that ran", "families (modes)", "configs"], rows, right_from=3)


def backends_machine_line(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    if not m:
        return "(no backend produced figures)"
    workers = doc["workers"]
    peaks = ", ".join(f"{b} {w['matmul']['gflops_best']:.0f}" for b, w in workers.items() if "matmul" in w)
    load = [f"{k.split('_')[-1]} {m[k][0]:.1f}" for k in ("load_average_at_start", "load_average_at_end") if m.get(k)]
    parts = [f"CPU {m['cpu']} ({m['cores']} cores)", f"device {m['device']}",
             ", ".join(f"{b} {workers[b].get('version')}" for b in doc["backends"] if b in workers),
             f"Keras {m['versions'].get('keras')}", f"float32 {doc['suite']['matmul_size']}² matmul GFLOP/s "
             f"(best): {peaks}", "load average " + ", ".join(load) + " (1 min)"]
    if "torch" in workers:
        parts.append(f"PyTorch OpenMP wait policy {workers['torch'].get('omp_wait_policy', 'default')}, "
                     f"{workers['torch'].get('torch_threads', '?')} threads")
    if doc["skipped_backends"]:
        parts.append("skipped: " + ", ".join(f"{b} ({w})" for b, w in doc["skipped_backends"].items()))
    return "; ".join(parts) + "."


def backends_run_line(doc: dict[str, Any]) -> str:
    """The command, date, duration, machine and load of a ``--backend`` run."""
    cmd = f"hybridspec bench rnn --suite {doc['suite']['name']} --backend {','.join(doc['backends'])}"
    cmd += "".join(f" --filter {f}" for f in doc["filters"]) + (f" --repeats {doc['repeats']}" if doc.get("repeats") else "")
    reps = {r["backends"][b]["rounds"] for r in doc["results"] for b in doc["backends"]
            if "rounds" in r["backends"].get(b, {})}
    rounds = f"{'–'.join(str(n) for n in sorted({min(reps), max(reps)}))} rounds" if reps else "no rounds"
    peer = f"; {NATIVE_NAME} measured in the {doc['peer_backend']} worker" if doc["peer_backend"] else ""
    return (f"`{cmd}` on {doc.get('started', '?')}, {doc.get('wall_s', 0) / 60:.1f} min, {len(doc['results'])} "
            f"configurations, {rounds}{peer}. " + backends_machine_line(doc))



def backends_markdown(doc: dict[str, Any]) -> str:
    return "\n".join([f"# bench rnn --suite {doc['suite']['name']} --backend {','.join(doc['backends'])}\n",
                      backends_run_line(doc) + "\n",
                      "Throughput ratios a/b are b's median time over a's (above 1: a is faster).\n",
                      "## Summary (geometric mean and range over each family)\n", backends_summary_table(doc),
                      "\n## Keras code path per backend\n", backends_path_table(doc),
                      "\n## Median ms per configuration\n", backends_family_tables(doc)])
