"""``hybridspec import MODEL.keras -o doc.yaml``: a saved Keras model as a document."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

EXAMPLES = """examples:
  hybridspec import mnist.keras -o mnist.yaml
  hybridspec import encoder.keras            (prints the document)

The file is loaded with keras.saving.load_model(safe_mode=True): no code in it runs, and a
Lambda layer is refused. A layer with no block kind is an error naming the layer and its
class; docs/keras.md lists what each Keras layer becomes."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``import`` subcommand."""
    help = "turn a saved .keras model into a YAML or JSON document"
    parser = subparsers.add_parser("import", help=help, description=help, epilog=EXAMPLES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", metavar="MODEL", help="a .keras file")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="the document, .yaml or .json (default: print YAML)")
    parser.set_defaults(run=run)
    return parser


def load_keras(path: str) -> Any:
    """The model saved at ``path``, loaded in safe mode without compiling it."""
    import keras

    if not Path(path).is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def run(args: argparse.Namespace) -> int:
    """Import; 0 on success, 1 when the model cannot be loaded or imported (SpecErrors propagate)."""
    from ..specs import dump, dumps
    from . import from_keras

    try:
        model = load_keras(args.file)
    except (ValueError, TypeError, KeyError) as exc:
        print(f"error: {args.file}: cannot load the Keras model: {exc}", file=sys.stderr)
        return 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = from_keras(model)
    for warning in caught:
        if issubclass(warning.category, UserWarning) and "hybridspec" in str(warning.message):
            print(f"warning: {args.file}: {warning.message}", file=sys.stderr)
    if args.output:
        dump(spec, args.output)
    else:
        sys.stdout.write(dumps(spec))
    return 0
