"""SpecError: every invalid document or tree is reported through it, with its path."""

from __future__ import annotations


def join_path(outer: str, inner: str) -> str:
    """Join two document paths: ``join_path("body[2]", "dense.units")``."""
    if not outer:
        return inner
    if not inner:
        return outer
    return outer + inner if inner.startswith("[") else f"{outer}.{inner}"


class SpecError(ValueError):
    """An invalid spec. ``path`` is where in the document; the message starts with it."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)

    def within(self, outer: str) -> SpecError:
        """The same error seen from an enclosing node at ``outer``."""
        err = SpecError(join_path(outer, self.path), self.message)
        err.__cause__ = self.__cause__
        return err
