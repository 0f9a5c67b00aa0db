"""Distributed training: MirroredStrategy over two logical CPU devices, and (slow) a two-worker
MultiWorkerMirroredStrategy cluster on 127.0.0.1 whose workers, each fed its half of every
batch, end with bitwise identical weights and the same (all-reduced) history."""

import json
import os
import socket
import subprocess
import sys

import pytest

DOC = """name: dist_hybrid
inputs: {rows: {shape: [8, 8]}}
body:
  - conv: {filters: 8, kernel_size: 3, padding: same, activation: relu}
  - bidirectional: {gru: 8}
  - dense: {units: 10, activation: softmax}
train:
  loss: sparse_categorical_crossentropy
  batch_size: 32
  epochs: 2
  validation_split: 0.1
  seed: 0
"""
TIMEOUT = 300


def _train(tmp_path, *flags, env=None, out="out", log=subprocess.PIPE):
    doc = tmp_path / "dist.yaml"
    doc.write_text(DOC)
    return subprocess.Popen(
        [sys.executable, "-m", "hybridspec.cli", "train", str(doc), "--data", "digits-seq",
         "--out", str(tmp_path / out), *flags],
        stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})


def test_mirrored_over_two_logical_cpus(tmp_path):
    proc = _train(tmp_path, "--strategy", "mirrored", "--cpu-devices", "2")
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, out
    assert "training on 2 replicas (MirroredStrategy), 16 examples per replica and step" in out
    assert (tmp_path / "out" / "dist_hybrid.keras").exists()


def test_batch_must_split_over_replicas(tmp_path):
    proc = _train(tmp_path, "--strategy", "mirrored", "--cpu-devices", "3")
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1
    assert "train.batch_size: the global batch 32 does not split over 3 replicas" in out


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _run_workers(tmp_path, count):
    """``count`` workers of one cluster on 127.0.0.1, each logging to a file (a full pipe would
    stall one worker and with it the others); whichever is still running at TIMEOUT is killed."""
    cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(count)]}
    logs = [tmp_path / f"worker-{i}.log" for i in range(count)]
    procs = []
    try:
        for i, log in enumerate(logs):
            config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})
            with log.open("w") as file:
                procs.append(_train(tmp_path, "--strategy", "multi-worker", env={"TF_CONFIG": config},
                                    log=file))
        for proc in procs:
            proc.wait(timeout=TIMEOUT)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [(proc.returncode, log.read_text()) for proc, log in zip(procs, logs, strict=True)]


@pytest.mark.slow
def test_two_workers_end_with_identical_weights(tmp_path):
    import keras
    import numpy as np

    for code, log in _run_workers(tmp_path, 2):
        assert code == 0, log
        assert "training on 2 replicas (MultiWorkerMirroredStrategy), 16 examples per replica" in log
        assert "41/41" in log  # 1294 training examples, global batches of 32, 16 from each worker
    chief = keras.saving.load_model(tmp_path / "out" / "dist_hybrid.keras")
    other = keras.saving.load_model(tmp_path / "out" / "worker-1" / "dist_hybrid.keras")
    for a, b in zip(chief.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    history = (tmp_path / "out" / "history.csv").read_text()
    assert history == (tmp_path / "out" / "worker-1" / "history.csv").read_text()
    assert len(history.splitlines()) == 3  # the header and both epochs
