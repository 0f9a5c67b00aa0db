"""Export a model for serving: a TensorFlow SavedModel, a LiteRT flatbuffer or an ONNX graph.

The engines are Keras's own exporters (``model.export``), with the TensorFlow Lite converter's
quantization options for LiteRT and onnxruntime's dynamic quantization for ONNX. What is
written is written atomically: a temporary name beside the target, renamed when complete.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .specs import ModelSpec, SpecError, load

FORMATS = {"saved_model": "", "litert": ".tflite", "onnx": ".onnx"}
QUANTIZE = {"saved_model": (), "litert": ("dynamic", "float16"), "onnx": ("dynamic",)}


def model_of(source: Any) -> Any:
    """A Keras model from a model, a spec, a document path or a ``.keras`` file (loaded with
    ``safe_mode=True``)."""
    import keras

    from .graphs.build import build

    if isinstance(source, ModelSpec):
        return build(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.suffix == ".keras":
            return keras.saving.load_model(path, safe_mode=True)
        return build(load(path))
    return source


def default_path(name: str, format: str, quantize: str | None) -> Path:
    return Path(f"{name}{'_' + quantize if quantize else ''}{FORMATS[format]}")


def export(source: Any, path: str | os.PathLike[str], format: str = "saved_model",
           quantize: str | None = None) -> Path:
    """Export ``source`` (see ``model_of``) to ``path`` in ``format``; return the path."""
    if format not in FORMATS:
        raise SpecError("format", f"must be one of {', '.join(FORMATS)}, got {format!r}")
    if quantize is not None and quantize not in QUANTIZE[format]:
        allowed = ", ".join(QUANTIZE[format]) or "no quantization"
        raise SpecError("quantize", f"{format} takes {allowed}, got {quantize!r}")
    model = model_of(source)
    target = Path(path)
    with tempfile.TemporaryDirectory(dir=target.parent or ".", prefix=f".{target.name}.") as tmp:
        written = Path(tmp) / f"artifact{FORMATS[format]}"
        try:
            _write(model, written, format, quantize)
        except Exception as exc:  # noqa: BLE001 (a converter's failure, told by layer)
            raise _blame(model, format, exc) from exc
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(written, target)
    return target


def _blame(model: Any, format: str, exc: Exception) -> Exception:
    """A SpecError naming the first layer the converter's message mentions, or ``exc``."""
    message = str(exc)
    for layer in model.layers:
        if re.search(rf"(^|[/\"]){re.escape(layer.name)}(_\d+)?/", message):
            first = next((line for line in message.splitlines() if "error" in line.lower()), message)
            return SpecError(layer.name, f"{format} cannot carry this {type(layer).__name__} layer: "
                             f"{first.strip()[:300]}", type(layer).__name__)
    return exc


def _write(model: Any, path: Path, format: str, quantize: str | None) -> None:
    if format == "saved_model":
        model.export(str(path), format="tf_saved_model", verbose=False)
    elif format == "litert":
        model.export(str(path), format="litert", verbose=False, input_signature=_one_sample(model),
                     **_litert_options(quantize))
    else:
        _call_once(model)  # the ONNX exporter wants a model that has run
        model.export(str(path), format="onnx", verbose=False)
        if quantize == "dynamic":
            from onnxruntime.quantization import quantize_dynamic

            quantized = path.with_name("quantized.onnx")
            quantize_dynamic(str(path), str(quantized))
            os.replace(quantized, path)


def _one_sample(model: Any) -> list[Any]:
    """Inputs of batch 1: recurrent loops lower to LiteRT's built-in ops only when the shape
    of their state is known, and LiteRT serves one sample at a time."""
    import tensorflow as tf

    return [tf.TensorSpec([1, *t.shape[1:]], t.dtype, name=t.name) for t in model.inputs]


def _call_once(model: Any) -> None:
    import numpy as np

    model([np.zeros([1, *(d or 1 for d in t.shape[1:])], t.dtype) for t in model.inputs])


def _litert_options(quantize: str | None) -> dict[str, Any]:
    """TFLite converter settings: built-in ops only (the LiteRT interpreter has no TensorFlow
    ops), and dynamic-range int8 weights or float16 weights."""
    import tensorflow as tf

    options: dict[str, Any] = {"target_spec": {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]},
                               "_experimental_lower_tensor_list_ops": True}
    if quantize is not None:
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        options["target_spec"]["supported_types"] = [tf.float16]
    return options


def run_artifact(path: str | os.PathLike[str], format: str, inputs: list[Any]) -> list[Any]:
    """Predictions of an exported artifact in its own runtime (TensorFlow, the LiteRT
    interpreter, onnxruntime), for checking it against the Keras model."""
    path = str(path)
    if format == "saved_model":
        import tensorflow as tf

        loaded = tf.saved_model.load(path)  # kept: the signature needs its variables alive
        serve = loaded.signatures["serving_default"]
        names = sorted(serve.structured_input_signature[1], key=_order)
        outs = serve(**{k: tf.constant(x) for k, x in zip(names, inputs, strict=True)})
        outs = [outs[k] for k in sorted(outs, key=_order)]
        return [o.numpy() for o in outs]
    if format == "litert":
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=path)
        runner = interpreter.get_signature_runner()
        names = list(interpreter.get_signature_list()["serving_default"]["inputs"])
        outs = runner(**dict(zip(sorted(names, key=_order), inputs, strict=True)))
        return [outs[k] for k in sorted(outs, key=_order)]
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(session.get_inputs(), inputs, strict=True)}
    return list(session.run(None, feed))


def _order(name: str) -> tuple[int, str]:
    """LiteRT names signature tensors ``inputs``, ``inputs_1``...; keep that order."""
    head, _, tail = name.rpartition("_")
    return (int(tail), head) if tail.isdigit() else (0, name)


def add_parser(sub: Any) -> None:
    """Register ``hybridspec export``."""
    help = "export a document or a .keras model as a SavedModel, LiteRT or ONNX artifact"
    p = sub.add_parser("export", help=help, description=help,
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  hybridspec export runs/demo/digits_hybrid.keras --format litert --quantize dynamic
  hybridspec export examples/video_cnn_lstm.yaml --format onnx -o video.onnx
  hybridspec export model.keras --format saved_model -o serving/model

LiteRT artifacts take one sample per call (batch 1): recurrent loops lower to LiteRT's
built-in ops only with a known state shape. .keras files are loaded with safe_mode=True.""")
    p.add_argument("source", metavar="MODEL_OR_DOCUMENT", help="a .keras file or a YAML/JSON document")
    p.add_argument("--format", choices=list(FORMATS), default="saved_model", help="artifact format")
    p.add_argument("--quantize", choices=["dynamic", "float16"],
                   help="LiteRT: dynamic-range int8 or float16 weights; ONNX: dynamic")
    p.add_argument("-o", "--output", help="where to write (default: NAME[_QUANT].EXT)")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    name = Path(args.source).stem
    path = export(args.source, args.output or default_path(name, args.format, args.quantize),
                  args.format, args.quantize)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
    print(f"wrote {path} ({size / 1024:.1f} KiB, {args.format}"
          + (f", {args.quantize} quantization" if args.quantize else "") + ")")
    return 0
