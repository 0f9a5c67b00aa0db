"""Generate the block reference: ``python -m hybridspec.docgen docs/blocks.md``.

Every built-in block kind, and every class a document is made of, gets its docstring, a table
of fields read from the field rules, its short form and a YAML example written by the
converter, so the page cannot drift from the code. ``tests/test_docs_blocks.py`` fails when
the committed page is stale.
"""

from __future__ import annotations

import inspect
import json
import sys
from typing import Any

import attrs
import yaml

from . import specs as hs
from .specs import train
from .specs.base import KINDS
from .specs.convert import unstructure_block, unstructure_fields
from .specs.documents import write_atomic
from .specs.rules import Either, Instance, MapOf, Maybe, OneOf, Rule, TupleOf, doc_name

GROUPS = {"layers": "Layers", "recurrent": "Recurrent", "reusable": "Reusable blocks",
          "compose": "Composition", "repeat": "Composition", "convolutional": "Convolutional"}
GROUPS.update({"stock": "Layers", "preprocessing": "Preprocessing and augmentation",
               "augment": "Preprocessing and augmentation"})

_conv = hs.Conv(filters=32, kernel_size=3, padding="same", activation="relu")
EXAMPLES: dict[str, Any] = {
    "dense": hs.Dense(units=64, activation="relu"),
    "dropout": hs.Dropout(rate=0.5),
    "spatial_dropout": hs.SpatialDropout(rate=0.2),
    "activation": hs.Activation(name="leaky_relu", negative_slope=0.1),
    "reshape": hs.Reshape(target_shape=(-1, 64)),
    "permute": hs.Permute(dims=(2, 1)),
    "repeat_vector": hs.RepeatVector(n=10),
    "embedding": hs.Embedding(vocab=10000, dim=128, mask_zero=True),
    "masking": hs.Masking(mask_value=-1.0),
    "conv": _conv,
    "separable_conv": hs.SeparableConv(filters=64, kernel_size=3, depth_multiplier=2),
    "zero_padding": hs.ZeroPadding(padding=(1, 2), rank=2),
    "upsampling": hs.UpSampling(size=(2, 2)),
    "pool": hs.Pool(mode="avg", size=3, strides=2),
    "adaptive_pool": hs.AdaptivePool(output_size=(7, 7)),
    "global_pool": hs.GlobalPool(mode="max"),
    "batch_norm": hs.BatchNorm(momentum=0.9),
    "merge": hs.Merge(mode="concat", axis=1),
    "lstm": hs.LSTM(units=64, return_sequences=True),
    "gru": hs.GRU(units=64, dropout=0.1),
    "simple_rnn": hs.SimpleRNN(units=32),
    "bidirectional": hs.Bidirectional(layer=hs.LSTM(units=64), merge_mode="sum"),
    "recurrent_stack": hs.RecurrentStack(cell="gru", units=(128, 64), bidirectional=True),
    "conv_stack": hs.ConvStack(filters=(32, 64), pool=2, norm="batch"),
    "attention": hs.Attention(kind="additive", pool=True),
    "backbone": hs.Backbone(name="mobilenet_v2", pooling="avg", trainable=False),
    "chain": hs.Chain(blocks=(_conv, hs.Pool(), hs.Dropout(rate=0.25))),
    "parallel": hs.Parallel(branches=(hs.Conv(filters=16, kernel_size=1), _conv)),
    "residual": hs.Residual(body=hs.Chain(blocks=(_conv, _conv))),
    "time_distributed": hs.TimeDistributed(block=hs.Chain(blocks=(_conv, hs.GlobalPool()))),
    "ModelSpec": hs.ModelSpec(
        name="image_and_text",
        inputs={"image": hs.InputSpec(shape=(64, 64, 3)),
                "tokens": hs.InputSpec(shape=(200,), dtype="int32")},
        nodes={
            "img": hs.Node(from_="image", block=hs.Chain(blocks=(
                hs.ConvStack(filters=(32, 64), pool=2), hs.GlobalPool()))),
            "txt": hs.Node(from_="tokens", block=hs.Chain(blocks=(
                hs.Embedding(vocab=10000, dim=128, mask_zero=True),
                hs.Bidirectional(layer=hs.LSTM(units=64, return_sequences=True)),
                hs.Attention(kind="additive", pool=True)))),
            "both": hs.Node(from_=("img", "txt"), block=hs.Merge()),
        },
        outputs={"label": hs.Output(from_="both", block=hs.Dense(units=10, activation="softmax"))},
        train=train.TrainSpec(loss="sparse_categorical_crossentropy", epochs=20)),
    "InputSpec": hs.InputSpec(shape=(None, 64, 64, 3)),
    "Node": hs.Node(from_="encoder", block=hs.LSTM(units=128, return_sequences=True),
                    initial_state=("encoder.states",)),
    "Output": hs.Output(from_="both", block=hs.Dense(units=1)),
    "Regularizer": hs.Regularizer(l2=0.0001),
    "MaxNorm": hs.MaxNorm(max_norm=3.0),
    "TrainSpec": train.TrainSpec(
        optimizer=train.OptimizerSpec(name="sgd", learning_rate=0.01, momentum=0.9),
        loss="sparse_categorical_crossentropy", metrics=("accuracy",), epochs=20),
    "OptimizerSpec": train.OptimizerSpec(name="adamw", weight_decay=0.004),
    "CallbacksSpec": train.CallbacksSpec(
        early_stopping=train.EarlyStoppingSpec(patience=3), backup_and_restore=True),
    "EarlyStoppingSpec": train.EarlyStoppingSpec(monitor="val_accuracy", patience=3),
    "ReduceOnPlateauSpec": train.ReduceOnPlateauSpec(factor=0.2, patience=3),
    "repeat": hs.Repeat(for_={"filters": (32, 64, 128)}, block=hs.Chain(blocks=(
        hs.Conv(filters=hs.param("filters"), kernel_size=3, padding="same"), hs.Pool()))),
    "Definition": hs.Definition(
        params={"filters": hs.ParamSpec("int"), "kernel": hs.ParamSpec("int", 3)},
        block=hs.Residual(body=hs.Conv(filters=hs.param("filters"), kernel_size=hs.param("kernel"),
                                       padding="same")),
        doc="a residual convolution"),
    "ParamSpec": hs.ParamSpec("str", "relu"),
    "conv_transpose": hs.ConvTranspose(filters=32, kernel_size=3, strides=2, padding="same", activation="relu"),
    "depthwise_conv": hs.DepthwiseConv(kernel_size=3, padding="same", depth_multiplier=2),
    "cropping": hs.Cropping(cropping=((2, 2), 4)),
    "conv_lstm": hs.ConvLSTM(filters=64, kernel_size=3, padding="same", return_sequences=True),
}
EXAMPLES.update({
    "rescaling": hs.Rescaling(scale=1 / 127.5, offset=-1.0),
    "resizing": hs.Resizing(height=224, width=224, crop_to_aspect_ratio=True),
    "center_crop": hs.CenterCrop(height=28, width=28),
    "normalization": hs.Normalization(mean=(0.485, 0.456, 0.406), variance=(0.052, 0.05, 0.051)),
    "random_flip": hs.RandomFlip(mode="horizontal", seed=7),
    "random_rotation": hs.RandomRotation(factor=0.1, fill_mode="constant"),
    "random_zoom": hs.RandomZoom(height_factor=(-0.2, 0.1)),
    "random_translation": hs.RandomTranslation(height_factor=0.1, width_factor=(-0.2, 0.2)),
    "random_brightness": hs.RandomBrightness(factor=0.2, value_range=(0, 1)),
    "random_crop": hs.RandomCrop(height=28, width=28, seed=0),
    "random_grayscale": hs.RandomGrayscale(factor=0.2),
    "random_hue": hs.RandomHue(factor=0.1),
    "random_saturation": hs.RandomSaturation(factor=(0.3, 0.7)),
    "random_sharpness": hs.RandomSharpness(factor=0.4),
    "random_invert": hs.RandomInvert(factor=0.1),
    "random_color_degeneration": hs.RandomColorDegeneration(factor=0.3),
    "random_posterization": hs.RandomPosterization(factor=(4, 8)),
    "random_color_jitter": hs.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2, hue_factor=0.05,
                                                value_range=(0, 1)),
    "random_gaussian_blur": hs.RandomGaussianBlur(factor=0.5, kernel_size=5, sigma=(0.1, 0.8)),
    "random_erasing": hs.RandomErasing(factor=0.25, scale=(0.02, 0.2)),
    "random_shear": hs.RandomShear(x_factor=(0.0, 0.2), y_factor=(0.0, 0.2), fill_mode="constant"),
    "random_perspective": hs.RandomPerspective(factor=0.5, scale=0.3),
    "random_elastic_transform": hs.RandomElasticTransform(factor=0.3, scale=0.5),
    "solarization": hs.Solarization(threshold_factor=(0.4, 0.6)),
    "auto_contrast": hs.AutoContrast(value_range=(0, 1)),
    "clahe": hs.CLAHE(clip_limit=2.0, tile_grid_size=(4, 4)),
    "rand_augment": hs.RandAugment(num_ops=2, factor=0.3),
    "aug_mix": hs.AugMix(num_chains=3, chain_depth=2),
    "group_norm": hs.GroupNorm(groups=8),
    "prelu": hs.PReLU(shared_axes=(1, 2)),
    "activity_regularization": hs.ActivityRegularization(l1=0.001),
})
"""The example of each kind or document class; others get a minimal generated one."""

