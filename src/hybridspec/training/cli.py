"""``hybridspec train FILE --data SOURCE``: the command that trains a document (Keras imported
only when it runs, after the static checks of the spec, its train section and the data)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..backends import BACKENDS

EXAMPLES = """examples:
  hybridspec train my_cnn.yaml --data digits --epochs 5
  hybridspec train my_rnn.yaml --data adding:length=30,size=2000 --out runs/adding
  hybridspec train my_model.yaml --data arrays.npz --batch-size 64

data sources (one example's input shape -> target):
  digits                               (8, 8, 1) -> class id 0-9
  digits-seq                           (8, 8) -> class id 0-9
  adding[:length=50,size=5000]         (length, 2) -> (1,), the sum of the 2 marked values
  copy[:length=5,delay=20,size=5000]   (delay + 2*length, 10) one-hot -> class id per step
  FILE.npz                             arrays named after the spec's inputs and outputs
                                       (a single input may be called x, a single output y)
The data is checked against the spec before TensorFlow starts. The output folder gets
NAME.keras (the best model), NAME.yaml, history.csv and learning_curve.png."""


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand."""
    help = "train a document on a data source as its train: section says"
    parser = subparsers.add_parser("train", help=help, description=help, epilog=EXAMPLES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="FILE", help="a YAML or JSON model document")
    parser.add_argument("--data", required=True, metavar="SOURCE",
                        help="digits, digits-seq, adding[:length=N,size=N], "
                             "copy[:length=N,delay=N,size=N] or a .npz file")
    parser.add_argument("--out", metavar="DIR", help="where results go (default: runs/NAME)")
    parser.add_argument("--epochs", type=positive, metavar="N", help="override train.epochs")
    parser.add_argument("--batch-size", type=positive, metavar="N", help="override train.batch_size")
    parser.add_argument("--strategy", choices=["mirrored", "multi-worker"],
                        help="train under tf.distribute: mirrored (local GPUs, or --cpu-devices) or "
                             "multi-worker (hosts given by TF_CONFIG); see docs/distributed.md")
    parser.add_argument("--cpu-devices", type=positive, metavar="N",
                        help="split the CPU into N logical devices (mirrored without GPUs)")
    parser.add_argument("--backend", choices=BACKENDS,
                        help="the Keras backend to train on (default: KERAS_BACKEND or tensorflow)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Train; 0 on success, 1 when the data does not fit the spec (SpecErrors propagate)."""
    from ..backends import use
    from ..specs import load
    from .data import DataError
    from .run import train

    spec = load(args.file)
    use(args.backend)
    strategy = None
    if args.strategy:
        from .distribute import strategy_of

        strategy = strategy_of(args.strategy, args.cpu_devices)
    try:
        train(spec, args.data, args.out or f"runs/{spec.name}", epochs=args.epochs,
              batch_size=args.batch_size, strategy=strategy, folder=os.path.dirname(args.file))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
