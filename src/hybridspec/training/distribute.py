"""Distributed training on tf.distribute: the strategies ``hybridspec train --strategy`` names.

``mirrored`` copies the model onto every local GPU (or onto N logical CPU devices, for trying
it without GPUs) and all-reduces gradients; ``multi-worker`` does the same across hosts, each
worker told the cluster by its TF_CONFIG (with ``reduce`` mended so that Keras's own ``fit``
runs under it; see ``_multi_worker``). The batch size of the train section is the global
batch: each replica takes batch_size / replicas examples per step.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..specs import SpecError

STRATEGIES = ("mirrored", "multi-worker")


def strategy_of(name: str, cpu_devices: int | None = None) -> Any:
    """The tf.distribute strategy called ``name``. ``cpu_devices`` splits the CPU into that many
    logical devices first (it must happen before TensorFlow starts its runtime)."""
    import tensorflow as tf

    if cpu_devices:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_devices)
    if name == "mirrored":
        devices = [f"/cpu:{i}" for i in range(cpu_devices)] if cpu_devices else None
        return tf.distribute.MirroredStrategy(devices=devices)
    if name == "multi-worker":
        if "TF_CONFIG" not in os.environ:
            raise SpecError("strategy", "multi-worker needs TF_CONFIG describing the cluster and this "
                            "worker's task (see docs/distributed.md)")
        return _multi_worker(tf)()
    raise SpecError("strategy", f"must be one of {', '.join(STRATEGIES)}, got {name!r}")


def _multi_worker(tf: Any) -> Any:
    """tf.distribute.MultiWorkerMirroredStrategy with a ``reduce`` that takes what Keras 3's
    ``fit`` gives it across hosts (keras-team/keras#20585): the whole first batch, an ``(x, y)``
    nest, to build the model from, and scalar losses and metrics with ``axis=0`` after every
    step. Each value of a nest is reduced on its own (as MirroredStrategy does) and a scalar
    over the replicas only (``axis=None``); anything else goes to the stock ``reduce``."""

    class MultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
        def reduce(self, reduce_op: Any, value: Any, axis: Any) -> Any:
            stock = super().reduce

            def one(v: Any) -> Any:
                first = self.experimental_local_results(v)[0]
                scalar = tf.TensorShape(getattr(first, "shape", None)).rank == 0
                return stock(reduce_op, v, None if scalar else axis)

            return tf.nest.map_structure(one, value)

    return MultiWorkerMirroredStrategy


def check_batch(batch_size: int, strategy: Any) -> None:
    """The global batch must split evenly over the replicas."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise SpecError("train.batch_size", f"the global batch {batch_size} does not split over "
                        f"{replicas} replicas; use a multiple of {replicas}")


def worker_dir(out_dir: Path) -> Path:
    """Where this worker writes: the output folder for the chief (or a single process), a
    ``worker-N`` folder inside it for the other workers of a multi-worker cluster."""
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    task, cluster = config.get("task", {}), config.get("cluster", {})
    kind, index = task.get("type"), task.get("index", 0)
    chief = kind in (None, "chief") or (kind == "worker" and index == 0 and "chief" not in cluster)
    return out_dir if chief else out_dir / f"{kind}-{index}"


def fit_data(x: Any, y: Any, batch: int, split: float, seed: int, across_hosts: bool) -> dict[str, Any]:
    """``model.fit`` data arguments. Across hosts, arrays become tf.data datasets sharded by
    example (each worker takes its share of every global batch), the last ``split`` of the
    examples held out for validation as ``validation_split`` does."""
    if not across_hosts:
        return {"x": x, "y": y, "batch_size": batch, "validation_split": split}
    import tensorflow as tf

    n = len(next(iter(x.values())) if isinstance(x, dict) else x)
    cut = n - int(n * split)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA

    def part(lo: int, hi: int, shuffle: bool) -> Any:
        take = (lambda a: {k: v[lo:hi] for k, v in a.items()}) if isinstance(x, dict) else (lambda a: a[lo:hi])
        data = tf.data.Dataset.from_tensor_slices((take(x), take(y) if not isinstance(y, dict) else
                                                   {k: v[lo:hi] for k, v in y.items()}))
        if shuffle:
            data = data.shuffle(hi - lo, seed=seed, reshuffle_each_iteration=True)
        return data.batch(batch).with_options(options)

    return {"x": part(0, cut, True), "validation_data": part(cut, n, False) if cut < n else None}
