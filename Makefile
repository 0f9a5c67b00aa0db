PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test test-slow test-thorough demo bench bench-gpu lint docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@command -v dot >/dev/null || (command -v apt-get >/dev/null && \
	  (apt-get install -y -q graphviz >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null 2>&1)) \
	  || echo "note: graphviz (dot) not installed; plots fall back to .dot files")
	touch $(STAMP)

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

test: lint
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -m "not slow"

$(VENV)/.backends: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,backends]'
	touch $@

test-slow: $(VENV)/.backends
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -m slow || test $$? -eq 5  # 5: none collected

test-thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest -q tests/test_*properties*.py

demo: $(STAMP)
	$(BIN)/hybridspec demo --out demo-out

bench: $(VENV)/.backends
	$(BIN)/hybridspec bench rnn --suite cpu --out benchmarks/results
	$(BIN)/hybridspec bench rnn --suite cpu --backend tensorflow,jax,torch --repeats 7 --out benchmarks/results
	$(BIN)/hybridspec bench overhead --out benchmarks/results
	$(BIN)/python -m benchmarks.update_results --results benchmarks/results --doc benchmarks/RESULTS.md

# The GPU path in one short run (about 8 minutes on one GPU): cuDNN vs generic kernels,
# float32 and mixed_float16 on TensorFlow, then the inference configurations on every backend.
# On a machine without a GPU: make bench-gpu DEVICE=cpu SUITE=smoke. The backends extra installs
# jax's CPU build; for JAX on a GPU install jax[cuda12] (a worker that fails keeps the others).
DEVICE ?= gpu
SUITE ?= gpu
BACKENDS ?= tensorflow,jax,torch
GPU_OUT ?= benchmarks/results-gpu
bench-gpu: $(VENV)/.backends
	$(BIN)/hybridspec bench rnn --suite $(SUITE) --device $(DEVICE) --no-peer --out $(GPU_OUT)
	$(BIN)/hybridspec bench rnn --suite $(SUITE) --device $(DEVICE) --backend $(BACKENDS) --filter mode=inference --repeats 5 --out $(GPU_OUT)

docs: $(STAMP)
	$(BIN)/python -m hybridspec.docgen docs/blocks.md

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .hypothesis
