"""Documents: YAML and JSON text to ModelSpec and back, loaded safely and written atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from .convert import _structure_attrs, to_spec_error, unstructure_fields
from .errors import SpecError
from .model import ModelSpec


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML (libyaml's parser where installed) that also refuses duplicate keys."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def parse(text: str, format: str = "yaml") -> Any:
    """Plain data from YAML or JSON text; syntax errors become SpecErrors with a line number."""
    try:
        if format == "json":
            return json.loads(text)
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except json.JSONDecodeError as exc:
        raise SpecError("", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError("", f"invalid YAML{where}: {problem}") from None


def from_data(data: Any, folder: str | os.PathLike[str] | None = None) -> ModelSpec:
    """A ModelSpec from parsed data, or a SpecError naming the path of the first problem.
    ``include`` paths are relative to ``folder`` (the current directory if None)."""
    from .library import definitions_of

    if not isinstance(data, dict):
        raise SpecError("", f"a document must be a mapping with name, inputs and body or nodes; got {type(data).__name__}")
    try:
        with definitions_of(data, None if folder is None else Path(folder)):
            return _structure_attrs(data, ModelSpec)
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 (any structuring failure becomes a SpecError)
        raise to_spec_error(exc) from None


def to_data(spec: ModelSpec) -> dict[str, Any]:
    """The shortest plain-data form of a spec; every definition it uses must be in ``define``
    (or, with ``include``, come from there) so that the document loads back."""
    from .definitions import check_uses

    check_uses(spec.define, bool(spec.include), spec.body, spec.nodes, spec.outputs)
    return unstructure_fields(spec)


def loads(text: str, format: str = "yaml", folder: str | os.PathLike[str] | None = None) -> ModelSpec:
    """A ModelSpec from YAML (the default) or JSON text; ``include`` paths are relative to
    ``folder`` (the current directory if None)."""
    if format not in ("yaml", "json"):
        raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")
    return from_data(parse(text, format), folder)


def dumps(spec: ModelSpec, format: str = "yaml") -> str:
    """YAML or JSON text that ``loads`` turns back into an equal spec."""
    data = to_data(spec)
    if format == "json":
        return json.dumps(data, indent=2) + "\n"
    if format == "yaml":
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")


def _format_of(path: Path) -> str:
    return "json" if path.suffix.lower() == ".json" else "yaml"


def load(path: str | os.PathLike[str]) -> ModelSpec:
    """A ModelSpec from a .yaml/.yml or .json file."""
    path = Path(path)
    return loads(path.read_text(encoding="utf-8"), _format_of(path), path.parent)


@contextmanager
def replacing(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` to write; renamed onto ``path`` when the block succeeds,
    removed when it fails. ``suffix`` keeps writers that check it happy (Keras wants .keras)."""
    import tempfile  # not on the cold path of check

    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual mode
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it into place."""
    with replacing(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def dump(spec: ModelSpec, path: str | os.PathLike[str]) -> None:
    """Write a spec as YAML or JSON (by the file's suffix), atomically."""
    path = Path(path)
    write_atomic(path, dumps(spec, _format_of(path)))
