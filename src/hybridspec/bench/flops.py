"""Exact FLOP counts of the recurrent cells as Keras computes them, and DeepBench's convention.

Convention (stated so the counts can be checked by hand): a matrix product of (m x k) by
(k x n) costs 2*m*k*n (one multiply and one add per term); every elementwise add, multiply
and activation (sigmoid, tanh, relu) costs 1 per element. Per sequence, per time step and per
direction, with input size D, hidden size H and bias on:

- LSTM: matmuls 2*D*4H + 2*H*4H; elementwise 17H = 4H (input + recurrent sum) + 4H (bias) +
  3H (sigmoid i, f, o) + 2H (tanh g, tanh c) + 4H (f*c, i*g, their sum, o*tanh c).
- GRU (reset_after, the Keras and cuDNN form): matmuls 2*D*3H + 2*H*3H; elementwise 17H =
  3H + 3H (input and recurrent bias) + 2H (z, r sums) + 2H (sigmoid) + H (r * recurrent h) +
  H (candidate sum) + H (tanh) + 4H (z*h, 1-z, (1-z)*hh, sum).
- SimpleRNN: matmuls 2*D*H + 2*H*H; elementwise 3H (bias, sum, activation).

Training (forward and backward) adds the two backward matrix products of every forward one
(gradient with respect to the data and to the weights), 2x the forward matmul FLOPs, exactly;
the backward elementwise work (a few percent) is not counted. Masking's selects and the
Bidirectional concat are copies, not FLOPs. Variants (generic kernel, recurrent dropout, XLA,
unrolled) are credited with the base configuration's count: the useful work is the same.

DeepBench counts only the recurrent product of the forward pass, 2*G*H^2*N*T, and 3x that for
training; it is reported alongside so results compare with published DeepBench figures.
"""

from __future__ import annotations

from typing import Any

import attrs

from .suite import Config

GATES = {"lstm": 4, "gru": 3, "simple": 1}
ELEMENTWISE = {"lstm": 17, "gru": 17, "simple": 3}
BIAS = {"lstm": 4, "gru": 6, "simple": 1}


@attrs.frozen
class Flops:
    """FLOPs split into matrix products and elementwise work."""

    matmul: int
    elementwise: int

    @property
    def total(self) -> int:
        return self.matmul + self.elementwise

    def __mul__(self, k: int) -> Flops:
        return Flops(self.matmul * k, self.elementwise * k)


def step_flops(cell: str, features: int, units: int, use_bias: bool = True) -> Flops:
    """Forward FLOPs of one cell step for one sequence in one direction."""
    gates = GATES[cell]
    matmul = 2 * features * gates * units + 2 * units * gates * units
    per_unit = ELEMENTWISE[cell] - (0 if use_bias else BIAS[cell])
    return Flops(matmul, per_unit * units)


def forward_flops(config: Config) -> Flops:
    """Forward FLOPs of the whole layer on one batch."""
    step = step_flops(config.cell, config.features, config.units)
    return step * (config.batch * config.steps * config.directions)


def deepbench_flops(config: Config) -> int:
    """DeepBench's count: the recurrent product only; 3x for training."""
    forward = 2 * GATES[config.cell] * config.units ** 2 * config.batch * config.steps * config.directions
    return 3 * forward if config.training else forward


def config_flops(config: Config) -> dict[str, Any]:
    """The counts a result reports: ``step`` is what one timed step computes in its mode."""
    fwd = forward_flops(config)
    backward = 2 * fwd.matmul if config.training else 0
    return {"forward_matmul": fwd.matmul, "forward_elementwise": fwd.elementwise,
            "forward": fwd.total, "backward_matmul": backward, "step": fwd.total + backward,
            "deepbench": deepbench_flops(config)}
