"""Artifact sizes and test accuracy of the demo model in every export format and quantization.

``python -m benchmarks.export_sizes [--epochs N]`` trains the demo document on the digits data,
exports it with ``hybridspec.export`` and scores each artifact in its own runtime on the test
split, printing a Markdown table (the figures quoted in docs/export.md).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from hybridspec.demo import demo_spec
from hybridspec.export import export, run_artifact
from hybridspec.training.run import train

CASES = [("saved_model", None), ("litert", None), ("litert", "dynamic"), ("litert", "float16"),
         ("onnx", None), ("onnx", "dynamic")]


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size


def _accuracy(path: Path, format: str, x: np.ndarray, y: np.ndarray) -> float:
    step = 1 if format == "litert" else len(x)
    probs = np.concatenate([run_artifact(path, format, [x[i:i + step]])[0] for i in range(0, len(x), step)])
    return float(np.mean(probs.argmax(-1) == y.reshape(-1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = train(demo_spec(), "digits", tmp, epochs=args.epochs, verbose=0, log=lambda _: None)
        model, test = result["model"], result["dataset"].test
        x, y = next(iter(test.x.values())), next(iter(test.y.values()))
        keras_accuracy = float(np.mean(model.predict(x, verbose=0).argmax(-1) == y.reshape(-1)))
        print(f"Demo model ({model.count_params():,} params), digits test split ({len(x)} images); "
              f"Keras accuracy {keras_accuracy:.4f}\n")
        print("| format | quantization | size (KiB) | test accuracy | change |\n|---|---|---:|---:|---:|")
        for format, quantize in CASES:
            path = export(model, Path(tmp) / f"demo-{format}-{quantize}{'.tflite' if format == 'litert' else '.onnx' if format == 'onnx' else ''}",
                          format, quantize)
            accuracy = _accuracy(path, format, x, y)
            print(f"| {format} | {quantize or '-'} | {_size(path) / 1024:.1f} | {accuracy:.4f} | "
                  f"{accuracy - keras_accuracy:+.4f} |")


if __name__ == "__main__":
    main()
