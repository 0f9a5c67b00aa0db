"""The Keras coverage table: which ``keras.layers`` class each kind stands for, which Keras
argument names differ from ours, and which classes are not supported and why.

Supported classes come from the registry (``implements(..., keras=..., keras_args=...)``), so a
new kind or a plugin covers its classes by declaring them. docs/keras.md, the "did you mean"
hints and the importer all read this one table. Nothing here imports Keras.
"""

from __future__ import annotations

import re

from .blocks import IMPLS
from .specs.base import Block

# Other names Keras exports for the same class (``keras.layers.MaxPool2D is MaxPooling2D``).
ALIASES = {
    **{f"Convolution{r}D": f"Conv{r}D" for r in (1, 2, 3)},
    **{f"Convolution{r}DTranspose": f"Conv{r}DTranspose" for r in (1, 2, 3)},
    **{f"SeparableConvolution{r}D": f"SeparableConv{r}D" for r in (1, 2)},
    **{f"MaxPool{r}D": f"MaxPooling{r}D" for r in (1, 2, 3)},
    **{f"AvgPool{r}D": f"AveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalMaxPool{r}D": f"GlobalMaxPooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalAvgPool{r}D": f"GlobalAveragePooling{r}D" for r in (1, 2, 3)},
}

_CODE = "runs user code, which a document must never do"
_STRINGS = "string and categorical preprocessing belongs in the data pipeline (tf.data), not the model"
_CELL = "a recurrent cell; use the lstm, gru or simple_rnn kinds, which wrap their cells"

UNSUPPORTED: dict[str, str] = {
    "Lambda": _CODE,
    "TorchModuleWrapper": _CODE + " (a PyTorch module)",
    "JaxLayer": _CODE + " (a JAX function)",
    "FlaxLayer": _CODE + " (a Flax module)",
    "TFSMLayer": "wraps a TensorFlow SavedModel, which is opaque to the checker",
    "Layer": "the base class of custom layers; add a block kind with hybridspec.register_block",
    "Wrapper": "the base class of layer wrappers; bidirectional and time_distributed are covered",
    "InputSpec": "not a layer: an input constraint; inputs are the document's inputs section",
    "InputLayer": "a model input: the document's inputs section",
    "Pipeline": "a preprocessing pipeline run outside the model graph; write the steps as a chain",
    "RNN": "the generic wrapper of user-defined cells; use lstm, gru or simple_rnn",
    "LSTMCell": _CELL, "GRUCell": _CELL, "SimpleRNNCell": _CELL, "StackedRNNCells": _CELL,
    "TextVectorization": _STRINGS, "StringLookup": _STRINGS, "IntegerLookup": _STRINGS,
    "Hashing": _STRINGS, "HashedCrossing": _STRINGS, "CategoryEncoding": _STRINGS,
    "Discretization": _STRINGS,
    "MelSpectrogram": "audio front ends are not covered yet",
    "STFTSpectrogram": "audio front ends are not covered yet",
    "EinsumDense": "takes an einsum equation string; not covered yet (use dense)",
    "ReversibleEmbedding": "not covered yet; use embedding",
    "SpectralNormalization": "a weight-normalizing wrapper; not covered yet",
    "MaxNumBoundingBoxes": "bounding-box preprocessing is not covered",
    "CutMix": "mixes images and their labels; it belongs in the data pipeline, not the model",
    "MixUp": "mixes images and their labels; it belongs in the data pipeline, not the model",
    "Equalization": "Keras 3.15's Equalization returns its input tensor itself when called on a "
                    "symbolic input, which a functional model cannot hold (use clahe or auto_contrast)",
}


# Keras wrappers that are composition blocks here (the walk handles them, not a registry entry).
COMPOSITES = {"TimeDistributed": "time_distributed"}


def supported() -> dict[str, str]:
    """Keras class name (aliases included) -> our kind."""
    kinds = {name: cls.KIND for cls, impl in IMPLS.items() for name in impl.keras} | COMPOSITES
    return kinds | {alias: kinds[name] for alias, name in ALIASES.items() if name in kinds}


def _key(name: str, rank: bool = False) -> str:
    """A name with case, underscores and (unless ``rank``) the 1D/2D/3D suffix ignored:
    ``max_pooling2d`` and ``MaxPooling2D`` both give ``maxpooling``."""
    key = name.lower().replace("_", "")
    return key if rank else re.sub(r"[123]d", "", key)


def kind_hint(word: str) -> str:
    """A hint for an unknown kind written with a Keras class name, or an empty string."""
    kinds = supported()
    for rank in (True, False):
        for name, kind in kinds.items():
            if _key(name, rank) == _key(word, rank):
                return f" Keras's {name} is '{kind}' here."
        for name, why in UNSUPPORTED.items():
            if _key(name, rank) == _key(word, rank):
                return f" Keras's {name} has no equivalent: {why} (see docs/keras.md)."
    return ""


def arg_hint(cls: type[Block], key: str) -> str:
    """A hint for an unknown key that is a Keras argument name of this kind, or ''."""
    impl = IMPLS.get(cls)
    renames = {k.lower(): v for k, v in impl.keras_args.items()} if impl else {}
    field = renames.get(key.lower())
    return f" Keras's {key} is '{field}' here." if field else ""


def markdown() -> str:
    """docs/keras.md: every covered and uncovered ``keras.layers`` class."""
    kinds = supported()
    renames = {cls.KIND: impl.keras_args for cls, impl in IMPLS.items()}
    lines = [
        "# Keras coverage",
        "",
        "Every public class of `keras.layers`, the hybridspec kind it is written as, and the Keras",
        "argument names that are spelled differently here. Generated from the block registry:",
        "`make docs` (`python -m hybridspec.coverage docs/keras.md`).",
        "",
        f"**{len(kinds)} of {len(kinds) + len(UNSUPPORTED)} classes (aliases included) are "
        f"supported.**",
        "",
        "## Supported",
        "",
        "| Keras class | kind | Keras argument -> field |",
        "|---|---|---|",
    ]
    for name in sorted(kinds):
        args = renames.get(kinds[name], {})
        shown = ", ".join(f"`{k}` -> `{v}`" for k, v in sorted(args.items()))
        alias = f" (alias of {ALIASES[name]})" if name in ALIASES else ""
        lines.append(f"| {name}{alias} | `{kinds[name]}` | {shown} |")
    lines += ["", "## Not supported", "", "| Keras class | why |", "|---|---|"]
    lines += [f"| {name} | {why} |" for name, why in sorted(UNSUPPORTED.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    from .specs.documents import write_atomic

    write_atomic(sys.argv[1], markdown())
