"""Benchmark suites as data: a YAML document of configurations, validated strictly.

A suite has settings (repetitions, time budget, ...), ``defaults`` for every configuration,
and ``configs``: entries that override the defaults and may carry a ``grid`` (a mapping of
field to list of values) that expands into the cartesian product. Unknown keys, wrong types,
unknown cells and duplicate names are errors that name their place in the document, like
``configs[2].grid.cell[1]: must be one of lstm, gru, simple, got 'lsmt'. Did you mean 'lstm'?``.
"""

from __future__ import annotations

import fnmatch
import itertools
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from ..specs.convert import converter, to_spec_error
from ..specs.documents import parse
from ..specs.errors import SpecError, join_path
from ..specs.rules import (
    NON_NEGATIVE,
    POSITIVE,
    Bool,
    Float,
    Instance,
    MapOf,
    Maybe,
    Name,
    OneOf,
    Rule,
    Text,
    TupleOf,
    field,
)

CELLS = ("lstm", "gru", "simple")
DTYPES = ("float32", "mixed_float16", "mixed_bfloat16")
MODES = ("training", "inference")
ACTIVATIONS = ("tanh", "relu")
VARIANTS = ("generic", "recurrent_dropout", "jit", "unroll")
SHORT_DTYPE = {"float32": "", "mixed_float16": "fp16", "mixed_bfloat16": "bf16"}


@attrs.frozen(kw_only=True)
class Config:
    """One benchmarked recurrent layer: its cell, sizes, data, precision and mode."""

    name: str = field(Text(), doc="unique name in the suite")
    cell: str = field(OneOf(*CELLS), "lstm", "lstm, gru or simple (SimpleRNN)")
    bidirectional: bool = field(Bool(), False, "wrap the layer in Bidirectional (concat)")
    units: int = field(POSITIVE, 128, "hidden size H")
    features: int = field(POSITIVE, 128, "input features D")
    steps: int = field(POSITIVE, 100, "time steps T")
    batch: int = field(POSITIVE, 32, "batch N")
    masked: bool = field(Bool(), False, "right-padded sequences behind a Masking layer")
    dtype: str = field(OneOf(*DTYPES), "float32", "Keras dtype policy")
    mode: str = field(OneOf(*MODES), "training", "training (forward and backward) or inference")
    activation: str = field(OneOf(*ACTIVATIONS), "tanh", "output activation (relu: DeepBench vanilla)")
    variants: tuple[str, ...] = field(TupleOf(OneOf(*VARIANTS)), (), "extra variants to time")

    @property
    def training(self) -> bool:
        return self.mode == "training"

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def fields(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.asdict(self).items()}


class AnyValues(Rule):
    """A non-empty list of values (each is judged once the grid is expanded)."""

    describe = "a non-empty list of values"
    schema = {"type": "array", "minItems": 1}

    def problem(self, value: Any) -> tuple[str, str] | None:
        return None if isinstance(value, tuple) and value else self.bad(value)


def _maybe(rule: Rule, doc: str) -> Any:
    return field(Maybe(rule), None, doc)


@attrs.frozen(kw_only=True)
class Entry:
    """A configuration as written in a suite: fields left null take the defaults."""

    name: str | None = _maybe(Text(), "name (generated from the fields if null; not with grid)")
    grid: dict[str, tuple[Any, ...]] = field(MapOf(AnyValues()), attrs.Factory(dict),
                                             "field -> values; expands into the cartesian product")
    cell: str | None = _maybe(OneOf(*CELLS), "lstm, gru or simple")
    bidirectional: bool | None = _maybe(Bool(), "wrap in Bidirectional")
    units: int | None = _maybe(POSITIVE, "hidden size H")
    features: int | None = _maybe(POSITIVE, "input features D (the units if null)")
    steps: int | None = _maybe(POSITIVE, "time steps T")
    batch: int | None = _maybe(POSITIVE, "batch N")
    masked: bool | None = _maybe(Bool(), "right-padded, masked sequences")
    dtype: str | None = _maybe(OneOf(*DTYPES), "dtype policy")
    mode: str | None = _maybe(OneOf(*MODES), "training or inference")
    activation: str | None = _maybe(OneOf(*ACTIVATIONS), "tanh or relu")
    variants: tuple[str, ...] | None = _maybe(TupleOf(OneOf(*VARIANTS)), "variants to time")

    def values(self) -> dict[str, Any]:
        return {a.name: getattr(self, a.name) for a in attrs.fields(Entry)
                if a.name not in ("name", "grid") and getattr(self, a.name) is not None}


