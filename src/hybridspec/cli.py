"""The ``hybridspec`` command. Exit codes: 0 success, 1 invalid spec, 2 usage error.

``check``, ``summary``, ``plot`` and ``schema`` never import TensorFlow; ``build`` does.
Other packages contribute subcommands through ``add_parser(subparsers)`` (see PLUGINS).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from .backends import BACKENDS
from .blocks.base import show
from .graphs import Report, check
from .specs import ModelSpec, SpecError, load

PLUGINS = ("hybridspec.training.cli", "hybridspec.demo", "hybridspec.bench.cli", "hybridspec.diffcli",
           "hybridspec.export", "hybridspec.importing.cli", "hybridspec.tune_cli")


def _error(exc: Exception) -> dict[str, str]:
    if isinstance(exc, SpecError):
        return {"path": exc.path, "message": exc.message, "kind": exc.kind}
    return {"path": "", "message": f"cannot read the file: {exc}", "kind": ""}


def _checked(file: str, args: argparse.Namespace | None = None) -> tuple[ModelSpec, Report]:
    spec = load(file)
    return spec, _report(spec, file, args)


def _report(spec: ModelSpec, file: str, args: argparse.Namespace | None) -> Report:
    """``check`` with the limits the command was given, files read beside the document."""
    options = {k: getattr(args, k) for k in ("max_params", "max_bytes", "policy", "backend")
               if hasattr(args, k)}
    return check(spec, Path(file).parent, **options)


def _each(files: list[str], as_json: bool, ok: Callable[[str, ModelSpec, Report], Any],
          failed: Callable[[str, Exception], Any], checked: Callable[[str], Any]) -> int:
    """Run ``ok`` or ``failed`` for every file; print the JSON list or the errors; exit code."""
    results, code = [], 0
    for file in files:
        try:
            results.append(ok(file, *checked(file)))
        except (SpecError, OSError) as exc:
            code = max(code, 1 if isinstance(exc, SpecError) else 2)
            results.append(failed(file, exc))
            if not as_json:
                message = exc if isinstance(exc, SpecError) else _error(exc)["message"]
                print(f"error: {file}: {message}", file=sys.stderr)
    if as_json:
        print(json.dumps(results, indent=2))
    return code


def _warn(file: str, report: Report) -> None:
    for warning in report.warnings:
        print(f"warning: {file}: {warning}", file=sys.stderr)


def _outputs(report: Report) -> str:
    return ", ".join(f"{name} {show(shape)}" for name, shape in report.outputs.items())


def cmd_check(args: argparse.Namespace) -> int:
    from .graphs.space import SpaceReport, checked, dims
    from .specs.documents import to_data

    def ok(file: str, spec: ModelSpec, report: Report | SpaceReport) -> dict[str, Any]:
        if isinstance(report, SpaceReport):
            if not args.json:
                print(f"ok {file}: " + report.summary().replace("\n", "\n  "))
            return {"file": file, "ok": True, "error": None, "params": None, "outputs": None,
                    "warnings": [], "space": report.to_dict()}
        if not args.json:
            print(f"ok {file}: {report.params:,} params, outputs {_outputs(report)}")
            _warn(file, report)
        return {"file": file, "ok": True, "error": None, "params": report.params,
                "outputs": {k: list(v) for k, v in report.outputs.items()}, "warnings": report.warnings,
                "resources": report.resources(args.batch)}

    def failed(file: str, exc: Exception) -> dict[str, Any]:
        return {"file": file, "ok": False, "error": _error(exc), "params": None, "outputs": None,
                "warnings": [], "resources": None}

    def check_one(file: str) -> tuple[ModelSpec, Report | SpaceReport]:
        spec = load(file)
        if dims(to_data(spec)):  # a search space: every combination is judged
            return spec, checked(spec, args.max_params)
        return spec, _report(spec, file, args)

    return _each(args.files, args.json, ok, failed, check_one)


def cmd_summary(args: argparse.Namespace) -> int:
    def ok(file: str, spec: ModelSpec, report: Report) -> dict[str, Any]:
        if not args.json:  # the table without its warning lines: those go to stderr
            quiet = attrs.evolve(report, rows=tuple(attrs.evolve(r, warnings=()) for r in report.rows))
            print(quiet.table(args.batch) + ("\n" if len(args.files) > 1 else ""))
            _warn(file, report)
        return {"file": file, "error": None, **report.to_dict(args.batch)}

    return _each(args.files, args.json, ok, lambda file, exc: {"file": file, "error": _error(exc)},
                 lambda file: _checked(file, args))


def cmd_build(args: argparse.Namespace) -> int:
    spec, report = _checked(args.file, args)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from .backends import use

    use(args.backend)
    from .graphs.build import build
    from .graphs.provenance import save

    model = build(spec, Path(args.file).parent, args.seed, max_params=args.max_params,
                  max_bytes=args.max_bytes, policy=args.policy)
    out = Path(args.output or f"{spec.name}.keras")
    save(model, out)
    print(f"wrote {out}: {model.count_params():,} params")
    _warn(args.file, report)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    import subprocess

    from .graphs.plot import INSTALL_HINT, render

    spec, report = _checked(args.file)
    target = Path(args.output or f"{spec.name}.svg")
    try:
        written = render(spec, target, report)
    except subprocess.CalledProcessError as exc:
        print(f"error: dot failed: {exc.stderr.decode(errors='replace').strip()}", file=sys.stderr)
        return 1
    if written != target:
        print(f"wrote {written}: the dot program was not found; {INSTALL_HINT}", file=sys.stderr)
    else:
        print(f"wrote {written}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .specs import json_schema
    from .specs.defschema import document_schema

    print(json.dumps(json_schema() if args.file is None else document_schema(args.file), indent=2))
    return 0


def _command(sub: Any, name: str, help: str, epilog: str, run: Callable[[argparse.Namespace], int]) -> Any:
    parser = sub.add_parser(name, help=help, description=help, epilog="examples:\n" + epilog,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(run=run)
    return parser


def _picture(value: str) -> str:
    from .graphs.plot import FORMATS

    if Path(value).suffix.lower().lstrip(".") not in FORMATS:
        raise argparse.ArgumentTypeError(f"the file must end in one of {', '.join('.' + f for f in FORMATS)}")
    return value


def _keras_file(value: str) -> str:
    if not value.endswith(".keras"):
        raise argparse.ArgumentTypeError("Keras saves models to files ending in .keras")
    return value


def _limit(value: str) -> float | None:
    from .graphs.limits import parse_limit

    try:
        return parse_limit(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return int(value)


def _limits(p: Any, batch: bool = True) -> None:
    """The resource-limit options (see graphs/limits.py)."""
    from .graphs.limits import MAX_BYTES, MAX_PARAMS

    p.add_argument("--max-params", type=_limit, default=MAX_PARAMS, metavar="N",
                   help="refuse a model with more parameters (default 2e9; none: no limit)")
    p.add_argument("--max-bytes", type=_limit, default=MAX_BYTES, metavar="BYTES",
                   help="refuse a model with more bytes of weights (default 16GiB; none: no limit)")
    if batch:
        p.add_argument("--batch", type=_positive, default=1, metavar="N",
                       help="report activation bytes and multiply-adds for N samples (default 1)")
    p.add_argument("--policy", choices=("float32", "mixed_float16", "mixed_bfloat16"),
                   help="the dtype policy (default: the train section's mixed_precision, else float32)")


def _backend(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", choices=BACKENDS, help="judge cuDNN eligibility as Keras on this backend "
                   "runs it (default: KERAS_BACKEND or tensorflow)")


def _add_plugins(sub: Any) -> None:
    """Subcommands from other parts of the package. A part that is not there is skipped; one that
    fails is skipped with a warning, so that a broken plugin never breaks ``check``."""
    for name in PLUGINS:
        try:
            importlib.import_module(name).add_parser(sub)
        except ModuleNotFoundError as exc:
            if not (exc.name and (name == exc.name or name.startswith(exc.name + "."))):
                print(f"warning: {name} failed, its commands are missing: {exc!r}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 (report and go on with the other commands)
            print(f"warning: {name} failed, its commands are missing: {exc!r}", file=sys.stderr)


BUILTIN = ("check", "summary", "build", "plot", "schema")


class _Version(argparse.Action):
    """--version, reading the package metadata only when asked (it is slow to import)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def make_parser(plugins: bool = True) -> argparse.ArgumentParser:
    """The parser with every built-in and (with ``plugins``) contributed subcommand."""
    parser = argparse.ArgumentParser(
        prog="hybridspec", description="Check, summarize, build and draw hybridspec model documents.",
        epilog="exit codes: 0 success, 1 invalid spec, 2 usage error. "
               "Run 'hybridspec COMMAND --help' for examples.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "check", "check documents statically (shapes, parameters, cuDNN), no TensorFlow",
                 "  hybridspec check examples/video_cnn_lstm.yaml\n"
                 "  hybridspec check specs/*.yaml --json > report.json\n"
                 "  hybridspec check examples/digits_search.yaml --max-params 100000   # a search space",
                 cmd_check)
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML or JSON model documents")
    p.add_argument("--json", action="store_true", help="print a JSON list with one result per file")
    _limits(p)
    _backend(p)

    p = _command(sub, "summary", "print each document's per-node table, no TensorFlow",
                 "  hybridspec summary examples/imdb_sentiment.yaml\n"
                 "  hybridspec summary examples/*.yaml --json", cmd_summary)
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML or JSON model documents")
    p.add_argument("--json", action="store_true", help="print a JSON list of reports, one per file")
    _limits(p)
    _backend(p)

    p = _command(sub, "build", "compile a document into a Keras model and save it",
                 "  hybridspec build examples/mnist_mlp.yaml -o mnist.keras\n"
                 "  python -c \"import keras; keras.saving.load_model('mnist.keras').summary()\"",
                 cmd_build)
    p.add_argument("file", metavar="FILE", help="a YAML or JSON model document")
    p.add_argument("-o", "--output", type=_keras_file, help="the .keras file (default: NAME.keras)")
    p.add_argument("--backend", choices=BACKENDS,
                   help="the Keras backend to build on (default: KERAS_BACKEND or tensorflow)")
    _limits(p, batch=False)
    p.add_argument("--seed", type=int, help="seed the initial weights (same seed, same weights)")

    p = _command(sub, "plot", "draw a document as a graph (.svg, .png, .pdf or .dot)",
                 "  hybridspec plot examples/inception_resnet_cifar.yaml -o inception.svg\n"
                 "  hybridspec plot examples/seq2seq_translation.yaml -o seq2seq.dot\n"
                 "Rendering needs Graphviz's dot (apt-get install graphviz / brew install graphviz);\n"
                 "without it the DOT text is written next to the requested file.", cmd_plot)
    p.add_argument("file", metavar="FILE", help="a YAML or JSON model document")
    p.add_argument("-o", "--output", type=_picture, help="the picture (default: NAME.svg)")

    p = _command(sub, "schema", "print the JSON Schema of model documents",
                 "  hybridspec schema > hybridspec.schema.json\n"
                 "  hybridspec schema model.yaml > model.schema.json  # with model.yaml's definitions\n"
                 "  # then, as the first line of a document, for editors with the YAML language server:\n"
                 "  # yaml-language-server: $schema=./hybridspec.schema.json", cmd_schema)
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="a document whose definitions (and its includes') extend the schema")
    if plugins:
        _add_plugins(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hybridspec")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code. A built-in command is parsed without
    importing the contributed ones (a fast cold ``check``)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser(plugins=not argv or argv[0] not in BUILTIN)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.run(args))
    except BrokenPipeError:  # the reader stopped early (hybridspec schema | head): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SpecError as exc:
        where = f"{args.file}: " if isinstance(getattr(args, "file", None), str) else ""
        print(f"error: {where}{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
