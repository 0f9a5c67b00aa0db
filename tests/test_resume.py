"""Resume after SIGKILL: the run continues from the last backup, every epoch is trained and
recorded once, and files are never torn, whenever the kill comes."""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

DOC = """name: resumable
inputs: {rows: {shape: [8, 8]}}
body:
  - gru: 32
  - dense: {units: 10, activation: softmax}
train:
  loss: sparse_categorical_crossentropy
  batch_size: 8
  epochs: EPOCHS
  seed: 3
  backup: BACKUP
"""
TIMEOUT = 600
TOLERANCE = 0.05  # test accuracy of a resumed run vs an uninterrupted one (shuffles differ)


def _start(tmp_path, out, epochs=5, backup="epoch"):
    doc = tmp_path / "resumable.yaml"
    doc.write_text(DOC.replace("EPOCHS", str(epochs)).replace("BACKUP", str(backup)))
    return subprocess.Popen([sys.executable, "-m", "hybridspec.cli", "train", str(doc), "--data", "digits-seq",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def _finish(proc):
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, out
    return out


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _accuracy(log):
    line = next(line for line in log.splitlines() if line.startswith("test: "))
    return float(line.split("accuracy ")[1].split(",")[0])


def _wait_for_epochs(history, n, proc):
    deadline = time.monotonic() + TIMEOUT
    while not (history.exists() and len(_rows(history)) >= n):
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_killed_run_resumes_and_trains_every_epoch_once(tmp_path):
    whole = _finish(_start(tmp_path, tmp_path / "whole"))
    out = tmp_path / "killed"
    proc = _start(tmp_path, out)
    _wait_for_epochs(out / "history.csv", 2, proc)
    time.sleep(0.5)  # into epoch 3
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = json.loads((out / "backup" / "latest" / "training_metadata.json").read_text())["epoch"]
    assert 2 <= done < 5
    resumed = _finish(_start(tmp_path, out))
    assert f"resuming from the backup taken after epoch {done}" in resumed
    assert [int(r["epoch"]) for r in _rows(out / "history.csv")] == [1, 2, 3, 4, 5]
    assert not (out / "backup").exists(), "a finished run removes its backup"
    assert abs(_accuracy(resumed) - _accuracy(whole)) < TOLERANCE


def _intact(out):
    """Every file a kill may have interrupted is whole: history, backup, best weights."""
    import keras

    if (out / "history.csv").exists():
        rows = _rows(out / "history.csv")
        assert all(len(r) == len(rows[0]) and None not in r.values() for r in rows)
    latest = out / "backup" / "latest"
    files = [latest / "latest.weights.h5"] if latest.exists() else []
    if (out / "best.weights.h5").exists():
        files.append(out / "best.weights.h5")
    if latest.exists():
        json.loads((latest / "training_metadata.json").read_text())
    for path in files:
        model = keras.Sequential([keras.Input((8, 8)), keras.layers.GRU(32), keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss="mse")
        model.optimizer.build(model.trainable_variables)
        model.load_weights(path)


def test_kills_at_random_moments_never_tear_a_file(tmp_path):
    rng = random.Random(7)
    out = tmp_path / "run"
    for _ in range(4):
        proc = _start(tmp_path, out, epochs=4, backup=20)
        time.sleep(rng.uniform(4.0, 12.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _intact(out)
    _finish(_start(tmp_path, out, epochs=4, backup=20))
    assert [int(r["epoch"]) for r in _rows(out / "history.csv")] == [1, 2, 3, 4]