@attrs.frozen(kw_only=True)
class SuiteDoc:
    """The document form of a suite."""

    name: str = field(Name(), doc="suite name")
    description: str | None = _maybe(Text(), "what the suite is for")
    repeats: int = field(POSITIVE, 20, "timed repetitions per candidate (at most)")
    min_repeats: int = field(POSITIVE, 5, "repetitions kept even when the budget is spent")
    warmup: int = field(NON_NEGATIVE, 2, "untimed calls after the first (tracing) call")
    budget_s: float = field(Float(positive=True), 30.0, "seconds of timing per configuration")
    unroll_max_steps: int = field(POSITIVE, 32, "the unroll variant applies up to this many steps")
    peer: bool = field(Bool(), True, "time PyTorch's layer too when torch is installed")
    matmul_size: int = field(POSITIVE, 2048, "square matmul size for the CPU peak")
    gpu_matmul_size: int = field(POSITIVE, 8192, "square matmul size for the GPU peak")
    anatomy: tuple[str, ...] = field(TupleOf(Text()), (), "configurations to take apart")
    defaults: Entry = field(Instance(Entry, "a configuration mapping"), attrs.Factory(Entry),
                            "field values for every configuration")
    configs: tuple[Entry, ...] = field(TupleOf(Instance(Entry, "a configuration mapping"), 1),
                                       doc="the configurations")


@attrs.frozen(kw_only=True)
class Suite:
    """A validated suite with its configurations expanded."""

    name: str
    description: str
    repeats: int
    min_repeats: int
    warmup: int
    budget_s: float
    unroll_max_steps: int
    peer: bool
    matmul_size: int
    gpu_matmul_size: int
    anatomy: tuple[str, ...]
    configs: tuple[Config, ...]
    source: str = ""

    def select(self, filters: list[str] | tuple[str, ...]) -> list[Config]:
        """Configurations matching every filter: ``field=value`` or a glob/substring of the name."""
        return [c for c in self.configs if all(matches(c, f) for f in filters)]

    def settings(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if k != "configs"}


def matches(config: Config, pattern: str) -> bool:
    key, eq, value = pattern.partition("=")
    if eq:
        if key not in attrs.fields_dict(Config):
            raise ValueError(f"--filter {pattern!r}: unknown field {key!r}; fields: "
                             + ", ".join(a.name for a in attrs.fields(Config)))
        have = getattr(config, key)
        return (value in have) if isinstance(have, tuple) else str(have).lower() == value.lower()
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(config.name, pattern)
    return pattern in config.name


def auto_name(values: dict[str, Any]) -> str:
    """``lstm-bi-h128-n32-t100-train-masked-bf16``: the fields that identify a configuration."""
    parts = [values["cell"] + ("-bi" if values["bidirectional"] else ""), f"h{values['units']}"]
    if values["features"] != values["units"]:
        parts.append(f"d{values['features']}")
    parts += [f"n{values['batch']}", f"t{values['steps']}",
              "train" if values["mode"] == "training" else "infer"]
    if values["masked"]:
        parts.append("masked")
    dtype = SHORT_DTYPE.get(values["dtype"], str(values["dtype"]))
    if dtype:
        parts.append(dtype)
    if values["activation"] != "tanh":
        parts.append(values["activation"])
    return "-".join(parts)


_FIELD_DEFAULTS = {a.name: a.default for a in attrs.fields(Config) if a.default is not attrs.NOTHING}


