"""Every Keras backend: each example builds and trains a step on TensorFlow, JAX and PyTorch,
and a model saved on one backend loads and predicts the same on another (subprocesses)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import hybridspec as hs
from hybridspec.backends import use

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
INSTALLED = [b for b, module in (("tensorflow", "tensorflow"), ("jax", "jax"), ("torch", "torch"))
             if importlib.util.find_spec(module)]

STEP = """
import json, sys
import numpy as np
import keras
import hybridspec as hs

def batch(spec, rng):
    def one(inp):
        shape = (4, *(3 if d is None else d for d in inp.shape))
        if inp.dtype.startswith("int"):
            ids = rng.integers(1, 3, size=shape)
            return ids.astype(inp.dtype)
        return rng.normal(size=shape).astype(inp.dtype)
    xs = {name: one(inp) for name, inp in spec.inputs.items()}
    return xs if len(xs) > 1 else next(iter(xs.values()))

done = []
for path in sys.argv[1:]:
    spec = hs.load(path)
    model = hs.build(spec)
    x = batch(spec, np.random.default_rng(0))
    y = model.predict(x, verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    loss = model.train_on_batch(x, y)
    assert np.isfinite(np.asarray(loss)).all(), (path, loss)
    done.append(spec.name)
print(json.dumps({"backend": keras.backend.backend(), "trained": done}))
"""


def _run(backend, code, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("backend", INSTALLED)
def test_every_example_builds_and_trains_a_step(backend):
    result = _run(backend, STEP, *EXAMPLES)
    assert result == {"backend": backend, "trained": [hs.load(p).name for p in EXAMPLES]}


SAVE = """
import json, sys
import numpy as np
import hybridspec as hs
spec = hs.load(sys.argv[1])
model = hs.build(spec)
shape = next(iter(spec.inputs.values())).shape
x = np.random.default_rng(0).normal(size=(3, *(d or 4 for d in shape))).astype("float32")
model.save(sys.argv[2])
np.save(sys.argv[3], x)
np.save(sys.argv[4], np.asarray(model.predict(x, verbose=0)))
print(json.dumps({}))
"""
LOAD = """
import json, sys
import numpy as np
import keras
model = keras.saving.load_model(sys.argv[1], safe_mode=True)
got = np.asarray(model.predict(np.load(sys.argv[2]), verbose=0))
print(json.dumps({"diff": float(np.max(np.abs(got - np.load(sys.argv[3]))))}))
"""


@pytest.mark.slow
@pytest.mark.parametrize(("saved_on", "loaded_on"), [(a, b) for a in INSTALLED for b in INSTALLED if a != b])
def test_a_model_saved_on_one_backend_predicts_the_same_on_another(saved_on, loaded_on, tmp_path):
    files = [str(tmp_path / n) for n in ("m.keras", "x.npy", "y.npy")]
    _run(saved_on, SAVE, str(ROOT / "examples" / "video_cnn_lstm.yaml"), *files)
    assert _run(loaded_on, LOAD, *files)["diff"] < 1e-5


def test_backend_choice_is_checked():
    with pytest.raises(hs.SpecError, match="backend: must be one of tensorflow, jax, torch, got 'theano'"):
        use("theano")
