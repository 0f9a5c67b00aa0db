"""Documents: YAML and JSON text to ModelSpec and back, loaded safely and written atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from . import yaml12
from .convert import _structure_attrs, to_spec_error, unstructure_fields
from .errors import SpecError
from .limits import DEFAULT, Limits, TooLong, check_data, json_object, too_big
from .model import ModelSpec


def parse(text: str | bytes, format: str = "yaml", limits: Limits = DEFAULT) -> Any:
    """Plain data from YAML or JSON text within ``limits``; syntax errors become SpecErrors with
    a line number, encoding errors with a byte offset."""
    data = _utf8(text)
    if len(data) > limits.max_bytes:
        raise too_big(len(data), limits)
    try:
        if format == "json":
            parsed = json.loads(data.decode("utf-8"), object_pairs_hook=json_object,
                                parse_int=lambda s: int(s) if len(s) <= limits.max_digits else TooLong(s))
            check_data(parsed, limits)
            return parsed
        return yaml12.read(data, limits)
    except json.JSONDecodeError as exc:
        raise SpecError("", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise SpecError("", f"nested more than {limits.max_depth} levels deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError("", f"invalid YAML{where}: {problem}") from None


def _utf8(text: str | bytes) -> bytes:
    """The document as UTF-8 bytes (a leading byte-order mark dropped), or a SpecError naming
    the offset of the first byte that is not UTF-8."""
    try:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        data.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError) as exc:
        shown = repr(exc.object[exc.start:exc.start + 1])
        unit = "character" if isinstance(text, str) else "byte"
        raise SpecError("", f"not UTF-8 text: {unit} {shown} at offset {exc.start} cannot be "
                        f"{'encoded' if isinstance(text, str) else 'decoded'}. Save the file as UTF-8") from None
    return data.removeprefix(b"\xef\xbb\xbf")


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


def loads(text: str | bytes, format: str = "yaml", folder: str | os.PathLike[str] | None = None,
          limits: Limits = DEFAULT) -> ModelSpec:
    """A ModelSpec from YAML (the default) or JSON text (str, or UTF-8 bytes) within ``limits``;
    ``include`` paths are relative to ``folder`` (the current directory if None)."""
    if format not in ("yaml", "json"):
        raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")
    return from_data(parse(text, format, limits), folder)


def dumps(spec: ModelSpec, format: str = "yaml") -> str:
    """YAML or JSON text that ``loads`` turns back into an equal spec."""
    data = to_data(spec)
    if format == "json":
        return json.dumps(data, indent=2) + "\n"
    if format == "yaml":
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=100)
    raise ValueError(f"format must be 'yaml' or 'json', got {format!r}")


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting strings that YAML 1.2 would read as something else
    (``1e-6``, ``0o17``): PyYAML quotes only what YAML 1.1 would."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        node = super().represent_str(data)
        if node.style is None and not yaml12.is_text(data):
            node.style = "'"
        return node


_Dumper.add_representer(str, _Dumper.represent_str)


def _format_of(path: Path) -> str:
    return "json" if path.suffix.lower() == ".json" else "yaml"


def load(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> ModelSpec:
    """A ModelSpec from a .yaml/.yml or .json file (UTF-8) within ``limits``; a larger file
    is refused before it is read."""
    path = Path(path)
    with path.open("rb") as file:
        data = file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise too_big(path.stat().st_size, limits)
    return loads(data, _format_of(path), path.parent, limits)


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