INTRO = """# Block reference

Generated by `python -m hybridspec.docgen docs/blocks.md` from the spec classes; do not edit.

A block is written as a mapping with one key, its kind: `dense: {units: 64}`. A bare kind
name means every field at its default (`flatten`), a list of blocks is a chain, and a kind
with a short form takes the value of one field in place of the mapping (`dense: 64`).
"""


REUSE = """## Definitions, repeat and include

A document's `define:` section adds block kinds. Each has typed parameters (`int`, `float`,
`bool`, `str`, `block`, or `list[<type>]` of one; `{type: int, default: 3}` may be left out
by a use) and the block they stand in, written with `$name` wherever a value goes: a number,
a name, a list, or a whole sub-block. A use is written like a built-in kind, anywhere a block
goes; definitions may use other definitions (a cycle is an error). `repeat` copies a block,
`times` over or once per position of its `for` lists. Reports, errors and Keras layer names
give the path of the use first: `body[1].res_block.residual.body[0]`.

```yaml
name: cifar_resnet
inputs: {image: {shape: [32, 32, 3]}}
define:
  res_block:
    params: {filters: int, kernel: {type: int, default: 3}}
    block:
      residual:
        body:
          - conv: {filters: $filters, kernel_size: $kernel, padding: same}
          - batch_norm
          - activation: relu
        shortcut: {conv: {filters: $filters, kernel_size: 1}}
body:
  - repeat:
      for: {filters: [32, 64]}
      block: [{res_block: {filters: $filters}}, pool]
  - res_block: {filters: 128, kernel: 5}
  - global_pool
  - dense: {units: 10, activation: softmax}
```

`include:` lists local documents (holding `define:`, and maybe `include:`) whose
definitions this one uses. Paths are relative to the including document and stay inside the
main document's folder: absolute paths, `..` and URLs are refused, and so are include
cycles and more than 8 nested files. Two definitions with one name are an error.

```yaml
include: [blocks/common.yaml]
name: with_library
inputs: {image: {shape: [32, 32, 3]}}
body: [{res_block: {filters: 16}}, global_pool, {dense: 10}]
```

`hybridspec schema FILE` writes the JSON Schema extended with the kinds FILE defines and
includes, for editor completion.
"""