def _expand(entry: Entry, defaults: dict[str, Any], where: str) -> list[Config]:
    if entry.name is not None and entry.grid:
        raise SpecError(join_path(where, "name"), "a named entry cannot have a grid (names are "
                        "generated for grid entries)")
    keys = [a.name for a in attrs.fields(Entry) if a.name not in ("name", "grid")]
    for key in entry.grid:
        if key not in keys:
            raise SpecError(join_path(where, f"grid.{key}"), "unknown field; fields: " + ", ".join(keys))
        if getattr(entry, key) is not None:
            raise SpecError(join_path(where, f"grid.{key}"), "is also set outside the grid")
    out = []
    for combo in itertools.product(*entry.grid.values()):
        values = {**_FIELD_DEFAULTS, **defaults, **entry.values(), **dict(zip(entry.grid, combo, strict=True))}
        if "features" not in {**defaults, **entry.values(), **entry.grid}:
            values["features"] = values["units"]
        try:
            values["name"] = entry.name or auto_name(values)
            out.append(Config(**values))
        except SpecError as err:
            key = err.path.partition("[")[0]
            inner = err.path
            if key in entry.grid:
                inner = f"grid.{key}[{entry.grid[key].index(values[key])}]"
            raise SpecError(join_path(where, inner), err.message) from None
    return out




def from_data(data: Any, source: str = "") -> Suite:
    """A Suite from parsed YAML/JSON data; SpecError names the path of the first problem."""
    if not isinstance(data, dict):
        raise SpecError("", f"a suite must be a mapping with name and configs; got {type(data).__name__}")
    try:
        doc = converter.structure(data, SuiteDoc)
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 (any structuring failure becomes a SpecError)
        raise to_spec_error(exc) from None
    if doc.defaults.name is not None or doc.defaults.grid:
        raise SpecError("defaults", "defaults take field values only (no name or grid)")
    defaults = doc.defaults.values()
    configs: list[Config] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(doc.configs):
        for config in _expand(entry, defaults, f"configs[{i}]"):
            if config.name in seen:
                raise SpecError(f"configs[{i}]", f"duplicate configuration name {config.name!r} "
                                f"(also from {seen[config.name]})")
            seen[config.name] = f"configs[{i}]"
            configs.append(config)
    for j, name in enumerate(doc.anatomy):
        if name not in seen:
            raise SpecError(f"anatomy[{j}]", f"unknown configuration {name!r}")
        if next(c for c in configs if c.name == name).cell == "simple":
            raise SpecError(f"anatomy[{j}]", "anatomy takes lstm or gru configurations")
    settings = {a.name: getattr(doc, a.name) for a in attrs.fields(SuiteDoc)
                if a.name not in ("defaults", "configs", "description")}
    return Suite(**settings, description=doc.description or "", configs=tuple(configs), source=source)


def loads_suite(text: str, source: str = "") -> Suite:
    """A Suite from YAML text (duplicate keys refused)."""
    try:
        return from_data(parse(text), source)
    except SpecError as err:
        if source:
            raise SpecError(f"{source}: {err.path}" if err.path else source, err.message) from None
        raise


def builtin_suites() -> list[str]:
    """Names of the suites shipped with the package."""
    folder = resources.files("hybridspec.bench") / "suites"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_suite(name_or_path: str) -> Suite:
    """A shipped suite by name (``smoke``, ``cpu``, ``deepbench``) or a suite file by path."""
    if name_or_path in builtin_suites():
        text = (resources.files("hybridspec.bench") / "suites" / f"{name_or_path}.yaml").read_text("utf-8")
        return loads_suite(text, f"suites/{name_or_path}.yaml")
    path = Path(name_or_path)
    if not path.exists():
        raise SpecError("", f"no suite {name_or_path!r}: not a shipped suite ("
                        + ", ".join(builtin_suites()) + ") and no such file")
    return loads_suite(path.read_text("utf-8"), str(path))
