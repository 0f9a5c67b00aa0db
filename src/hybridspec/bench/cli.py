"""``hybridspec bench``: registered into the main CLI by ``add_parser(subparsers)``, and runnable
on its own as ``python -m hybridspec.bench``. Parsing imports nothing heavy; TensorFlow (and
PyTorch, for the peer) load only when a benchmark runs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

RNN_EXAMPLES = """\
examples:
  hybridspec bench rnn --suite smoke --out /tmp/bench            # seconds; what the tests run
  hybridspec bench rnn --suite cpu --out benchmarks/results      # laptop-CPU sizes (make bench)
  hybridspec bench rnn --suite deepbench --device gpu --out gpu  # Baidu DeepBench sizes, for GPUs
  hybridspec bench rnn --suite cpu --filter cell=gru --filter mode=inference --repeats 50
  hybridspec bench rnn --suite cpu --filter 'lstm-*-t100-*' --no-peer
  hybridspec bench rnn --suite my_suite.yaml                     # your own suite file
  hybridspec bench rnn --suite cpu --backend tensorflow,jax,torch --out benchmarks/results
  hybridspec bench rnn --suite smoke --backend all --repeats 3   # every installed Keras backend

filters: FIELD=VALUE matches a configuration field (cell, mode, batch, steps, dtype, masked,
bidirectional, ...); anything else is a glob (with * ? [) or a substring of the name. A
configuration runs when it matches every --filter.

outputs under --out: rnn-SUITE.json (every figure and the machine), rnn-SUITE.md (tables),
rnn-SUITE-*.png (throughput against sequence length and batch, cuDNN vs generic, variants,
Keras vs PyTorch).

--backend LIST runs the configurations on each listed Keras backend, each in its own process
(Keras picks its backend once per process), with PyTorch's own layer measured once; it writes
rnn-SUITE-backends.json, .md (a table per family, throughput ratios between backends) and .png.
Without it the suite runs in this process on the current backend (KERAS_BACKEND)."""

OVERHEAD_EXAMPLES = """\
examples:
  hybridspec bench overhead --quick --out /tmp/bench   # a small version (what the tests run)
  hybridspec bench overhead --out benchmarks/results   # the full measurement (make bench)
  hybridspec bench overhead --parts examples,scaling   # only some parts

parts: cold (a: a fresh process, hybridspec check vs plain Keras on the same shape error),
inprocess (a: the same inside one process), examples (check time of the example specs),
scaling (b: check time from 10 to 10,000 nodes), build (c: hybridspec.build vs hand-written
Keras), train (d: train step of the built model vs the hand-written one)."""

BENCH_EXAMPLES = """\
examples:
  hybridspec bench rnn --suite smoke --out /tmp/bench
  hybridspec bench rnn --suite cpu --out benchmarks/results
  hybridspec bench overhead --quick
  hybridspec bench overhead --out benchmarks/results"""


def _rnn_parser(sub: Any) -> None:
    p = sub.add_parser("rnn", help="the recurrent microbenchmark suite",
                       description="Time LSTM/GRU/SimpleRNN layers built from hybridspec specs, their "
                       "hand-written Keras twins, their variants and (if installed) PyTorch's layers.",
                       epilog=RNN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", default="smoke", help="smoke, cpu, deepbench or a suite YAML file (default smoke)")
    p.add_argument("--out", metavar="DIR", help="write JSON, Markdown and PNG here (default: print only)")
    p.add_argument("--filter", action="append", default=[], metavar="PATTERN",
                   help="FIELD=VALUE or a name glob/substring; repeatable (all must match)")
    p.add_argument("--repeats", type=int, metavar="N", help="timed rounds per configuration "
                   "(default: the suite's, shortened to its time budget)")
    p.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto", help="default auto")
    p.add_argument("--no-peer", action="store_true", help="skip the PyTorch peer")
    p.add_argument("--no-anatomy", action="store_true", help="skip the anatomy measurements")
    p.add_argument("--no-plots", action="store_true", help="write no PNG files")
    p.add_argument("--list", action="store_true", help="list the selected configurations and exit")
    p.add_argument("--quiet", action="store_true", help="no live table")
    p.add_argument("--backend", metavar="LIST", help="compare Keras backends: comma-separated "
                   "tensorflow, jax, torch, or all (the installed ones); one process each")
    p.add_argument("--worker", metavar="JSON", help=argparse.SUPPRESS)  # one backend's process
    p.set_defaults(run=run_rnn)


PARTS = ("cold", "inprocess", "examples", "scaling", "build", "train")


def _overhead_parser(sub: Any) -> None:
    p = sub.add_parser("overhead", help="what the framework costs: check, build and train-step overhead",
                       description="Measure check against plain Keras's discovery of the same error, "
                       "check time per node, build time and train-step time against hand-written Keras.",
                       epilog=OVERHEAD_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", metavar="DIR", help="write overhead.json, overhead.md and a PNG here")
    p.add_argument("--quick", action="store_true", help="few repetitions and sizes (seconds, for tests)")
    p.add_argument("--repeats", type=int, metavar="N", help="override the repetition counts")
    p.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    p.add_argument("--examples", metavar="DIR", default="examples",
                   help="also check the *.yaml specs in DIR (default examples, if it exists)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(run=run_overhead)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``bench`` with its ``rnn`` and ``overhead`` subcommands."""
    p = subparsers.add_parser("bench", help="benchmarks: recurrent layers, framework overhead",
                              description="Benchmarks. See `bench rnn --help` and `bench overhead --help`.",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              epilog=BENCH_EXAMPLES)
    sub = p.add_subparsers(dest="bench_command", metavar="{rnn,overhead}", required=True)
    _rnn_parser(sub)
    _overhead_parser(sub)
    return p


def run_rnn(args: argparse.Namespace) -> int:
    from ..specs import SpecError
    from .suite import load_suite

    try:
        suite = load_suite(args.suite)
        configs = suite.select(args.filter)
    except (SpecError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not configs:
        print(f"error: no configuration of suite {suite.name!r} matches {args.filter}", file=sys.stderr)
        return 2
    if args.list:
        for c in configs:
            print(c.name)
        return 0
    if args.repeats is not None and args.repeats < 1:
        print("error: --repeats must be at least 1", file=sys.stderr)
        return 2
    if args.backend is not None:
        return run_backends(args, suite, configs)
    from .rnn import Options, run

    options = Options(device=args.device, repeats=args.repeats, peer=not args.no_peer,
                      anatomy=not args.no_anatomy, plots=not args.no_plots, quiet=args.quiet)
    try:
        doc = run(suite, args.out, args.filter, options)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = [r["name"] for r in doc["results"] if "error" in r]
    if args.out and not args.quiet:
        print(f"wrote {', '.join(doc.get('files', []))}")
    if failed:
        print(f"error: {len(failed)} configuration(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def run_backends(args: argparse.Namespace, suite: Any, configs: list[Any]) -> int:
    """``--backend LIST`` (the parent, which never imports Keras) or ``--worker`` (one backend)."""
    from . import compare

    try:
        backends = compare.parse_backends(args.backend)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.worker:
        from .backend_steps import run_worker

        if len(backends) != 1:
            print("error: --worker takes exactly one --backend", file=sys.stderr)
            return 2
        doc = run_worker(suite, configs, backends[0], args.worker, args.repeats, args.device, not args.no_peer)
        return 0 if doc["results"] else 1  # per-configuration errors are in the document
    doc = compare.run(suite, args.suite, configs, backends, args.out, args.filter, args.repeats, args.device,
                      peer=not args.no_peer, plots=not args.no_plots, quiet=args.quiet)
    if not args.quiet:
        from .markdown import backends_summary_table

        print(backends_summary_table(doc))
    if args.out and not args.quiet:
        print(f"wrote {', '.join(doc.get('files', []))}")
    failed = [f"{r['name']} on {b}" for r in doc["results"] for b, c in r["backends"].items() if "error" in c]
    if not doc["base"] or failed:
        print(f"error: {len(failed)} measurement(s) failed: {', '.join(failed[:10])}", file=sys.stderr)
        return 1
    return 0


def run_overhead(args: argparse.Namespace) -> int:
    from .overhead import run

    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(f"error: unknown part(s) {', '.join(unknown)}; parts: {', '.join(PARTS)}", file=sys.stderr)
        return 2
    doc = run(args.out, quick=args.quick, repeats=args.repeats, parts=parts, examples_dir=args.examples,
              quiet=args.quiet)
    if args.out and not args.quiet:
        print(f"wrote {', '.join(doc.get('files', []))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m hybridspec.bench rnn|overhead ...``."""
    parser = argparse.ArgumentParser(prog="python -m hybridspec.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return int(args.run(args))
