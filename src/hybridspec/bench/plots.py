"""PNG plots of benchmark results (matplotlib, Agg backend; no display needed)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from ..specs.documents import replacing


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, path: Path) -> Path:
    """Lay out, write atomically and close a figure."""
    fig.tight_layout()
    with replacing(path, ".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    return path


def _ok(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if "error" not in r]


def sweeps(results: list[dict[str, Any]], axis: str) -> dict[str, list[dict[str, Any]]]:
    """Groups of results that differ only in ``axis`` (steps or batch), at least two points each."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in _ok(results):
        key = tuple((k, str(v)) for k, v in sorted(r["config"].items()) if k not in (axis, "name", "variants"))
        groups.setdefault(key, []).append(r)
    out = {}
    for members in groups.values():
        if len({m["config"][axis] for m in members}) >= 2:
            members.sort(key=lambda m: m["config"][axis])
            tag = {"steps": "t", "batch": "n"}[axis]
            label = members[0]["name"].replace(f"-{tag}{members[0]['config'][axis]}", "")
            out[label] = members
    return out


def _throughput(doc: dict[str, Any], out: Path, axis: str, metric: str, ylabel: str, name: str) -> Path | None:
    groups = sweeps(doc["results"], axis)
    if not groups:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for i, (label, members) in enumerate(groups.items()):
        xs = [m["config"][axis] for m in members]
        color = f"C{i % 10}"
        ax.plot(xs, [m["candidates"]["spec"][metric] for m in members], "o-", color=color, label=f"{label} (Keras)")
        if all("torch" in m["candidates"] for m in members):
            ax.plot(xs, [m["candidates"]["torch"][metric] for m in members], "s--", color=color,
                    alpha=0.6, label=f"{label} (PyTorch)")
    ax.set_xscale("log", base=2)
    ticks = sorted({m["config"][axis] for members in groups.values() for m in members})
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.set_yscale("log")
    ax.set_xlabel({"steps": "sequence length T (time steps)", "batch": "batch N"}[axis])
    ax.set_ylabel(ylabel)
    ax.set_title(f"{ylabel} against {'sequence length' if axis == 'steps' else 'batch'} "
                 f"({doc['machine']['device']}, suite {doc['suite']['name']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return _save(plt, fig, out / name)


CELL_COLOR = {"lstm": "C0", "gru": "C1", "simple": "C2"}


def _bars(doc: dict[str, Any], out: Path, pick: Any, title: str, ylabel: str, name: str) -> Path | None:
    rows = [(label, r) for res in _ok(doc["results"]) for label, r in pick(res)]
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(rows) + 2), 5))
    xs = range(len(rows))
    med = [r["median"] for _, r in rows]
    err = [[r["median"] - r["p25"] for _, r in rows], [r["p75"] - r["median"] for _, r in rows]]
    colors = [CELL_COLOR.get(label.split("-")[0], "C7") for label, _ in rows]
    ax.bar(xs, med, yerr=err, capsize=3, color=colors)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xticks(list(xs), [label for label, _ in rows], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_title(textwrap.fill(title, 70), fontsize=10)
    return _save(plt, fig, out / name)


def rnn_plots(doc: dict[str, Any], out: Path, stem: str) -> list[Path]:
    """Throughput against sequence length and batch; cuDNN vs generic; variants; vs PyTorch."""
    device = doc["machine"]["device"]
    cpu_note = "; on a CPU both run the same generic kernel" if device == "cpu" else ""
    made = [
        _throughput(doc, out, "steps", "steps_per_s", "time steps per second", f"{stem}-steps.png"),
        _throughput(doc, out, "batch", "seq_per_s", "sequences per second", f"{stem}-batch.png"),
        _bars(doc, out, lambda r: [(r["name"], v) for k, v in r["ratios"]["speedup"].items()
                                   if k.startswith("cudnn_vs")],
              f"cuDNN-eligible vs forced generic: speed-up (median, IQR){cpu_note}",
              "generic time / base time", f"{stem}-cudnn-speedup.png"),
        _bars(doc, out, lambda r: [(f"{r['name']} {k}", v) for k, v in r["ratios"]["speedup"].items()
                                   if k in ("jit", "unroll")],
              "jit_compile and unroll: speed-up over the base (median, IQR)", "base time / variant time",
              f"{stem}-variants.png"),
        _bars(doc, out, lambda r: [(r["name"], v) for k, v in r["ratios"]["peer"].items() if k == "keras_vs_torch"],
              "Keras (TensorFlow backend) time / PyTorch time (median, IQR)", "Keras / PyTorch",
              f"{stem}-vs-torch.png"),
    ]
    made.append(anatomy_plot(doc, out, f"{stem}-anatomy.png"))
    return [p for p in made if p is not None]


def anatomy_plot(doc: dict[str, Any], out: Path, name: str) -> Path | None:
    """Where the forward time goes: the Keras layer's parts, measured apart, beside PyTorch's."""
    anatomies = [a for a in doc.get("anatomy", []) if "error" not in a]
    if not anatomies:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.6 + 1.2 * len(anatomies)))
    labels, y = [], 0
    parts = [("loop_machinery", "loop machinery (transposes, TensorArrays, while)"),
             ("input_gemm_per_step", "input GEMM, per step"), ("recurrent_gemm", "recurrent GEMM"),
             ("cell_elementwise", "gate arithmetic")]
    for a in anatomies:
        c = a["config"]
        tag = f"{c['cell'].upper()} N={c['batch']} T={c['steps']} H={c['units']}"
        left = 0.0
        for i, (key, label) in enumerate(parts):
            width = max(a["own_cost_ms"][key], 0.0)
            ax.barh(y, width, left=left, color=f"C{i}", label=label if y == 0 else None)
            left += width
        ax.plot([a["parts"]["keras_layer"]["median_s"] * 1e3] * 2, [y - 0.4, y + 0.4], "k-", lw=2,
                label="Keras layer, measured whole" if y == 0 else None)
        labels.append(f"Keras {tag}\n(parts measured apart)")
        y += 1
        if "torch_layer" in a["parts"]:
            ax.barh(y, a["parts"]["torch_layer"]["median_s"] * 1e3, color="C7",
                    label="PyTorch layer" if y == 1 else None)
            labels.append(f"PyTorch {tag}")
            y += 1
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("forward time (ms)")
    ax.set_title("Where a recurrent layer's forward time goes (CPU)" if doc["machine"]["device"] == "cpu"
                 else "Where a recurrent layer's forward time goes")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.4, -0.18), ncol=2)
    return _save(plt, fig, out / name)


