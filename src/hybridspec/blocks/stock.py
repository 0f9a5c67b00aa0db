"""Noise, normalization variants, identity, PReLU and activity penalties."""

from __future__ import annotations

import math
from typing import Any

from ..specs import (
    ActivityRegularization,
    AlphaDropout,
    GaussianDropout,
    GaussianNoise,
    GroupNorm,
    Identity,
    PReLU,
    RMSNorm,
    UnitNorm,
)
from .base import At, Sig, implements, same
from .preprocessing import kept_axes, known_sizes, stock


def _passthrough(spec: Any, ins: list[Sig], at: At) -> Sig:
    return at.one(ins)


for _spec, _name in ((GaussianNoise, "GaussianNoise"), (GaussianDropout, "GaussianDropout"),
                     (AlphaDropout, "AlphaDropout"), (Identity, "Identity"),
                     (ActivityRegularization, "ActivityRegularization")):
    implements(_spec, shape=_passthrough, build=stock(_name), keras=(_name,))


def _group_channels(spec: GroupNorm, x: Sig, at: At) -> int:
    (axis,) = kept_axes(spec.axis, x, at)
    (channels,) = known_sizes((axis,), x, at, "channels")
    if spec.groups != -1 and channels % spec.groups:
        raise at.fail(f"needs channels divisible by groups: {channels} channels on axis {spec.axis} "
                      f"do not split into {spec.groups} groups (divisors: {_divisors(channels)})", x)
    return channels


def _divisors(n: int, most: int = 12) -> str:
    """The divisors of ``n`` (found up to its square root, so a huge ``n`` is quick), the
    smallest and largest ``most`` of them."""
    small = [g for g in range(1, min(math.isqrt(n), 10**6) + 1) if n % g == 0]
    found = sorted({*small, *(n // g for g in small)})
    return ", ".join(map(str, found)) if len(found) <= most else \
        ", ".join(map(str, found[:most // 2])) + ", ..., " + ", ".join(map(str, found[-(most // 2):]))


def _group_norm_shape(spec: GroupNorm, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    _group_channels(spec, x, at)
    return same(x, dtype="float32")


def _group_norm_params(spec: GroupNorm, ins: list[Sig]) -> tuple[int, int]:
    channels = ins[0].shape[spec.axis] or 0
    return channels * (int(spec.center) + int(spec.scale)), 0


implements(GroupNorm, shape=_group_norm_shape, build=stock("GroupNormalization"), params=_group_norm_params,
           keras=("GroupNormalization",))


def _unit_norm_shape(spec: UnitNorm, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    kept_axes(spec.axis, x, at)
    return same(x, dtype="float32")


implements(UnitNorm, shape=_unit_norm_shape, build=stock("UnitNormalization"), keras=("UnitNormalization",))


def _rms_norm_shape(spec: RMSNorm, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    known_sizes(kept_axes(spec.axis, x, at), x, at, "one scale per index")
    return same(x, dtype="float32", masked=False)  # Keras's RMSNormalization drops masks


def _rms_norm_params(spec: RMSNorm, ins: list[Sig]) -> tuple[int, int]:
    x = ins[0]
    axes = {a % x.rank for a in ((spec.axis,) if isinstance(spec.axis, int) else spec.axis)}
    return math.prod(x.shape[a] or 0 for a in axes), 0


implements(RMSNorm, shape=_rms_norm_shape, build=stock("RMSNormalization"), params=_rms_norm_params,
           keras=("RMSNormalization",))


def _alpha_shape(spec: PReLU, x: Sig) -> tuple[int | None, ...]:
    shared = set(spec.shared_axes or ())
    return tuple(1 if i in shared else d for i, d in enumerate(x.shape[1:], start=1))


def _prelu_shape(spec: PReLU, ins: list[Sig], at: At) -> Sig:
    x = at.one(ins)
    if x.rank < 2:
        raise at.fail("needs an input of rank 2 or more", x)
    bad = [a for a in spec.shared_axes or () if a >= x.rank]
    if bad:
        raise at.fail(f"shared_axes {bad} are out of range for a rank-{x.rank} input (axes 1-{x.rank - 1})", x)
    if None in _alpha_shape(spec, x):
        raise at.fail("needs known sizes on every axis not in shared_axes (one alpha per index)", x)
    return x


implements(PReLU, shape=_prelu_shape, build=stock("PReLU"),
           params=lambda s, ins: (math.prod(_alpha_shape(s, ins[0])), 0),  # type: ignore[arg-type]
           keras=("PReLU",))
