"""``hybridspec tune FILE --data SOURCE``: tune a document's search space with KerasTuner.

The space is checked statically before TensorFlow starts; then the trials run with one
progress line each, and the output folder gets trials.csv, trials.json, objective.png (the
objective per trial) and NAME.best.yaml, the best concrete document (written atomically).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .training.cli import positive

EXAMPLES = """examples:
  hybridspec tune examples/digits_search.yaml --data digits --max-trials 10
  hybridspec tune my_space.yaml --data arrays.npz --tuner bayesian --max-trials 30 --epochs 5
  hybridspec tune my_space.yaml --data digits --tuner hyperband --epochs 9 --max-params 50000

Every search node ({choice: [...]}, {int: [lo, hi]}, {float: [lo, hi], log: true},
{one_of: [...]}) is a hyperparameter named by its document path. Combinations that
'hybridspec check' refuses (invalid shapes, above --max-params) are never built."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``tune`` subcommand."""
    help = "tune a document's search space with KerasTuner (invalid combinations never built)"
    parser = subparsers.add_parser("tune", help=help, description=help, epilog=EXAMPLES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="FILE", help="a YAML or JSON document with search nodes")
    parser.add_argument("--data", required=True, metavar="SOURCE",
                        help="a data source as for 'hybridspec train' (digits, ..., FILE.npz)")
    parser.add_argument("--tuner", choices=("random", "bayesian", "hyperband"), default="random")
    parser.add_argument("--max-trials", type=positive, default=10, metavar="N",
                        help="trials to run (random, bayesian; default 10)")
    parser.add_argument("--epochs", type=positive, metavar="N",
                        help="epochs per trial (hyperband: the most per trial); default train.epochs")
    parser.add_argument("--max-params", type=positive, metavar="N", help="refuse larger models")
    parser.add_argument("--out", metavar="DIR", help="where results go (default: runs/NAME-tune)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the oracle and the data split")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Check the space, tune, write the results; 1 when the data does not fit the spec."""
    import sys

    from .graphs.space import check_space, document
    from .specs import load
    from .training.data import DataError

    spec = load(args.file)
    report = check_space(spec, max_params=args.max_params)
    print(report.summary())
    name = str(document(spec)["name"])
    try:
        tune_file(spec, args.data, Path(args.out or f"runs/{name}-tune"), kind=args.tuner,
                  max_trials=args.max_trials, epochs=args.epochs, max_params=args.max_params,
                  seed=args.seed, report=report)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def tune_file(spec: Any, data: Any, out: Path, *, kind: str = "random", max_trials: int = 10,
              epochs: int | None = None, max_params: int | None = None, seed: int = 0,
              report: Any = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Tune ``spec`` on ``data`` (a source name or Dataset); write and return the results."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from .graphs import check
    from .graphs.space import concrete
    from .specs.documents import dump
    from .training.check import plan
    from .training.data import Dataset, load_data, match
    from .training.run import _arrays
    from .tune import best_document, hypermodel, trial_rows, tuner

    model = hypermodel(spec, max_params=max_params, report=report)
    example = concrete(model.data, model.report.example)
    dataset = data if isinstance(data, Dataset) else load_data(data, seed=seed)
    dataset = match(dataset, example, plan(example, check(example)))
    out.mkdir(parents=True, exist_ok=True)
    settings = example.train
    most = epochs or (settings.epochs if settings else 10)
    search = tuner(model, kind, max_trials=max_trials, directory=str(out / "keras_tuner"),
                   max_epochs=most, seed=seed, log=log)
    fit: dict[str, Any] = {} if kind == "hyperband" else {"epochs": most}
    search.search(_arrays(example, dataset.train.x), _arrays(example, dataset.train.y), verbose=0, **fit)
    rows = trial_rows(search)
    best = best_document(search)
    paths = {"csv": out / "trials.csv", "json": out / "trials.json", "plot": out / "objective.png",
             "best": out / f"{best.name}.best.yaml"}
    write_tables(rows, paths["csv"], paths["json"])
    goal = search.oracle.objective
    plot_objective(rows, paths["plot"], f"{best.name}: {goal.name} per trial", goal.direction)
    dump(best, paths["best"])
    scores = [r["score"] for r in rows if r["score"] is not None]
    top = (max if goal.direction == "max" else min)(scores)
    log(f"best {goal.name} {top:.4f} over {len(rows)} trials; "
        f"{len(model.builds)} models built, {len(model.rejected)} combinations refused statically")
    log("wrote " + ", ".join(str(p) for p in paths.values()))
    return {"best": best, "score": top, "trials": rows, "builds": list(model.builds),
            "rejected": list(model.rejected), "paths": {k: str(v) for k, v in paths.items()},
            "objective": goal.name}


def write_tables(rows: list[dict[str, Any]], csv_path: Path, json_path: Path) -> None:
    from .specs.documents import write_atomic

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]) if rows else ["trial"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(csv_path, text.getvalue())
    write_atomic(json_path, json.dumps(rows, indent=2) + "\n")


def plot_objective(rows: list[dict[str, Any]], path: Path, title: str, direction: str) -> None:
    """The objective of every trial (failed ones left out) and the best so far."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .specs.documents import write_atomic

    fig = Figure(figsize=(6, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    done = [(i, r["score"]) for i, r in enumerate(rows, start=1) if r["score"] is not None]
    if done:
        xs, ys = zip(*done, strict=True)
        ax.plot(xs, ys, "o", label="trial")
        ax.step(xs, _best_so_far(list(ys), direction), where="post", label="best so far")
        ax.legend()
    ax.set(title=title, xlabel="trial", ylabel=title.rsplit(": ", 1)[-1].removesuffix(" per trial"))
    ax.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    write_atomic(path, buffer.getvalue())


def _best_so_far(ys: list[float], direction: str) -> list[float]:
    pick = max if direction == "max" else min
    out, best = [], ys[0]
    for y in ys:
        best = pick(best, y)
        out.append(best)
    return out
