"""keras.applications backbones: static shape and parameter count from the known architecture."""

from __future__ import annotations

import os
from typing import Any

import attrs

from ..specs import Backbone
from .base import At, Sig, implements, same


@attrs.frozen
class Architecture:
    """Counts for include_top=False with 3 input channels, and what each extra channel adds."""

    keras_name: str
    trainable: int
    non_trainable: int
    channels_out: int
    per_channel: int
    per_channel_frozen: int = 0
    ceil: bool = True  # whether its five stride-2 stages round up (padded) or down (VGG)


ARCHITECTURES = {
    "vgg16": Architecture("VGG16", 14_714_688, 0, 512, 3 * 3 * 64, ceil=False),
    "resnet50": Architecture("ResNet50", 23_534_592, 53_120, 2048, 7 * 7 * 64),
    "mobilenet_v2": Architecture("MobileNetV2", 2_223_872, 34_112, 1280, 3 * 3 * 32),
    "efficientnet_b0": Architecture("EfficientNetB0", 4_007_548, 42_023, 1280, 3 * 3 * 32, 2),
}
MIN_SIZE = 32


def _backbone_shape(spec: Backbone, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    at.rank(x, 4, what="(batch, height, width, channels)")
    if x.shape[-1] is None:
        raise at.fail("needs known channels", x)
    if any(n is not None and n < MIN_SIZE for n in x.shape[1:3]):
        raise at.fail(f"needs height and width of at least {MIN_SIZE}", x)
    arch = ARCHITECTURES[spec.name]
    halve = (lambda n: -(-n // 2)) if arch.ceil else (lambda n: n // 2)
    spatial = []
    for n in x.shape[1:3]:
        for _ in range(5):
            n = None if n is None else halve(n)
        spatial.append(n)
    if spec.pooling:
        return same(x, (x.shape[0], arch.channels_out), dtype="float32", masked=False)
    return same(x, (x.shape[0], *spatial, arch.channels_out), dtype="float32", masked=False)


def _backbone_params(spec: Backbone, ins: list[Sig]) -> tuple[int, int]:
    arch, extra = ARCHITECTURES[spec.name], (ins[0].shape[-1] or 3) - 3
    trainable = arch.trainable + extra * arch.per_channel
    frozen = arch.non_trainable + extra * arch.per_channel_frozen
    return (trainable, frozen) if spec.trainable else (0, trainable + frozen)


def _backbone_build(spec: Backbone, name: str, ins: list[Sig], at: At) -> Any:
    import keras

    arch = ARCHITECTURES[spec.name]
    weights = None if spec.weights is None else os.path.join(".", spec.weights)  # a file, never "imagenet"
    model = getattr(keras.applications, arch.keras_name)(
        include_top=False, weights=weights, input_shape=ins[0].shape[1:], pooling=spec.pooling,
        name=name)
    model.trainable = spec.trainable
    return model


implements(Backbone, shape=_backbone_shape, params=_backbone_params, build=_backbone_build)
