"""Arrays a document names (``embedding: {weights: vectors.npy}``): found inside the document's
folder only, their .npy header read without NumPy (for ``check``), their data with NumPy (build)."""

from __future__ import annotations

import ast
import struct
from pathlib import Path
from typing import Any

from .base import At

MAGIC = b"\x93NUMPY"


def locate(relative: str, at: At) -> Path:
    """The file ``relative`` names in the document's folder; refuse one that resolves outside
    it (through a link, say)."""
    folder = Path(at.folder or ".").resolve()
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder):
        raise at.fail(f"weights file {relative!r} resolves outside the document's folder {folder}")
    return path


def npy_header(path: Path, at: At) -> tuple[str, tuple[int, ...]]:
    """(dtype descr, shape) from a .npy file's header, read without NumPy."""
    try:
        with path.open("rb") as f:
            head = f.read(10)
            if head[:6] != MAGIC:
                raise ValueError("not a .npy file (bad magic)")
            major = head[6]
            size_format = "<H" if major == 1 else "<I"
            if major != 1:
                head += f.read(2)
            (length,) = struct.unpack(size_format, head[8:])
            header = ast.literal_eval(f.read(length).decode("latin1"))
        return str(header["descr"]), tuple(int(n) for n in header["shape"])
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, struct.error) as exc:
        raise at.fail(f"cannot read the weights file {path}: {exc}") from None


def check_shape(descr: str, shape: tuple[int, ...], wanted: tuple[int, ...], path: Path, at: At) -> None:
    if shape != wanted:
        raise at.fail(f"weights file {path.name} holds an array of shape {shape}, needs "
                      f"(vocab, dim) = {wanted}")
    if descr.lstrip("<>|=")[:1] not in ("f", "i", "u"):
        raise at.fail(f"weights file {path.name} holds dtype {descr!r}, needs numbers")


def check_file(relative: str, wanted: tuple[int, ...], at: At) -> None:
    """Check the header of a weights file if it is there (it may come later, before build)."""
    path = locate(relative, at)
    if path.exists():
        check_shape(*npy_header(path, at), wanted, path, at)


def load_array(relative: str, wanted: tuple[int, ...], at: At) -> Any:
    """The array of a weights file, which must exist and have the shape ``wanted``."""
    import numpy as np

    path = locate(relative, at)
    if not path.exists():
        raise at.fail(f"weights file {relative!r} not found in {path.parent}")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise at.fail(f"cannot read the weights file {path}: {exc}") from None
    check_shape(array.dtype.str, tuple(array.shape), wanted, path, at)
    return array
