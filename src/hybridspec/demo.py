"""``hybridspec demo``: the bundled branching CNN + BiLSTM-attention spec trained on digits.

It prints the static table, trains with a progress bar, reports the test accuracy, saves the
model, reloads it with ``safe_mode=True`` and no custom objects, checks that the reloaded model
predicts the same, and draws the graph and the learning curve. Every file goes under ``--out``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

from .graphs import check
from .specs import ModelSpec, loads
from .training.cli import positive

EXAMPLES = """examples:
  hybridspec demo                      # writes into demo-out/
  hybridspec demo --out /tmp/demo --epochs 5

The spec is hybridspec/data/demo.yaml: one 8x8 image read by two branches, a conv_stack with
global pooling and a bidirectional LSTM over the 8 rows with attention pooling, concatenated
into a softmax classifier. The output folder gets digits_hybrid.keras, digits_hybrid.yaml,
digits_hybrid.svg (the graph), history.csv and learning_curve.png."""


def demo_spec() -> ModelSpec:
    """The bundled demo document."""
    return loads((files("hybridspec") / "data" / "demo.yaml").read_text(encoding="utf-8"))


def _max_abs_diff(a: Any, b: Any) -> float:
    import numpy as np

    if isinstance(a, dict):
        return max(_max_abs_diff(a[k], b[k]) for k in a)
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-6, err_msg="the reloaded model predicts differently")
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def reload_check(path: str, model: Any, x: Any) -> float:
    """Reload ``path`` safely without custom objects; the largest prediction difference."""
    import keras

    reloaded = keras.saving.load_model(path, safe_mode=True)
    return _max_abs_diff(model.predict(x, verbose=0), reloaded.predict(x, verbose=0))


def draw(spec: ModelSpec, out: Path, log: Callable[[str], None]) -> str | None:
    """The graph picture via hybridspec.graphs.plot, or None (with a message) when it cannot."""
    try:
        from .graphs.plot import render
    except ImportError as exc:
        log(f"graph picture skipped: hybridspec.graphs.plot is not available ({exc})")
        return None
    try:
        return str(render(spec, out / f"{spec.name}.svg"))
    except (OSError, ValueError, RuntimeError) as exc:
        log(f"graph picture skipped: {exc}")
        return None


def run_demo(out_dir: str | Path, *, epochs: int | None = None, verbose: int = 1,
             log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the demo into ``out_dir``; return accuracy, reload difference, seconds and files."""
    from .training.run import train

    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = demo_spec()
    log(check(spec).table())
    picture = draw(spec, out, log)
    result = train(spec, "digits", out, epochs=epochs, verbose=verbose, log=log)
    accuracy = next(v for k, v in result["metrics"].items() if k.endswith("accuracy"))
    diff = reload_check(result["paths"]["model"], result["model"], result["dataset"].test.x)
    seconds = time.perf_counter() - start
    written = {**result["paths"], **({"graph": picture} if picture else {})}
    log(f"test accuracy: {accuracy:.4f} on {len(result['dataset'].test)} held-out digits")
    log(f"reloaded {result['paths']['model']} (safe_mode=True, no custom_objects): "
        f"max abs prediction difference {diff:.3g}")
    log("wrote " + ", ".join(sorted(written.values())))
    log(f"done in {seconds:.1f} s")
    return {"accuracy": accuracy, "max_abs_diff": diff, "seconds": seconds, "files": written,
            "metrics": result["metrics"]}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``demo`` subcommand."""
    help = "train the bundled CNN + BiLSTM-attention hybrid on the digits data"
    parser = subparsers.add_parser("demo", help=help, description=help, epilog=EXAMPLES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="demo-out", metavar="DIR",
                        help="where every file goes (default: demo-out)")
    parser.add_argument("--epochs", type=positive, metavar="N", help="override the spec's 20 epochs")
    parser.set_defaults(run=_run)
    return parser


def _run(args: argparse.Namespace) -> int:
    run_demo(args.out, epochs=args.epochs)
    return 0
