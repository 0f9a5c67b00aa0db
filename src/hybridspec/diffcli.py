"""``hybridspec diff A B``: what changed between two documents, node by node. No TensorFlow."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .graphs.diff import diff
from .specs import load


def cmd_diff(args: argparse.Namespace) -> int:
    result = diff(load(args.a), load(args.b))
    print(json.dumps(result.to_dict(), indent=2) if args.json else result.text())
    return 1 if args.exit_code and result.changes else 0


def add_parser(sub: Any) -> None:
    help = "show what changed between two documents, node by node (expanded), no TensorFlow"
    p = sub.add_parser("diff", help=help, description=help,
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="examples:\n  hybridspec diff old.yaml new.yaml\n"
                              "  hybridspec diff old.yaml new.yaml --json --exit-code  # for CI")
    p.add_argument("a", metavar="A", help="the old document")
    p.add_argument("b", metavar="B", help="the new document")
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    p.add_argument("--exit-code", action="store_true", help="exit with 1 when the documents differ")
    p.set_defaults(run=cmd_diff)
