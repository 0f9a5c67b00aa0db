"""Saved models are plain Keras: every example and a sample of property-test trees, saved to
.keras, load with ``keras.saving.load_model`` in a fresh process that imports only keras, and
predict what the original predicted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import hybridspec as hs
from hybridspec.testing import trees

keras = pytest.importorskip("keras")

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.yaml"))
TREES = 8  # property trees saved and reloaded in make test (make test-slow: 80)

RELOAD = """
import json, sys
import keras
import numpy as np

worst = {}
for name, single in json.loads(sys.argv[1]):
    model = keras.saving.load_model(name + ".keras")
    with np.load(name + ".in.npz") as x, np.load(name + ".out.npz") as y:
        feed = {k: x[k] for k in x.files}
        got = model(feed.popitem()[1] if single else feed, training=False)
        got = got if isinstance(got, dict) else {model.output_names[0]: got}
        worst[name] = max(float(np.max(np.abs(np.asarray(got[k]) - y[k]), initial=0.0)) for k in y.files)
assert not any(m.startswith("hybridspec") for m in sys.modules), "the reloading process imported hybridspec"
print(json.dumps(worst))
"""


EXTRA = {  # what this suite must cover whatever the draws: single-layer TimeDistributed,
    # attention pooling over a mask, frozen and named layers, bidirectional states
    "td_pool": """
name: td_pool
inputs: {x: {shape: [3, 6, 6, 1]}}
body:
  - {time_distributed: {conv: {filters: 2, kernel_size: 3, name: frame_conv}}}
  - {time_distributed: [flatten, {dense: {units: 4, trainable: false}}]}
  - {attention: {kind: additive, pool: true, units: 3}}
""",
    "masked_pool": """
name: masked_pool
inputs: {ids: {shape: [5], dtype: int32}}
body: [{embedding: {vocab: 9, dim: 4, mask_zero: true}}, {attention: {kind: additive, pool: true}}]
""",
    "bi_states": """
name: bi_states
inputs: {src: {shape: [5, 3]}, tgt: {shape: [4, 2]}}
nodes:
  enc: {from: src, block: {bidirectional: {layer: {lstm: 4}, merge_mode: none}}, return_state: true}
  dec: {from: tgt, block: {lstm: 4}, initial_state: [enc.states.2, enc.states.3]}
outputs: {y: {from: dec}, h: {from: enc.states.0}, half: {from: enc.1}}
""",
}


def _inputs(spec: hs.ModelSpec) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    out = {}
    for name, inp in spec.inputs.items():
        shape = (2, *(3 if d is None else d for d in inp.shape))
        if inp.dtype.startswith("int"):
            ids = rng.integers(0, 2, size=shape)
            ids[:, 0] = 1  # no sequence fully masked
            out[name] = ids.astype(inp.dtype)
        else:
            out[name] = rng.normal(size=shape).astype(inp.dtype)
    return out


def _save(spec: hs.ModelSpec, stem: Path) -> None:
    """Build, save and record inputs and predictions beside ``stem``."""
    keras.backend.clear_session()
    model = hs.build(spec)
    x = _inputs(spec)
    y = model(next(iter(x.values())) if spec.body is not None else x, training=False)
    y = y if isinstance(y, dict) else {model.output_names[0]: y}
    model.save(f"{stem}.keras")
    np.savez(f"{stem}.in.npz", **x)
    np.savez(f"{stem}.out.npz", **{k: np.asarray(v) for k, v in y.items()})


def _reload(stems: list[tuple[Path, bool]]) -> dict[str, float]:
    names = json.dumps([(str(s), single) for s, single in stems])
    done = subprocess.run([sys.executable, "-c", RELOAD, names], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_examples_and_trees_reload_in_plain_keras(tmp_path):
    _examples_and_trees(tmp_path, TREES)


@pytest.mark.slow
def test_many_trees_reload_in_plain_keras(tmp_path):
    _examples_and_trees(tmp_path, 80)


def _examples_and_trees(tmp_path: Path, count: int) -> None:
    stems: list[tuple[Path, bool]] = []
    for path in EXAMPLES:
        spec = hs.load(path)
        stems.append((tmp_path / path.stem, spec.body is not None))
        _save(spec, stems[-1][0])

    for name, text in EXTRA.items():
        spec = hs.loads(text)
        stems.append((tmp_path / name, spec.body is not None))
        _save(spec, stems[-1][0])

    @settings(max_examples=count, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(spec=trees.models())
    def save_tree(spec: hs.ModelSpec) -> None:
        stems.append((tmp_path / f"tree{len(stems)}", spec.body is not None))
        _save(spec, stems[-1][0])

    save_tree()
    worst = _reload(stems)
    assert len(worst) == len(stems) >= len(EXAMPLES) + len(EXTRA) + 1
    largest = max(worst.values())
    print(f"reloaded {len(worst)} models in a keras-only process; largest difference {largest:.3g}")
    assert largest < 1e-5, {k: v for k, v in worst.items() if v >= 1e-5}
