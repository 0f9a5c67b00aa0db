"""Nothing in a document executes code: the source has no import strings, Lambda, pickle or
unsafe YAML, and every model hybridspec builds loads with Keras's ``safe_mode=True``."""

import re
from pathlib import Path

import pytest

import hybridspec as hs

SRC = Path(hs.__file__).parent
EXAMPLES = sorted(Path(__file__).parent.parent.joinpath("examples").glob("*.yaml"))
FORBIDDEN = {
    "Lambda layers": r"layers\.Lambda|\bLambda\(",
    "pickle": r"\b(c?pickle|dill|marshal|shelve)\b|allow_pickle=True",
    "unsafe YAML": r"yaml\.(load|load_all|unsafe_load|full_load)\(|FullLoader|UnsafeLoader|Loader=yaml\.Loader",
    "eval": r"\beval\(",
    "unsafe Keras loading": r"safe_mode=False|enable_unsafe_deserialization",
    "import strings": r"__import__\(|import_module\((?!f?\"|name\)|f\"\.)",
}
EXEC_ALLOWED = {"bench/overhead.py"}  # runs its own fixed benchmark programs, never a document
# Reads back the code attrs generated for hybridspec's own classes, like a .pyc cache, never
# anything a document names.
MARSHAL_ALLOWED = {"_methods_cache.py"}


@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_the_source_has_no_code_execution_paths(what):
    found = [f"{p.relative_to(SRC)}:{n}: {line.strip()}"
             for p in sorted(SRC.rglob("*.py")) for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(FORBIDDEN[what], line)
             and not (what == "pickle" and str(p.relative_to(SRC)) in MARSHAL_ALLOWED and "pickle" not in line)]
    assert not found, found


def test_exec_only_runs_fixed_programs():
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if re.search(r"\bexec\(", p.read_text())}
    assert users <= EXEC_ALLOWED


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_built_models_load_in_safe_mode(example, tmp_path):
    import keras

    spec = hs.load(example)
    model = hs.build(spec)
    path = tmp_path / f"{spec.name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert reloaded.count_params() == model.count_params() == hs.check(spec).params
    assert not [layer for layer in reloaded._flatten_layers() if type(layer).__name__ == "Lambda"]
