"""Pictures: the spec as a Graphviz graph, drawn by a third interpreter of the one walk.

Values are DOT node ids, so every edge the walk makes (chains, parallel fan-out and merge,
residual body and shortcut into the add, graph ``from`` refs, initial states) is drawn from the
same composition logic that ``check`` and ``build`` use. Labels come from the static Report.
We write DOT text ourselves (it is a few lines) and call the ``dot`` binary to render it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..blocks.base import show
from ..specs import (
    Block,
    Chain,
    ConvStack,
    InputSpec,
    ModelSpec,
    Parallel,
    RecurrentStack,
    Residual,
    TimeDistributed,
)
from ..specs.documents import replacing, write_atomic
from .report import Report, Row
from .static import check
from .walk import Walk

CLUSTERED = (TimeDistributed, Parallel, Residual, ConvStack, RecurrentStack)
FORMATS = ("svg", "png", "pdf", "dot", "gv")
INSTALL_HINT = "install Graphviz to render it: apt-get install graphviz, or brew install graphviz"


def quote(text: str) -> str:
    """A DOT double-quoted string; newlines become centered line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "\\n".join(escaped.splitlines()) + '"'


def _shapes(row: Row) -> str:
    return ", ".join(show(s) for s in row.shapes)


class PlotInterpreter:
    """Values are node ids (spec paths). Collects nodes, clusters and edges for DOT."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: dict[tuple[str, str], dict[str, str]] = {}
        self.children: dict[str, list[str]] = {"": []}  # cluster path -> node ids and clusters
        self.stack: list[tuple[str, bool]] = []  # (path, is a cluster) for every entered block
        self.shared: str | None = None
        self.owner: str | None = None
        self.outs: dict[str, str] = {}  # path -> the box its (first) output comes from

    def cluster(self) -> str:
        return next((f"cluster:{p}" for p, c in reversed(self.stack) if c), "")

    def add_node(self, node_id: str, label: str, **attrs: str) -> None:
        if node_id not in self.nodes:
            self.nodes[node_id] = {"label": label, **attrs}
            self.children[self.cluster()].append(node_id)

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        if tail != head:
            self.edges.setdefault((tail, head), attrs)

    def input(self, name: str, spec: InputSpec) -> str:
        row = self.report[f"inputs.{name}"]
        self.add_node(row.path, f"{row.path}\n{_shapes(row)}", shape="oval")
        return row.path

    def sharing(self, node: str | None) -> None:
        self.shared = node
        if node is not None:
            self.owner = None

    def enter(self, spec: Block, path: str) -> None:
        if self.shared is not None:
            self.owner = self.owner or path
            return
        clustered = isinstance(spec, CLUSTERED) or (
            isinstance(spec, Chain) and path.startswith(("nodes.", "outputs.")) and path.count(".") == 2)
        if clustered:
            self.children[self.cluster()].append(f"cluster:{path}")
            self.children[f"cluster:{path}"] = []
        self.stack.append((path, clustered))

    def leaf(self, spec: Block, path: str, ins: list[str], states: list[str], return_state: bool) -> list[str]:
        row = self.report[path]
        target = f"nodes.{self.shared}" if self.shared is not None else path
        for x in ins:
            self.edge(x, target)
        for s in states:
            self.edge(s, target, style="dashed", label="initial_state")
        if self.shared is None:
            label = f"{path}\n{row.kind}\n{_shapes(row)}\n{row.params:,} params"
            if row.warnings:
                self.add_node(path, f"{label}\ncuDNN: no ({row.cudnn.removeprefix('generic: ')})",
                              style="filled", fillcolor="orange", tooltip="; ".join(row.warnings))
            else:
                self.add_node(path, label)
        return [target] * len(row.shapes)

    def time_distributed(self, spec: TimeDistributed, path: str, x: str, inner: Any) -> str:
        return str(inner(x))

    def note(self, spec: Block, path: str, outs: list[str]) -> None:
        if self.shared is not None:
            return
        self.stack.pop()
        self.outs[path] = outs[0]
        if path.startswith("nodes.") and path.count(".") == 1:  # applies another node's layers
            row = self.report[path]
            self.add_node(path, f"{path}\n{row.kind}\n{_shapes(row)}", style="rounded")
            if self.owner is not None:
                self.edge(self.outs[self.owner], path, style="dotted", label="same weights",
                          constraint="false")

    def cluster_label(self, path: str) -> str:
        row = self.report[path]
        return f"{path}  {row.kind}  {_shapes(row)}  {row.params:,} params"


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in attrs.items())


def to_dot(spec: ModelSpec, report: Report | None = None) -> str:
    """DOT text for ``spec``: one box per leaf, clusters for composites, data-flow edges."""
    report = report or check(spec)
    plot = PlotInterpreter(report)
    _, outputs = Walk(plot).model(spec)
    for name, value in outputs.items():
        plot.children[""].append(f"outputs.{name}")
        plot.nodes[f"outputs.{name}"] = {"label": f"output {name}\n{show(report.outputs[name])}",
                                          "shape": "oval", "style": "bold"}
        plot.edge(value, f"outputs.{name}")
    lines = [f"digraph {quote(spec.name)} {{", '  rankdir=TB; compound=true; fontname="Helvetica"; fontsize=11;',
             '  node [shape=box, fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];',
             f"  label={quote(f'{spec.name}: {report.params:,} params')}; labelloc=t;"]
    counter = itertools.count()

    def emit(key: str, indent: str) -> None:
        for item in plot.children[key]:
            if item.startswith("cluster:"):
                lines.append(f"{indent}subgraph cluster_{next(counter)} {{")
                lines.append(f"{indent}  label={quote(plot.cluster_label(item[8:]))}; "
                             'style="rounded,dashed"; color=gray40;')
                emit(item, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                lines.append(f"{indent}{quote(item)} [{_attrs(plot.nodes[item])}];")

    emit("", "  ")
    for (tail, head), attrs in plot.edges.items():
        extra = f" [{_attrs(attrs)}]" if attrs else ""
        lines.append(f"  {quote(tail)} -> {quote(head)}{extra};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(spec: ModelSpec, path: str | os.PathLike[str], report: Report | None = None) -> Path:
    """Draw ``spec`` (checked as ``report``, if given) to ``path`` (.svg, .png, .pdf or .dot);
    return the file written.

    Without the ``dot`` binary, writes the DOT text beside ``path`` (suffix .dot) instead."""
    path = Path(path)
    text = to_dot(spec, report)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"cannot draw to {path.name}: the suffix must be one of "
                         + ", ".join("." + f for f in FORMATS))
    if fmt in ("dot", "gv"):
        write_atomic(path, text)
        return path
    dot = shutil.which("dot")
    if dot is None:
        fallback = path.with_suffix(".dot")
        write_atomic(fallback, text)
        return fallback
    with replacing(path) as tmp:
        subprocess.run([dot, f"-T{fmt}", "-o", str(tmp)], input=text.encode(), check=True,
                       capture_output=True)
    return path