def sample(rule: Rule) -> Any:
    """A simple value that satisfies ``rule`` (for classes with no hand-written example)."""
    if isinstance(rule, Maybe):
        return None
    if isinstance(rule, OneOf):
        return rule.choices[0]
    if isinstance(rule, Either):
        return sample(rule.options[0])
    if isinstance(rule, TupleOf):
        return (sample(rule.item),) * max(rule.min_len, 1)
    if isinstance(rule, Instance) and issubclass(rule.cls, hs.Block):
        return example(next(k for k in KINDS.values() if issubclass(k, rule.cls)))
    if isinstance(rule, Instance) and attrs.has(rule.cls):
        return example(rule.cls)
    candidates: tuple[Any, ...] = (1, 2, 0.5, True, "x", {})
    found = [v for v in candidates if rule.problem(v) is None]
    if not found:
        raise ValueError(f"no sample for {rule.describe}; add an example to docgen.EXAMPLES")
    return found[0]


def example(cls: type) -> Any:
    """The example instance of a block kind or document class."""
    key = getattr(cls, "KIND", "") or cls.__name__
    if key in EXAMPLES:
        return EXAMPLES[key]
    required = [a for a in attrs.fields(cls) if a.default is attrs.NOTHING]
    return cls(**{a.alias: sample(a.metadata["rule"]) for a in required})


def show(value: Any) -> str:
    """A default value as documents write it."""
    if isinstance(value, hs.Block):
        value = unstructure_block(value)
    elif attrs.has(type(value)):
        value = unstructure_fields(value)
    return value if isinstance(value, str) else json.dumps(value, default=repr)