def scaling_plot(doc: dict[str, Any], out: Path, name: str = "overhead-check-scaling.png") -> Path:
    """check time per node against spec size, one line per spec form."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    forms: dict[str, list[dict[str, Any]]] = {}
    for s in doc["scaling"]:
        forms.setdefault(s["shape"], []).append(s)
    for i, (form, rows) in enumerate(forms.items()):
        ax.plot([r["nodes"] for r in rows], [r["check_us_per_node"] for r in rows], "o-", color=f"C{i}",
                label=f"check, {form}")
    ax.axhline(50, color="r", ls=":", label="target: 50 µs/node")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("nodes in the spec")
    ax.set_ylabel("check time per node (µs)")
    ax.set_title("hybridspec.check: time per node against spec size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(plt, fig, out / name)


def backends_plot(doc: dict[str, Any], path: Path) -> Path | None:
    """Sequences per second of every configuration, one bar per Keras backend and PyTorch's layer."""
    rows = [r for r in doc["results"] if any("error" not in c for c in r["backends"].values())]
    if not rows:
        return None
    series = [(b, [r["backends"][b] for r in rows]) for b in doc["backends"]]
    if any(r["native"] for r in rows):
        series.append(("torch.nn (PyTorch's layer)", [r["native"] or {"error": ""} for r in rows]))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(8, 0.11 * len(rows) * len(series) + 2), 5.5))
    width = 0.8 / len(series)
    for i, (label, cands) in enumerate(series):
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(rows))]
        ys = [c["seq_per_s"] if "error" not in c else 0.0 for c in cands]
        ax.bar(xs, ys, width, color=f"C{i}", label=label)
    ax.set_yscale("log")
    ax.set_xticks(range(len(rows)), [r["name"] for r in rows], rotation=70, ha="right", fontsize=7)
    ax.set_ylabel("sequences per second (log)")
    ax.set_title(f"Keras backends: throughput per configuration ({doc['machine'].get('device', '?')}, "
                 f"suite {doc['suite']['name']})", fontsize=10)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(plt, fig, path)
