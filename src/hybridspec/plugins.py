"""The plugin API: block kinds added from Python or from installed packages.

``register_block`` gives a kind everything a built-in one has: the spec class is registered
under its kind (loaded from documents, in the JSON Schema), its implementation (shape rule,
parameter count, Keras builder, multiply-adds) is checked, plotted and built by the one walk,
and ``strategy`` lets the public Hypothesis strategies (testing/trees.py) draw it.

Installed packages declare an entry point in the group ``hybridspec.blocks``; it names a
callable (called with no arguments) or a module whose import registers its kinds. Entry points
are read lazily: only when a document names a kind nobody registered, or when the schema, the
docs or the strategies need every kind. A cold ``check`` of built-in kinds never reads package
metadata.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import attrs

from .blocks.base import IMPLS, implements
from .specs.base import KINDS, Block, block

GROUP = "hybridspec.blocks"
# kind -> callable(Sig) giving a Hypothesis strategy of blocks for that input, or None
STRATEGIES: dict[str, Callable[[Any], Any]] = {}
_discovered = False


def register_block(cls: type[Block], *, kind: str, shape: Callable[..., Any], build: Callable[..., Any],
                   params: Callable[..., tuple[int, int]] | None = None, short: str | None = None,
                   positional: tuple[str, ...] = (), strategy: Callable[[Any], Any] | None = None,
                   **impl: Any) -> type[Block]:
    """Add the block kind ``kind``: ``cls`` is a frozen, kw-only attrs subclass of Block whose
    fields are made with ``hybridspec.specs.rules.field``; ``shape``, ``build`` and ``params``
    are as in ``blocks.base.Impl`` (as are ``call``, ``lint``, ``keras``, ``keras_args`` and
    ``macs`` in ``impl``); ``strategy(sig)`` returns a Hypothesis strategy of ``cls`` instances
    valid for an input ``sig``, or None when there is none. Returns ``cls``."""
    if not (isinstance(cls, type) and issubclass(cls, Block)) or not _is_attrs(cls):
        raise TypeError(f"{cls!r} must be an attrs class derived from hybridspec.Block")
    if KINDS.get(kind) is not cls:
        block(kind, short=short, positional=positional)(cls)
    implements(cls, shape=shape, build=build, **({"params": params} if params else {}), **impl)
    if strategy is not None:
        STRATEGIES[kind] = strategy
    return cls


def _is_attrs(cls: type) -> bool:
    return attrs.has(cls)


def unregister_block(kind: str) -> None:
    """Remove a kind added by ``register_block`` (for tests)."""
    cls = KINDS.pop(kind, None)
    IMPLS.pop(cls, None)  # type: ignore[arg-type]
    STRATEGIES.pop(kind, None)


def discover(force: bool = False) -> bool:
    """Load the ``hybridspec.blocks`` entry points of installed packages (once); True when any
    kind was added. A plugin that fails is skipped with a warning."""
    global _discovered
    if _discovered and not force:
        return False
    _discovered = True
    from importlib.metadata import entry_points

    before = len(KINDS)
    for point in entry_points(group=GROUP):
        try:
            loaded = point.load()
            if callable(loaded):
                loaded()
        except Exception as exc:  # noqa: BLE001 (a broken plugin must not break hybridspec)
            warnings.warn(f"hybridspec plugin {point.name} ({point.value}) failed to load: {exc!r}",
                          stacklevel=2)
    return len(KINDS) > before


def plugin_kinds() -> dict[str, type[Block]]:
    """Registered kinds that are not built in, after discovery."""
    discover()
    return {k: c for k, c in KINDS.items() if not c.__module__.startswith("hybridspec.")}


def docs() -> str:
    """The reference section of every plugin kind, in the format of docs/blocks.md."""
    from .docgen import section

    lines = ["## Plugin blocks", ""]
    for kind, cls in plugin_kinds().items():
        lines += section(kind, cls)
    return "\n".join(lines).rstrip("\n") + "\n"