def table(cls: type) -> list[str]:
    """The fields of a class, required ones first and the ones every block has last."""
    rows = ["| key | value | default | description |", "|---|---|---|---|"]
    common = getattr(cls, "COMMON", ())
    for a in sorted(attrs.fields(cls), key=lambda a: (a.default is not attrs.NOTHING, a.name in common)):
        default = a.default.factory() if isinstance(a.default, attrs.Factory) else a.default  # type: ignore[arg-type]
        shown = "required" if default is attrs.NOTHING else f"`{show(default)}`"
        cells = [f"`{doc_name(a)}`", a.metadata["rule"].describe, shown, a.metadata["doc"]]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return rows if attrs.fields(cls) else ["No fields."]


def rendered(value: Any) -> str:
    """The YAML of an example, as a user would write it."""
    if isinstance(value, hs.ModelSpec):
        return hs.dumps(value)
    data = unstructure_block(value) if isinstance(value, hs.Block) else unstructure_fields(value)
    node: Any = yaml.compose(yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100))
    node.flow_style = False  # the outer mapping in block style, as in a document
    return yaml.serialize(node, Dumper=yaml.SafeDumper, width=100).removesuffix("...\n")


def section(title: str, cls: type, lead: str = "") -> list[str]:
    lines = [f"### {title}", "", inspect.cleandoc(cls.__doc__ or "")]
    lines += ["", lead] if lead else []
    lines += [""] + table(cls) + [""]
    short = getattr(cls, "SHORT", None)
    if short:
        lines += [f"**Short form:** `{title}: <{short}>` stands for `{title}: {{{short}: <{short}>}}`.", ""]
    return lines + ["```yaml", rendered(example(cls)).rstrip("\n"), "```", ""]


def builtin_kinds() -> dict[str, list[type[hs.Block]]]:
    """Built-in kinds (not user-registered ones) by group title, in registration order."""
    groups: dict[str, list[type[hs.Block]]] = {title: [] for title in GROUPS.values()}
    for cls in KINDS.values():
        if cls.__module__.startswith("hybridspec."):
            module = cls.__module__.rsplit(".", 1)[-1]
            groups.setdefault(GROUPS.get(module, "Other blocks"), []).append(cls)
    return groups


def document_classes() -> dict[type, str]:
    """ModelSpec and every non-block class found in its fields or the blocks' fields, each with
    a sentence saying where documents write it."""
    places: dict[type, dict[str, bool]] = {hs.ModelSpec: {}}
    owners: list[type] = [hs.ModelSpec, *(k for ks in builtin_kinds().values() for k in ks)]
    for owner in owners:  # the list grows while it is walked
        for a in attrs.fields(owner):
            for cls, each in _classes(a.metadata["rule"]):
                places.setdefault(cls, {})[doc_name(a)] = each
                if cls not in owners:
                    owners.append(cls)
    return {cls: _where(keys) for cls, keys in places.items()}


def _where(keys: dict[str, bool]) -> str:
    if not keys:
        return "The document itself."
    quoted = [f"`{k}`" for k in keys]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"{'Each value under' if any(keys.values()) else 'The value of'} {listed}."


def _classes(rule: Rule, each: bool = False) -> list[tuple[type, bool]]:
    """The non-block attrs classes a rule holds, and whether they are values of a mapping."""
    if isinstance(rule, Instance):
        wanted = attrs.has(rule.cls) and not issubclass(rule.cls, hs.Block)
        return [(rule.cls, each)] if wanted else []
    each = each or isinstance(rule, MapOf)
    inner = [getattr(rule, n, None) for n in ("inner", "item")] + list(getattr(rule, "options", ()))
    return [c for r in inner if isinstance(r, Rule) for c in _classes(r, each)]


def render() -> str:
    """The whole reference page."""
    groups, docs = builtin_kinds(), document_classes()
    lines = [INTRO]
    for title, kinds in groups.items():
        lines.append(f"- **{title}**: " + ", ".join(f"[{k.KIND}](#{k.KIND})" for k in kinds))
    lines += ["- **Document**: " + ", ".join(f"[{c.__name__}](#{c.__name__.lower()})" for c in docs), ""]
    for title, kinds in groups.items():
        lines += [f"## {title}", ""]
        for k in kinds:
            lines += section(k.KIND, k)
    lines += ["## Document", ""]
    for cls, where in docs.items():
        lines += section(cls.__name__, cls, where)
    lines.append(REUSE)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m hybridspec.docgen PATH", file=sys.stderr)
        return 2
    write_atomic(args[0], render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
