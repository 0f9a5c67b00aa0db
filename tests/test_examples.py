"""Every example document loads, and dumping it loads back to an equal spec."""

from pathlib import Path

import pytest

import hybridspec as hs

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.yaml"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_loads_and_is_named_after_its_file(path):
    spec = hs.load(path)
    assert spec.name == path.stem


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_dumps_loads_round_trip(path, fmt):
    spec = hs.load(path)
    assert hs.loads(hs.dumps(spec, fmt), fmt) == spec


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_dump_load_file_round_trip(path, suffix, tmp_path):
    spec = hs.load(path)
    target = tmp_path / f"copy{suffix}"
    hs.dump(spec, target)
    assert hs.load(target) == spec
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left
