"""keras.applications' own layers (not keras.layers) as the stock blocks that compute the same
with the same weights: ConvNeXt's LayerScale and InceptionResNetV2's CustomScaleLayer. Only
the classes of Keras's own modules are taken; a user's class of the same name is not."""

from __future__ import annotations

from ..specs import Block, DepthwiseConv, Merge, Rescaling
from .layers import Layer, Parts, importer, imports_as_parts


def is_keras_own(ctx: Layer) -> bool:
    return type(ctx.layer).__module__.startswith("keras.")


@importer("LayerScale")
def _layer_scale(ctx: Layer) -> Block:
    """``x * gamma``, one learned factor per channel, starting at ``init_values``: a 1x1
    depthwise convolution without bias holds exactly those factors."""
    if not is_keras_own(ctx):
        raise ctx.fail("a custom layer class has no block")
    if len(ctx.shapes[0]) not in (3, 4):
        raise ctx.fail(f"a depthwise convolution stands for it on rank 3 or 4 inputs, not {ctx.shapes[0]}")
    return DepthwiseConv(kernel_size=1, use_bias=False, kernel_initializer=float(ctx.config["init_values"]))


@imports_as_parts("CustomScaleLayer")
def _scaled_sum(ctx: Layer) -> Parts | None:
    """``inputs[0] + inputs[1] * scale`` as two calls: a rescaling of the second input, then an
    add with the first."""
    if not is_keras_own(ctx) or len(ctx.inputs) != 2:
        return None
    shortcut, branch = ctx.inputs
    return [(Rescaling(scale=float(ctx.config["scale"])), [branch]), (Merge(mode="add"), [shortcut, -1])]
