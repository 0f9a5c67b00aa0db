"""The optional PyTorch peer: the same shapes through ``nn.LSTM``/``nn.GRU``/``nn.RNN``.

torch is never a dependency of hybridspec; the peer runs only where it is installed. Masked
configurations go through ``pack_padded_sequence`` (PyTorch's way of skipping padding), mixed
policies through ``torch.autocast``. PyTorch's cells carry two bias vectors (4H more adds per
LSTM step than Keras's one), which the FLOP count ignores.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .suite import Config

AUTOCAST = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def available() -> bool:
    return importlib.util.find_spec("torch") is not None


def wait_policy() -> str:
    """The OpenMP wait policy PyTorch's threads run with (libgomp reads OMP_WAIT_POLICY once).

    It matters, and the suite leaves it alone: measured on the 2-core machine, a quiet machine
    ran the 32x100x128 LSTM forward in 5.5 ms with the default (spinning) policy and in 16 ms
    with PASSIVE, while with other processes keeping the cores busy the default policy took
    166 ms and PASSIVE 19 ms. Set OMP_WAIT_POLICY yourself to choose."""
    return os.environ.get("OMP_WAIT_POLICY", "default")


def torch_device(device: str) -> str:
    return "cuda" if device == "gpu" else "cpu"


def module(config: Config, device: str) -> Any:
    import torch

    kwargs: dict[str, Any] = {"batch_first": True, "bidirectional": config.bidirectional}
    if config.cell == "simple":
        kwargs["nonlinearity"] = config.activation
    elif config.activation != "tanh":
        raise ValueError(f"PyTorch's {config.cell} has no activation option")
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simple": torch.nn.RNN}[config.cell]
    return cls(config.features, config.units, **kwargs).to(torch_device(device))


def make_step(config: Config, x_np: np.ndarray, lengths: np.ndarray | None, device: str,
              net: Any = None) -> Callable[[], float]:
    """One synchronized step (forward, or forward and backward) on PyTorch."""
    import torch

    dev = torch_device(device)
    net = net if net is not None else module(config, device)
    x = torch.from_numpy(x_np).to(dev)
    lengths_t = None if lengths is None else torch.from_numpy(lengths)
    cast = AUTOCAST.get(config.dtype)

    def autocast() -> Any:
        return torch.autocast(dev, dtype=getattr(torch, cast)) if cast else contextlib.nullcontext()

    def forward(inputs: Any) -> Any:
        if lengths_t is None:
            return net(inputs)[0]
        packed = torch.nn.utils.rnn.pack_padded_sequence(inputs, lengths_t, batch_first=True,
                                                         enforce_sorted=False)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(net(packed)[0], batch_first=True,
                                                        total_length=config.steps)
        return out

    def sync() -> None:
        if dev == "cuda":
            torch.cuda.synchronize()

    if not config.training:
        def infer() -> float:
            with torch.inference_mode(), autocast():
                value = forward(x).float().sum()
            sync()
            return float(value)
        return infer

    xr = x.clone().requires_grad_(True)

    def train() -> float:
        net.zero_grad(set_to_none=True)
        xr.grad = None
        with autocast():
            loss = forward(xr).float().sum()
        loss.backward()
        sync()
        return float(loss.detach())

    return train


def threads() -> int:
    import torch

    return int(torch.get_num_threads())


def op_profile(step: Callable[[], Any], top: int = 6) -> list[dict[str, Any]]:
    """The ops one step runs, by self CPU time, with input shapes and call counts
    (torch.profiler): shows whether the input product is one GEMM or one per step."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        step()
    rows = [{"op": e.key, "shapes": str(e.input_shapes), "calls": e.count,
             "self_cpu_ms": e.self_cpu_time_total / 1e3}
            for e in prof.key_averages(group_by_input_shape=True)]
    return sorted(rows, key=lambda r: -r["self_cpu_ms"])[:top]
