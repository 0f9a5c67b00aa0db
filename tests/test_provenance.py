"""Reproducible builds (seed) and provenance (the document inside the .keras file)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import hybridspec as hs
from hybridspec.graphs.provenance import ENTRY, canonical, fingerprint

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
EXAMPLES = Path(__file__).parents[1] / "examples"
SEEDED = """
import hashlib, sys
import hybridspec as hs
model = hs.build(hs.load(sys.argv[1]), seed=int(sys.argv[2]))
digest = hashlib.sha256(b"".join(w.numpy().tobytes() for w in model.weights)).hexdigest()
print(digest, ",".join(layer.name for layer in model.layers))
"""


def _weights(model):
    return [w.numpy() for w in model.weights]


def test_same_seed_same_weights_in_one_process():
    spec = hs.load(EXAMPLES / "siamese_multitask.yaml")
    a, b, c = hs.build(spec, seed=7), hs.build(spec, seed=7), hs.build(spec, seed=8)
    assert [layer.name for layer in a.layers] == [layer.name for layer in b.layers]
    assert all(np.array_equal(x, y) for x, y in zip(_weights(a), _weights(b), strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(_weights(a), _weights(c), strict=True))


@pytest.mark.slow
def test_same_seed_same_weights_in_two_processes():
    path = str(EXAMPLES / "speech_bigru_attention.yaml")
    runs = [subprocess.run([sys.executable, "-c", SEEDED, path, "3"], capture_output=True, text=True,
                           check=True, env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
            for _ in range(2)]
    first, second = (r.stdout.strip().splitlines()[-1] for r in runs)
    assert first == second


def test_fingerprint_is_of_the_canonical_document():
    spec = hs.load(EXAMPLES / "mnist_mlp.yaml")
    again = hs.loads(hs.dumps(spec, "json"), "json")
    assert canonical(spec) == canonical(again)
    assert fingerprint(spec) == fingerprint(again) and fingerprint(spec).startswith("sha256:")
    other = hs.loads(hs.dumps(spec).replace("units: 10", "units: 11", 1))
    assert fingerprint(other) != fingerprint(spec)


def test_spec_of_a_model_and_of_its_saved_file(tmp_path):
    spec = hs.load(EXAMPLES / "seq2seq_translation.yaml")
    model = hs.build(spec)
    assert hs.spec_of(model) == spec and model.hybridspec_fingerprint == fingerprint(spec)
    path = tmp_path / "s2s.keras"
    hs.save(model, path)
    assert hs.spec_of(path) == spec and hs.spec_of(str(path)) == spec
    stored = json.loads(zipfile.ZipFile(path).read(ENTRY))
    assert stored["fingerprint"] == fingerprint(spec)


@pytest.mark.slow
def test_saved_file_loads_with_plain_keras_in_a_fresh_process(tmp_path):
    path = tmp_path / "mnist.keras"
    hs.save(hs.build(hs.load(EXAMPLES / "mnist_mlp.yaml")), path)
    code = ("import sys, keras\nm = keras.saving.load_model(sys.argv[1], safe_mode=True)\n"
            "print(m.count_params(), sorted(k for k in sys.modules if k.startswith('hybridspec')))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.stdout.strip().splitlines()[-1] == "235658 []"


def test_cli_build_writes_the_document(tmp_path, monkeypatch):
    from hybridspec.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["build", str(EXAMPLES / "mnist_mlp.yaml"), "-o", "m.keras", "--seed", "1"]) == 0
    assert hs.spec_of("m.keras") == hs.load(EXAMPLES / "mnist_mlp.yaml")


def test_spec_of_refuses_what_it_cannot_trust(tmp_path):
    plain = tmp_path / "plain.keras"
    model = hs.build(hs.load(EXAMPLES / "mnist_mlp.yaml"))
    model.save(plain)  # Keras's own save: no document
    with pytest.raises(hs.SpecError, match="holds no hybridspec document"):
        hs.spec_of(plain)
    with pytest.raises(hs.SpecError, match="carries no hybridspec document"):
        hs.spec_of(keras.saving.load_model(plain))
    tampered = tmp_path / "tampered.keras"
    hs.save(model, tampered)
    with zipfile.ZipFile(tampered) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    payload = json.loads(entries[ENTRY])
    payload["document"]["name"] = "changed"
    entries[ENTRY] = json.dumps(payload).encode()
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(hs.SpecError, match="does not match its fingerprint"):
        hs.spec_of(tampered)
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(hs.SpecError, match="not a readable .keras archive"):
        hs.spec_of(tmp_path / "junk.keras")
